"""Each semantic rule fires on a spec broken in exactly that way, at the right YAML path and line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from toolkit.rules import RULES, rule_docs, validate
from toolkit.rules.registry import RuleCtx, description, rule
from toolkit.spec import load

D = dict[str, Any]


def _set(path: str, value: Any) -> Callable[[D], None]:
    def apply(d: D) -> None:
        node: Any = d
        parts = [int(p) if p.isdigit() else p for p in path.split(".")]
        for p in parts[:-1]:
            node = node[p]
        node[parts[-1]] = value

    return apply


def _networks(**second: Any) -> Callable[[D], None]:
    """tenants[0] (blue) rewritten in the networks form: its own network as ``a`` and a second one,
    ``b`` (overridden by ``second``)."""

    def apply(d: D) -> None:
        t = d["tenants"][0]
        first = {"name": "a", **{k: t.pop(k) for k in ("vni", "vlan", "subnet", "gateway", "members")}}
        other = {"name": "b", "vni": 10190, "vlan": 190, "subnet": "172.16.190.0/24", "gateway": "172.16.190.1"}
        t["networks"] = [first, {**other, **second}]

    return apply


def _pop(path: str) -> Callable[[D], None]:
    def apply(d: D) -> None:
        node: Any = d
        parts = path.split(".")
        for p in parts[:-1]:
            node = node[p]
        del node[parts[-1]]

    return apply


def _gpu_nic(i: int, **kv: Any) -> Callable[[D], None]:
    def apply(d: D) -> None:
        d["catalog"]["servers"]["gpu-2x"]["nics"][i].update(kv)

    return apply


def _add_rack(rack: D) -> Callable[[D], None]:
    return lambda d: d["layout"]["racks"].append(rack)


def _ceph(**kv: Any) -> Callable[[D], None]:
    return lambda d: d["storage"]["ceph"][0].update(kv)


def _minio(**kv: Any) -> Callable[[D], None]:
    return lambda d: d["storage"]["minio"][0].update(kv)


def _multi(*fs: Callable[[D], None]) -> Callable[[D], None]:
    def apply(d: D) -> None:
        for f in fs:
            f(d)

    return apply


def _ib(**kv: Any) -> Callable[[D], None]:
    """lab-mini with an InfiniBand compute fabric (SMs on two GPU servers), then ``kv`` merged in."""

    def apply(d: D) -> None:
        c = d["networks"]["compute"]
        c["kind"] = "infiniband"
        c.pop("addressing", None)
        c["infiniband"] = {
            "subnet_managers": [{"host": "su1-r01-gpu01", "priority": 15}, {"host": "su1-r02-gpu02", "priority": 14}],
            **kv,
        }

    return apply


CASES: list[tuple[str, Callable[[D], None], str]] = [
    ("NAME001", _add_rack({"name": "su1-r01", "role": "storage"}), "layout.scalable_units[0].racks[0].name"),
    (
        "NAME002",
        lambda d: d["layout"]["scalable_units"].append(
            {"name": "su1", "racks": [{"name": "su2-r01", "servers": [{"model": "gpu-2x", "count": 1}]}]}
        ),
        "layout.scalable_units[1].name",
    ),
    (
        "NAME003",
        _set("layout.racks.1.servers", [{"model": "stor-1u", "names": ["a1", "a1"]}]),
        "layout.racks[1].servers[0]",
    ),
    ("NAME004", _set("tenants.1.name", "blue"), "tenants[1].name"),
    ("NAME005", _gpu_nic(1, name="cx0"), "catalog.servers.gpu-2x.nics[1].name"),
    ("NAME007", _ceph(mons=["stor-r01-stor01", "stor-r01-stor01", "stor-r01-stor03"]), "storage.ceph[0].mons[1]"),
    ("NAME008", _set("site.ntp", ["10.254.0.10", "10.254.0.10"]), "site.ntp[1]"),
    ("REF001", _set("layout.racks.1.servers.0.model", "nope"), "layout.racks[1].servers[0].model"),
    ("REF002", _set("networks.compute.spine.model", "nope"), "networks.compute.spine"),
    ("REF003", _set("tenants.0.members.1", "ghost"), "tenants[0].members[1]"),
    ("REF004", _ceph(mons=["ghost", "stor-r01-stor02", "stor-r01-stor03"]), "storage.ceph[0].mons[0]"),
    ("REF005", _set("layout.network_rack", "nowhere"), "layout.network_rack"),
    ("REF006", _set("networks.compute.leaf.breakout", "8x50G"), "networks.compute.leaf.breakout"),
    ("LAY001", _set("layout.racks.1.servers.0.names", ["x1", "x2", "x3"]), "layout.racks[1].servers[0]"),
    (
        "LAY002",
        lambda d: d["layout"]["scalable_units"].append({"name": "su2", "racks": [{"name": "su2-r01"}]}),
        "layout.scalable_units[1]",
    ),
    ("LAY003", _set("networks.compute.servers_per_su", 3), "layout.scalable_units[0]"),
    (
        "LAY004",
        lambda d: d["layout"]["scalable_units"].append(
            {"name": "su2", "racks": [{"name": "su2-r01", "servers": [{"model": "gpu-2x", "count": 1}]}]}
        ),
        "layout.scalable_units[1]",
    ),
    ("LAY005", _multi(_pop("networks.compute"), _set("layout", {})), "layout"),
    ("ADDR001", _set("networks.business.addressing.hosts", "10.100.0.0/22"), "networks.business.addressing.hosts"),
    ("ADDR002", _set("networks.compute.addressing.hosts", "10.100.0.0/29"), "networks.compute.addressing.hosts"),
    ("ADDR003", _set("tenants.0.gateway", "172.16.200.1"), "tenants[0].gateway"),
    ("ADDR004", _set("networks.oob.controller", "10.254.3.200"), "networks.oob.controller"),
    (
        "ADDR005",
        _multi(_set("networks.oob.rack_block", 8), _set("layout.racks.1.servers.0.count", 8)),
        "layout.racks[1].name",
    ),
    ("ADDR006", lambda d: d["networks"]["compute"].pop("addressing"), "networks.compute"),
    ("ASN001", _set("networks.compute.asn.core", 23456), "networks.compute.asn.core"),
    ("ASN002", _set("networks.business.asn.leaf_base", 4200010001), "networks.business.asn.leaf_base"),
    ("ASN003", _set("networks.business.asn.spine", 3356), "networks.business.asn.spine"),
    ("VNI001", _set("tenants.1.l3vni", 10100), "tenants[1].l3vni"),
    ("VNI002", _set("tenants.1.vlan", 100), "tenants[1].vlan"),
    ("VNI003", _set("tenants.1.plane", "storage"), "tenants[1].plane"),
    ("VNI004", _set("tenants.1.members", ["su1-r01-gpu01"]), "tenants[1].members[0]"),
    ("VNI001", _networks(vni=10200), "tenants[1].vni"),  # a network's VNI = another tenant's (named at the repeat)
    ("VNI001", _networks(vni=10100), "tenants[0].networks[1].vni"),  # ... = the tenant's other network's
    ("VNI002", _networks(vlan=100), "tenants[0].networks[1].vlan"),
    ("VNI002", _networks(vlan=200), "tenants[1].vlan"),
    ("VNI004", _networks(members=["su1-r01-gpu02"]), "tenants[1].members[0]"),
    ("VNI005", _networks(name="a"), "tenants[0].networks[1].name"),
    ("VNI006", _networks(members=["su1-r01-gpu01"]), "tenants[0].networks[1].members[0]"),
    ("ADDR001", _networks(subnet="172.16.100.128/25", gateway="172.16.100.129"), "tenants[0].networks[1].subnet"),
    ("ADDR003", _networks(gateway="172.16.191.1"), "tenants[0].networks[1].gateway"),
    ("REF003", _networks(members=["ghost"]), "tenants[0].networks[1].members[0]"),
    ("CMP001", lambda d: d["catalog"]["servers"]["gpu-2x"]["nics"].pop(1), "catalog.servers.gpu-2x.nics"),
    ("CMP002", _gpu_nic(1, gpu=0), "catalog.servers.gpu-2x.nics[1].gpu"),
    ("CMP003", _gpu_nic(1, numa=0), "catalog.servers.gpu-2x.nics[1].numa"),
    ("CMP004", _gpu_nic(0, speed="200G"), "catalog.servers.gpu-2x.nics[0].speed"),
    ("PCI001", lambda d: d["catalog"]["servers"]["gpu-2x"]["nics"][1].pop("pcie"), "catalog.servers.gpu-2x.nics[1]"),
    ("PCI002", _gpu_nic(1, pcie={"bus": "0000:9c:00.0", "switch": "ffff:01:00.0"}),
     "catalog.servers.gpu-2x.nics[1].pcie.switch"),
    ("PCI003", _set("catalog.servers.gpu-2x.gpu_pcie.1.bus", "0000:19:00.0"), "catalog.servers.gpu-2x.gpu_pcie[1].bus"),
    ("PCI003", _gpu_nic(0, pcie={"bus": "0000:1a:00.7", "switch": "ffff:01:00.0"}, ports=2),
     "catalog.servers.gpu-2x.nics[0].pcie.bus"),
    (
        "PCI004",
        _multi(lambda d: d["catalog"]["servers"]["gpu-2x"].pop("gpu_pcie"),
               *(lambda d, i=i: d["catalog"]["servers"]["gpu-2x"]["nics"][i].pop("pcie") for i in (0, 1))),
        "catalog.servers.gpu-2x",
    ),
    ("CMP005", _set("networks.compute.spine.breakout", "2x50G"), "networks.compute.spine"),
    (
        "CMP006",
        _multi(_set("catalog.switches.sn2700.ports", 2), _set("networks.compute.spine.count", None)),
        "networks.compute",
    ),
    ("CMP007", _set("networks.compute.oversubscription", "0.5:1"), "networks.compute.oversubscription"),
    ("CMP008", _set("networks.compute.tiers", 3), "networks.compute.tiers"),
    (
        "FE001",
        _multi(_set("networks.business.racks_per_group", 1), _set("catalog.switches.as7326.ports", 4)),
        "networks.business.spine",
    ),
    ("FE002", _set("catalog.switches.as7326.ports", 3), "networks.business.racks_per_group"),
    ("FE003", _gpu_nic(2, speed="400G"), "catalog.servers.gpu-2x.nics[2].speed"),
    ("GROW003", _set("networks.compute.planned_sus", None), "networks.compute"),
    ("LINK003", _set("networks.business.leaf.uplink_breakout", "2x50G"), "networks.business.leaf.uplink_breakout"),
    (
        "MTU001",
        _multi(_set("networks.business.mtu", 9000), _set("networks.business.host_mtu", 9100)),
        "networks.business.host_mtu",
    ),
    ("MTU002", _set("networks.compute.host_mtu", 1500), "networks.compute.host_mtu"),
    ("MTU003", _set("networks.business.mtu", 9000), "networks.business.mtu"),
    ("QOS001", _set("qos.roce_priority", 4), "qos.pfc_priority"),
    ("QOS002", _set("qos.cnp_priority", 3), "qos.cnp_priority"),
    ("QOS003", _set("qos.cnp_dscp", 26), "qos.cnp_dscp"),
    ("QOS004", _set("qos.ecn.min_kbytes", 2000), "qos.ecn.min_kbytes"),
    (
        "STO001",
        _multi(
            _set("networks.storage", {"mode": "dedicated", "fabric": None}),
            lambda d: d["catalog"]["servers"]["gpu-2x"]["nics"].pop(3),
        ),
        "catalog.servers.gpu-2x.nics",
    ),
    ("STO002", _set("networks.storage", {"mode": "converged"}), "networks.storage"),
    ("STO003", _ceph(failure_domain="rack"), "storage.ceph[0].pools[0]"),
    ("STO004", _ceph(mons=["stor-r01-stor01", "stor-r01-stor02"]), "storage.ceph[0].mons"),
    ("STO005", _set("storage.ceph.0.pools.1", {"name": "x", "type": "erasure", "k": 2}), "storage.ceph[0].pools[1]"),
    (
        "STO006",
        _ceph(osd_hosts=["su1-r01-gpu01", "stor-r01-stor01", "stor-r01-stor02", "stor-r01-stor03"]),
        "storage.ceph[0].osd_hosts[0]",
    ),
    ("STO007", _minio(erasure_set_size=24, parity=4), "storage.minio[0].erasure_set_size"),
    ("STO008", _minio(parity=7), "storage.minio[0].parity"),
    ("STO009", _minio(erasure_set_size=8), "storage.minio[0].pools[0]"),
    ("STO010", _set("storage.minio.0.pools.0.drives_per_server", 8), "storage.minio[0].pools[0].drives_per_server"),
    (
        "STO012",
        _set("storage.minio.0.pools.0.servers", ["stor-r01-stor01", "stor-r01-stor03", "stor-r01-stor02"]),
        "storage.minio[0].pools[0].servers",
    ),
    ("STO013", _set("storage.minio.0.pools.0", {"servers": ["stor-r01-stor01"], "drives_per_server": 1}),
     "storage.minio[0].pools[0]"),
    ("STO014", _set("storage.minio.0.pools.0.drives_per_server", 4), "storage.ceph[0].osd_hosts[0]"),
    ("STO015", _set("storage.ceph.0.pools.0.min_size", 4), "storage.ceph[0].pools[0].min_size"),
    ("OOB001", lambda d: d["catalog"]["servers"]["stor-1u"]["nics"].pop(1), "catalog.servers.stor-1u.nics"),
    ("OOB002", _set("catalog.switches.as7326.mgmt_port", False), "networks.business.leaf"),
    ("OOB003", _set("catalog.switches.sn2201.ports", 3), "layout.racks[1].name"),
    (
        "OOBA003",
        _multi(_set("catalog.switches.tiny", {"platform": "cumulus", "ports": 4, "speed": "1G"}),
               _set("networks.oob.aggregation.model", "tiny")),
        "networks.oob.aggregation.model",
    ),
    ("PWR001", _set("layout.scalable_units.0.racks.0.power_kw", 4), "layout.scalable_units[0].racks[0].power_kw"),
    ("SITE001", _set("site.ntp", ["10.100.0.5"]), "site.ntp[0]"),
    ("IB001", _multi(_ib(), lambda d: d["networks"]["compute"].pop("infiniband")), "networks.compute.kind"),
    ("IB002", _set("networks.compute.infiniband", {"subnet_managers": [{"host": "x"}]}), "networks.compute.infiniband"),
    (
        "IB003",
        _ib(subnet_managers=[{"host": "stor-r01-stor01", "priority": 15}]),
        "networks.compute.infiniband.subnet_managers[0].host",
    ),
    (
        "IB004",
        _ib(subnet_managers=[{"host": "su1-r01-gpu01"}, {"host": "su1-r02-gpu01"}]),
        "networks.compute.infiniband.subnet_managers[1].priority",
    ),
    ("IB005", _multi(_ib(), _set("tenants.1.pkey", 0x1000)), "tenants[1].pkey"),
    ("IB006", _multi(_ib(), _set("guids", {"su1-r01-gpu01:cx9": "0x0002c90300000001"})), "guids.su1-r01-gpu01:cx9"),
    (
        "IB007",
        _ib(ipoib={"prefix": "10.140.0.0/16", "mode": "datagram", "mtu": 4093}),
        "networks.compute.infiniband.ipoib.mtu",
    ),
    (
        "IB007",
        _ib(mtu=2048, ipoib={"prefix": "10.140.0.0/16", "mtu": 4092}),
        "networks.compute.infiniband.ipoib.mtu",
    ),
    (
        "IB007",
        _ib(ipoib={"prefix": "10.140.0.0/16", "mode": "connected", "mtu": 65521}),
        "networks.compute.infiniband.ipoib.mtu",
    ),
    ("SCHED001", _set("scheduler.kubernetes.rdma_pods", "10.130.0.0/30"), "scheduler.kubernetes.rdma_pods"),
    ("SCHED002", lambda d: d["scheduler"]["kubernetes"].pop("rdma_pods"), "scheduler.kubernetes"),
    # platform data (rules/platform_data.py): SONiC SKU, breakout modes, NOS releases
    (
        "SKU001",
        _multi(_set("catalog.switches.zz9000", {"platform": "sonic", "ports": 48, "speed": "25G"}),
               _set("networks.business.leaf.model", "zz9000")),
        "catalog.switches.zz9000",
    ),
    ("SKU003", _set("catalog.switches.as7326.ports", 60), "catalog.switches.as7326.ports"),
    (
        "SKU002",
        _multi(_set("catalog.switches.sn2700.platform", "sonic"), _set("networks.compute.leaf.breakout", "4x25G")),
        "networks.compute.leaf.breakout",
    ),
    ("NOS001", _set("catalog.switches.sn2700.os_version", "5.2"), "catalog.switches.sn2700.os_version"),
    (
        "BRD003",
        _set("networks.border", {"leaves": ["fe-leaf01", "fe-leaf02"],
                                 "routers": [{"name": "up", "asn": 65000, "links": "10.250.0.0/31"}]}),
        "networks.border.routers[0].links",
    ),
    (
        "BRD004",
        _set("networks.border", {"leaves": ["fe-leaf01", "fe-leaf02"],
                                 "routers": [{"name": "up", "asn": 65000, "links": "10.250.0.0/28",
                                              "vrfs": ["default", "purple"]}]}),
        "networks.border.routers[0].vrfs[1]",
    ),
    ("PLANE001", _pop("networks.compute"), "layout.scalable_units"),
    ("PLANE001", _pop("networks.compute"), "layout.scalable_units[0].racks[0].servers[0].model"),
    ("PLANE002", _pop("networks.oob"), "networks"),
    ("PLANE003", _multi(_pop("networks.compute"), _pop("networks.business"), _pop("networks.storage")), "networks"),
    (
        "BRD005",
        _set("networks.border", {"leaves": ["fe-leaf01", "fe-leaf02"],
                                 "routers": [{"name": "up", "asn": 65000, "links": "10.250.0.0/28"},
                                             {"name": "up", "asn": 65001, "links": "10.250.0.0/28"}]}),
        "networks.border.routers[1]",
    ),
]


@pytest.mark.parametrize(("code", "mutate", "path"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires(code: str, mutate: Callable[[D], None], path: str, lab_mini_data: D, write_spec) -> None:
    mutate(lab_mini_data)
    p = write_spec(lab_mini_data)
    res = load(p)
    assert res.spec is not None, [f.text() for f in res.findings]
    findings = validate(res.spec, res.sources)
    hits = [f for f in findings if f.code == code]
    assert hits, f"{code} did not fire; got {[f.text() for f in findings]}"
    assert any(f.yaml_path == path for f in hits), [f.text() for f in hits]
    f = next(f for f in hits if f.yaml_path == path)
    assert f.file and f.file.endswith(p.name) and f.line and f.line > 0
    assert f.severity == RULES[code].severity


def test_clean_examples_have_no_findings() -> None:
    for name in ("lab-mini", "superpod-1su", "cluster-16k"):
        res = load(f"inventory/examples/{name}")
        assert res.spec is not None
        assert validate(res.spec, res.sources) == [], name


def test_rule_catalogue() -> None:
    docs = rule_docs()
    codes = [c for c, _, _ in docs]
    assert len(RULES) >= 30
    assert len(codes) == len(set(codes))
    assert all(d and len(d) < 120 for _, _, d in docs)
    tested = {c for c, _, _ in CASES}
    untested = set(RULES) - tested - {"NAME006", "LAY001", "SITE002"}
    assert not untested, f"rules without a test case: {sorted(untested)}"


def test_a_rule_is_described_by_its_docstring() -> None:
    def check(c: RuleCtx) -> Any:
        """the first paragraph,
        on one line

        The rest is for the reader of the code."""
        yield from ()

    assert description(check) == "the first paragraph, on one line"
    assert RULES["VNI005"].doc == "network names are unique within a tenant"

    def undescribed(c: RuleCtx) -> Any:
        yield from ()

    with pytest.raises(ValueError, match="no docstring"):
        rule("ZZZ998", "error")(undescribed)
    assert "ZZZ998" not in RULES


def test_validate_runs_under_python_oo() -> None:
    """python -OO strips every docstring (the rules' descriptions): the rules still register and
    validation runs, in text and JSON (it failed at import before)."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    ok = subprocess.run([sys.executable, "-OO", "-m", "toolkit.cli", "validate", "inventory/examples/lab-mini"],
                        capture_output=True, text=True, cwd=root, timeout=120)
    assert ok.returncode == 0 and "spec is valid" in ok.stdout, ok.stdout + ok.stderr
    js = subprocess.run([sys.executable, "-OO", "-m", "toolkit.cli", "validate", "inventory/examples/lab-mini",
                          "--format", "json"], capture_output=True, text=True, cwd=root, timeout=120)
    assert js.returncode == 0 and "internal error" not in js.stdout + js.stderr


