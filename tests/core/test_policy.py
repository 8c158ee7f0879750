"""The design's policy step: values decided once on the Fabric, platform limits as findings.

The bug tests here failed before the policy step existed (the renderers took the decision,
differently or not at all)."""

from __future__ import annotations

import dataclasses
import functools
import ipaddress
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import EXAMPLES, example_data
from tests.core.specgen import make_spec
from toolkit import platforms
from toolkit.design import PlatformLimitError, design, design_unchecked
from toolkit.design.model import SERVER_ROLES, Fabric
from toolkit.health import expect
from toolkit.render import render
from toolkit.render.ansible import render as render_ansible
from toolkit.render.core import environment
from toolkit.rules import validate
from toolkit.spec import load
from toolkit.spec.models import ClusterSpec

D = dict[str, Any]


def _spec(data: D, tmp_path: Path) -> tuple[ClusterSpec, Any]:
    p = tmp_path / "spec.yml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    res = load(p)
    assert res.spec is not None, res.findings
    return res.spec, res.sources


def _errors(spec: ClusterSpec, sources: Any, platform: str | None = None) -> list[Any]:
    return [f for f in validate(spec, sources, platform=platform) if f.severity == "error"]


@functools.cache
def _fabric(example: str, platform: str | None = None) -> Fabric:
    spec = load(EXAMPLES / example).spec
    assert spec is not None
    return design(spec, platform)


# ------------------------------------------------------------------------- names


def test_long_tenant_name_is_a_sonic_finding_not_a_render_error(tmp_path: Path) -> None:
    data = example_data("lab-mini")
    data["tenants"][0]["name"] = "greenhouse-tenant"
    spec, sources = _spec(data, tmp_path)
    # lab-mini's front-end leaves run SONiC: "Vrf" + the 15-character cut is 18 characters
    errs = _errors(spec, sources)
    assert [(f.code, f.path) for f in errs] == [("PLAT001", ["tenants", 0, "name"])]
    assert errs[0].file and errs[0].file.endswith("spec.yml") and errs[0].line
    assert "Vrfgreenhouse-tena" in errs[0].message and "15" in errs[0].message
    with pytest.raises(PlatformLimitError) as exc:
        design(spec)
    assert exc.value.violations[0].code == "PLAT001"
    # Cumulus VRFs are Linux devices without a prefix: the cut name fits, validates and renders
    assert not _errors(spec, sources, "cumulus")
    fab = design(spec, "cumulus")
    assert {t.vrf for t in fab.tenants} == {"greenhouse-tena", "green"}
    render(fab)


def test_two_tenants_sharing_15_characters_are_not_routed_in_one_vrf(tmp_path: Path) -> None:
    data = example_data("superpod-1su")
    data["tenants"][0]["name"] = "acmecorp-tenant-research"
    data["tenants"][1]["name"] = "acmecorp-tenant-inference"
    del data["networks"]["border"]  # Cumulus renders no border (BRD001): this test is about VRF names
    spec, sources = _spec(data, tmp_path)
    fab = design_unchecked(spec, "cumulus")
    shared = [d for d in fab.switches() if len({a.tenant for a in d.tenants}) == 2]
    assert shared, "both tenants sit on one leaf"
    # (without the border the site's NTP/DNS outside the fabric are out of reach too: REACH006)
    errs = [f for f in _errors(spec, sources, "cumulus") if f.code != "REACH006"]
    assert [(f.code, f.path) for f in errs] == [("PLAT002", ["tenants", 1, "name"])]
    assert "acmecorp-tenant" in errs[0].message and shared[0].name in errs[0].message
    with pytest.raises(PlatformLimitError):
        design(spec, "cumulus")


def test_hostname_longer_than_a_dns_label_is_a_finding(tmp_path: Path) -> None:
    data = example_data("lab-mini")
    data["layout"]["racks"][1]["servers"].append(
        {"model": "stor-1u", "count": 1, "prefix": "storage-node-with-a-very-long-name-prefix-that-goes-on-and-on"})
    spec, sources = _spec(data, tmp_path)
    errs = _errors(spec, sources)
    assert {f.code for f in errs} == {"PLAT001"}
    assert "hostname 'stor-r01-storage-node-with" in errs[0].message and "63" in errs[0].message


# ------------------------------------------------------------------------- sessions, MTU (EOS)


