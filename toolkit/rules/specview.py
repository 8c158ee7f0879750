"""Views of the spec the rules share: racks, servers, planes, switch tiers and pools, with the
YAML path each came from."""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from toolkit.design.frontend import attached_roles, leaf_of_port
from toolkit.design.inventory import rack_server_names, spec_racks
from toolkit.design.sizing import ComputeSizing
from toolkit.findings import YamlPath, format_path
from toolkit.rules.registry import Hit
from toolkit.spec.models import ClusterSpec, FrontendNetwork, Rack, parse_breakout, parse_speed

Out = Iterator[Hit]


def racks(spec: ClusterSpec) -> list[tuple[Rack, YamlPath, str | None]]:
    """(rack, YAML path, SU name) in design order (``toolkit.design.inventory.spec_racks``)."""
    out: list[tuple[Rack, YamlPath, str | None]] = []
    in_su: Counter[int] = Counter()
    for j, (rack, su, si) in enumerate(spec_racks(spec)):
        if si is None:
            out.append((rack, ("layout", "racks", j), None))
        else:
            out.append((rack, ("layout", "scalable_units", si, "racks", in_su[si]), su))
            in_su[si] += 1
    return out


def servers(spec: ClusterSpec) -> list[tuple[str, str, str, YamlPath]]:
    """(server name, model, rack, path of its group) in layout order, named by the design's rule."""
    out = []
    for rack, rpath, _ in racks(spec):
        for k, (g, names) in enumerate(zip(rack.servers, rack_server_names(spec, rack), strict=True)):
            for n in names:
                out.append((n, g.model, rack.name, (*rpath, "servers", k)))
    return out


def managed_per_rack(spec: ClusterSpec, sizing: ComputeSizing | None) -> Counter[str]:
    """OOB ports per rack besides PDUs: each server's BMC (and its OS management port when it has
    a mgmt NIC), plus each SU's rail leaves in the SU's network rack (its first rack without one)
    once the compute fabric is sized."""
    per_rack: Counter[str] = Counter()
    for _, model, rack, _ in servers(spec):
        m = spec.catalog.servers.get(model)
        per_rack[rack] += 1 + (1 if m is not None and any(n.role == "mgmt" for n in m.nics) else 0)
    if sizing:
        for su in spec.layout.scalable_units:
            rs = [r for r in su.racks if r.role == "network"] or su.racks[:1]
            per_rack[rs[0].name] += sizing.leaves_per_su
    return per_rack


def server_models(spec: ClusterSpec) -> dict[str, str]:
    return {n: m for n, m, _, _ in servers(spec)}


def dups(items: Sequence[tuple[str | int, YamlPath]], hint: str = "names must be unique", label: str = "") -> Out:
    """One hit per repeated name, at the repeat, naming the first (and its file:line)."""
    seen: dict[str | int, YamlPath] = {}
    for name, path in items:
        if name in seen:
            yield path, f"{label}{name!r} is already used at {format_path(seen[name])}", hint, seen[name]
        else:
            seen[name] = path


