"""Cabling: LLDP on every cabled switch port sees exactly the peer of the cabling plan."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check

pytestmark = pytest.mark.layer("lldp")


test_lldp_neighbor = fact_check("lldp_ports", evaluate.lldp_neighbor, "lldp")
