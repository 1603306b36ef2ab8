"""Hypothesis strategies for request bodies of PATCH /v1/campaigns/{campaignId}.

Valid values (:func:`campaign_names`, :func:`e164_numbers`,
:func:`time_zones`, :func:`schedules`, :func:`dst_edge_schedules`), whole valid update bodies
(:func:`update_bodies`), bodies breaking exactly one rule of the contract
(:func:`invalid_bodies`, with the rules and their allowed statuses in
:data:`RULES`), and raw payloads no server should answer with a 5xx
(:func:`hostile_payloads`), hostile-but-legal names and the equivalent ways
JSON writes one value (:func:`hostile_names`, :func:`json_encodings`).

Every bound and pattern is read from the contract model
(``conformance._contract``): a strategy takes its bounds as keyword
arguments, defaulting to the contract's, and ``contract=`` points it at
another reading of the document.
"""

from ._bodies import (
    LENIENT_JSON,
    MALFORMED_JSON,
    RULES,
    UNKNOWN_PROPERTY,
    InvalidBody,
    concurrent_calls,
    dynamic_variables,
    invalid_bodies,
    update_bodies,
)
from ._hostile import hostile_payloads
from ._names import campaign_names
from ._phones import e164_numbers, invalid_e164_numbers
from ._raw import RawBody
from ._schedules import (
    Schedule,
    dst_edge_schedules,
    dst_edges,
    past_schedules,
    schedule_earlier_today,
    schedules,
)
from ._text import CONTROL_CHARACTERS, HOSTILE_TEXTS, hostile_names, json_encodings
from ._zones import time_zones

__all__ = [
    "CONTROL_CHARACTERS",
    "HOSTILE_TEXTS",
    "LENIENT_JSON",
    "MALFORMED_JSON",
    "RULES",
    "UNKNOWN_PROPERTY",
    "InvalidBody",
    "RawBody",
    "Schedule",
    "campaign_names",
    "concurrent_calls",
    "dst_edge_schedules",
    "dst_edges",
    "dynamic_variables",
    "e164_numbers",
    "hostile_names",
    "hostile_payloads",
    "invalid_bodies",
    "invalid_e164_numbers",
    "json_encodings",
    "past_schedules",
    "schedule_earlier_today",
    "schedules",
    "time_zones",
    "update_bodies",
]
