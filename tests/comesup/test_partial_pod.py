"""A partial last pod gets the spine-core links its planned SUs need, not a full pod's."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from toolkit.design import design
from toolkit.design.sizing import size_compute
from toolkit.spec import load


def _cut(sus: int, planned: int, tmp_path: Any) -> Any:
    with open("inventory/examples/cluster-16k/cluster.yml") as fh:
        data = yaml.safe_load(fh)
    data = copy.deepcopy(data)
    data["layout"]["scalable_units"] = data["layout"]["scalable_units"][:sus]
    data["networks"]["compute"]["planned_sus"] = planned
    del data["storage"]
    p = tmp_path / "c.yml"
    p.write_text(yaml.safe_dump(data, sort_keys=False))
    res = load(p)
    assert res.spec is not None, [f.text() for f in res.findings]
    return res.spec


def test_last_pod_uplinks_sized_for_its_planned_sus(tmp_path: Any) -> None:
    spec = _cut(17, 17, tmp_path)
    sz = size_compute(spec)
    assert (sz.sus_per_pod, sz.pods, sz.planned_pods) == (4, 5, 5)
    # full pods: 32 x 800G down = 32 up, over 4 cores per plane = 8 links each; the last pod
    # (one SU, 8 leaves) needs 8 uplinks: 2 per core
    assert (sz.links_per_spine_core, sz.spine_core_links(0), sz.spine_core_links(4)) == (8, 8, 2)
    fab = design(spec)
    per_spine: dict[str, int] = {}
    for c in fab.cables:
        if c.tier == "spine-core":
            per_spine[c.a_device] = per_spine.get(c.a_device, 0) + 1
    spines = {d.name: d for d in fab.by_role("spine")}
    full = {per_spine[n] for n, d in spines.items() if d.pod != 4}
    last = {per_spine[n] for n, d in spines.items() if d.pod == 4}
    assert full == {32} and last == {8}
    # non-blocking: a last-pod spine's uplink bandwidth covers its downlinks
    sp = next(d for d in spines.values() if d.pod == 4)
    down = sum(p.speed for p in sp.ports if p.role == "downlink" and p.peer_device)
    up = sum(p.speed for p in sp.ports if p.role == "uplink" and p.peer_device)
    assert up >= down > 0


def test_growing_the_plan_only_adds_links(tmp_path: Any) -> None:
    before = design(_cut(17, 17, tmp_path))
    after = design(_cut(17, 20, tmp_path))
    a = {(c.a_device, c.a_port, c.b_device, c.b_port) for c in before.cables if c.tier == "spine-core"}
    b = {(c.a_device, c.a_port, c.b_device, c.b_port) for c in after.cables if c.tier == "spine-core"}
    assert a < b
    for name in ("pod05-spine01",):
        pa = {p.name: p.address for p in before.devices[name].ports}
        pb = {p.name: p.address for p in after.devices[name].ports}
        assert all(pb[k] == v for k, v in pa.items())
