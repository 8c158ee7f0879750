"""A small InfiniBand spec and its twin (ibsim + opensm), shared by the twin tests."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.core.specgen import make_spec
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.lab import ib as twin
from toolkit.render import render
from toolkit.spec.models import ClusterSpec

HAVE_TWIN = all(shutil.which(t) for t in ("ibsim", "opensm", "ibnetdiscover", "smpquery", "sminfo")) and os.path.exists(
    twin.UMAD2SIM
)
needs_twin = pytest.mark.skipif(not HAVE_TWIN, reason="ibsim-utils, opensm, infiniband-diags not installed (make apt)")


def ib_spec(name: str) -> dict[str, Any]:
    """4 servers x 2 rails (EDR 100G), 2 leaves, 2 spines; SMs on two servers; one tenant."""
    spec = make_spec(kind="infiniband", sus=1, racks_per_su=2, servers_per_rack=2, rails=2, tenants=1)
    spec["cluster"]["name"] = name
    spec["networks"]["compute"]["infiniband"] = {
        "subnet_managers": [{"host": "su1-r01-gpu02", "priority": 15}, {"host": "su1-r02-gpu01", "priority": 14}],
        "ipoib": {"prefix": "10.150.0.0/16"},
    }
    spec["tenants"][0]["members"] = ["su1-r01-gpu01", "su1-r02-gpu02"]
    spec["scheduler"] = {"kubernetes": {"rdma_pods": "10.160.0.0/16"}}
    return spec


@pytest.fixture(scope="module")
def ib_fabric() -> Fabric:
    return design(ClusterSpec.model_validate(ib_spec(f"ibt{os.getpid()}")))


@pytest.fixture
def ib_twin(ib_fabric: Fabric, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[twin.IbTwinState, Path]]:
    if not HAVE_TWIN:
        pytest.skip("ibsim-utils, opensm, infiniband-diags not installed (make apt)")
    state_dir = tmp_path_factory.mktemp("ibstate")
    arts = {k: v for k, v in render(ib_fabric).items() if k.startswith("infiniband/")}
    st = twin.ib_up(ib_fabric, arts, state_dir)
    try:
        for sm in ib_fabric.infiniband.subnet_managers:  # type: ignore[union-attr]
            if sm.role == "standby":
                twin.wait_standby(st, sm.device)
        yield st, state_dir
    finally:
        twin.ib_down(st)
