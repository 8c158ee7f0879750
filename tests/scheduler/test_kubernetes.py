"""Every rendered Kubernetes object validates against its CRD (OpenAPI schema + CEL rules, see
crdkit.py); rail networks carry the Fabric's pod ranges, which never hold a host address."""

from __future__ import annotations

import copy
import ipaddress
import json
from typing import Any

import pytest
import yaml

from tests.conftest import example_data
from tests.scheduler.conftest import EXAMPLE_NAMES, fabric_of, rendered
from tests.scheduler.crdkit import label_key_errors, label_value_errors, validate
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.spec.models import ClusterSpec

MANIFESTS = ("kueue-topology.yaml", "volcano-hypernodes.yaml", "sriov-policies.yaml", "network-attachments.yaml")


def docs(example: str, name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(rendered(example)[f"scheduler/kubernetes/{name}"]) if d]


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
@pytest.mark.parametrize("manifest", MANIFESTS)
def test_manifests_validate_against_their_crds(example: str, manifest: str) -> None:
    objs = docs(example, manifest)
    assert objs
    for obj in objs:
        assert validate(obj) == [], obj["metadata"]["name"]


def test_validator_rejects_what_the_api_server_rejects() -> None:
    """Schema, CEL and metadata checks each catch a broken object."""
    topo = docs("lab-mini", "kueue-topology.yaml")[0]
    bad = copy.deepcopy(topo)
    bad["spec"]["levels"].append(bad["spec"]["levels"][0])  # duplicate level (CEL: must be unique)
    assert any("unique" in e for e in validate(bad))
    bad = copy.deepcopy(topo)
    bad["spec"]["levels"].insert(0, {"nodeLabel": "kubernetes.io/hostname"})  # hostname not lowest (CEL)
    assert validate(bad)
    hn = copy.deepcopy(docs("lab-mini", "volcano-hypernodes.yaml")[0])
    hn["spec"]["members"][0]["selector"] = {}  # CEL: one of exactMatch/regexMatch/labelMatch
    assert any("must be specified" in e for e in validate(hn))
    pol = copy.deepcopy(docs("lab-mini", "sriov-policies.yaml")[0])
    pol["spec"]["linkType"] = "fc"  # schema enum
    del pol["spec"]["numVfs"]  # schema required
    assert len(validate(pol)) >= 2
    nad = copy.deepcopy(docs("lab-mini", "network-attachments.yaml")[0])
    nad["metadata"]["name"] = "Rail_0"  # DNS-1123
    assert validate(nad)


def host_addresses(fabric: Fabric) -> set[ipaddress.IPv4Address]:
    out = set()
    for d in fabric.devices.values():
        for a in [p.address for p in d.ports] + [d.loopback, d.mgmt_address]:
            if a:
                out.add(ipaddress.IPv4Interface(a).ip)
    if fabric.infiniband:
        out |= {ipaddress.IPv4Interface(a).ip for a in fabric.infiniband.ipoib.values()}
    return out


def check_rail_networks(example: str, fabric: Fabric, nads: list[dict[str, Any]], pols: list[dict[str, Any]]) -> None:
    s = fabric.scheduler
    assert s is not None
    hosts = host_addresses(fabric)
    taken = [ipaddress.IPv4Network(p.prefix) for p in fabric.pools] + [
        ipaddress.IPv4Network(n.subnet) for t in fabric.tenants for n in t.networks
    ]
    ranges = []
    assert [n["metadata"]["name"] for n in nads] == [r.name for r in s.rails]
    servers = next(u for u in s.units if u.level == "fabric").servers
    for nad_obj, pol, rail in zip(nads, pols, s.rails, strict=True):
        conf = json.loads(nad_obj["spec"]["config"])
        assert conf["name"] == rail.name
        assert conf["type"] == ("ib-sriov" if fabric.planes["compute"].kind == "infiniband" else "sriov")
        res = nad_obj["metadata"]["annotations"]["k8s.v1.cni.cncf.io/resourceName"]
        assert res.endswith("/" + pol["spec"]["resourceName"])
        # the policy selects the rail's NIC on every server
        for srv in servers:
            names = {p.name for p in fabric.devices[srv].ports if p.plane == "compute" and p.rail == rail.rail}
            assert set(pol["spec"]["nicSelector"]["pfNames"]) == names
        ipam = conf["ipam"]
        assert ipam["type"] == "whereabouts", f"{example}: rail {rail.rail} has no pod range"
        net = ipaddress.IPv4Network(ipam["range"])
        lo, hi = ipaddress.IPv4Address(ipam["range_start"]), ipaddress.IPv4Address(ipam["range_end"])
        assert net.network_address < lo <= hi < net.broadcast_address
        assert not any(lo <= h <= hi for h in hosts), f"{example}: a host address is in {net}"
        for other in taken:
            if not other.overlaps(net):
                continue
            # only an IB rail's own IPoIB block may contain its pod range (hosts in the lower half)
            assert fabric.infiniband is not None and other.supernet_of(net), (example, str(other), str(net))
        ranges.append(net)
    for i, a in enumerate(ranges):
        for b in ranges[i + 1 :]:
            assert not a.overlaps(b)


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_rail_networks_take_pod_ranges_from_the_fabric(example: str) -> None:
    check_rail_networks(
        example, fabric_of(example), docs(example, "network-attachments.yaml"), docs(example, "sriov-policies.yaml")
    )


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_node_labels(example: str) -> None:
    fabric = fabric_of(example)
    labels = yaml.safe_load(rendered(example)["scheduler/kubernetes/node-labels.yaml"])
    s = fabric.scheduler
    assert s is not None
    assert set(labels) == set(next(u for u in s.units if u.level == "fabric").servers)
    for node, lab in labels.items():
        for k, v in lab.items():
            assert label_key_errors(k) == [] and label_value_errors(v) == [], (node, k, v)
    script = rendered(example)["scheduler/kubernetes/label-nodes.sh"]
    assert script.count("kubectl label node --overwrite") == len(labels)
    levels = [lv["nodeLabel"] for lv in docs(example, "kueue-topology.yaml")[0]["spec"]["levels"]]
    for lab in labels.values():
        assert set(levels) <= set(lab)


def test_pod_prefix_overlapping_a_pool_is_a_finding() -> None:
    from toolkit.rules import validate as run_rules

    data = example_data("lab-mini")
    data["scheduler"]["kubernetes"]["rdma_pods"] = data["networks"]["oob"]["prefix"]
    findings = run_rules(ClusterSpec.model_validate(data))
    hits = [f for f in findings if f.path[:3] == ["scheduler", "kubernetes", "rdma_pods"]]
    assert hits and hits[0].severity == "error", findings


def test_designed_ranges_stay_when_the_cluster_grows() -> None:
    """superpod-1su plans 4 SUs: adding su2 keeps every rail range and every server's labels."""
    data = example_data("superpod-1su")
    before = design(ClusterSpec.model_validate(data)).scheduler
    grown = copy.deepcopy(data)
    su2 = copy.deepcopy(grown["layout"]["scalable_units"][0])
    su2["name"] = "su2"
    for r in su2["racks"]:
        r["name"] = r["name"].replace("su1-", "su2-")
    grown["layout"]["scalable_units"].append(su2)
    after = design(ClusterSpec.model_validate(grown)).scheduler
    assert before is not None and after is not None
    assert [r.model_dump() for r in before.rails] == [r.model_dump() for r in after.rails]
    for srv, lab in before.node_labels.items():
        assert after.node_labels[srv] == lab
