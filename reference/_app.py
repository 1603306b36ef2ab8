"""The Starlette application serving ``PATCH /v1/campaigns/{campaignId}``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import format_datetime

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from conformance._contract import Contract

from ._rules import ApiError, Rules
from ._world import World, load_world

CAMPAIGN_ROUTE = "/v1/campaigns/{campaignId}"


class _AnyMethod:
    """ASGI endpoint for every HTTP method (Starlette would answer a plain 405 itself)."""

    def __init__(self, handler: Callable[[Request], Awaitable[Response]]) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(Request(scope, receive))
        await response(scope, receive, send)


def create_app(
    world: World | None = None,
    *,
    rules: type[Rules] = Rules,
    clock: Callable[[], datetime] | None = None,
    contract: Contract | None = None,
) -> Starlette:
    """Build the app over ``world`` (default fixtures when None).

    ``rules`` selects the behaviour (the reference or a mutant); ``clock``
    replaces the server's notion of "now" (an aware UTC datetime);
    ``contract`` the document the limits are read from (default: the
    published one).
    """
    world = world if world is not None else load_world()
    behaviour = rules(world, clock=clock, contract=contract)

    def dated(response: Response) -> Response:
        # The Date header follows the server's clock (RFC 9110 section 6.6.1), so a
        # client can measure it; serve with the ASGI server's own Date turned off.
        if "date" not in response.headers:
            response.headers["Date"] = format_datetime(behaviour.now().astimezone(UTC), usegmt=True)
        return response

    async def campaign(request: Request) -> Response:
        return dated(await behaviour.respond(request))

    async def not_found(request: Request) -> Response:
        return dated(behaviour.error_response(
            request, ApiError(404, "The requested resource was not found")
        ))

    app = Starlette(
        routes=[
            Route(CAMPAIGN_ROUTE, _AnyMethod(campaign)),
            Route("/{rest:path}", _AnyMethod(not_found)),
        ],
    )
    app.router.redirect_slashes = False
    app.state.world = world
    app.state.rules = behaviour
    return app
