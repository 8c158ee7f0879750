"""Designs and renders of every bundled example, shared by the scheduler tests."""

from __future__ import annotations

from functools import cache

from tests.conftest import EXAMPLE_NAMES as ALL_EXAMPLES
from tests.conftest import EXAMPLES
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.render import scheduler
from toolkit.render.core import environment
from toolkit.spec.loader import load_or_raise

__all__ = ["EXAMPLE_NAMES", "fabric_of", "rendered"]

#: the examples with a compute plane: the others (l3ls-evpn, switches only) have no scheduler output
EXAMPLE_NAMES = [n for n in ALL_EXAMPLES if load_or_raise(EXAMPLES / n)[0].networks.compute is not None]


@cache
def fabric_of(name: str) -> Fabric:
    spec, _ = load_or_raise(EXAMPLES / name)
    return design(spec)


@cache
def rendered(name: str) -> dict[str, str]:
    """The scheduler stage's artifacts (the other stages have their own tests)."""
    return scheduler.render(fabric_of(name), environment())
