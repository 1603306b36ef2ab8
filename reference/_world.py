"""Data model of the reference server and loading of its fixtures.

A :class:`World` holds accounts; each account owns agents, phone numbers and
campaigns. Every :func:`load_world` call reads the fixtures file again, so each
World is fresh and independent of the others.
"""

from __future__ import annotations

import secrets
import threading
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from conformance._contract import Contract
from conformance._operation import UPDATE_CAMPAIGN

DEFAULT_FIXTURES = Path(str(resources.files(__package__) / "fixtures.toml"))

CAMPAIGN_STATUSES = ("live", "scheduled", "paused", "completed")
AGENT_STATUSES = ("Live", "Testing", "Disabled")
PROVIDERS = ("twilio", "telnyx", "byo")


class FixtureError(ValueError):
    """The fixtures file is unreadable or describes an inconsistent world."""


@dataclass
class Agent:
    agent_id: str
    name: str
    status: str
    legacy: bool = False


@dataclass
class PhoneNumber:
    sip_phone_number: str
    provider: str
    inbound_agent_id: str
    outbound_agent_id: str
    outbound_phone_number: str
    active: bool
    termination_sip_uri: str
    friendly_name: str
    legacy: bool = False


@dataclass
class Schedule:
    """A launch instant (aware, UTC) and the IANA zone it was given in."""

    at: datetime
    timezone: str


@dataclass
class Campaign:
    campaign_id: str
    name: str
    status: str
    concurrent_calls: int
    agent: Agent
    phone_number: PhoneNumber
    schedule: Schedule | None = None
    errors: list[str] = field(default_factory=list)
    dynamic_variables: dict[str, Any] = field(default_factory=dict)


@dataclass
class Account:
    account_id: str
    api_key: str
    agents: dict[str, Agent] = field(default_factory=dict)
    phone_numbers: dict[str, PhoneNumber] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)


@dataclass
class World:
    """Mutable state of one reference server."""

    accounts: dict[str, Account]
    primary_account_id: str
    target_campaign_id: str
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @property
    def primary(self) -> Account:
        return self.accounts[self.primary_account_id]

    @property
    def foreign(self) -> Account:
        return next(a for a in self.accounts.values() if a.account_id != self.primary_account_id)

    @property
    def primary_key(self) -> str:
        """The API key of the account under test (account A)."""
        return self.primary.api_key

    def account_for_key(self, api_key: str) -> Account | None:
        for account in self.accounts.values():
            if secrets.compare_digest(account.api_key.encode(), api_key.encode()):
                return account
        return None

    def find_campaign(self, campaign_id: str) -> tuple[Account, Campaign] | None:
        for account in self.accounts.values():
            campaign = account.campaigns.get(campaign_id)
            if campaign is not None:
                return account, campaign
        return None

    def target_fixtures(self) -> dict[str, Any]:
        """Identifiers a client suite needs, for account A (foreign = account B).

        Beside the target file's required fixtures: another account's campaign
        name (names are unique per account only) and this account's numbers
        that are not enabled for outbound calls.
        """
        primary, foreign = self.primary, self.foreign
        taken = next(
            c.name for c in primary.campaigns.values() if c.campaign_id != self.target_campaign_id
        )
        foreign_number = next(
            n.sip_phone_number for n in foreign.phone_numbers.values() if n.active
        )
        return {
            "campaign_id": self.target_campaign_id,
            "taken_campaign_name": taken,
            "agent_ids": [a.agent_id for a in primary.agents.values() if not a.legacy],
            "phone_numbers": [
                n.sip_phone_number
                for n in primary.phone_numbers.values()
                if n.active and not n.legacy
            ],
            "foreign_campaign_id": next(iter(foreign.campaigns)),
            "foreign_agent_id": next(iter(foreign.agents)),
            "foreign_phone_number": foreign_number,
            "foreign_campaign_name": next(iter(foreign.campaigns.values())).name,
            "outbound_disabled_numbers": [
                n.sip_phone_number
                for n in primary.phone_numbers.values()
                if not n.active and not n.legacy
            ],
        }

    def out_of_contract_fixtures(self) -> dict[str, Any]:
        """Legacy records of account A whose ids break the documented request limits."""
        primary = self.primary
        return {
            "agent_ids": [a.agent_id for a in primary.agents.values() if a.legacy],
            "phone_numbers": [
                n.sip_phone_number for n in primary.phone_numbers.values() if n.legacy
            ],
            "inactive_phone_numbers": [
                n.sip_phone_number for n in primary.phone_numbers.values() if not n.active
            ],
        }


