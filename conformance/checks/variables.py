"""dynamicVariables: an object whose values are strings, numbers, booleans,
objects or arrays, keyed by the agent's variable names."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from strategies import dynamic_variables

from .._catalogue import MUST, Cite, MissingFixture, check
from .._client import Exchange
from .._context import Context
from ._cites import OPERATION
from ._probing import (
    Sent,
    expect_kept,
    expect_unchanged,
    invalid_cases,
    refuse_all,
    refuse_generated,
    send_all,
    send_drawn,
    visible_change,
)

_VARIABLES = "/components/schemas/UpdateCampaignRequest/properties/dynamicVariables"
VALUE_TYPES = Cite(f"{_VARIABLES}/additionalProperties", "oneOf")
KEYS = Cite(f"{_VARIABLES}/description",
            "Keys must match variable names defined in the agent's configuration.")
EMPTY = Cite(f"{_VARIABLES}/description",
             "Leave empty if the CSV provides all required variables.")
EXAMPLE = Cite(f"{_VARIABLES}/example/customer_name", "Michael")
# The document's own example value of dynamicVariables.
DOCUMENT_EXAMPLE = {"customer_name": "Michael"}
BAD_REQUEST = Cite(f"{OPERATION}/responses/400/description", "Bad Request")

# One value of each type additionalProperties allows (oneOf string, number,
# boolean, object, array); nested values are unconstrained JSON.
TYPED_VALUES: tuple[tuple[str, Any], ...] = (
    ("a string", "Michael"),
    ("an empty string", ""),
    ("a non-ASCII string", "Zoë 中文 😀"),
    ("an integer", 42),
    ("a negative fraction", -12.75),
    ("zero", 0),
    ("true", True),
    ("false", False),
    ("an object", {"first": "Michael", "visits": 3, "vip": True}),
    ("a nested object", {"address": {"city": "Paris", "lines": ["1 rue X", None]}}),
    ("an empty object", {}),
    ("an array", ["a", 1, 2.5, False, {"k": "v"}]),
    ("an empty array", []),
)


@check(
    id="dynamic_variables_accepted",
    level=MUST,
    area="dynamicVariables",
    cites=[VALUE_TYPES, KEYS, EMPTY, EXAMPLE],
)
def dynamic_variables_accepted(ctx: Context) -> None:
    """dynamicVariables values of every allowed type are accepted.

    Keys come from the target file's dynamic_variable_names. Without them,
    and only on a loopback target (a disposable server: variables cannot be
    read back, so a staging campaign's could not be restored), the
    document's own example variable is tried first, and the check is not
    exercised if the target refuses it. Sends an empty object, then one
    value of each type (string, number, boolean, object, array, empty and
    nested ones), then generated maps; each must be 200 and, as the
    response does not show the variables, leave every field it does show
    as it was.
    """
    names = ctx.fixtures.dynamic_variable_names
    before = ctx.state()
    if not names:
        if not ctx.target.is_loopback:
            raise MissingFixture(["dynamic_variable_names"])
        probe = ctx.patch({"dynamicVariables": dict(DOCUMENT_EXAMPLE)})
        if probe.status != 200:
            ctx.not_exercised(
                f"the target answered {probe.status} to the document's example variables "
                f"{DOCUMENT_EXAMPLE}; name the agent's variables in dynamic_variable_names"
            )
        names = tuple(DOCUMENT_EXAMPLE)

    def accepted(variables: dict[str, Any], what: str) -> Sent:
        def judge(exchange: Exchange) -> None:
            after = ctx.expect_ok(exchange, sent=f"dynamicVariables with {what}")
            expect_kept(ctx, before, after, exchange=exchange, expected=(
                            "only dynamicVariables changes; the fields shown stay as they were"),
                        title=lambda fields: f"setting dynamicVariables changed {fields}")

        return {"body": {"dynamicVariables": variables}}, judge

    # None of these changes a field the response shows: each is judged on its own.
    send_all(ctx, [
        accepted({}, "no variables (empty object)"),
        *(accepted({names[index % len(names)]: value}, f"{what} as a value")
          for index, (what, value) in enumerate(TYPED_VALUES)),
        accepted({name: f"value of {name}" for name in names}, "every variable name"),
    ])
    maps = dynamic_variables().map(lambda drawn: dict(zip(names, drawn.values(), strict=False)))
    send_drawn(ctx, maps.filter(bool) | st.just({}),
               lambda variables: accepted(variables, f"generated values {variables!r}"[:200]))


@check(
    id="dynamic_variables_values_enforced",
    level=MUST,
    area="dynamicVariables",
    cites=[VALUE_TYPES, BAD_REQUEST],
)
def dynamic_variables_values_enforced(ctx: Context) -> None:
    """A null dynamicVariables value is rejected with 400.

    null is none of the types oneOf allows (OpenAPI 3.0 admits it only with
    nullable: true). Sends a single null value, a null beside valid ones,
    and generated maps holding a null; the campaign must not change.
    """
    names = ctx.fixtures.dynamic_variable_names or ("customer_name", "appointment_day")
    first, last = names[0], names[-1]
    before = ctx.state()
    cases = [
        (f"dynamicVariables {{{first!r}: null}}", {"dynamicVariables": {first: None}}),
        ("dynamicVariables with a null beside valid values",
         {"dynamicVariables": {**{n: "ok" for n in names}, last: None},
          **visible_change(before)}),
    ]
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "dynamic_variables_values_enforced"))
    expect_unchanged(ctx, before, what="dynamicVariables holding null")