def suggest(name: str, known: Iterable[str], fallback: str = "") -> str:
    """'did you mean ...?' for the closest of ``known``, else ``fallback``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else fallback


def frontends(spec: ClusterSpec) -> list[tuple[str, FrontendNetwork, YamlPath]]:
    out: list[tuple[str, FrontendNetwork, YamlPath]] = []
    if spec.networks.business:
        out.append(("business", spec.networks.business, ("networks", "business")))
    st = spec.networks.storage
    if st and st.mode == "dedicated" and st.fabric:
        out.append(("storage", st.fabric, ("networks", "storage", "fabric")))
    return out


def tier_models(spec: ClusterSpec) -> list[tuple[str, str | None, YamlPath]]:
    c = spec.networks.compute
    out: list[tuple[str, str | None, YamlPath]] = []
    if c is not None:
        out.append((c.leaf.model, c.leaf.breakout, ("networks", "compute", "leaf")))
        out.append((c.spine.model, c.spine.breakout, ("networks", "compute", "spine")))
        if c.core:
            out.append((c.core.model, c.core.breakout, ("networks", "compute", "core")))
    for _, fe, path in frontends(spec):
        out.append((fe.leaf.model, fe.leaf.breakout, (*path, "leaf")))
        out.append((fe.spine.model, fe.spine.breakout, (*path, "spine")))
    oob = spec.networks.oob
    if oob is not None:
        out.append((oob.switch_model, None, ("networks", "oob", "switch_model")))
    if oob is not None and oob.aggregation is not None:
        out.append((oob.aggregation.model, None, ("networks", "oob", "aggregation", "model")))
        if oob.aggregation.distribution is not None:
            dist = ("networks", "oob", "aggregation", "distribution", "model")
            out.append((oob.aggregation.distribution.model, None, dist))
    return out


def port_speed(spec: ClusterSpec, model: str, breakout: str | None) -> int | None:
    m = spec.catalog.switches.get(model)
    if m is None:
        return None
    return parse_breakout(breakout)[1] if breakout else parse_speed(m.speed)


def port_count(spec: ClusterSpec, model: str, breakout: str | None) -> int | None:
    m = spec.catalog.switches.get(model)
    if m is None:
        return None
    return m.ports * (parse_breakout(breakout)[0] if breakout else 1)


def pools(spec: ClusterSpec) -> list[tuple[str, str, YamlPath]]:
    """(label, prefix, path) of every address pool and tenant subnet."""
    out: list[tuple[str, str, YamlPath]] = []
    c = spec.networks.compute
    if c is not None and c.addressing:
        for k in ("loopbacks", "p2p", "hosts"):
            out.append((f"compute {k}", getattr(c.addressing, k), ("networks", "compute", "addressing", k)))
    for plane, fe, path in frontends(spec):
        for k in ("loopbacks", "p2p", "hosts"):
            out.append((f"{plane} {k}", getattr(fe.addressing, k), (*path, "addressing", k)))
    st = spec.networks.storage
    if st and st.mode == "converged" and st.hosts:
        out.append(("storage hosts", st.hosts, ("networks", "storage", "hosts")))
    if spec.networks.oob is not None:
        out.append(("oob", spec.networks.oob.prefix, ("networks", "oob", "prefix")))
    if c is not None and c.infiniband and c.infiniband.ipoib:
        out.append(
            ("compute IPoIB", c.infiniband.ipoib.prefix, ("networks", "compute", "infiniband", "ipoib", "prefix"))
        )
    if spec.scheduler.kubernetes.rdma_pods:
        out.append(("rdma pods", spec.scheduler.kubernetes.rdma_pods, ("scheduler", "kubernetes", "rdma_pods")))
    for i, t in enumerate(spec.tenants):
        for j, n in enumerate(t.nets()):
            label = f"tenant {t.name}" + (f" network {n.name}" if t.networks else "")
            out.append((label, n.subnet, ("tenants", i, *t.net_path(j), "subnet")))
    return out


def gpu_server_models(spec: ClusterSpec) -> dict[str, YamlPath]:
    out: dict[str, YamlPath] = {}
    for su_i, su in enumerate(spec.layout.scalable_units):
        for r_i, r in enumerate(su.racks):
            for g_i, g in enumerate(r.servers):
                out.setdefault(g.model, ("layout", "scalable_units", su_i, "racks", r_i, "servers", g_i, "model"))
    return out


def fe_groups(spec: ClusterSpec, fe: FrontendNetwork, plane: str) -> list[dict[str, int]]:
    """Per rack group of a front-end plane: the most host ports one leaf needs, and the group's rack
    count (grouping and leaf choice from ``toolkit.design.frontend``)."""
    roles = attached_roles(spec, plane)
    eligible = [r for r, _, _ in racks(spec) if r.role != "network"]
    groups = []
    for g in range(0, len(eligible), fe.racks_per_group):
        need = [0] * fe.leaves_per_group
        slot = 0
        for rack in eligible[g : g + fe.racks_per_group]:
            for grp in rack.servers:
                m = spec.catalog.servers.get(grp.model)
                if m is None:
                    continue
                nics = [n for n in m.nics if n.role in roles]
                if not nics:
                    continue
                for _ in range(len(grp.names) if grp.names else (grp.count or 0)):
                    for ni, n in enumerate(nics):
                        for p in range(n.ports):
                            need[leaf_of_port(n.ports, fe.leaves_per_group, slot, ni, p)] += 1
                    slot += 1
        groups.append({"max": max(need) if need else 0, "racks": len(eligible[g : g + fe.racks_per_group])})
    return groups
