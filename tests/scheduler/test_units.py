"""Every job-level placement unit (leaf group, SU, pod, fabric) holds exactly the servers the
Fabric's cabling puts under it; labels, Slurm switches and Volcano HyperNodes say the same."""

from __future__ import annotations

import pytest
import yaml

from tests.core.specgen import make_spec
from tests.scheduler.conftest import EXAMPLE_NAMES, fabric_of, rendered
from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.spec.models import ClusterSpec


def cabled(fabric: Fabric) -> dict[str, set[str]]:
    """server -> compute leaves it is cabled to, straight from Fabric.cables."""
    out: dict[str, set[str]] = {}
    for c in fabric.cables:
        if c.plane == "compute" and c.tier == "server-leaf":
            a, b = fabric.devices[c.a_device], fabric.devices[c.b_device]
            srv, leaf = (a, b) if a.is_server else (b, a)
            out.setdefault(srv.name, set()).add(leaf.name)
    return out


def check_units(fabric: Fabric) -> None:
    s = fabric.scheduler
    assert s is not None
    units = {u.name: u for u in s.units}
    assert len(units) == len(s.units), "unit names are unique"
    leaves_of = cabled(fabric)
    groups = [u for u in s.units if u.level == "leaf-group"]
    # every cabled GPU server is in exactly one leaf group
    member = [srv for g in groups for srv in g.servers]
    assert sorted(member) == sorted(leaves_of)
    for g in groups:
        switches = set(g.switches)
        # the group's servers are exactly those cabled to its leaves, and only to its leaves
        assert {srv for srv, lv in leaves_of.items() if lv & switches} == set(g.servers), g.name
        for srv in g.servers:
            assert leaves_of[srv] <= switches, (g.name, srv)
        # its leaves are each cabled only to servers of the group
        for lf in switches:
            assert {srv for srv, lv in leaves_of.items() if lf in lv} <= set(g.servers)
    for u in s.units:
        if u.level == "su":
            assert set(u.servers) == {srv for srv in leaves_of if fabric.devices[srv].su == u.name}
            for lf in (d for d in fabric.devices.values() if d.role == "leaf" and d.su == u.name):
                assert any(lf.name in units[c].switches for c in u.children)
        if u.level == "pod":
            pod_leaves = {d.name for d in fabric.devices.values() if d.role == "leaf" and d.pod == int(u.name[3:]) - 1}
            assert set(u.servers) == {srv for srv, lv in leaves_of.items() if lv & pod_leaves}
        if u.children:
            assert all(c in units for c in u.children)
            assert set(u.servers) == {srv for c in u.children for srv in units[c].servers}
    top = [u for u in s.units if u.level == "fabric"]
    assert len(top) == 1 and set(top[0].servers) == set(leaves_of)
    # children belong to exactly one parent
    parents: dict[str, str] = {}
    for u in s.units:
        for c in u.children:
            assert c not in parents, c
            parents[c] = u.name
    assert set(parents) | {top[0].name} == set(units)
    # node labels name the same units
    for srv, labels in s.node_labels.items():
        lg = labels[f"{s.label_prefix}/leaf-group"]
        assert srv in units[lg].servers
        assert srv in units[labels[f"{s.label_prefix}/su"]].servers
        assert labels["kubernetes.io/hostname"] == srv
        assert labels[f"{s.label_prefix}/rack"] == fabric.devices[srv].rack


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_units_of_examples(example: str) -> None:
    check_units(fabric_of(example))


@pytest.mark.parametrize(
    "kw",
    [
        {"sus": 2, "racks_per_su": 4, "servers_per_rack": 10, "rails": 4, "leaf_ports": 32},  # 2 leaves per rail
        {"sus": 4, "racks_per_su": 2, "servers_per_rack": 4, "rails": 2, "leaf_ports": 16, "tiers": 3},
        {"sus": 2, "racks_per_su": 2, "servers_per_rack": 3, "rails": 4, "kind": "infiniband"},
    ],
)
def test_units_of_generated_specs(kw: dict[str, object]) -> None:
    fabric = design(ClusterSpec.model_validate(make_spec(**kw)))  # type: ignore[arg-type]
    check_units(fabric)
    s = fabric.scheduler
    assert s is not None
    if kw.get("servers_per_rack") == 10:
        # 40 servers per SU on 16 downlinks per leaf: 3 leaves per rail -> 3 leaf groups per SU
        assert sum(1 for u in s.units if u.level == "leaf-group") == 6
    if kw.get("tiers") == 3:
        assert any(u.level == "pod" for u in s.units)


def test_a_broken_unit_is_caught() -> None:
    """The check is not vacuous: moving one server to another leaf group fails it."""
    fabric = design(ClusterSpec.model_validate(make_spec(sus=2, racks_per_su=4, servers_per_rack=10, rails=4)))
    s = fabric.scheduler
    assert s is not None
    g1, g2 = [u for u in s.units if u.level == "leaf-group"][:2]
    g2.servers.append(g1.servers.pop())
    with pytest.raises(AssertionError):
        check_units(fabric)


@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_hypernodes_follow_units(example: str) -> None:
    fabric = fabric_of(example)
    s = fabric.scheduler
    assert s is not None
    docs = list(yaml.safe_load_all(rendered(example)["scheduler/kubernetes/volcano-hypernodes.yaml"]))
    by_name = {d["metadata"]["name"]: d for d in docs}
    units = {u.name: u for u in s.units}
    assert set(by_name) == set(units)

    def nodes_under(name: str) -> set[str]:
        d = by_name[name]
        out: set[str] = set()
        for m in d["spec"]["members"]:
            ref = m["selector"]["exactMatch"]["name"]
            if m["type"] == "Node":
                out.add(ref)
            else:
                assert by_name[ref]["spec"]["tier"] < d["spec"]["tier"]
                out |= nodes_under(ref)
        return out

    for name, u in units.items():
        assert nodes_under(name) == set(u.servers)
