"""Fixtures for the reference server tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from refkit import Client

from reference import World, load_world


@pytest.fixture
def world() -> World:
    return load_world()


@pytest.fixture
def client(world: World) -> Iterator[Client]:
    c = Client(world)
    yield c
    c.close()
