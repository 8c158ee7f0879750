"""Cabling: LLDP on every cabled switch port sees exactly the peer of the cabling plan."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("lldp")


@pytest.mark.cases("lldp_ports")
@pytest.mark.facts("lldp")
def test_lldp_neighbor(case: Case, facts: Facts) -> None:
    fail_on(evaluate.lldp_neighbor(case, facts.get(case.device, "lldp")))
