"""A tenant with two networks in the twin: lab-mini with tenant blue written as two networks
(``a``: su1-r01-gpu01 in VLAN 100 / VNI 10100, ``b``: su1-r02-gpu01 in VLAN 190 / VNI 10190 with
its own subnet), rendered for frr and configured directly (network.sh + frr.conf on the switches,
ip commands from the Fabric on the servers), Ceph not started.

Proves: each network is its own bridge + VXLAN device on the leaves, the ``tenants`` and
``evpn`` layers pass with both VNIs, the frr platform does not route between the two networks
(no VRF in the lab kernel: ``Tenant.routed`` is false, so no cross-network ping is expected and
none answers), and a member port moved into the other network's bridge fails the tenant checks
naming the port and both VNIs."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.health.labkit import HealthLab, configure_manually, free_oob_prefix, lab_workspace, make_spec
from toolkit.design import design
from toolkit.health.expect import os_ifname
from toolkit.lab import lab_down, lab_up
from toolkit.spec import load

pytestmark = [pytest.mark.lab, pytest.mark.slow]

A, B = "su1-r01-gpu01", "su1-r02-gpu01"


def networks_spec(dest: Path, cluster: str, rng: random.Random) -> Path:
    spec = make_spec(dest, cluster, free_oob_prefix(rng))
    tfile = spec / "tenants.yml"
    td: dict[str, Any] = yaml.safe_load(tfile.read_text())
    blue = td["tenants"][0]
    assert blue["name"] == "blue" and blue["members"] == [A, B]
    first = {"name": "a", **{k: blue.pop(k) for k in ("vni", "vlan", "subnet", "gateway")}, "members": [A]}
    blue.pop("members")
    second = {"name": "b", "vni": 10190, "vlan": 190, "subnet": "172.16.190.0/24", "gateway": "172.16.190.1",
              "members": [B]}
    blue["networks"] = [first, second]
    tfile.write_text(yaml.safe_dump(td, sort_keys=False))
    return spec


@pytest.fixture(scope="module")
def networks_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HealthLab]:
    work, rng, cluster = lab_workspace(tmp_path_factory, "networks-lab", "nw")
    res = load(networks_spec(work / "spec", cluster, rng))
    assert res.spec is not None and not [f for f in res.findings if f.severity == "error"], res.findings
    fabric = design(res.spec, platform="frr")
    state = work / "state"
    try:
        t0 = time.monotonic()
        lab_up(fabric, state)
        configure_manually(fabric, state)
        lab = HealthLab(fabric=fabric, state_dir=state, work=work, setup="manual")
        lab.wait_converged()
        lab.timings["up+configure+converge"] = round(time.monotonic() - t0, 1)
        yield lab
        print(f"\nnetworks lab {cluster}: timings={lab.timings} check runs={lab.runs}")
    finally:
        report = lab_down(cluster, state)
        assert not report.errors, report.errors


def _member(lab: HealthLab, server: str) -> tuple[str, str, str]:
    """(leaf, leaf port ifname, member address) of a tenant member."""
    blue = next(t for t in lab.fabric.tenants if t.name == "blue")
    m = next(m for m in blue.members if m.server == server)
    leaf = lab.fabric.devices[m.leaf]
    return leaf.name, os_ifname(leaf, leaf.port(m.leaf_port)), m.address.split("/")[0]


def test_two_networks_of_one_tenant_in_the_twin(networks_lab: HealthLab) -> None:
    lab = networks_lab
    blue = next(t for t in lab.fabric.tenants if t.name == "blue")
    assert [n.vni for n in blue.networks] == [10100, 10190] and not blue.routed
    report = lab.settle(["tenants", "evpn"], timeout=90, label="two networks baseline")
    assert report.ok, report.summary()
    for leaf in blue.leaves:
        links = lab.sh(leaf, "ip -br link show type bridge").stdout
        for n in blue.networks:
            assert (f"br{n.vni}" in links) == (leaf in n.leaves), (leaf, links)
    # the frr platform renders no VRF: the two networks stay apart
    _, _, b_addr = _member(lab, B)
    out = lab.sh(A, f"ping -c 2 -W 1 {b_addr}", check=False)
    assert out.returncode != 0, out.stdout


def test_member_port_in_the_other_networks_bridge_fails(networks_lab: HealthLab) -> None:
    lab = networks_lab
    leaf, port, _ = _member(lab, B)
    try:
        lab.sh(leaf, f"ip link set dev {port} master br10100")
        deadline = time.monotonic() + 60
        while True:
            report = lab.check(["tenants"], label="fault: member in the other network's bridge")
            if report.layers["tenants"].failed or time.monotonic() > deadline:
                break
            time.sleep(2)
        fails = report.layers["tenants"].failures
        assert any(leaf in m and "10100" in m and "10190" in m for m in fails), fails
    finally:
        lab.sh(leaf, f"ip link set dev {port} master br10190")
    report = lab.settle(["tenants"], timeout=90, label="restore: member bridge")
    assert report.ok, report.summary()
