"""Identity: every device answers to its own name (system hostname, and the FRR hostname of a
switch) and holds no address in a designed subnet that the Fabric does not give it there."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check

pytestmark = pytest.mark.layer("identity")


test_hostname = fact_check("hostnames", evaluate.hostname, "hostname")
test_frr_hostname = fact_check("frr_hostnames", evaluate.frr_hostname, "frr_config")
test_no_unexpected_address = fact_check("designed_addresses", evaluate.designed_addresses, "addrs")
