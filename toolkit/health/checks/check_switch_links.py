"""Switch links: every cabled data port is up with the Fabric MTU and carries its address."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check

pytestmark = pytest.mark.layer("switch-links")


test_port_up_mtu = fact_check("switch_ports", evaluate.link_state, "links")
test_port_address = fact_check("switch_addresses", evaluate.has_address, "addrs")
