"""sipPhoneNumber: +E.164 by pattern, and a number the account can call from."""

from __future__ import annotations

from typing import Any

from .._catalogue import MUST, Cite, check
from .._context import Context
from ._cites import OPERATION
from ._probing import (
    Case,
    Sent,
    alone_and_beside,
    echoed,
    expect_unchanged,
    invalid_cases,
    other_than,
    refuse_all,
    refuse_generated,
    send_all,
)

_PHONE = "/components/schemas/UpdateCampaignRequest/properties/sipPhoneNumber"
PATTERN = Cite(f"{_PHONE}/pattern", r"^\+[1-9][0-9]{6,14}$")
E164 = Cite(f"{_PHONE}/description", "in +E.164 format.")
PROVISIONED = Cite(
    f"{_PHONE}/description",
    "Must be a number provisioned in SigmaMind or configured via SIP trunking that is "
    "enabled for outbound calls.",
)
BAD_REQUEST = Cite(f"{OPERATION}/responses/400/description", "Bad Request")
NOT_FOUND = Cite(f"{OPERATION}/responses/404/description", "Not Found")
FORBIDDEN = Cite(f"{OPERATION}/responses/403/description", "Forbidden")

ASCII_DIGITS = "0123456789"
# Digits of other scripts that \d and int() accept.
FOREIGN_DIGITS = {
    "Arabic-Indic": "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669",
    "fullwidth": "\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19",
    "Devanagari": "\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f",
}


def _echoed(ctx: Context, number: str, *, what: str) -> Sent:
    """The number to set, to be answered 200 showing it in phoneNumber."""
    return echoed(ctx, "sipPhoneNumber", number, shown_at="phoneNumber.sipPhoneNumber",
                  read=_current_number, what=what, noun="number")


def digit_bounds(ctx: Context) -> tuple[int, int]:
    """(fewest, most) digits after '+' the contract's pattern allows."""
    digits = ctx.contract.field("sipPhoneNumber").digits
    assert digits is not None, "the contract's sipPhoneNumber pattern is +E.164-shaped"
    return digits


def _current_number(state: dict[str, Any]) -> Any:
    phone = state.get("phoneNumber")
    return phone.get("sipPhoneNumber") if isinstance(phone, dict) else None


@check(
    id="provisioned_numbers_accepted",
    level=MUST,
    area="sipPhoneNumber",
    cites=[PATTERN, PROVISIONED],
)
def provisioned_numbers_accepted(ctx: Context) -> None:
    """Every provisioned number is accepted and echoed in phoneNumber.

    Sets each number of the target file's phone_numbers in turn (those of
    7 and 15 digits test the pattern's bounds); each answer must carry it
    in phoneNumber.sipPhoneNumber.
    """
    current = _current_number(ctx.state())
    numbers = list(ctx.fixtures.phone_numbers)
    # Start with a number the campaign does not have, so each request changes it.
    numbers.sort(key=lambda n: n == current)
    # Each answer shows its own number: they are judged each on its own.
    send_all(ctx, [_echoed(ctx, number, what=f"provisioned sipPhoneNumber {number}")
                   for number in numbers])


def _malformed(number: str) -> list[tuple[str, str]]:
    """Readable pattern breaks of a valid `number`, each keeping its digits."""
    d = number[1:]
    cc, rest = d[:1], d[1:]
    mid = len(rest) // 2
    variants = [
        ("without '+'", d),
        ("with 00 instead of '+'", "00" + d),
        ("with '++'", "++" + d),
        ("with a space inside", f"+{cc} {rest}"),
        ("with dashes", f"+{cc}-{rest[:mid]}-{rest[mid:]}"),
        ("with dots", f"+{cc}.{rest[:mid]}.{rest[mid:]}"),
        ("with parentheses", f"+{cc} ({rest[:mid]}) {rest[mid:]}"),
        ("with a trailing newline", number + "\n"),
        ("with a leading space", " " + number),
        ("with a trailing space", number + " "),
        ("with a letter O for a 0-like digit", "+" + d[:-1] + "O"),
        ("as a tel: URI", "tel:" + number),
        ("with a leading 0 after '+'", "+0" + d),
    ]
    for script, digits in FOREIGN_DIGITS.items():
        converted = "".join(digits[int(c)] for c in d)
        variants.append((f"in {script} digits", "+" + converted))
    last = FOREIGN_DIGITS["Arabic-Indic"][int(d[-1])]
    variants.append(("with its last digit in Arabic-Indic", "+" + d[:-1] + last))
    return variants


def _off_by_one_lengths(
    numbers: tuple[str, ...], bounds: tuple[int, int]
) -> list[tuple[str, str]]:
    """Numbers one digit shorter or longer than provisioned numbers at the bounds.

    An account may hold legacy numbers just outside the pattern; these near
    misses of the bound numbers are where such a record would lie.
    """
    fewest, most = bounds
    out: list[tuple[str, str]] = []
    for number in numbers:
        digits = len(number) - 1
        if digits == fewest:
            out.append((f"{number} less its last digit ({fewest - 1} digits)", number[:-1]))
        if digits == most:
            out.extend((f"{number} with {extra} appended ({most + 1} digits)", number + extra)
                       for extra in ASCII_DIGITS)
    return out