def test_eos_sessions_are_numbered_in_the_fabric_and_in_health_expectations() -> None:
    fab = _fabric("lab-mini", "eos")
    cases = {(c.device, tuple(c.expect["keys"])): c for c in expect.bgp_sessions(fab, None)}
    n_sessions = 0
    for dev in fab.switches():
        for n in dev.bgp:
            n_sessions += 1
            assert not n.unnumbered and n.peer_address and n.local_address, (dev.name, n.peer_device)
            local = dev.port(n.interface or "")
            assert not local.unnumbered
            assert local.address and ipaddress.ip_address(n.local_address) == ipaddress.ip_interface(local.address).ip
            # the other end agrees, and the health check looks the session up by that address
            back = next(m for m in fab.devices[n.peer_device].bgp if m.peer_device == dev.name
                        and m.interface == n.peer_interface)
            assert (back.local_address, back.peer_address, back.unnumbered) == (n.peer_address, n.local_address, False)
            assert cases[(dev.name, (n.peer_address,))].expect["unnumbered"] is False
    assert n_sessions > 0
    # the same spec for FRR keeps the unnumbered underlay the plane asks for
    assert all(n.unnumbered for d in _fabric("lab-mini", "frr").switches() for n in d.bgp if n.plane == "compute")


def test_a_session_with_one_eos_end_is_numbered_at_both_ends(tmp_path: Path) -> None:
    data = example_data("lab-mini")
    spine_model = data["networks"]["compute"]["spine"]["model"]
    data["catalog"]["switches"]["eos-spine"] = dict(data["catalog"]["switches"][spine_model], platform="eos")
    data["networks"]["compute"]["spine"]["model"] = "eos-spine"
    spec, _ = _spec(data, tmp_path)
    fab = design(spec)
    mixed = 0
    for dev in fab.switches():
        for n in dev.bgp:
            ends = {dev.platform, fab.devices[n.peer_device].platform}
            if "eos" in ends:
                assert not n.unnumbered and n.peer_address
                mixed += len(ends) == 2
            elif n.plane == "compute":
                assert n.unnumbered
    assert mixed > 0


def test_eos_mtu_is_clamped_in_the_fabric_and_expected_by_health() -> None:
    fab = _fabric("lab-mini", "eos")
    hi = platforms.get("eos").limits.mtu[1]
    assert fab.planes["compute"].switch_mtu > hi
    for dev in fab.switches():
        for p in dev.ports:
            plane = fab.planes[p.plane]
            want = min(plane.switch_mtu, hi) if p.role != "mgmt" else p.mtu
            assert p.mtu == want, (dev.name, p.name)
    for c in expect.switch_ports(fab, None):
        assert c.expect["mtu"] <= hi
    # other platforms keep the designed jumbo MTU
    assert any(p.mtu > hi for d in _fabric("lab-mini", "sonic").switches() for p in d.ports)


def test_host_mtu_that_does_not_fit_the_eos_clamp_is_a_finding(tmp_path: Path) -> None:
    data = example_data("lab-mini")
    data["networks"]["business"]["host_mtu"] = 9200
    spec, sources = _spec(data, tmp_path)
    errs = [f for f in _errors(spec, sources, "eos") if f.code == "PLAT003"]
    assert [f.path for f in errs] == [["networks", "business", "host_mtu"]]
    assert "9214" in errs[0].message and errs[0].line


def test_eos_vni_beyond_16_bits_is_a_finding(tmp_path: Path) -> None:
    data = example_data("lab-mini")
    data["tenants"][0]["vni"] = 70000
    spec, sources = _spec(data, tmp_path)
    assert [(f.code, f.path) for f in _errors(spec, sources, "eos")] == [("PLAT005", ["tenants", 0, "vni"])]
    assert not _errors(spec, sources, "cumulus")


def test_cumulus_reserved_vlans_are_a_finding(tmp_path: Path) -> None:
    data = example_data("lab-mini")
    data["tenants"][0]["vlan"] = 3800
    spec, sources = _spec(data, tmp_path)
    assert [(f.code, f.path) for f in _errors(spec, sources, "cumulus")] == [("PLAT004", ["tenants", 0, "vlan"])]
    assert not _errors(spec, sources, "frr")


# ------------------------------------------------------------------------- decisions on the Fabric


def test_advertised_prefixes_are_loopback_and_host_subnets() -> None:
    for example in ("lab-mini", "superpod-1su"):
        fab = _fabric(example)
        for dev in fab.switches():
            if dev.platform == "infiniband":
                continue
            want = [str(ipaddress.ip_interface(dev.loopback).network)] if dev.loopback else []
            for p in dev.ports:
                peer = fab.devices.get(p.peer_device or "")
                net = str(ipaddress.ip_interface(p.address).network) if p.address else None
                if net and p.tenant is None and peer is not None and peer.role in SERVER_ROLES and net not in want:
                    want.append(net)
            # a storage leaf is the anycast gateway of its group's storage segment: it announces the subnet
            seg = {n.vni: n.subnet for t in fab.segments for n in t.networks}
            want += [seg[a.vni] for a in dev.segments]
            assert dev.advertise == want, dev.name


