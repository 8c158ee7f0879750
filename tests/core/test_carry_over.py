"""Design records that carry spec values over as they are (``**spec.model_dump(exclude=...)``):
every value the spec gives reaches the Fabric, and a field the spec gains that the design record
lacks is refused instead of dropped (the design models forbid extra fields)."""

from __future__ import annotations

from typing import Any

from tests.core.specgen import make_spec
from toolkit.design import design
from toolkit.spec.models import ClusterSpec, InfinibandSpec, KubernetesSpec


def _design(spec: dict[str, Any]) -> Any:
    return design(ClusterSpec.model_validate(spec))


def _ib_spec(**settings: Any) -> dict[str, Any]:
    spec = make_spec(kind="infiniband", tenants=0)
    spec["networks"]["compute"]["infiniband"] = {"subnet_managers": [{"host": "su1-r01-gpu01"}], **settings}
    return spec


def test_infiniband_carries_every_spec_setting() -> None:
    given = {"routing_engine": "updn", "lmc": 2, "qos": False, "compute_sl": 3, "adaptive_routing": False, "mtu": 2048}
    ib = _design(_ib_spec(**given)).infiniband
    assert ib is not None
    got = {k: getattr(ib, k) for k in given}
    assert got == given
    assert ib.mtu_code == 4 and ib.ipoib_mode is None and [sm.device for sm in ib.subnet_managers] == ["su1-r01-gpu01"]


def test_infiniband_without_its_section_takes_the_spec_defaults() -> None:
    spec = make_spec(kind="infiniband", tenants=0)
    ib = _design(spec).infiniband
    assert ib is not None
    defaults = InfinibandSpec.model_construct(subnet_managers=[])
    for k in ("routing_engine", "lmc", "qos", "compute_sl", "adaptive_routing", "mtu"):
        assert getattr(ib, k) == getattr(defaults, k), k
    assert ib.subnet_managers == [] and ib.ipoib_mode is None


def test_scheduler_carries_the_kubernetes_names() -> None:
    spec = make_spec()
    k8s = {"label_prefix": "gpu.example.org", "namespace": "jobs", "operator_namespace": "netop", "vfs_per_nic": 4}
    spec["scheduler"] = {"kubernetes": k8s}
    plan = _design(spec).scheduler
    assert plan is not None
    assert {k: getattr(plan, k) for k in k8s} == k8s
    assert set(KubernetesSpec.model_fields) - set(k8s) == {"rdma_pods"}  # the one the rails take instead


def test_tenant_network_carries_the_segment_both_forms() -> None:
    spec = make_spec(tenants=1)
    inline = dict(spec["tenants"][0])
    spec["tenants"].append(
        {
            "name": "multi",
            "networks": [
                {"name": "a", "vni": 20001, "vlan": 201, "subnet": "172.17.1.0/24", "gateway": "172.17.1.254"},
                {"name": "b", "vni": 20002, "vlan": 202, "subnet": "172.17.2.0/24", "gateway": "172.17.2.1"},
            ],
        }
    )
    fab = _design(spec)
    got = {(t.name, n.name): (n.vni, n.vlan, n.subnet, n.gateway) for t in fab.tenants for n in t.networks}
    assert got == {
        (inline["name"], inline["name"]): (inline["vni"], inline["vlan"], inline["subnet"], inline["gateway"]),
        ("multi", "a"): (20001, 201, "172.17.1.0/24", "172.17.1.254"),
        ("multi", "b"): (20002, 202, "172.17.2.0/24", "172.17.2.1"),
    }
    first = fab.tenants[0].networks[0]
    assert [m.server for m in first.members] == inline["members"] and first.leaves


def test_ceph_cluster_pools_and_file_systems_carry_the_spec(lab_mini_data: dict[str, Any], write_spec: Any) -> None:
    from toolkit.spec import load

    data = dict(lab_mini_data)
    ceph = dict(data["storage"]["ceph"][0])
    ceph.update(osds_per_device=2, device_class="ssd", cluster_network="10.99.0.0/24", mdss=["stor-r01-stor02"])
    ceph["pools"] = [
        {"name": "rbd", "size": 3, "min_size": 1, "pg_num": 64, "application": "rbd", "device_class": "ssd"},
        {"name": "objects", "type": "erasure", "k": 2, "m": 1, "pg_num": 16, "application": "rgw"},
        {"name": "fsmeta", "size": 3, "application": "cephfs", "failure_domain": "host"},
        {"name": "fsdata", "size": 3, "application": "cephfs"},
    ]
    ceph["filesystems"] = [{"name": "home", "metadata_pool": "fsmeta", "data_pool": "fsdata"}]
    data["storage"] = {**data["storage"], "ceph": [ceph]}
    res = load(write_spec(data))
    assert res.spec is not None, res.findings
    cl = design(res.spec).ceph[0]
    want = {k: ceph.get(k) for k in ("name", "cluster_network", "osds_per_device", "device_class", "failure_domain")}
    assert {k: getattr(cl, k) for k in want} == want
    assert [f.model_dump() for f in cl.filesystems] == ceph["filesystems"]
    spec_pools = {p.name: p for p in cl.pools if p.origin == "spec"}
    assert list(spec_pools) == [p["name"] for p in ceph["pools"]]
    for given in ceph["pools"]:
        p = spec_pools[given["name"]]
        for k in ("type", "k", "m", "pg_num", "application", "device_class"):
            if k in given:
                assert getattr(p, k) == given[k], (p.name, k)
    assert (spec_pools["rbd"].size, spec_pools["rbd"].min_size) == (3, 1)
    assert spec_pools["objects"].size == 3 and spec_pools["objects"].device_class is None
    assert {p.failure_domain for p in spec_pools.values()} == {"host"}  # the cluster's, where a pool gives none
