"""Correct servers that read the contract differently from the reference pass.

Each variant of reference/variants.py takes the other side of a genuine
ambiguity (spec/errata.yaml): 404 for a foreign campaign, scheduledDate left
out rather than null, a schedule rendered with its zone's offset, a
"future date" compared by whole dates, and so on; and the zoo of traits real
deployments have (compressed, chunked or closed answers, moving undocumented
fields, error types, a clock off by two minutes, 429s, latency), which the
contract does not govern. A failed MUST check against
any of them is a false positive of the suite. Variants that depart only from
a SHOULD rule must pass without --strict and fail only that SHOULD check.
"""

from __future__ import annotations

import pytest
from suiterun import SuiteRunner

from reference import VARIANTS

# Each variant is the reference with one trait changed, and the reference
# itself passes strictly over eight seeds (test_reference_conforms.py): one
# whole run each proves the trait, each variant with a seed of its own, so
# that together they still draw data from many seeds. The zoo's traits of
# content (undocumented and moving fields, error types, a clock off by two
# minutes) do not depend on the data drawn at all.
#
# Its traits of transport touch every exchange alike, so a selection that reads
# and compares bodies of every kind and judges every exchange proves them; the
# 100 ms one adds the checks that read the time.
TRANSPORT_CHECKS = ("response_reflects_update", "omitted_fields_unchanged",
                    "repeated_update_is_stable", "rejected_request_changes_nothing",
                    "dynamic_variables_accepted", "malformed_json_rejected",
                    "response_matches_schema", "error_status_matches_http",
                    "error_reason_phrase_matches", "no_server_errors",
                    "every_request_answered", "status_code_documented")
SELECTIONS = {
    **{name: TRANSPORT_CHECKS for name in (
        "gzip_responses", "deflate_responses", "br_responses", "chunked_responses",
        "connection_close", "idle_connections_closed", "rate_limited_now_and_then",
        "unavailable_now_and_then")},
    "slow_responses": ("past_schedule_rejected", "future_schedule_accepted",
                       "repeated_update_is_stable", "omitted_fields_unchanged",
                       "every_request_answered", "status_code_documented"),
    # The proxy answers only bodies over 1 MiB: the checks that send or judge them.
    "proxy_body_limit": ("status_code_documented", "refusals_use_documented_statuses",
                         "response_content_type_is_json", "response_matches_schema",
                         "error_status_matches_http", "error_reason_phrase_matches",
                         "error_path_is_request_path", "no_server_errors",
                         "every_request_answered", "api_key_not_echoed"),
    # 414 answers only ids over 100 characters: the checks that send or judge them.
    "long_ids_414": ("unknown_campaign_is_404", "status_code_documented",
                     "refusals_use_documented_statuses", "response_content_type_is_json",
                     "response_matches_schema", "error_status_matches_http",
                     "error_reason_phrase_matches", "error_path_is_request_path",
                     "no_server_errors", "every_request_answered"),
    # 415 answers only requests not sent as JSON: the checks that send or judge them.
    "unsupported_media_type_415": ("missing_body_rejected", "media_type_variants_accepted",
                                   "no_server_errors", "rejected_request_changes_nothing",
                                   "status_code_documented", "refusals_use_documented_statuses",
                                   "response_content_type_is_json", "response_matches_schema",
                                   "error_status_matches_http", "error_reason_phrase_matches",
                                   "every_request_answered"),
}
KEYS = [(name, seed) for seed, name in enumerate(sorted(set(VARIANTS) - set(SELECTIONS)),
                                                 start=1)]
# A whole run passes these (test_histories.py counts on it for a second seed).
HISTORY_CHECKS = ("histories_follow_the_model", "concurrent_updates_all_applied",
                  "concurrent_identical_updates_agree")
# The SHOULD check each non-strict variant is expected to break, and only it.
SHOULD_DEPARTURES = {
    "unknown_properties_rejected": "unknown_properties_ignored",
    "error_path_of_examples": "error_path_is_request_path",
    "validation_errors_absent": "validation_errors_name_fields",
    "proxy_body_limit": "refusals_use_documented_statuses",
    "parsing_before_auth": "auth_checked_before_parsing",
    "unsupported_media_type_415": "refusals_use_documented_statuses",
    "long_ids_414": "refusals_use_documented_statuses",
    "lenient_json_readings": "lenient_json_refused",
}


def argv_for(name: str, seed: int) -> list[str]:
    argv = ["run", "--no-allure", "--no-report", "--variant", name, "--seed", str(seed)]
    if name in SELECTIONS:
        argv += [arg for check in SELECTIONS[name] for arg in ("--check", check)]
    return [*argv, "--strict"] if VARIANTS[name].strict_ok else argv


def test_every_non_strict_variant_names_its_should_departure() -> None:
    assert {n for n, v in VARIANTS.items() if not v.strict_ok} == set(SHOULD_DEPARTURES)


def test_every_selection_names_a_variant() -> None:
    assert set(SELECTIONS) <= set(VARIANTS)


# One run per test (on the session's worker interpreters), so that xdist
# spreads the variants over its workers.
@pytest.mark.parametrize("name,seed", [*KEYS, *((name, 1) for name in SELECTIONS)])
def test_a_conformant_variant_passes(name: str, seed: int, suite_runner: SuiteRunner) -> None:
    run = suite_runner.run(*argv_for(name, seed))
    assert run.code == 0, run.explain()
    outcomes = run.outcomes()
    assert outcomes, run.explain()
    broken = {c: o for c, o in outcomes.items() if o in ("failed", "error")}
    assert not broken, run.explain()
    departures = {c for c, o in outcomes.items() if o == "non-strict"}
    expected = {SHOULD_DEPARTURES[name]} if name in SHOULD_DEPARTURES else set()
    assert departures == expected, run.explain()
    if name not in SELECTIONS:
        assert all(outcomes[check] == "passed" for check in HISTORY_CHECKS), run.explain()
