"""BGP: every session of the Fabric is Established with the expected ASNs, peer and families."""

from __future__ import annotations

import pytest

from toolkit.health import evaluate
from toolkit.health.checks import fact_check

pytestmark = pytest.mark.layer("bgp")


test_bgp_session = fact_check("bgp_sessions", evaluate.bgp_session, "bgp")
