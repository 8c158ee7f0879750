"""Designs and renders of every bundled example, shared by the scheduler tests."""

from __future__ import annotations

from functools import cache

from tests.conftest import EXAMPLE_NAMES, EXAMPLES
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.render import scheduler
from toolkit.render.core import environment
from toolkit.spec.loader import load_or_raise

__all__ = ["EXAMPLE_NAMES", "fabric_of", "rendered"]


@cache
def fabric_of(name: str) -> Fabric:
    spec, _ = load_or_raise(EXAMPLES / name)
    return design(spec)


@cache
def rendered(name: str) -> dict[str, str]:
    """The scheduler stage's artifacts (the other stages have their own tests)."""
    return scheduler.render(fabric_of(name), environment())
