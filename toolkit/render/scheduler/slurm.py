"""Slurm: ``scheduler/slurm/{topology.conf, topology-block.conf, nodes.conf, gres.conf}``.

- ``topology.conf`` (topology/tree): one switch per placement unit of ``Fabric.scheduler``: leaf
  groups hold the nodes, SUs hold leaf groups, pods (3 tiers) hold SUs, ``compute`` holds the rest.
  The rail leaves of a group are one Slurm switch because every server of the group is cabled to
  all of them (Slurm warns on nodes listed under several leaf switches); the comment above each
  switch names the physical switches it stands for.
- ``topology-block.conf`` (topology/block, Slurm >= 23.11): one block per SU.
- ``nodes.conf``: ``NodeName`` lines to ``Include`` from slurm.conf (GPU and RDMA GRES, address
  for slurmctld: the first business address, else the management address).
- ``gres.conf``: per server model the GPUs (``/dev/nvidia<i>``) and RDMA devices
  (``/dev/infiniband/uverbs<r>``, rail order), with the GPU-NIC pairing and NUMA node in comments
  (the catalogue holds no CPU core ranges, so no ``Cores=`` affinity is written).

Host lists use Slurm's bracket syntax (``su1-r01-gpu[01-04]``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import jinja2

from toolkit.design.model import Device, Fabric
from toolkit.render.core import Artifacts

_TAIL = re.compile(r"^(.*?)(\d+)$")


def hostlist(names: list[str]) -> str:
    """Slurm host list: consecutive names sharing a prefix and digit width become ``p[a-b]``.

    Order is kept (runs are formed from neighbours only), so expanding gives ``names`` back.
    """
    out: list[str] = []
    i = 0
    while i < len(names):
        m = _TAIL.match(names[i])
        if not m:
            out.append(names[i])
            i += 1
            continue
        prefix, digits = m.group(1), m.group(2)
        width, start = len(digits), int(digits)
        ranges: list[tuple[int, int]] = [(start, start)]
        j = i + 1
        while j < len(names):
            mj = _TAIL.match(names[j])
            if not mj or mj.group(1) != prefix or len(mj.group(2)) != width:
                break
            n = int(mj.group(2))
            lo, hi = ranges[-1]
            if n == hi + 1:
                ranges[-1] = (lo, n)
            elif n > hi + 1:
                ranges.append((n, n))
            else:
                break
            j += 1
        if j == i + 1:
            out.append(names[i])
        else:
            parts = [f"{a:0{width}d}" if a == b else f"{a:0{width}d}-{b:0{width}d}" for a, b in ranges]
            out.append(f"{prefix}[{','.join(parts)}]")
        i = j
    return ",".join(out)


@dataclass(frozen=True)
class GresModel:
    model: str
    nodes: str  # host list
    gpu_type: str | None
    gpus: int
    rails: tuple[tuple[int, str, int | None, int | None], ...]  # (rail, rdma device, gpu, numa)


def node_address(dev: Device) -> str | None:
    for plane in ("business", "storage"):
        for p in dev.ports:
            if p.plane == plane and p.address:
                return p.address.split("/", 1)[0]
    return dev.mgmt_address.split("/", 1)[0] if dev.mgmt_address else None


def gpu_type(dev: Device) -> str | None:
    if not dev.gpu_model:
        return None
    return re.sub(r"[^a-z0-9]+", "_", dev.gpu_model.lower()).strip("_") or None


def gres_string(dev: Device, rails: int) -> str:
    parts = []
    if dev.gpus:
        t = gpu_type(dev)
        parts.append(f"gpu:{t}:{dev.gpus}" if t else f"gpu:{dev.gpus}")
    if rails:
        parts.append(f"rdma:{rails}")
    return ",".join(parts)


def _rails(dev: Device) -> list[tuple[int, str, int | None, int | None]]:
    return sorted(
        {
            (p.rail, p.rdma_device or "", p.gpu, p.numa)
            for p in dev.ports
            if p.plane == "compute" and p.rail is not None and p.peer_device
        },
        key=lambda t: t[0],
    )


def slurm_view(fabric: Fabric) -> dict[str, object]:
    sched = fabric.scheduler
    assert sched is not None
    servers = [fabric.devices[s] for s in next(u for u in sched.units if u.level == "fabric").servers]
    # switches bottom-up: Slurm needs every child switch defined (order in the file is free)
    order = {"leaf-group": 0, "su": 1, "pod": 2, "fabric": 3}
    switches = [
        {
            "name": u.name,
            "level": u.level,
            "physical": u.switches,
            "nodes": hostlist(u.servers) if u.level == "leaf-group" else None,
            "children": hostlist(u.children) if u.level != "leaf-group" else None,
        }
        for u in sorted(sched.units, key=lambda u: order[u.level])
    ]
    blocks = [{"name": u.name, "nodes": hostlist(u.servers)} for u in sched.units if u.level == "su"]
    nodes = []
    gres: dict[str, list[Device]] = {}
    for d in servers:
        rails = _rails(d)
        nodes.append({"name": d.name, "addr": node_address(d), "gres": gres_string(d, len(rails))})
        gres.setdefault(d.model, []).append(d)
    models = []
    for model, devs in gres.items():
        d0 = devs[0]
        models.append(
            GresModel(
                model=model,
                nodes=hostlist([d.name for d in devs]),
                gpu_type=gpu_type(d0),
                gpus=d0.gpus,
                rails=tuple(_rails(d0)),
            )
        )
    return {"cluster": fabric.name, "switches": switches, "blocks": blocks, "nodes": nodes, "gres": models}


FILES = (
    ("topology.conf", "scheduler/slurm/topology.conf.j2"),
    ("topology-block.conf", "scheduler/slurm/topology-block.conf.j2"),
    ("nodes.conf", "scheduler/slurm/nodes.conf.j2"),
    ("gres.conf", "scheduler/slurm/gres.conf.j2"),
)


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    if fabric.scheduler is None or not fabric.scheduler.units:
        return {}
    view = slurm_view(fabric)
    return {f"scheduler/slurm/{name}": env.get_template(tpl).render(v=view) for name, tpl in FILES}
