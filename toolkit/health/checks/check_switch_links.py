"""Switch links: every cabled data port is up with the Fabric MTU and carries its address."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("switch-links")


@pytest.mark.cases("switch_ports")
@pytest.mark.facts("links")
def test_port_up_mtu(case: Case, facts: Facts) -> None:
    fail_on(evaluate.link_state(case, facts.get(case.device, "links")))


@pytest.mark.cases("switch_addresses")
@pytest.mark.facts("addrs")
def test_port_address(case: Case, facts: Facts) -> None:
    fail_on(evaluate.has_address(case, facts.get(case.device, "addrs")))