def test_ecmp_width_is_bounded_by_the_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load(EXAMPLES / "lab-mini").spec
    assert spec is not None
    real = platforms.get
    narrow = dataclasses.replace(real("frr"), limits=dataclasses.replace(real("frr").limits, max_ecmp=2))
    monkeypatch.setattr(platforms, "get", lambda name: narrow if name == "frr" else real(name))
    fab = design(spec, "frr")
    widths = {d.name: (d.ecmp, len(d.bgp)) for d in fab.switches() if d.bgp}
    assert all(e == min(n, 2) for e, n in widths.values())
    assert any(n > 2 for _e, n in widths.values())
    spine = next(d for d in fab.switches() if d.role == "spine")
    assert "  maximum-paths 2\n" in render(fab)[f"switches/{spine.name}/frr.conf"]


def test_management_acl_and_vrf_come_from_the_fabric() -> None:
    fab = _fabric("lab-mini", "eos")
    assert [(r.service.name, r.service.port, r.source) for r in fab.mgmt_acl] == [
        ("ssh", 22, fab.site.oob_prefix), ("snmp", 161, fab.site.oob_prefix)]
    assert {d.mgmt_vrf for d in fab.switches()} == {"MGMT"}
    assert {d.mgmt_vrf for d in _fabric("lab-mini", "sonic").switches()} == {"mgmt"}


def test_sonic_l3vni_vlans_are_unique_and_free() -> None:
    fab = _fabric("lab-mini", "sonic")
    vlans = {n.vlan for t in fab.tenants for n in t.networks}
    l3 = {}
    for dev in fab.switches():
        for a in dev.tenants:
            t = next(x for x in fab.tenants if a.vni in {n.vni for n in x.networks})
            assert a.l3vni_vlan is not None and a.l3vni_vlan not in vlans
            assert l3.setdefault(t.name, a.l3vni_vlan) == a.l3vni_vlan  # the same on every leaf
    assert len(set(l3.values())) == len(l3) > 0


def test_sonic_health_expectations_use_sonic_port_names() -> None:
    fab = _fabric("lab-mini", "sonic")
    seen = 0
    for builder in (expect.switch_ports, expect.lldp_ports, expect.qos_ports, expect.tenant_access_ports):
        for c in builder(fab, None):
            dev = fab.devices[c.device]
            if dev.is_switch:
                assert c.expect["ifname"] == c.port and c.port.startswith("Ethernet"), (builder.__name__, c.id)
                seen += 1
    assert seen > 0


def test_roce_traffic_class_is_one_value_everywhere() -> None:
    fab = _fabric("lab-mini")
    assert fab.rdma is not None
    tc = fab.rdma.traffic_class
    assert tc == (fab.qos.roce_dscp << 2) | 0b10
    arts = render(fab)
    gpu = next(d for d in fab.servers() if d.gpus)
    env = dict(line.split("=", 1) for line in arts[f"hosts/{gpu.name}/nccl.env"].splitlines()
               if line and not line.startswith("#"))
    assert env["NCCL_IB_TC"] == str(tc)
    roce = arts[f"hosts/{gpu.name}/roce.sh"]
    assert f'TCLASS="{tc}"' in roce
    assert 'cma_roce_tos -d "$dev" -t "$TCLASS"' in roce and "TOS=" not in roce
    ans = render_ansible(fab, environment())
    hv = yaml.safe_load(next(v for k, v in ans.items() if k.endswith(f"host_vars/{gpu.name}.yml")))
    roce_vars = next(v for k, v in hv.items() if isinstance(v, dict) and "traffic_class" in v)
    assert roce_vars["traffic_class"] == roce_vars["roce_tos"] == tc


def test_host_routing_is_decided_in_design() -> None:
    fab = _fabric("lab-mini")
    storage = [p.prefix for p in fab.pools if p.plane == "storage" and p.purpose.startswith("host")]
    for dev in fab.servers():
        tables = [p.table for p in dev.ports if p.table is not None]
        assert len(tables) == len(set(tables))
        for p in dev.ports:
            if p.plane == "compute" and p.address and p.rail is not None:
                assert p.table == p.rule_priority == 100 + p.rail < 32766
                assert p.routes == ("default",) and p.rdma_device == f"mlx5_{p.rail}"
            elif p.plane == "business" and p.address and p.gateway:
                assert p.routes == ("default",) and p.metric is not None
            elif p.plane == "storage" and p.address and p.gateway:
                assert list(p.routes) == storage


# ------------------------------------------------------------------------- property: validate ok => renders

_NAME = st.from_regex(r"[a-z][a-z0-9-]{0,39}", fullmatch=True)


