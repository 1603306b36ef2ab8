"""The TLS context of verified connections, built once per process."""

from __future__ import annotations

import functools
import ssl


@functools.cache
def default_tls() -> ssl.SSLContext:
    """What httpx builds for ``verify=True`` (certifi's roots, its client not trusting the
    environment), loaded once: loading the roots takes some 40 ms, and a run makes a
    client, and the project's tests hundreds of them."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())
