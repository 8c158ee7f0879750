"""The border in the twin: lab-mini with its business leaf pair as border leaves and one external
router (an FRR namespace the lab builds: eBGP to both border leaves, default route and the probe
address announced). One server leaves its tenant to be a plain business host. Configured directly
(rendered network.json + frr.conf on the switches, ip commands from the Fabric on the servers),
Ceph is not started.

Proves: the designed twin passes the ``external`` layer (the business host reaches the probe
through the default route; tenant members, whose VRFs do not peer with the router — the frr
platform has no tenant VRFs, BRD001 — do not), and a lost default route or a border session down
makes it fail naming the host, its address and the probe."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.health.labkit import HealthLab, configure_manually, free_oob_prefix, lab_workspace, make_spec
from toolkit.design import design
from toolkit.health import CheckReport
from toolkit.lab import lab_down, lab_up
from toolkit.spec import load

pytestmark = [pytest.mark.lab, pytest.mark.slow]

ROUTER = "upstream"
BUSINESS_HOST = "su1-r02-gpu02"


def border_spec(dest: Path, cluster: str, rng: random.Random) -> Path:
    spec = make_spec(dest, cluster, free_oob_prefix(rng))
    nfile = spec / "networks.yml"
    nd: dict[str, Any] = yaml.safe_load(nfile.read_text())
    nd["networks"]["border"] = {
        "leaves": ["fe-leaf01", "fe-leaf02"],
        "routers": [{"name": ROUTER, "asn": 64900, "links": "10.249.0.0/29", "vrfs": ["default"]}],
    }
    nfile.write_text(yaml.safe_dump(nd, sort_keys=False))
    tfile = spec / "tenants.yml"
    td: dict[str, Any] = yaml.safe_load(tfile.read_text())
    for t in td["tenants"]:
        t["members"] = [m for m in t["members"] if m != BUSINESS_HOST]
    tfile.write_text(yaml.safe_dump(td, sort_keys=False))
    return spec


@pytest.fixture(scope="module")
def border_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HealthLab]:
    work, rng, cluster = lab_workspace(tmp_path_factory, "border-lab", "bd")
    res = load(border_spec(work / "spec", cluster, rng))
    assert res.spec is not None and not [f for f in res.findings if f.severity == "error"], res.findings
    fabric = design(res.spec, platform="frr")
    assert fabric.border is not None
    state = work / "state"
    try:
        t0 = time.monotonic()
        st = lab_up(fabric, state)
        assert [x.device for x in st.topology.externals] == [ROUTER]
        configure_manually(fabric, state)
        lab = HealthLab(fabric=fabric, state_dir=state, work=work, setup="manual")
        lab.wait_converged()
        lab.timings["up+configure+converge"] = round(time.monotonic() - t0, 1)
        yield lab
        print(f"\nborder lab {cluster}: timings={lab.timings} check runs={lab.runs}")
    finally:
        report = lab_down(cluster, state)
        assert not report.errors, report.errors


def _leaf_ips(lab: HealthLab) -> list[str]:
    assert lab.fabric.border is not None
    return [link.leaf_address.split("/")[0] for link in lab.fabric.border.links]


def _router(lab: HealthLab, *lines: str) -> None:
    lab.vtysh(ROUTER, "configure terminal", "router bgp 64900", *lines)


def _fails_naming_the_host(lab: HealthLab, report: CheckReport) -> None:
    """Exactly the business host's case fails, naming the host, its address and the probe."""
    ext = report.layers["external"]
    assert ext.failed == 1 and not report.ok, report.summary()
    address = lab.fabric.devices[BUSINESS_HOST].port("fe0").address
    assert address is not None
    msg = ext.failures[0]
    assert BUSINESS_HOST in msg and address.split("/")[0] in msg and "192.0.2.1" in msg, msg


def _check_until_failed(lab: HealthLab, layers: list[str], label: str) -> CheckReport:
    deadline = time.monotonic() + 60
    while True:
        report = lab.check(layers, label=label)
        if report.layers["external"].failed or time.monotonic() > deadline:
            return report
        time.sleep(2)


def test_designed_twin_reaches_the_outside(border_lab: HealthLab) -> None:
    lab = border_lab
    report = lab.settle(["external", "bgp"], timeout=90, label="external baseline")
    assert report.ok, report.summary()
    ext = report.layers["external"]
    members = sum(len(t.members) for t in lab.fabric.tenants)
    assert ext.passed == 1 + members and ext.failed == 0, ext  # the business host, every tenant member
    # the router's sessions to both border leaves are up and the leaves took the default route only
    out = lab.vtysh(ROUTER, "show bgp ipv4 unicast summary")
    for ip in _leaf_ips(lab):
        assert ip in out
    leaf_routes = lab.vtysh("fe-leaf01", "show ip route 0.0.0.0/0")
    assert "10.249.0.1" in leaf_routes, leaf_routes
    assert "192.0.2.1/32" not in lab.vtysh("fe-leaf01", "show ip route 192.0.2.1/32"), "accept policy let the probe in"


def test_no_default_route_fails_naming_host_and_address(border_lab: HealthLab) -> None:
    lab = border_lab
    assert lab.fabric.border is not None
    leaves = lab.fabric.border.leaves
    try:
        _router(lab, "address-family ipv4 unicast", "no network 0.0.0.0/0")  # the upstream lost its way out
        # the fault is in place once both border leaves dropped the default (else the stand-in is at fault)
        lab.wait("the border leaves to drop the default route", lambda: not any(_has_default(lab, x) for x in leaves))
        _fails_naming_the_host(lab, _check_until_failed(lab, ["external"], "fault: no default route"))
    finally:
        _router(lab, "address-family ipv4 unicast", "network 0.0.0.0/0")
    report = lab.settle(["external"], timeout=90, label="restore: default route")
    assert report.ok, report.summary()


def _has_default(lab: HealthLab, leaf: str) -> bool:
    return bool(json.loads(lab.vtysh(leaf, "show ip route 0.0.0.0/0 json") or "{}").get("0.0.0.0/0"))


def test_border_sessions_down_fail_naming_host_and_address(border_lab: HealthLab) -> None:
    lab = border_lab
    try:
        _router(lab, *(f"neighbor {ip} shutdown" for ip in _leaf_ips(lab)))
        report = _check_until_failed(lab, ["external", "bgp"], "fault: border sessions down")
        _fails_naming_the_host(lab, report)
        bgp = report.layers["bgp"].failures
        for leaf in lab.fabric.border.leaves if lab.fabric.border else []:
            assert any(leaf in m and ROUTER in m for m in bgp), bgp
    finally:
        _router(lab, *(f"no neighbor {ip} shutdown" for ip in _leaf_ips(lab)))
    report = lab.settle(["external", "bgp"], timeout=120, label="restore: border sessions")
    assert report.ok, report.summary()