# ---------------------------------------------------------------- loading


class _Reader:
    """Typed access to one TOML table, naming the offending field on error."""

    def __init__(self, table: Any, where: str) -> None:
        if not isinstance(table, dict):
            raise FixtureError(f"{where}: expected a table")
        self.table = table
        self.where = where

    def _name(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def text(self, key: str, *, default: str | None = None, choices: tuple[str, ...] = ()) -> str:
        value = self.table.get(key, default)
        if value is None:
            raise FixtureError(f"{self._name(key)}: missing")
        if not isinstance(value, str) or not value:
            raise FixtureError(f"{self._name(key)}: expected a non-empty string, got {value!r}")
        if choices and value not in choices:
            raise FixtureError(f"{self._name(key)}: expected one of {choices}, got {value!r}")
        return value

    def opt_text(self, key: str) -> str | None:
        if key not in self.table:
            return None
        return self.text(key)

    def flag(self, key: str, *, default: bool | None = None) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise FixtureError(f"{self._name(key)}: expected a boolean, got {value!r}")
        return value

    def integer(self, key: str, *, minimum: int, maximum: int) -> int:
        value = self.table.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise FixtureError(f"{self._name(key)}: expected an integer, got {value!r}")
        if not minimum <= value <= maximum:
            raise FixtureError(f"{self._name(key)}: expected {minimum}..{maximum}, got {value}")
        return value

    def array(self, key: str) -> list[Any]:
        value = self.table.get(key, [])
        if not isinstance(value, list):
            raise FixtureError(f"{self._name(key)}: expected an array")
        return value

    def tables(self, key: str) -> list[_Reader]:
        return [_Reader(item, f"{self._name(key)}[{i}]") for i, item in enumerate(self.array(key))]


def _parse_instant(reader: _Reader, key: str) -> datetime:
    text = reader.text(key)
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise FixtureError(f"{reader._name(key)}: not an ISO 8601 date-time: {text!r}") from None
    if at.tzinfo is None:
        raise FixtureError(f"{reader._name(key)}: needs an offset or Z: {text!r}")
    return at.astimezone(UTC)


def _load_account(reader: _Reader, seen_keys: set[str], calls: tuple[int, int]) -> Account:
    account_id = reader.text("id")
    api_key = reader.opt_text("api_key") or secrets.token_urlsafe(24)
    if api_key in seen_keys:
        raise FixtureError(f"{reader._name('api_key')}: used by another account")
    seen_keys.add(api_key)
    account = Account(account_id=account_id, api_key=api_key)

    for agent_reader in reader.tables("agents"):
        agent = Agent(
            agent_id=agent_reader.text("agent_id"),
            name=agent_reader.text("name"),
            status=agent_reader.text("status", choices=AGENT_STATUSES),
            legacy=agent_reader.flag("legacy", default=False),
        )
        if agent.agent_id in account.agents:
            raise FixtureError(f"{agent_reader._name('agent_id')}: duplicate {agent.agent_id!r}")
        account.agents[agent.agent_id] = agent

    for number_reader in reader.tables("phone_numbers"):
        number = PhoneNumber(
            sip_phone_number=number_reader.text("sip_phone_number"),
            provider=number_reader.text("provider", choices=PROVIDERS),
            inbound_agent_id=number_reader.text("inbound_agent_id"),
            outbound_agent_id=number_reader.text("outbound_agent_id"),
            outbound_phone_number=number_reader.text("outbound_phone_number"),
            active=number_reader.flag("active", default=True),
            termination_sip_uri=number_reader.text("termination_sip_uri"),
            friendly_name=number_reader.text("friendly_name"),
            legacy=number_reader.flag("legacy", default=False),
        )
        if number.sip_phone_number in account.phone_numbers:
            raise FixtureError(
                f"{number_reader._name('sip_phone_number')}: duplicate {number.sip_phone_number!r}"
            )
        account.phone_numbers[number.sip_phone_number] = number

    for campaign_reader in reader.tables("campaigns"):
        agent_id = campaign_reader.text("agent_id")
        if agent_id not in account.agents:
            raise FixtureError(
                f"{campaign_reader._name('agent_id')}: no agent {agent_id!r} in {account_id!r}"
            )
        number_id = campaign_reader.text("sip_phone_number")
        if number_id not in account.phone_numbers:
            raise FixtureError(
                f"{campaign_reader._name('sip_phone_number')}: "
                f"no number {number_id!r} in {account_id!r}"
            )
        schedule = None
        if "scheduled_at" in campaign_reader.table:
            schedule = Schedule(
                at=_parse_instant(campaign_reader, "scheduled_at"),
                timezone=campaign_reader.text("scheduled_timezone", default="UTC"),
            )
        errors = campaign_reader.array("errors")
        if not all(isinstance(e, str) for e in errors):
            raise FixtureError(f"{campaign_reader._name('errors')}: expected strings")
        variables = campaign_reader.table.get("dynamic_variables", {})
        if not isinstance(variables, dict):
            raise FixtureError(f"{campaign_reader._name('dynamic_variables')}: expected a table")
        campaign = Campaign(
            campaign_id=campaign_reader.text("campaign_id"),
            name=campaign_reader.text("name"),
            status=campaign_reader.text("status", choices=CAMPAIGN_STATUSES),
            concurrent_calls=campaign_reader.integer(
                "concurrent_calls", minimum=calls[0], maximum=calls[1]
            ),
            agent=account.agents[agent_id],
            phone_number=account.phone_numbers[number_id],
            schedule=schedule,
            errors=list(errors),
            dynamic_variables=dict(variables),
        )
        account.campaigns[campaign.campaign_id] = campaign
    return account


def load_world(path: str | Path | None = None, *, contract: Contract | None = None) -> World:
    """Read a fixtures file (default: ``reference/fixtures.toml``) into a fresh World.

    Values the contract bounds (concurrent calls) are checked against
    ``contract`` (default: the published document).
    """
    calls = (contract or UPDATE_CAMPAIGN.contract).field("concurrentCalls").integer_bounds
    source = Path(path) if path is not None else DEFAULT_FIXTURES
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FixtureError(f"cannot read fixtures file {source}: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FixtureError(f"fixtures file {source} is not valid TOML: {exc}") from None

    root = _Reader(data, "")
    seen_keys: set[str] = set()
    accounts: dict[str, Account] = {}
    campaign_owner: dict[str, str] = {}
    names_by_account: dict[str, set[str]] = {}
    for account_reader in root.tables("accounts"):
        account = _load_account(account_reader, seen_keys, calls)
        if account.account_id in accounts:
            raise FixtureError(f"{account_reader._name('id')}: duplicate {account.account_id!r}")
        for index, campaign in enumerate(account.campaigns.values()):
            where = f"{account_reader._name('campaigns')}[{index}]"
            if campaign.campaign_id in campaign_owner:
                raise FixtureError(f"{where}.campaign_id: duplicate {campaign.campaign_id!r}")
            campaign_owner[campaign.campaign_id] = account.account_id
            names = names_by_account.setdefault(account.account_id, set())
            if campaign.name in names:
                raise FixtureError(f"{where}.name: duplicate {campaign.name!r} in the account")
            names.add(campaign.name)
        accounts[account.account_id] = account

    if len(accounts) < 2:
        raise FixtureError("accounts: need at least two accounts (one of them foreign)")
    primary_id = root.text("primary_account", default=next(iter(accounts)))
    if primary_id not in accounts:
        raise FixtureError(f"primary_account: no account {primary_id!r}")
    primary = accounts[primary_id]
    if len(primary.campaigns) < 2:
        raise FixtureError("primary_account: needs at least two campaigns (one name is taken)")
    target_id = root.text("target_campaign", default=next(iter(primary.campaigns)))
    if target_id not in primary.campaigns:
        raise FixtureError(f"target_campaign: no campaign {target_id!r} in {primary_id!r}")
    world = World(accounts=accounts, primary_account_id=primary_id, target_campaign_id=target_id)
    foreign = world.foreign
    if not foreign.campaigns or not foreign.agents:
        raise FixtureError("accounts: the foreign account needs a campaign and an agent")
    if not any(n.active for n in foreign.phone_numbers.values()):
        raise FixtureError("accounts: the foreign account needs an active phone number")
    return world
