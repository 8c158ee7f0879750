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
EXAMPLE_NAMES = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())


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
