"""Host addresses: every addressed data port of every server is up with its address and MTU."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check

pytestmark = pytest.mark.layer("host-addresses")


test_port_up_mtu = fact_check("host_ports", evaluate.link_state, "links")
test_port_address = fact_check("host_ports", evaluate.has_address, "addrs")
