"""Shared fixtures: bundled examples and a way to write mutated specs."""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "inventory" / "examples"
# cluster-100k is designed in tests/scale (slow): designing it per test module would take minutes
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "cluster-100k")


def example_data(name: str) -> dict[str, Any]:
    """All YAML files of an example merged into one dict (files hold disjoint top-level keys)."""
    data: dict[str, Any] = {}
    for f in sorted((EXAMPLES / name).glob("*.yml")):
        data.update(yaml.safe_load(f.read_text()) or {})
    return data


@pytest.fixture
def lab_mini_data() -> dict[str, Any]:
    return copy.deepcopy(example_data("lab-mini"))


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[[dict[str, Any]], Path]:
    counter = {"n": 0}

    def write(data: dict[str, Any]) -> Path:
        counter["n"] += 1
        p = tmp_path / f"spec{counter['n']}.yml"
        p.write_text(yaml.safe_dump(data, sort_keys=False))
        return p

    return write


def is_root() -> bool:
    return os.geteuid() == 0


_LAB_LOCK_PATH = "/tmp/aidc-lab-tests.lock"


@pytest.fixture(scope="session")
def _lab_machine_lock() -> Any:
    """Lab tests build namespaces, an OOB controller address and daemons on this machine: two
    test runs (two checkouts) must not build twins at the same time. Held for the session."""
    import fcntl

    with open(_LAB_LOCK_PATH, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        yield
        fcntl.flock(fh, fcntl.LOCK_UN)


BIG_EXAMPLES = ("cluster-16k", "cluster_16k")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Lab tests take the machine-wide lab lock. Cases on the cluster-16k example take seconds
    each: marked ``slow`` (``-m "not slow"`` leaves them out; ``make test`` runs everything)."""
    for item in items:
        if item.get_closest_marker("lab") is not None:
            item.fixturenames.insert(0, "_lab_machine_lock")  # type: ignore[attr-defined]
        if any(big in item.nodeid for big in BIG_EXAMPLES):
            item.add_marker(pytest.mark.slow)