def test_all_findings_reported_together(lab_mini_data: D, write_spec) -> None:
    _set("qos.cnp_priority", 3)(lab_mini_data)
    _set("tenants.1.vlan", 100)(lab_mini_data)
    _set("layout.scalable_units.0.racks.0.power_kw", 4)(lab_mini_data)
    res = load(write_spec(lab_mini_data))
    assert res.spec is not None
    findings = validate(res.spec, res.sources)
    codes = {f.code for f in findings}
    assert {"QOS002", "VNI002", "PWR001"} <= codes
    assert {f.severity for f in findings} == {"error", "warning"}


def test_design_error_becomes_finding(lab_mini_data: D, write_spec) -> None:
    """A spec that passes the rules but cannot be designed still gets a located finding."""
    _set("networks.compute.servers_per_su", 1)(lab_mini_data)
    res = load(write_spec(lab_mini_data))
    assert res.spec is not None
    findings = validate(res.spec, res.sources)
    assert findings and all(f.line for f in findings)


def test_fabric_rules_share_work_within_a_run_never_across() -> None:
    """``per_run``: one build per Fabric and ``fabric_findings`` run, a new one for a new run or
    another Fabric, and only the latest kept."""
    from typing import cast

    from toolkit.design.model import Fabric
    from toolkit.rules import fabric as rf

    a, b = cast(Fabric, object()), cast(Fabric, object())
    built: list[object] = []
    cache: dict[tuple[int, int], tuple[Fabric, int]] = {}

    def build(f: Fabric) -> int:
        built.append(f)
        return len(built)

    assert rf.per_run(cache, a, build) == rf.per_run(cache, a, build) == 1
    assert rf.per_run(cache, b, build) == 2 and len(cache) == 1
    rf.RUN[0] += 1  # what fabric_findings does at the start of every run
    assert rf.per_run(cache, b, build) == 3 and built == [a, b, b]


def test_overlapping_prefixes_are_every_overlapping_pair_in_order() -> None:
    """ADDR001's sweep finds exactly the pairs the comparison of every pair finds, in the same
    order (so the findings read the same), for nested, equal and disjoint prefixes."""
    import ipaddress

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from toolkit.rules.addressing import _overlapping

    prefixes = st.builds(
        lambda addr, length: ipaddress.IPv4Network((addr, length), strict=False),
        st.integers(0, 2**16 - 1).map(lambda x: 0x0A000000 | x),  # within 10.0.0.0/16: many nest
        st.integers(8, 32),
    )

    @settings(max_examples=300, deadline=None)
    @given(st.lists(prefixes, max_size=40))
    def check(nets: list[ipaddress.IPv4Network]) -> None:
        pairwise = [(i, j) for i in range(len(nets)) for j in range(i) if nets[i].overlaps(nets[j])]
        assert _overlapping(nets) == pairwise

    check()
