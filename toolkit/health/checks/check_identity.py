"""Identity: every device answers to its own name (system hostname, and the FRR hostname of a
switch) and holds no address in a designed subnet that the Fabric does not give it there."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fail_on
from toolkit.health.facts import Facts
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("identity")


@pytest.mark.cases("hostnames")
@pytest.mark.facts("hostname")
def test_hostname(case: Case, facts: Facts) -> None:
    fail_on(evaluate.hostname(case, facts.get(case.device, "hostname")))


@pytest.mark.cases("frr_hostnames")
@pytest.mark.facts("frr_config")
def test_frr_hostname(case: Case, facts: Facts) -> None:
    fail_on(evaluate.frr_hostname(case, facts.get(case.device, "frr_config")))


@pytest.mark.cases("designed_addresses")
@pytest.mark.facts("addrs")
def test_no_unexpected_address(case: Case, facts: Facts) -> None:
    fail_on(evaluate.designed_addresses(case, facts.get(case.device, "addrs")))
