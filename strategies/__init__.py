"""Hypothesis strategies for request bodies of PATCH /v1/campaigns/{campaignId}.

Valid values (:func:`campaign_names`, :func:`e164_numbers`,
:func:`time_zones`, :func:`schedules`), whole valid update bodies
(:func:`update_bodies`), bodies breaking exactly one rule of the contract
(:func:`invalid_bodies`, with the rules and their allowed statuses in
:data:`RULES`), and raw payloads no server should answer with a 5xx
(:func:`hostile_payloads`).
"""

from ._bodies import (
    DOCUMENTED_FIELDS,
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
from ._schedules import Schedule, past_schedules, schedule_earlier_today, schedules
from ._zones import time_zones

__all__ = [
    "DOCUMENTED_FIELDS",
    "RULES",
    "UNKNOWN_PROPERTY",
    "InvalidBody",
    "RawBody",
    "Schedule",
    "campaign_names",
    "concurrent_calls",
    "dynamic_variables",
    "e164_numbers",
    "hostile_payloads",
    "invalid_bodies",
    "invalid_e164_numbers",
    "past_schedules",
    "schedule_earlier_today",
    "schedules",
    "time_zones",
    "update_bodies",
]
