"""CMP rules: the rail-optimized compute fabric (rails, GPU pairing, NUMA, speeds, sizing)."""

from __future__ import annotations

from toolkit.rules.registry import SERVER_LIST, SWITCH_PORTS, RuleCtx, rule
from toolkit.rules.specview import Out, gpu_server_models, port_speed
from toolkit.spec.models import parse_speed


@rule("CMP001", "error")
def _rails(c: RuleCtx) -> Out:
    """compute NIC ports per server equal the rails, and all GPU server models agree"""
    counts: dict[int, str] = {}
    for model, path in gpu_server_models(c.spec).items():
        m = c.spec.catalog.servers.get(model)
        if m is None:
            continue
        n = sum(n.ports for n in m.nics if n.role == "compute")
        if m.gpus and n != m.gpus:
            yield (
                ("catalog", "servers", model, "nics"),
                f"{model} has {m.gpus} GPUs but {n} compute NIC ports",
                ("rail-optimized needs one compute NIC per GPU"),
            )
        if counts and n not in counts:
            yield (
                path,
                f"{model} gives {n} rails, {next(iter(counts.values()))} gives {next(iter(counts))}",
                ("all GPU servers of a fabric need the same rail count"),
            )
        counts.setdefault(n, model)


@rule("CMP002", "error")
def _pairing(c: RuleCtx) -> Out:
    """GPU to compute-NIC pairing is one-to-one"""
    for model in gpu_server_models(c.spec):
        m = c.spec.catalog.servers.get(model)
        if m is None:
            continue
        seen: dict[int, int] = {}
        for i, n in enumerate(m.nics):
            if n.role != "compute":
                continue
            path = ("catalog", "servers", model, "nics", i, "gpu")
            if n.gpu is None:
                yield path, f"compute NIC {n.name} names no GPU", "set gpu: <index>"
            elif n.gpu >= m.gpus:
                yield path, f"GPU {n.gpu} does not exist ({model} has {m.gpus})", ""
            elif n.gpu in seen:
                yield path, f"GPU {n.gpu} is paired with two NICs", "pair GPU i with NIC i"
            else:
                seen[n.gpu] = i
        missing = sorted(set(range(m.gpus)) - set(seen))
        if missing and m.gpus:
            yield ("catalog", "servers", model, "nics"), f"GPUs {missing} have no compute NIC", ""


@rule("CMP003", "error")
def _numa(c: RuleCtx) -> Out:
    """a compute NIC sits on the same NUMA node as its GPU"""
    for model in gpu_server_models(c.spec):
        m = c.spec.catalog.servers.get(model)
        if m is None or not m.gpu_numa:
            continue
        if len(m.gpu_numa) != m.gpus:
            yield ("catalog", "servers", model, "gpu_numa"), f"{len(m.gpu_numa)} entries for {m.gpus} GPUs", ""
            continue
        for i, n in enumerate(m.nics):
            if (
                n.role == "compute"
                and n.gpu is not None
                and n.gpu < m.gpus
                and n.numa is not None
                and n.numa != m.gpu_numa[n.gpu]
            ):
                yield (
                    ("catalog", "servers", model, "nics", i, "numa"),
                    (f"NIC {n.name} is on NUMA {n.numa}, GPU {n.gpu} on NUMA {m.gpu_numa[n.gpu]}"),
                    ("GPUDirect RDMA needs GPU and NIC under the same PCIe switch"),
                )


@rule("CMP004", "error", needs=SWITCH_PORTS)
def _nic_speed(c: RuleCtx) -> Out:
    """compute NIC speed equals the rail leaf port speed"""
    if c.spec.networks.compute is None:
        return
    leaf = c.spec.networks.compute.leaf
    speed = port_speed(c.spec, leaf.model, leaf.breakout)
    if speed is None:
        return
    for model in gpu_server_models(c.spec):
        m = c.spec.catalog.servers.get(model)
        for i, n in enumerate(m.nics if m else []):
            if n.role == "compute" and parse_speed(n.speed) != speed:
                yield (
                    ("catalog", "servers", model, "nics", i, "speed"),
                    (f"NIC {n.name} is {n.speed}, leaf ports are {speed}G"),
                    "set networks.compute.leaf.breakout",
                )


@rule("CMP005", "error", needs=SWITCH_PORTS)
def _tier_speed(c: RuleCtx) -> Out:
    """leaf uplink speed equals spine port speed (and spine equals core)"""
    net = c.spec.networks.compute
    if net is None:
        return
    ls = port_speed(c.spec, net.leaf.model, net.leaf.uplink_breakout or net.leaf.breakout)
    ss = port_speed(c.spec, net.spine.model, net.spine.breakout)
    if ls and ss and ls != ss:
        yield (
            ("networks", "compute", "spine"),
            f"spine ports are {ss}G, leaf uplinks {ls}G",
            "use matching breakouts (leaf.uplink_breakout sets the leaf's uplink mode)",
        )
    if net.core:
        su = port_speed(c.spec, net.spine.model, net.spine.uplink_breakout or net.spine.breakout)
        cs = port_speed(c.spec, net.core.model, net.core.breakout)
        if su and cs and su != cs:
            yield ("networks", "compute", "core"), f"core ports are {cs}G, spine uplinks {su}G", ""


@rule("CMP006", "error", needs=SERVER_LIST + SWITCH_PORTS)
def _fit(c: RuleCtx) -> Out:
    """every compute tier's switch model has enough ports for its downlinks and uplinks"""
    if c.sizing is None and c.sizing_error:
        yield ("networks", "compute"), c.sizing_error, "pick larger switches, a breakout, or 3 tiers"


@rule("CMP007", "error")
def _oversub(c: RuleCtx) -> Out:
    """the requested oversubscription is 1:1 or more (the sizing then meets it at every tier)"""
    net = c.spec.networks.compute
    if net is not None and net.ratio < 1:
        yield (
            ("networks", "compute", "oversubscription"),
            (f"{net.oversubscription} asks for more uplink than downlink bandwidth"),
            ("use 1:1 for a non-blocking fabric"),
        )


@rule("CMP008", "error")
def _core_needed(c: RuleCtx) -> Out:
    """three tiers need a core tier in the spec"""
    net = c.spec.networks.compute
    if net is not None and net.tiers == 3 and net.core is None:
        yield ("networks", "compute", "tiers"), "tiers: 3 without networks.compute.core", "add core: {model: ...}"
