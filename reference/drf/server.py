"""Entry point: Update Campaign (PATCH /v1/campaigns/{campaignId}) on Django REST Framework,
served by waitress.

    python server.py --fixtures FILE [--host 127.0.0.1] [--port 0]

Prints one JSON line {"port": N} once listening; stops on SIGTERM.
The list of interpretation choices is the comment block at the top of campaign_api.py.
"""

import argparse
import json
import os
import secrets
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def configure_django():
    from django.conf import settings

    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS=["*"],
        ROOT_URLCONF="campaign_api",
        INSTALLED_APPS=["rest_framework"],
        # CommonMiddleware: sets Content-Length, so waitress can keep connections alive.
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        APPEND_SLASH=False,
        DATABASES={},
        USE_TZ=True,
        TIME_ZONE="UTC",
        USE_I18N=False,
        REST_FRAMEWORK={
            "DEFAULT_AUTHENTICATION_CLASSES": ["campaign_core.ApiKeyAuthentication"],
            "DEFAULT_PERMISSION_CLASSES": ["campaign_core.ApiKeyRequired"],
            "DEFAULT_PARSER_CLASSES": ["campaign_core.BodyJSONParser"],
            "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
            "EXCEPTION_HANDLER": "campaign_api.api_exception_handler",
            "UNAUTHENTICATED_USER": None,
            "UNAUTHENTICATED_TOKEN": None,
        },
    )
    import django

    django.setup()


def main():
    parser = argparse.ArgumentParser(description="Update Campaign API server")
    parser.add_argument("--fixtures", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fault", default=None,
                        help="inject one named fault (default: none, the conformant behaviour)")
    args = parser.parse_args()

    with open(args.fixtures, encoding="utf-8") as f:
        fixtures = json.load(f)

    configure_django()
    import campaign_core

    if args.fault is not None and args.fault not in campaign_core.FAULTS:
        parser.error("unknown fault %r; known: %s" % (args.fault, ", ".join(campaign_core.FAULTS)))
    campaign_core.FAULT = args.fault
    from django.core.wsgi import get_wsgi_application
    from waitress import create_server

    campaign_core.load_fixtures(fixtures)
    app = get_wsgi_application()

    server = create_server(
        app,
        host=args.host,
        port=args.port,
        threads=8,
        max_request_body_size=16 * 1024 * 1024,
        ident="campaign-api",
    )
    port = getattr(server, "effective_port", None)
    if port is None:  # several sockets (host name resolving to several addresses)
        port = server.effective_listen[0][1]

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sys.stdout.write(json.dumps({"port": int(port)}) + "\n")
    sys.stdout.flush()
    try:
        server.run()
    except SystemExit:
        pass
    finally:
        server.close()


if __name__ == "__main__":
    main()
