"""The package as users install it: the contract and fixtures inside, ranges not pins."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest
from suiterun import ROOT

from conformance._resources import contract_dir

# The wheel is built from a copy of the checkout without its working folders:
# the build walks the whole tree, while other test workers write caches and
# results inside the checkout.
WORKING_FOLDERS = shutil.ignore_patterns(".git", ".tox", ".venv", "node_modules", "reports",
                                         ".hypothesis", "__pycache__", "build", "*.egg-info")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    source = tmp_path_factory.mktemp("source") / "checkout"
    shutil.copytree(ROOT, source, ignore=WORKING_FOLDERS, symlinks=True)
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (path,) = out.glob("*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_carries_the_contract_errata_and_fixtures_unchanged(
    wheel: zipfile.ZipFile,
) -> None:
    root = Path(ROOT)
    for name in ("openapi.yaml", "errata.yaml"):
        assert wheel.read(f"conformance/contract/{name}") == (root / "spec" / name).read_bytes()
    assert wheel.read("reference/fixtures.toml") == (root / "reference/fixtures.toml").read_bytes()


def test_the_wheel_asks_for_python_3_11_or_later_and_ranges_of_dependencies(
    wheel: zipfile.ZipFile,
) -> None:
    (metadata,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    message = Parser().parsestr(wheel.read(metadata).decode("utf-8"))
    assert message["Requires-Python"] == ">=3.11"
    runtime = [r for r in message.get_all("Requires-Dist") or [] if "extra ==" not in r]
    assert runtime
    assert not [r for r in runtime if "==" in r], runtime


def test_every_runtime_dependency_has_its_tested_version_in_the_constraints() -> None:
    project = tomllib.loads((Path(ROOT) / "pyproject.toml").read_text(encoding="utf-8"))
    pinned = {
        line.split("==")[0].lower().replace("_", "-")
        for line in (Path(ROOT) / "constraints.txt").read_text(encoding="utf-8").splitlines()
        if "==" in line and not line.startswith("#")
    }
    for requirement in project["project"]["dependencies"]:
        name = requirement.split("~")[0].split(">")[0].split("=")[0].strip().lower()
        assert name.replace("_", "-") in pinned, requirement


def test_a_checkout_reads_the_top_level_spec_folder() -> None:
    assert (contract_dir() / "openapi.yaml").is_file()
    assert (contract_dir() / "errata.yaml").is_file()
