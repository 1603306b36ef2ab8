"""Reference implementation of ``PATCH /v1/campaigns/{campaignId}`` and its mutants.

The reference server is a Starlette app over an in-memory :class:`World`
loaded from TOML fixtures. Each mutant is the reference with one deliberate
fault, used to measure whether a conformance suite notices it.
"""

from ._app import create_app
from ._rules import ApiError, Invalid, Rules, format_instant
from ._server import RunningServer, serve_in_thread
from ._world import (
    Account,
    Agent,
    Campaign,
    FixtureError,
    PhoneNumber,
    Schedule,
    World,
    load_world,
)
from .mutants import MUTANTS, Mutant
from .variants import VARIANTS, Variant

__all__ = [
    "MUTANTS",
    "Account",
    "Agent",
    "ApiError",
    "Campaign",
    "FixtureError",
    "Invalid",
    "Mutant",
    "PhoneNumber",
    "Rules",
    "RunningServer",
    "VARIANTS",
    "Variant",
    "Schedule",
    "World",
    "create_app",
    "format_instant",
    "load_world",
    "serve_in_thread",
]
