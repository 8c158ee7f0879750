"""EVPN: each VTEP leaf carries its tenants' L2VNIs (and no others) with the expected remote
VTEPs: the loopbacks of the other leaves of the tenant."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check

pytestmark = pytest.mark.layer("evpn")


test_vni = fact_check("evpn_vnis", evaluate.evpn_vni, "evpn")
test_no_foreign_vni = fact_check("evpn_leaves", evaluate.evpn_vni_set, "evpn")