@check(
    id="phone_pattern_enforced",
    level=MUST,
    area="sipPhoneNumber",
    cites=[PATTERN, E164, BAD_REQUEST],
)
def phone_pattern_enforced(ctx: Context) -> None:
    """sipPhoneNumber not matching ^\\+[1-9][0-9]{6,14}$ is rejected with 400.

    Takes a provisioned number and breaks its form: no '+', separators,
    parentheses, trailing newline, spaces, letters, non-ASCII digits; adds
    6- and 16-digit near misses of the provisioned numbers at the bounds,
    and generated invalid numbers. None may be normalised and stored: the
    campaign must not change.
    """
    before = ctx.state()
    source = other_than(_current_number(before), ctx.fixtures.phone_numbers)
    cases: list[Case] = [
        (f"sipPhoneNumber {source} {how}: {value!r}", {"sipPhoneNumber": value})
        for how, value in _malformed(source)
    ]
    cases += [
        (f"sipPhoneNumber {how}: {value!r}", {"sipPhoneNumber": value})
        for how, value in _off_by_one_lengths(ctx.fixtures.phone_numbers, digit_bounds(ctx))
    ]
    cases += [('sipPhoneNumber ""', {"sipPhoneNumber": ""}),
              ('sipPhoneNumber "+"', {"sipPhoneNumber": "+"})]
    refuse_all(ctx, cases, {400})
    refuse_generated(ctx, invalid_cases(ctx, "phone_pattern_enforced"))
    expect_unchanged(ctx, before, what="malformed phone numbers")



# Numbers no account can own: +999 is a spare ITU-T E.164 country code, and
# 555-0100..0199 is the NANP range kept for fiction. Near misses of
# provisioned numbers are avoided: numbers are bought in blocks, so the
# neighbour of a number may well belong to the account.
SPARE_CODE = "999"
FICTIONAL = ("+12125550142", "+4499912345678")


def unownable(ctx: Context) -> list[str]:
    """Pattern-valid numbers no account can own, at both digit bounds and between."""
    fewest, most = digit_bounds(ctx)
    run = "1234567890" * (most // 10 + 1)
    at_bounds = ["+" + (SPARE_CODE + run)[:size] for size in (fewest, most)]
    phone = ctx.contract.field("sipPhoneNumber")
    return [n for n in dict.fromkeys([*at_bounds, *FICTIONAL]) if phone.matches(n)]


@check(
    id="unprovisioned_number_rejected",
    level=MUST,
    area="sipPhoneNumber",
    cites=[PROVISIONED, BAD_REQUEST, NOT_FOUND],
)
def unprovisioned_number_rejected(ctx: Context) -> None:
    """A well-formed number the account cannot use is refused: 400 or 404.

    Sends numbers no account can own (7 and 15 digits, spare country code
    +999, fictional NANP range) and generated +E.164 numbers outside the
    target file; the campaign must not change.
    """
    before = ctx.state()
    known = {*ctx.fixtures.phone_numbers, ctx.fixtures.foreign_phone_number}
    cases = [(f"sipPhoneNumber {n}, which no account can own", {"sipPhoneNumber": n})
             for n in unownable(ctx) if n not in known]
    refuse_all(ctx, cases, {400, 404})
    refuse_generated(ctx, invalid_cases(ctx, "unprovisioned_number_rejected"))
    expect_unchanged(ctx, before, what="numbers that are not provisioned")


@check(
    id="foreign_number_refused",
    level=MUST,
    area="sipPhoneNumber",
    cites=[PROVISIONED, FORBIDDEN, NOT_FOUND],
    needs=("foreign_phone_number",),
)
def foreign_number_refused(ctx: Context) -> None:
    """Another account's number is refused: 400, 403 or 404.

    Sends the target file's foreign_phone_number alone and beside a valid
    concurrentCalls change; the campaign must not change.
    """
    foreign = ctx.fixtures.foreign_phone_number
    assert foreign is not None
    before = ctx.state()
    cases = alone_and_beside(before, "another account's sipPhoneNumber", "sipPhoneNumber",
                             foreign)
    refuse_all(ctx, cases, {400, 403, 404})
    expect_unchanged(ctx, before, what="another account's number")


@check(
    id="outbound_disabled_number_rejected",
    level=MUST,
    area="sipPhoneNumber",
    cites=[PROVISIONED, BAD_REQUEST, NOT_FOUND],
    needs=("outbound_disabled_numbers",),
)
def outbound_disabled_number_rejected(ctx: Context) -> None:
    """A number of the account not enabled for outbound is refused.

    Sends each of the target file's outbound_disabled_numbers alone and
    beside a valid concurrentCalls change: 400 or 404, and the campaign
    must not change.
    """
    before = ctx.state()
    cases = [case for number in ctx.fixtures.outbound_disabled_numbers
             for case in alone_and_beside(before, f"sipPhoneNumber {number}, not enabled for "
                                          "outbound", "sipPhoneNumber", number)]
    refuse_all(ctx, cases, {400, 404})
    expect_unchanged(ctx, before, what="numbers not enabled for outbound")
