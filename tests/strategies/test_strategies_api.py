"""The public API: names exported, documented, and nothing else."""

import inspect

import strategies

EXPECTED = {
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
}


def test_all_is_curated():
    assert set(strategies.__all__) == EXPECTED
    for name in strategies.__all__:
        assert hasattr(strategies, name)


def test_public_callables_are_documented_and_keyword_only():
    for name in strategies.__all__:
        value = getattr(strategies, name)
        if not callable(value) or inspect.isclass(value):
            continue
        assert value.__doc__ and value.__doc__.strip().splitlines()[0], name
        for parameter in inspect.signature(value).parameters.values():
            assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, (name, parameter)


def test_modules_say_what_they_make():
    for module in ("_bodies", "_hostile", "_names", "_phones", "_raw", "_schedules", "_text",
                   "_zones"):
        assert getattr(strategies, module).__doc__, module
