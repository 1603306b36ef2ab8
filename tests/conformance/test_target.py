"""Target files: every field read, every mistake named by its field."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from conformance._cli import main
from conformance._target import Limits, TargetError, load_target

ENV = {"STAGING_KEY": "key-0123456789"}

FULL = """\
base_url = "https://staging.example.com/"
api_key_env = "STAGING_KEY"

[fixtures]
campaign_id = "camp_1"
taken_campaign_name = "Taken"
agent_ids = ["agent_1", "agent_2"]
phone_numbers = ["+14155550100"]
foreign_campaign_id = "camp_other"
foreign_agent_id = "agent_other"
foreign_phone_number = "+14155550199"
dynamic_variable_names = ["customer_name"]

[limits]
timeout = 5
rate_limit = 2.5
max_requests = 300
time_budget = 600
max_retry_after = 10
"""

MINIMAL = """\
base_url = "http://127.0.0.1:8080"
api_key_env = "STAGING_KEY"
[fixtures]
campaign_id = "camp_1"
taken_campaign_name = "Taken"
agent_ids = ["agent_1"]
phone_numbers = ["+14155550100"]
"""


def load(tmp_path, text: str, environ: dict[str, str] | None = None):
    path = tmp_path / "target.toml"
    path.write_text(text, encoding="utf-8")
    return load_target(path, environ=ENV if environ is None else environ)


def test_every_field_is_read(tmp_path):
    target = load(tmp_path, FULL)
    assert target.base_url == "https://staging.example.com"
    assert target.api_key == "key-0123456789" and target.api_key_env == "STAGING_KEY"
    fx = target.fixtures
    assert (fx.campaign_id, fx.taken_campaign_name) == ("camp_1", "Taken")
    assert fx.agent_ids == ("agent_1", "agent_2") and fx.phone_numbers == ("+14155550100",)
    assert (fx.foreign_campaign_id, fx.foreign_agent_id, fx.foreign_phone_number) == (
        "camp_other", "agent_other", "+14155550199")
    assert fx.dynamic_variable_names == ("customer_name",)
    assert target.limits == Limits(timeout=5.0, rate_limit=2.5, max_requests=300,
                                   time_budget=600.0, max_retry_after=10.0)


def test_optional_fields_take_their_defaults(tmp_path):
    target = load(tmp_path, MINIMAL)
    assert target.limits == Limits()
    assert target.fixtures.foreign_campaign_id is None
    assert target.fixtures.dynamic_variable_names == ()
    assert target.is_loopback


def test_the_key_comes_from_the_default_variable(tmp_path):
    text = MINIMAL.replace('api_key_env = "STAGING_KEY"\n', "")
    target = load(tmp_path, text, {"SIGMAMIND_API_KEY": "other-key-987"})
    assert target.api_key == "other-key-987"


def test_the_key_never_shows_in_repr(tmp_path):
    target = load(tmp_path, FULL)
    assert "key-0123456789" not in repr(target)
    assert repr(target.api_key) == "'[redacted]'"


def replace_line(text: str, start: str, new: str | None) -> str:
    lines = text.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(start))
    if new is None:
        del lines[index]
    else:
        lines[index] = new
    return "\n".join(lines) + "\n"


MISTAKES = [
    # (line to change, replacement or None to delete, words the error must carry)
    ("base_url", None, "base_url: missing"),
    ("base_url", "base_url = 42", "base_url: expected a URL"),
    ("base_url", 'base_url = ""', "base_url: expected a URL"),
    ("base_url", 'base_url = "ftp://example.com"', "base_url: 'ftp://example.com' is not"),
    ("base_url", 'base_url = "https://"', "base_url: 'https://' is not an http(s) URL"),
    ("base_url", 'base_url = "https://x.example?a=1"', "base_url: "),
    ("api_key_env", "api_key_env = 7", "api_key_env: expected an environment variable name"),
    ("api_key_env", 'api_key_env = ""', "api_key_env: expected an environment variable name"),
    ("api_key_env", 'api_key_env = "NOT_SET_ANYWHERE"', "api_key_env: environment variable "
                                                          "NOT_SET_ANYWHERE is not set"),
    ("[fixtures]", "[fixture]", "fixture: unknown field"),
    ("campaign_id", None, "fixtures.campaign_id: missing"),
    ("campaign_id", "campaign_id = 1", "fixtures.campaign_id: expected a non-empty string"),
    ("campaign_id", 'campaign_id = ""', "fixtures.campaign_id: expected a non-empty string"),
    ("taken_campaign_name", None, "fixtures.taken_campaign_name: missing"),
    ("taken_campaign_name", "taken_campaign_name = []",
     "fixtures.taken_campaign_name: expected a non-empty string"),
    ("agent_ids", None, "fixtures.agent_ids: missing"),
    ("agent_ids", "agent_ids = []", "fixtures.agent_ids: expected a list"),
    ("agent_ids", 'agent_ids = "agent_1"', "fixtures.agent_ids: expected a list"),
    ("agent_ids", "agent_ids = [1]", "fixtures.agent_ids: expected a list"),
    ("phone_numbers", None, "fixtures.phone_numbers: missing"),
    ("phone_numbers", 'phone_numbers = [""]', "fixtures.phone_numbers: expected a list"),
    ("foreign_campaign_id", "foreign_campaign_id = true",
     "fixtures.foreign_campaign_id: expected a non-empty string"),
    ("foreign_agent_id", 'foreign_agent_id = ""',
     "fixtures.foreign_agent_id: expected a non-empty string"),
    ("foreign_phone_number", "foreign_phone_number = 14155550199",
     "fixtures.foreign_phone_number: expected a non-empty string"),
    ("dynamic_variable_names", 'dynamic_variable_names = "customer_name"',
     "fixtures.dynamic_variable_names: expected a list"),
    ("foreign_agent_id", 'campaign_ids = ["x"]', "fixtures.campaign_ids: unknown field"),
    ("timeout", "timeout = 0", "limits.timeout: expected a positive number"),
    ("timeout", 'timeout = "10"', "limits.timeout: expected a positive number"),
    ("timeout", "timeout = inf", "limits.timeout: expected a positive number"),
    ("rate_limit", "rate_limit = -1", "limits.rate_limit: expected a positive number"),
    ("rate_limit", "rate_limit = true", "limits.rate_limit: expected a positive number"),
    ("max_requests", "max_requests = 0", "limits.max_requests: expected a whole number"),
    ("max_requests", "max_requests = 2.5", "limits.max_requests: expected a whole number"),
    ("time_budget", "time_budget = nan", "limits.time_budget: expected a positive number"),
    ("max_retry_after", "max_retry_after = []",
     "limits.max_retry_after: expected a positive number"),
    ("max_retry_after", "workers = 4", "limits.workers: unknown field"),
    ("max_retry_after", "concurrency = 0", "limits.concurrency: expected a whole number"),
    ("[limits]", "limits = 3", "limits: expected a table"),
]


@pytest.mark.parametrize(("line", "new", "words"), MISTAKES,
                         ids=[f"{m[0]}={m[1]}" for m in MISTAKES])
def test_a_mistake_is_named_by_its_field(tmp_path, line, new, words):
    text = replace_line(FULL, line, new)
    if line == "[limits]":  # a top-level value must come before the first table
        text = "limits = 3\n" + FULL.split("[limits]")[0]
    with pytest.raises(TargetError) as caught:
        load(tmp_path, text)
    assert words in str(caught.value)


def test_a_missing_fixtures_table_is_named(tmp_path):
    with pytest.raises(TargetError, match=r"^fixtures: missing table \[fixtures\]"):
        load(tmp_path, 'base_url = "http://127.0.0.1:1"\napi_key_env = "STAGING_KEY"\n')


def test_an_unknown_top_level_field_is_named(tmp_path):
    with pytest.raises(TargetError, match="^api_key: unknown field"):
        load(tmp_path, 'api_key = "in-the-file"\n' + MINIMAL)


def test_an_unreadable_path_is_named(tmp_path):
    with pytest.raises(TargetError, match="cannot be read"):
        load_target(tmp_path / "absent.toml", environ=ENV)
    with pytest.raises(TargetError, match="cannot be read"):
        load_target(tmp_path, environ=ENV)  # a directory


def test_a_file_that_is_not_toml_or_not_utf8_is_named(tmp_path):
    with pytest.raises(TargetError, match="not valid TOML"):
        load(tmp_path, "base_url = \n")
    path = tmp_path / "latin1.toml"
    path.write_bytes(MINIMAL.replace("Taken", "T\xe4ken").encode("latin-1"))
    with pytest.raises(TargetError, match="not UTF-8"):
        load_target(path, environ=ENV)


class Finished(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def run_cli(tmp_path, monkeypatch, capsys):
    """`conformance run --no-allure ...` in process (it stops before any request):
    its exit code and what it printed, as a finished process would have them."""

    def run(*args: str) -> Finished:
        monkeypatch.chdir(tmp_path)
        for name, value in ENV.items():
            monkeypatch.setenv(name, value)
        argv = ["run", "--no-allure", *args]
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        out, err = capsys.readouterr()
        return Finished(code, out, err)

    return run


def test_the_cli_exits_2_naming_the_field(tmp_path, run_cli):
    path = tmp_path / "target.toml"
    path.write_text(replace_line(MINIMAL, "agent_ids", "agent_ids = 3"), encoding="utf-8")
    done = run_cli("--target", str(path))
    assert done.returncode == 2
    assert "error: fixtures.agent_ids: expected a list of non-empty strings" in done.stderr
    assert "Traceback" not in done.stdout + done.stderr


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--timeout", "0", "--timeout: expected a positive number"),
    ("--max-requests", "many", "--max-requests"),
    ("--time-budget", "-5", "--time-budget: expected a positive number"),
    ("--rate-limit", "0", "--rate-limit: expected a positive number"),
    ("--ca-bundle", "absent.pem", "--ca-bundle: 'absent.pem' is not a readable file"),
])
def test_a_bad_limit_option_exits_2_naming_the_option(tmp_path, run_cli, option, value, words):
    path = tmp_path / "target.toml"
    path.write_text(MINIMAL.replace("8080", "9"), encoding="utf-8")
    done = run_cli("--target", str(path), "--check", "auth_missing_key_is_401",
                   option, value)
    assert done.returncode == 2, done.stdout + done.stderr
    assert words in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