@st.composite
def _specs(draw: st.DrawFn) -> D:
    data = make_spec(
        sus=1,
        racks_per_su=draw(st.integers(1, 2)),
        servers_per_rack=2,
        rails=draw(st.sampled_from([1, 2])),
        tenants=2,
        numbered=draw(st.booleans()),
    )
    names = draw(st.lists(_NAME, min_size=2, max_size=2, unique=True))
    vlans = draw(st.lists(st.sampled_from([2, 100, 3725, 3999, 4000, 4093, 4094]), min_size=2, max_size=2, unique=True))
    vnis = draw(st.lists(st.sampled_from([10_000, 65_535, 65_536, 16_000_000]), min_size=2, max_size=2, unique=True))
    for k, (t, name) in enumerate(zip(data["tenants"], names, strict=True)):
        t.update(name=name, vlan=vlans[k], vni=vnis[k])
        if draw(st.booleans()):
            t["l3vni"] = vnis[k] + 1 + k
    mtu = draw(st.sampled_from([1500, 9000, 9214, 9216, 9300]))
    host = draw(st.sampled_from([1500, 9000, 9164, 9200]))
    data["networks"]["business"]["mtu"] = mtu
    data["networks"]["business"]["host_mtu"] = min(host, mtu)
    return data


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(data=_specs())
def test_any_spec_that_validates_designs_and_renders_on_every_platform(data: D, tmp_path_factory: Any) -> None:
    """Tenant names, VLANs, VNIs and MTUs across every platform's limits: whatever validate accepts
    for a platform designs and renders for it; whatever it refuses is a located PLAT finding."""
    p = tmp_path_factory.mktemp("prop") / "spec.yml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    res = load(p)
    if res.spec is None:
        return
    for platform in (None, *platforms.switch_platforms()):
        findings = validate(res.spec, res.sources, platform=platform)
        if any(f.severity == "error" for f in findings):
            assert all(f.file and f.line for f in findings if f.code.startswith("PLAT")), findings
            continue
        render(design(res.spec, platform))


def test_fabric_is_frozen_after_design() -> None:
    from pydantic import ValidationError

    fab = _fabric("lab-mini")
    dev = next(d for d in fab.switches() if d.bgp)
    for obj, field, value in (
        (fab, "name", "other"),
        (dev, "asn", 1),
        (dev, "ecmp", 99),
        (dev.ports[0], "mtu", 1280),
        (dev.bgp[0], "unnumbered", not dev.bgp[0].unnumbered),
        (fab.site, "oob_prefix", "10.0.0.0/8"),
        (fab.qos, "pfc_priority", 5),
    ):
        with pytest.raises(ValidationError, match="frozen"):
            setattr(obj, field, value)


def test_host_routing_health_compares_with_the_fabric_tables() -> None:
    """Rules and routes as the netstate snapshot holds them, against the Fabric's table and rule
    priority of a compute NIC."""
    from toolkit.health import evaluate
    from toolkit.netstate import RouteState, RuleState

    fab = _fabric("lab-mini", "frr")
    case = expect.host_routes(fab, None)[0]
    e = case.expect
    assert e["table"] == e["rule_priority"] is not None
    rule = RuleState(priority=e["rule_priority"], src=e["address"], table=str(e["table"]))
    route = RouteState(table=str(e["table"]), dst="default", gateway=e["gateway"], dev=e["ifname"])
    assert evaluate.policy_route(case, [rule], [route]) == []
    wrong_table = rule.model_copy(update={"table": "7"})
    moved = route.model_copy(update={"table": "7"})
    assert any("the Fabric says" in p for p in evaluate.policy_route(case, [wrong_table], [moved]))
    wrong_prio = rule.model_copy(update={"priority": e["rule_priority"] + 1})
    assert any("priority" in p for p in evaluate.policy_route(case, [wrong_prio], [route]))


def test_cli_validate_checks_the_platform_given(tmp_path: Path) -> None:
    import subprocess
    import sys

    data = example_data("lab-mini")
    data["tenants"][0]["vni"] = 70000
    p = tmp_path / "spec.yml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "toolkit.cli", "validate", str(p), *args],
                              capture_output=True, text=True, timeout=120, check=False)

    assert run().returncode == 0
    eos = run("--platform", "eos")
    assert eos.returncode == 1 and f"{p}:" in eos.stdout + eos.stderr and "PLAT005" in eos.stdout + eos.stderr
    bad = run("--platform", "junos")
    assert bad.returncode == 2 and "cumulus, eos, frr, sonic" in bad.stderr + bad.stdout
    # render refuses the same way instead of failing half-way in a renderer
    out = subprocess.run([sys.executable, "-m", "toolkit.cli", "render", str(p), "--out", str(tmp_path / "o"),
                          "--platform", "eos"], capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 1 and "PLAT005" in out.stdout + out.stderr and not (tmp_path / "o").exists()
