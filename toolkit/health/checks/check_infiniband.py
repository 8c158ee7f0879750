"""InfiniBand: every cable at its designed ports, width and speed; the subnet managers master and
standby as designed; every HCA port in exactly its designed partitions (see toolkit/health/ib.py)."""

from __future__ import annotations

from typing import Any

import pytest

from toolkit.design.model import Fabric
from toolkit.health import ib
from toolkit.health.checks import fail_on, not_applicable
from toolkit.health.model import Case

pytestmark = pytest.mark.layer("infiniband")

_OBS: dict[int, ib.IbObservation | str] = {}


def _observation(target: Any, fabric: Fabric) -> ib.IbObservation:
    key = id(target)
    if key not in _OBS:
        how = ib.runner_for(target, fabric)
        _OBS[key] = how if isinstance(how, str) else ib.observe(how[0], fabric, how[1])
    got = _OBS[key]
    if isinstance(got, str):
        not_applicable(got)
    assert isinstance(got, ib.IbObservation)
    if got.error:
        pytest.fail(got.error, pytrace=False)
    return got


@pytest.mark.cases("ib_links")
def test_ib_link(case: Case, target: Any, fabric: Fabric) -> None:
    fail_on(ib.link_problems(case, _observation(target, fabric)))


@pytest.mark.cases("ib_subnet_managers")
def test_ib_subnet_manager(case: Case, target: Any, fabric: Fabric) -> None:
    fail_on(ib.sm_problems(case, _observation(target, fabric)))


@pytest.mark.cases("ib_partition_ports")
def test_ib_partitions(case: Case, target: Any, fabric: Fabric) -> None:
    fail_on(ib.partition_problems(case, _observation(target, fabric)))
