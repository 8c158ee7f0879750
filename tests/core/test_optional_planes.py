"""A spec without a compute plane, OOB switches or servers (#13): the pure L3 leaf-spine EVPN fabric
of ``inventory/examples/l3ls-evpn`` designs and renders with only its switches, and what cannot
work without a plane is a finding, never an exception. (Every rendered switch of the example is
also checked by the vendor oracles in tests/vendor: AVD for EOS, SONiC YANG, NVUE.)"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from toolkit.design import design
from toolkit.lab.topology import LabTopologyError, lab_topology
from toolkit.render import render
from toolkit.rules import validate
from toolkit.spec import load

EXAMPLE = Path(__file__).resolve().parents[2] / "inventory" / "examples" / "l3ls-evpn"


def _fabric(platform: str | None = None):  # type: ignore[no-untyped-def]
    res = load(EXAMPLE)
    assert res.spec is not None, [f.text() for f in res.findings]
    return res.spec, design(res.spec, platform=platform)


def test_switch_only_fabric_validates_with_one_warning() -> None:
    res = load(EXAMPLE)
    assert res.spec is not None
    findings = validate(res.spec, res.sources)
    assert [(f.code, f.severity) for f in findings] == [("PLANE002", "warning")], [f.text() for f in findings]
    assert findings[0].file and findings[0].file.endswith("fabric.yml") and findings[0].line


def test_switch_only_fabric_design() -> None:
    _, fab = _fabric()
    assert set(fab.planes) == {"business"}
    assert Counter(d.role for d in fab.devices.values()) == {"business-spine": 2, "business-leaf": 4}
    assert len(fab.cables) == 8 and {c.plane for c in fab.cables} == {"business"}
    assert fab.site.oob_prefix is None and fab.mgmt_acl == []
    asns = set()
    for leaf in fab.by_role("business-leaf"):
        # one numbered eBGP session per spine, carrying the underlay and the EVPN overlay
        assert sorted(n.peer_device for n in leaf.bgp) == ["fe-spine01", "fe-spine02"]
        assert all("l2vpn-evpn" in n.afis and n.peer_address for n in leaf.bgp)
        assert leaf.vtep and leaf.mgmt_address is None
        asns.add(leaf.asn)
    assert len(asns) == 4
    for spine in fab.by_role("business-spine"):
        assert spine.asn == 4200100000 and len(spine.bgp) == 4 and not spine.vtep


@pytest.mark.parametrize("platform", [None, "frr", "sonic", "cumulus"])
def test_switch_only_fabric_renders_switches_and_docs_only(platform: str | None) -> None:
    _, fab = _fabric(platform)
    out = render(fab)
    tops = {p.split("/", 1)[0] for p in out}
    assert tops == {"switches", "ansible", "docs"}, tops  # no hosts, scheduler, storage, infiniband
    assert len({p.split("/")[1] for p in out if p.startswith("switches/")}) == 6
    if platform is None:
        leaf = out["switches/fe-leaf01/startup-config"]
        assert "router bgp 4200110000" in leaf and "address-family evpn" in leaf
        assert "interface Management1" in leaf and "ip address" not in leaf.split("interface Management1")[1][:80]


def test_lab_refuses_a_spec_without_oob() -> None:
    _, fab = _fabric("frr")
    with pytest.raises(LabTopologyError, match=r"networks\.oob"):
        lab_topology(fab)


def _findings(data: dict[str, Any], write_spec) -> list[Any]:  # type: ignore[no-untyped-def]
    res = load(write_spec(data))
    assert res.spec is not None, [f.text() for f in res.findings]
    return validate(res.spec, res.sources)


def test_gpu_spec_without_oob_is_findings_not_a_crash(lab_mini_data: dict[str, Any], write_spec) -> None:  # type: ignore[no-untyped-def]
    del lab_mini_data["networks"]["oob"]
    findings = _findings(lab_mini_data, write_spec)
    assert not [f for f in findings if "internal error" in f.message], [f.text() for f in findings]
    codes = {f.code for f in findings}
    assert "PLANE002" in codes
    # the servers' OS management port (mgmt NIC) has no OOB network to land on: they cannot be managed
    assert "HMG001" in codes, [f.text() for f in findings]


def test_gpu_spec_without_compute_is_findings_not_a_crash(lab_mini_data: dict[str, Any], write_spec) -> None:  # type: ignore[no-untyped-def]
    del lab_mini_data["networks"]["compute"]
    findings = _findings(lab_mini_data, write_spec)
    assert not [f for f in findings if "internal error" in f.message], [f.text() for f in findings]
    assert {f.code for f in findings if f.severity == "error"} == {"PLANE001"}, [f.text() for f in findings]


def test_servers_on_a_business_fabric_without_compute_or_oob(write_spec) -> None:  # type: ignore[no-untyped-def]
    """CPU servers with a business NIC each, racks outside SUs, no compute plane, no OOB: the
    servers are cabled to their rack's leaf and get a /31 each; managed in-band (no mgmt NIC)."""
    import yaml

    data = yaml.safe_load((EXAMPLE / "fabric.yml").read_text())
    data["catalog"]["servers"] = {
        "cpu-1u": {"nics": [{"name": "fe0", "role": "business", "speed": "100G"}], "management": "inband"}
    }
    data["catalog"]["switches"]["dcs-7060dx5"]["breakouts"] = ["4x100G"]
    data["networks"]["business"]["leaf"]["breakout"] = "4x100G"
    data["networks"]["business"]["leaf"]["uplink_breakout"] = "1x400G"
    data["layout"]["racks"][1]["servers"] = [{"model": "cpu-1u", "count": 2}]
    findings = _findings(data, write_spec)
    assert not [f for f in findings if "internal error" in f.message], [f.text() for f in findings]
    res = load(write_spec(data))
    assert res.spec is not None
    fab = design(res.spec)
    servers = list(fab.servers())
    assert len(servers) == 8
    for srv in servers:
        (port,) = [p for p in srv.ports if p.plane == "business"]
        assert port.peer_device and port.peer_device.startswith("fe-leaf") and port.address
