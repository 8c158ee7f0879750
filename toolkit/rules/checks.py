"""The semantic rules. Each yields (YAML path, message, hint); the registry adds code and severity.

Codes are stable: never renumber a rule, retire it instead. Families:
NAME duplicate names, REF references, LAY layout, ADDR addressing, ASN, VNI tenants' VNIs/VLANs,
CMP compute fabric, FE front-end fabrics, MTU, QOS, STO storage, OOB management, PWR power, SITE.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator, Sequence

from toolkit.design.naming import server_name
from toolkit.design.sizing import frontend_leaf_capacity
from toolkit.findings import YamlPath
from toolkit.rules.registry import RuleCtx, rule
from toolkit.spec.models import ClusterSpec, FrontendNetwork, Rack, parse_breakout, parse_speed

Out = Iterator[tuple[YamlPath, str, str]]

# --------------------------------------------------------------------------- helpers


def racks(spec: ClusterSpec) -> list[tuple[Rack, YamlPath, str | None]]:
    """Racks in design order (see toolkit.design.inventory.all_racks): non-SU racks first."""
    out: list[tuple[Rack, YamlPath, str | None]] = [
        (r, ("layout", "racks", j), None) for j, r in enumerate(spec.layout.racks)
    ]
    for i, su in enumerate(spec.layout.scalable_units):
        for j, r in enumerate(su.racks):
            out.append((r, ("layout", "scalable_units", i, "racks", j), su.name))
    return out


def servers(spec: ClusterSpec) -> list[tuple[str, str, str, YamlPath]]:
    """(server name, model, rack, path of its group) in layout order, as the design names them."""
    out = []
    for rack, rpath, _ in racks(spec):
        counters: Counter[str] = Counter()
        for k, g in enumerate(rack.servers):
            model = spec.catalog.servers.get(g.model)
            prefix = g.prefix or ("gpu" if model and model.gpus else "stor" if model and model.drives else "srv")
            if g.names:
                names = list(g.names)
            else:
                names = [server_name(rack.name, prefix, counters[prefix] + n) for n in range(g.count or 0)]
                counters[prefix] += g.count or 0
            for n in names:
                out.append((n, g.model, rack.name, (*rpath, "servers", k)))
    return out


def server_models(spec: ClusterSpec) -> dict[str, str]:
    return {n: m for n, m, _, _ in servers(spec)}


def dups(items: Sequence[tuple[str, YamlPath]]) -> Out:
    seen: dict[str, YamlPath] = {}
    for name, path in items:
        if name in seen:
            yield path, f"{name!r} is already used at {'.'.join(map(str, seen[name]))}", "names must be unique"
        else:
            seen[name] = path


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
    out: list[tuple[str, str | None, YamlPath]] = [
        (c.leaf.model, c.leaf.breakout, ("networks", "compute", "leaf")),
        (c.spine.model, c.spine.breakout, ("networks", "compute", "spine")),
    ]
    if c.core:
        out.append((c.core.model, c.core.breakout, ("networks", "compute", "core")))
    for _, fe, path in frontends(spec):
        out.append((fe.leaf.model, fe.leaf.breakout, (*path, "leaf")))
        out.append((fe.spine.model, fe.spine.breakout, (*path, "spine")))
    out.append((spec.networks.oob.switch_model, None, ("networks", "oob", "switch_model")))
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
    if c.addressing:
        for k in ("loopbacks", "p2p", "hosts"):
            out.append((f"compute {k}", getattr(c.addressing, k), ("networks", "compute", "addressing", k)))
    for plane, fe, path in frontends(spec):
        for k in ("loopbacks", "p2p", "hosts"):
            out.append((f"{plane} {k}", getattr(fe.addressing, k), (*path, "addressing", k)))
    st = spec.networks.storage
    if st and st.mode == "converged" and st.hosts:
        out.append(("storage hosts", st.hosts, ("networks", "storage", "hosts")))
    out.append(("oob", spec.networks.oob.prefix, ("networks", "oob", "prefix")))
    for i, t in enumerate(spec.tenants):
        out.append((f"tenant {t.name}", t.subnet, ("tenants", i, "subnet")))
    return out


def gpu_server_models(spec: ClusterSpec) -> dict[str, YamlPath]:
    out: dict[str, YamlPath] = {}
    for su_i, su in enumerate(spec.layout.scalable_units):
        for r_i, r in enumerate(su.racks):
            for g_i, g in enumerate(r.servers):
                out.setdefault(g.model, ("layout", "scalable_units", su_i, "racks", r_i, "servers", g_i, "model"))
    return out


def fe_groups(spec: ClusterSpec, fe: FrontendNetwork, roles: set[str]) -> list[dict[str, int]]:
    """Per rack group: host ports needed per leaf index (mirrors toolkit.design.frontend)."""
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
                for _ in range(len(grp.names) if grp.names else (grp.count or 0)):
                    nics = [n for n in m.nics if n.role in roles]
                    if not nics:
                        continue
                    for ni, n in enumerate(nics):
                        for p in range(n.ports):
                            li = (
                                p % fe.leaves_per_group
                                if n.ports >= fe.leaves_per_group
                                else ((slot + ni + p) % fe.leaves_per_group)
                            )
                            need[li] += 1
                    slot += 1
        groups.append({"max": max(need) if need else 0, "racks": len(eligible[g : g + fe.racks_per_group])})
    return groups


# --------------------------------------------------------------------------- NAME


@rule("NAME001", "error", "rack names are unique across the whole layout")
def _rack_names(c: RuleCtx) -> Out:
    yield from dups([(r.name, (*p, "name")) for r, p, _ in racks(c.spec)])


@rule("NAME002", "error", "scalable unit names are unique")
def _su_names(c: RuleCtx) -> Out:
    yield from dups(
        [(su.name, ("layout", "scalable_units", i, "name")) for i, su in enumerate(c.spec.layout.scalable_units)]
    )


@rule("NAME003", "error", "server names (explicit or generated) are unique")
def _server_names(c: RuleCtx) -> Out:
    yield from dups([(n, p) for n, _, _, p in servers(c.spec)])


@rule("NAME004", "error", "tenant names are unique")
def _tenant_names(c: RuleCtx) -> Out:
    yield from dups([(t.name, ("tenants", i, "name")) for i, t in enumerate(c.spec.tenants)])


@rule("NAME005", "error", "NIC names are unique within a server model")
def _nic_names(c: RuleCtx) -> Out:
    for m, model in c.spec.catalog.servers.items():
        yield from dups([(n.name, ("catalog", "servers", m, "nics", i, "name")) for i, n in enumerate(model.nics)])


@rule("NAME006", "error", "storage cluster names are unique")
def _storage_names(c: RuleCtx) -> Out:
    st = c.spec.storage
    yield from dups(
        [(x.name, ("storage", "ceph", i, "name")) for i, x in enumerate(st.ceph)]
        + [(x.name, ("storage", "minio", i, "name")) for i, x in enumerate(st.minio)]
    )


# --------------------------------------------------------------------------- REF


@rule("REF001", "error", "every server group names a server model from catalog.servers")
def _server_model_ref(c: RuleCtx) -> Out:
    known = sorted(c.spec.catalog.servers)
    for rack, path, _ in racks(c.spec):
        for k, g in enumerate(rack.servers):
            if g.model not in c.spec.catalog.servers:
                yield (*path, "servers", k, "model"), f"unknown server model {g.model!r}", f"known: {', '.join(known)}"


@rule("REF002", "error", "every network tier names a switch model from catalog.switches")
def _switch_model_ref(c: RuleCtx) -> Out:
    known = sorted(c.spec.catalog.switches)
    for model, _, path in tier_models(c.spec):
        if model not in c.spec.catalog.switches:
            yield path, f"unknown switch model {model!r}", f"known: {', '.join(known)}"


@rule("REF003", "error", "tenant members are servers of the layout")
def _tenant_refs(c: RuleCtx) -> Out:
    names = server_models(c.spec)
    for i, t in enumerate(c.spec.tenants):
        for j, m in enumerate(t.members):
            if m not in names:
                yield (
                    ("tenants", i, "members", j),
                    f"no server named {m!r}",
                    "use a generated name such as <rack>-gpu01",
                )


@rule("REF004", "error", "storage daemons run on servers of the layout")
def _storage_refs(c: RuleCtx) -> Out:
    names = server_models(c.spec)
    for i, ceph in enumerate(c.spec.storage.ceph):
        for key in ("mons", "mgrs", "osd_hosts", "rgws"):
            for j, h in enumerate(getattr(ceph, key)):
                if h not in names:
                    yield ("storage", "ceph", i, key, j), f"no server named {h!r}", "list servers of the layout"
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            for k, h in enumerate(p.servers):
                if h not in names:
                    yield ("storage", "minio", i, "pools", j, "servers", k), f"no server named {h!r}", ""


@rule("REF005", "error", "layout.network_rack names a rack of the layout")
def _network_rack_ref(c: RuleCtx) -> Out:
    nr = c.spec.layout.network_rack
    if nr and nr not in {r.name for r, _, _ in racks(c.spec)}:
        yield ("layout", "network_rack"), f"no rack named {nr!r}", "name one of layout.racks"


@rule("REF006", "error", "a breakout mode is one the switch model supports")
def _breakout_ref(c: RuleCtx) -> Out:
    for model, breakout, path in tier_models(c.spec):
        m = c.spec.catalog.switches.get(model)
        if m is None or not breakout:
            continue
        lanes, speed = parse_breakout(breakout)
        if m.breakouts and breakout not in m.breakouts:
            yield (*path, "breakout"), f"{model} does not support {breakout}", f"supported: {', '.join(m.breakouts)}"
        elif lanes * speed > parse_speed(m.speed):
            yield (*path, "breakout"), f"{breakout} exceeds the {m.speed} cage of {model}", ""


# --------------------------------------------------------------------------- LAY


@rule("LAY001", "error", "a server group has either count or names, not both and not neither")
def _group_count(c: RuleCtx) -> Out:
    for rack, path, _ in racks(c.spec):
        for k, g in enumerate(rack.servers):
            if (g.count is None) == (g.names is None):
                yield (*path, "servers", k), "give exactly one of count or names", "count: 4  or  names: [a, b]"


@rule("LAY002", "error", "every scalable unit holds GPU servers with compute NICs")
def _su_nonempty(c: RuleCtx) -> Out:
    for i, su in enumerate(c.spec.layout.scalable_units):
        ok = False
        for r in su.racks:
            for g in r.servers:
                m = c.spec.catalog.servers.get(g.model)
                if m and any(n.role == "compute" for n in m.nics):
                    ok = True
        if not ok:
            yield ("layout", "scalable_units", i), f"SU {su.name} has no GPU server", "add servers or remove the SU"


@rule("LAY003", "error", "no SU holds more GPU servers than servers_per_su")
def _su_size(c: RuleCtx) -> Out:
    cap = c.spec.networks.compute.servers_per_su
    if cap is None:
        return
    from toolkit.design.sizing import su_server_counts

    for i, n in enumerate(su_server_counts(c.spec)):
        if n > cap:
            yield (
                ("layout", "scalable_units", i),
                f"{n} GPU servers but servers_per_su is {cap}",
                ("raise networks.compute.servers_per_su or split the SU"),
            )


@rule("LAY004", "warning", "SUs hold the same number of GPU servers (rail leaves are sized for the largest)")
def _su_uniform(c: RuleCtx) -> Out:
    from toolkit.design.sizing import su_server_counts

    counts = su_server_counts(c.spec)
    if counts and len(set(counts)) > 1:
        big = max(counts)
        for i, n in enumerate(counts):
            if n < big:
                yield ("layout", "scalable_units", i), f"{n} GPU servers, the largest SU has {big}", ""


# --------------------------------------------------------------------------- ADDR


@rule("ADDR001", "error", "address pools of all planes and tenant subnets do not overlap")
def _overlap(c: RuleCtx) -> Out:
    items = [(label, ipaddress.IPv4Network(p), path) for label, p, path in pools(c.spec)]
    for i, (la, na, pa) in enumerate(items):
        for lb, nb, _ in items[:i]:
            if na.overlaps(nb):
                yield pa, f"{la} {na} overlaps {lb} {nb}", "give every plane and tenant its own prefix"


@rule("ADDR002", "error", "every pool holds what the design needs (says how many addresses are missing)")
def _pool_size(c: RuleCtx) -> Out:
    spec = c.spec
    sz = c.sizing
    net = spec.networks.compute
    if sz is not None and net.kind == "roce" and net.addressing:
        a = net.addressing
        base = ("networks", "compute", "addressing")
        lo = ipaddress.IPv4Network(a.loopbacks).num_addresses
        yield from _need((*base, "loopbacks"), "compute leaf loopbacks (lower half)", lo // 2, sz.leaves)
        yield from _need((*base, "loopbacks"), "compute spine loopbacks (third quarter)", lo // 4, sz.spines)
        yield from _need((*base, "loopbacks"), "compute core loopbacks (last quarter)", lo // 4, sz.cores)
        hosts = ipaddress.IPv4Network(a.hosts).num_addresses
        yield from _need((*base, "hosts"), "compute host /31s", hosts, sz.leaves * 2 * sz.leaf_down)
        p2p = ipaddress.IPv4Network(a.p2p).num_addresses
        yield from _need((*base, "p2p"), "compute leaf-spine /31s (lower half)", p2p // 2, sz.leaves * sz.leaf_up * 2)
        if sz.tiers == 3:
            yield from _need(
                (*base, "p2p"), "compute spine-core /31s (upper half)", p2p // 2, sz.spines * sz.spine_up * 2
            )
    st = spec.networks.storage
    for plane, fe, path in frontends(spec):
        roles = {plane} | ({"storage"} if plane == "business" and st and st.mode == "converged" else set())
        groups = fe_groups(spec, fe, roles)
        leaves = len(groups) * fe.leaves_per_group
        n_sp = fe.spine.count or 2
        cap = frontend_leaf_capacity(spec, fe) if fe.leaf.model in spec.catalog.switches else 0
        fa = fe.addressing
        lo = ipaddress.IPv4Network(fa.loopbacks).num_addresses
        yield from _need((*path, "addressing", "loopbacks"), f"{plane} leaf loopbacks (lower half)", lo // 2, leaves)
        yield from _need((*path, "addressing", "loopbacks"), f"{plane} spine loopbacks (upper half)", lo // 2, n_sp)
        yield from _need(
            (*path, "addressing", "p2p"),
            f"{plane} leaf-spine /31s",
            ipaddress.IPv4Network(fa.p2p).num_addresses,
            leaves * n_sp * fe.uplinks_per_spine * 2,
        )
        if cap > 0:
            yield from _need(
                (*path, "addressing", "hosts"),
                f"{plane} host /31s",
                ipaddress.IPv4Network(fa.hosts).num_addresses,
                leaves * 2 * cap,
            )
            if plane == "business" and st and st.mode == "converged" and st.hosts:
                yield from _need(
                    ("networks", "storage", "hosts"),
                    "converged storage host /31s",
                    ipaddress.IPv4Network(st.hosts).num_addresses,
                    leaves * 2 * cap,
                )
    oob = spec.networks.oob
    n_racks = len(racks(spec))
    yield from _need(
        ("networks", "oob", "prefix"),
        "OOB addresses (one rack_block per rack plus one)",
        ipaddress.IPv4Network(oob.prefix).num_addresses,
        (n_racks + 1) * oob.rack_block,
    )
    for i, t in enumerate(spec.tenants):
        usable = max(ipaddress.IPv4Network(t.subnet).num_addresses - 3, 0)
        yield from _need(("tenants", i, "subnet"), f"tenant {t.name} host addresses", usable, len(t.members))


def _need(path: YamlPath, what: str, have: int, need: int) -> Out:
    if need > have:
        yield path, f"{what}: pool holds {have}, design needs {need} ({need - have} missing)", "use a larger prefix"


@rule("ADDR003", "error", "a tenant gateway is a usable address inside its subnet")
def _gateway(c: RuleCtx) -> Out:
    for i, t in enumerate(c.spec.tenants):
        net = ipaddress.IPv4Network(t.subnet)
        gw = ipaddress.IPv4Address(t.gateway)
        if gw not in net or gw in (net.network_address, net.broadcast_address):
            yield ("tenants", i, "gateway"), f"{gw} is not a usable address of {net}", "pick a host address"


@rule("ADDR004", "error", "OOB gateway and controller lie inside the OOB prefix, in its reserved first block")
def _oob_gw(c: RuleCtx) -> Out:
    oob = c.spec.networks.oob
    net = ipaddress.IPv4Network(oob.prefix)
    for key in ("gateway", "controller"):
        v = getattr(oob, key)
        if v is None:
            continue
        a = ipaddress.IPv4Address(v)
        if a not in net or int(a) - int(net.network_address) >= oob.rack_block or a == net.network_address:
            yield ("networks", "oob", key), f"{a} must be in the first {oob.rack_block} addresses of {net}", ""
    if oob.gateway and oob.controller and oob.gateway == oob.controller:
        yield ("networks", "oob", "controller"), "controller and gateway are the same address", ""


@rule("ADDR005", "error", "each rack's devices fit in its OOB rack_block")
def _oob_block(c: RuleCtx) -> Out:
    spec = c.spec
    sz = c.sizing
    per_rack: Counter[str] = Counter()
    for _, _, rack_name, _ in servers(spec):
        per_rack[rack_name] += 1
    if sz:
        for su in spec.layout.scalable_units:
            rs = [r for r in su.racks if r.role == "network"] or su.racks[:1]
            per_rack[rs[0].name] += sz.leaves_per_su
    for rack, path, _ in racks(spec):
        need = 1 + rack.pdus + per_rack[rack.name]
        if need > spec.networks.oob.rack_block:
            yield (
                (*path, "name"),
                f"rack {rack.name} needs {need} OOB addresses, rack_block is {spec.networks.oob.rack_block}",
                "raise networks.oob.rack_block",
            )


@rule("ADDR006", "error", "compute addressing is given for RoCE fabrics")
def _roce_addr(c: RuleCtx) -> Out:
    net = c.spec.networks.compute
    if net.kind == "roce" and net.addressing is None:
        yield (
            ("networks", "compute"),
            "RoCE needs addressing (loopbacks, p2p, hosts)",
            "add networks.compute.addressing",
        )


# --------------------------------------------------------------------------- ASN

_RESERVED_ASN = {0, 23456, 65535, 4294967295}


def _asn_items(spec: ClusterSpec) -> list[tuple[str, int, int, YamlPath]]:
    """(label, first, last, path) ASN ranges used by the design."""
    out: list[tuple[str, int, int, YamlPath]] = []
    c = spec.networks.compute
    sz_sus = len(spec.layout.scalable_units)
    if c.kind == "roce":
        out.append(("compute cores", c.asn.core, c.asn.core, ("networks", "compute", "asn", "core")))
        out.append(
            ("compute spines", c.asn.spine_base, c.asn.spine_base + 63, ("networks", "compute", "asn", "spine_base"))
        )
        out.append(
            (
                "compute leaves",
                c.asn.leaf_base,
                c.asn.leaf_base + max(sz_sus, 1) * 64 - 1,
                ("networks", "compute", "asn", "leaf_base"),
            )
        )
    for plane, fe, path in frontends(spec):
        out.append((f"{plane} spines", fe.asn.spine, fe.asn.spine, (*path, "asn", "spine")))
        out.append((f"{plane} leaves", fe.asn.leaf_base, fe.asn.leaf_base + 1023, (*path, "asn", "leaf_base")))
    return out


@rule("ASN001", "error", "ASNs avoid reserved values (0, 23456, 65535, 4294967295) and stay below 2^32")
def _asn_reserved(c: RuleCtx) -> Out:
    for label, first, last, path in _asn_items(c.spec):
        if first in _RESERVED_ASN or last > 4294967294 or any(a in _RESERVED_ASN for a in (first, last)):
            yield (
                path,
                f"{label} use reserved or out-of-range ASNs {first}-{last}",
                "use private 4-byte ASNs 4200000000+",
            )


@rule("ASN002", "error", "ASN ranges of different roles and planes do not collide")
def _asn_collide(c: RuleCtx) -> Out:
    items = _asn_items(c.spec)
    for i, (la, fa, ta, pa) in enumerate(items):
        for lb, fb, tb, _ in items[:i]:
            if fa <= tb and fb <= ta:
                yield pa, f"{la} ASNs {fa}-{ta} collide with {lb} ASNs {fb}-{tb}", "space the bases further apart"


@rule("ASN003", "warning", "fabric ASNs are private (64512-65534 or 4200000000-4294967294)")
def _asn_private(c: RuleCtx) -> Out:
    for label, first, last, path in _asn_items(c.spec):
        for a in {first, last}:
            if not (64512 <= a <= 65534 or 4200000000 <= a <= 4294967294):
                yield path, f"{label} ASN {a} is public", "use private ASNs inside the fabric"
                break


# --------------------------------------------------------------------------- VNI


@rule("VNI001", "error", "L2 and L3 VNIs are unique across all tenants")
def _vni(c: RuleCtx) -> Out:
    items: list[tuple[str, YamlPath]] = []
    for i, t in enumerate(c.spec.tenants):
        items.append((str(t.vni), ("tenants", i, "vni")))
        if t.l3vni is not None:
            items.append((str(t.l3vni), ("tenants", i, "l3vni")))
    for path, msg, _ in dups(items):
        yield path, f"VNI {msg}", "every L2VNI and L3VNI needs its own number"


@rule("VNI002", "error", "tenant VLANs are unique on a plane")
def _vlan(c: RuleCtx) -> Out:
    yield from dups([(f"{t.plane}/{t.vlan}", ("tenants", i, "vlan")) for i, t in enumerate(c.spec.tenants)])


@rule("VNI003", "error", "tenants are carried on a plane that exists (business network or dedicated storage)")
def _tenant_plane(c: RuleCtx) -> Out:
    planes = {p for p, _, _ in frontends(c.spec)}
    for i, t in enumerate(c.spec.tenants):
        if t.plane not in planes:
            yield (
                ("tenants", i, "plane"),
                f"no {t.plane} leaf-spine to carry tenant {t.name}",
                ("define networks.business (or a dedicated storage fabric)"),
            )


@rule("VNI004", "error", "a server belongs to at most one tenant per plane, and has a port on that plane")
def _tenant_member(c: RuleCtx) -> Out:
    models = server_models(c.spec)
    seen: dict[tuple[str, str], str] = {}
    for i, t in enumerate(c.spec.tenants):
        for j, m in enumerate(t.members):
            if (m, t.plane) in seen:
                yield ("tenants", i, "members", j), f"{m} is already in tenant {seen[(m, t.plane)]}", ""
            seen[(m, t.plane)] = t.name
            model = c.spec.catalog.servers.get(models.get(m, ""))
            if model is not None and not any(n.role == t.plane for n in model.nics):
                yield ("tenants", i, "members", j), f"{m} has no {t.plane} NIC", "add one to its server model"


# --------------------------------------------------------------------------- CMP


@rule("CMP001", "error", "compute NIC ports per server equal the rails, and all GPU server models agree")
def _rails(c: RuleCtx) -> Out:
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


@rule("CMP002", "error", "GPU to compute-NIC pairing is one-to-one")
def _pairing(c: RuleCtx) -> Out:
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


@rule("CMP003", "error", "a compute NIC sits on the same NUMA node as its GPU")
def _numa(c: RuleCtx) -> Out:
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


@rule("CMP004", "error", "compute NIC speed equals the rail leaf port speed")
def _nic_speed(c: RuleCtx) -> Out:
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


@rule("CMP005", "error", "leaf uplink speed equals spine port speed (and spine equals core)")
def _tier_speed(c: RuleCtx) -> Out:
    net = c.spec.networks.compute
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


@rule("CMP006", "error", "every compute tier's switch model has enough ports for its downlinks and uplinks")
def _fit(c: RuleCtx) -> Out:
    if c.sizing is None and c.sizing_error:
        yield ("networks", "compute"), c.sizing_error, "pick larger switches, a breakout, or 3 tiers"


@rule("CMP007", "error", "the requested oversubscription is 1:1 or more (the sizing then meets it at every tier)")
def _oversub(c: RuleCtx) -> Out:
    ratio = c.spec.networks.compute.ratio
    if ratio < 1:
        yield (
            ("networks", "compute", "oversubscription"),
            (f"{c.spec.networks.compute.oversubscription} asks for more uplink than downlink bandwidth"),
            ("use 1:1 for a non-blocking fabric"),
        )


@rule("CMP008", "error", "three tiers need a core tier in the spec")
def _core_needed(c: RuleCtx) -> Out:
    net = c.spec.networks.compute
    if net.tiers == 3 and net.core is None:
        yield ("networks", "compute", "tiers"), "tiers: 3 without networks.compute.core", "add core: {model: ...}"


# --------------------------------------------------------------------------- FE


@rule("FE001", "error", "front-end spines have a port for every leaf")
def _fe_spines(c: RuleCtx) -> Out:
    st = c.spec.networks.storage
    for plane, fe, path in frontends(c.spec):
        roles = {plane} | ({"storage"} if plane == "business" and st and st.mode == "converged" else set())
        leaves = len(fe_groups(c.spec, fe, roles)) * fe.leaves_per_group * fe.uplinks_per_spine
        ports = port_count(c.spec, fe.spine.model, fe.spine.breakout)
        if ports is not None and leaves > ports:
            yield (
                (*path, "spine"),
                f"{leaves} {plane} leaf uplinks, spine has {ports} ports",
                ("raise racks_per_group or use a larger spine / breakout"),
            )


@rule("FE002", "error", "front-end leaves have enough ports for the hosts of their rack group")
def _fe_leaves(c: RuleCtx) -> Out:
    st = c.spec.networks.storage
    for plane, fe, path in frontends(c.spec):
        roles = {plane} | ({"storage"} if plane == "business" and st and st.mode == "converged" else set())
        if fe.leaf.model not in c.spec.catalog.switches:
            continue
        cap = frontend_leaf_capacity(c.spec, fe)
        for gi, g in enumerate(fe_groups(c.spec, fe, roles)):
            if g["max"] > cap:
                yield (
                    (*path, "racks_per_group"),
                    (f"rack group {gi + 1} needs {g['max']} host ports on one leaf, leaf has {cap}"),
                    ("lower racks_per_group, add leaves_per_group or use a breakout"),
                )


@rule("FE003", "error", "host NIC speed fits the front-end leaf port speed")
def _fe_speed(c: RuleCtx) -> Out:
    st = c.spec.networks.storage
    for plane, fe, path in frontends(c.spec):
        roles = {plane} | ({"storage"} if plane == "business" and st and st.mode == "converged" else set())
        speed = port_speed(c.spec, fe.leaf.model, fe.leaf.breakout)
        if speed is None:
            continue
        for mname, m in c.spec.catalog.servers.items():
            for i, n in enumerate(m.nics):
                if n.role in roles and parse_speed(n.speed) > speed:
                    yield (
                        ("catalog", "servers", mname, "nics", i, "speed"),
                        (f"{n.name} is {n.speed}, {plane} leaf ports are {speed}G"),
                        f"check {'.'.join(map(str, path))}",
                    )


# --------------------------------------------------------------------------- MTU


@rule("MTU001", "error", "host MTU never exceeds the switch MTU of its plane")
def _mtu_host(c: RuleCtx) -> Out:
    net = c.spec.networks.compute
    if net.kind == "roce" and net.host_mtu > net.mtu:
        yield ("networks", "compute", "host_mtu"), f"host MTU {net.host_mtu} > switch MTU {net.mtu}", ""
    for _plane, fe, path in frontends(c.spec):
        if fe.host_mtu > fe.mtu:
            yield (*path, "host_mtu"), f"host MTU {fe.host_mtu} > switch MTU {fe.mtu}", ""


@rule("MTU002", "error", "RoCE host MTU carries a 4096-byte RDMA payload (at least 4200)")
def _mtu_roce(c: RuleCtx) -> Out:
    net = c.spec.networks.compute
    if net.kind == "roce" and net.host_mtu < 4200:
        yield ("networks", "compute", "host_mtu"), f"{net.host_mtu} cannot carry RoCE MTU 4096", "use 9000"


@rule("MTU003", "warning", "switch MTU leaves room for VXLAN (50 bytes) over the host MTU on EVPN planes")
def _mtu_vxlan(c: RuleCtx) -> Out:
    for _plane, fe, path in frontends(c.spec):
        if c.spec.tenants and fe.mtu - fe.host_mtu < 50:
            yield (*path, "mtu"), f"switch MTU {fe.mtu} leaves {fe.mtu - fe.host_mtu} bytes for VXLAN", ""


# --------------------------------------------------------------------------- QOS


@rule("QOS001", "error", "the PFC priority is the RoCE traffic class")
def _pfc(c: RuleCtx) -> Out:
    q = c.spec.qos
    if q.pfc_priority != q.roce_priority:
        yield ("qos", "pfc_priority"), f"PFC on {q.pfc_priority}, RoCE on {q.roce_priority}", "make them equal"


@rule("QOS002", "error", "CNPs use their own strict priority, not the lossless one")
def _cnp(c: RuleCtx) -> Out:
    q = c.spec.qos
    if q.cnp_priority == q.pfc_priority:
        yield ("qos", "cnp_priority"), f"CNP priority {q.cnp_priority} is the PFC priority", "use 6"


@rule("QOS003", "error", "RoCE and CNP DSCP values differ")
def _dscp(c: RuleCtx) -> Out:
    q = c.spec.qos
    if q.roce_dscp == q.cnp_dscp:
        yield ("qos", "cnp_dscp"), f"CNP DSCP equals RoCE DSCP {q.roce_dscp}", "use 48 for CNP"


@rule("QOS004", "error", "ECN minimum threshold is below the maximum")
def _ecn(c: RuleCtx) -> Out:
    e = c.spec.qos.ecn
    if e.min_kbytes >= e.max_kbytes:
        yield ("qos", "ecn", "min_kbytes"), f"min {e.min_kbytes} KB >= max {e.max_kbytes} KB", ""


# --------------------------------------------------------------------------- STO


@rule("STO001", "error", "a dedicated storage network needs a storage NIC on every GPU and storage server")
def _sto_nic(c: RuleCtx) -> Out:
    st = c.spec.networks.storage
    if st is None:
        return
    if st.mode == "dedicated":
        for model, _ in gpu_server_models(c.spec).items():
            m = c.spec.catalog.servers.get(model)
            if m and not any(n.role == "storage" for n in m.nics):
                yield (
                    ("catalog", "servers", model, "nics"),
                    f"{model} has no storage NIC",
                    ("add one or use mode: converged"),
                )


@rule("STO002", "error", "a storage network is fully specified for its mode")
def _sto_mode(c: RuleCtx) -> Out:
    st = c.spec.networks.storage
    if st is None:
        return
    if st.mode == "dedicated" and st.fabric is None:
        yield ("networks", "storage"), "mode dedicated needs fabric", "describe the storage leaf-spine"
    if st.mode == "converged":
        if c.spec.networks.business is None:
            yield ("networks", "storage", "mode"), "converged storage needs networks.business", ""
        if st.hosts is None:
            yield ("networks", "storage"), "converged storage needs hosts (a /31 pool)", ""


@rule("STO003", "error", "Ceph pools fit in the failure domains (size or k+m)")
def _ceph_fd(c: RuleCtx) -> Out:
    place = {n: r for n, _, r, _ in servers(c.spec)}
    for i, ceph in enumerate(c.spec.storage.ceph):
        hosts = set(ceph.osd_hosts)
        domains = len({place.get(h, h) for h in hosts}) if ceph.failure_domain == "rack" else len(hosts)
        for j, p in enumerate(ceph.pools):
            need = (p.size or 0) if p.type == "replicated" else (p.k or 0) + (p.m or 0)
            if need > domains:
                yield (
                    ("storage", "ceph", i, "pools", j),
                    (f"pool {p.name} needs {need} {ceph.failure_domain}s, the OSDs span {domains}"),
                    ("add OSD hosts in more failure domains or lower the size"),
                )


@rule("STO004", "warning", "Ceph runs an odd number of monitors")
def _ceph_mons(c: RuleCtx) -> Out:
    for i, ceph in enumerate(c.spec.storage.ceph):
        if len(ceph.mons) % 2 == 0:
            yield (
                ("storage", "ceph", i, "mons"),
                f"{len(ceph.mons)} monitors: an even count adds no tolerance",
                ("use 3 or 5"),
            )


@rule("STO005", "error", "Ceph pools are complete: replicated ones have size, erasure ones k and m")
def _ceph_pool(c: RuleCtx) -> Out:
    for i, ceph in enumerate(c.spec.storage.ceph):
        for j, p in enumerate(ceph.pools):
            if p.type == "replicated" and p.size is None:
                yield ("storage", "ceph", i, "pools", j), f"pool {p.name} has no size", "size: 3"
            if p.type == "erasure" and (p.k is None or p.m is None):
                yield ("storage", "ceph", i, "pools", j), f"pool {p.name} needs k and m", "k: 4, m: 2"
            if p.pg_num & (p.pg_num - 1):
                yield ("storage", "ceph", i, "pools", j, "pg_num"), f"pg_num {p.pg_num} is not a power of two", ""


@rule("STO006", "error", "Ceph and MinIO hosts have a storage NIC and OSD/MinIO hosts have drives")
def _sto_hosts(c: RuleCtx) -> Out:
    models = server_models(c.spec)
    st = c.spec.networks.storage

    def check(host: str, path: YamlPath, drives: bool) -> Out:
        m = c.spec.catalog.servers.get(models.get(host, ""))
        if m is None:
            return
        if st is None or not any(n.role == "storage" for n in m.nics):
            yield path, f"{host} has no storage NIC (or no storage network)", ""
        if drives and m.drives == 0:
            yield path, f"{host} ({models[host]}) has no drives", "set drives in its server model"

    for i, ceph in enumerate(c.spec.storage.ceph):
        for key in ("mons", "mgrs", "osd_hosts", "rgws"):
            for j, h in enumerate(getattr(ceph, key)):
                yield from check(h, ("storage", "ceph", i, key, j), key == "osd_hosts" and not ceph.drives)
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            for k, h in enumerate(p.servers):
                yield from check(h, ("storage", "minio", i, "pools", j, "servers", k), False)


@rule("STO007", "error", "MinIO erasure sets hold 2 to 16 drives")
def _minio_set(c: RuleCtx) -> Out:
    for i, mn in enumerate(c.spec.storage.minio):
        if not 2 <= mn.erasure_set_size <= 16:
            yield ("storage", "minio", i, "erasure_set_size"), f"{mn.erasure_set_size} is outside 2-16", ""


@rule("STO008", "error", "MinIO parity is at most half the erasure set")
def _minio_parity(c: RuleCtx) -> Out:
    for i, mn in enumerate(c.spec.storage.minio):
        if mn.parity > mn.erasure_set_size // 2:
            yield (
                ("storage", "minio", i, "parity"),
                (f"parity {mn.parity} exceeds half of the {mn.erasure_set_size}-drive set"),
                "",
            )


@rule("STO009", "error", "every MinIO server pool's drives divide into whole erasure sets")
def _minio_div(c: RuleCtx) -> Out:
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            total = len(p.servers) * p.drives_per_server
            if mn.erasure_set_size and total % mn.erasure_set_size:
                yield (
                    ("storage", "minio", i, "pools", j),
                    (f"{total} drives do not divide into sets of {mn.erasure_set_size}"),
                    (f"use a set size dividing {total}"),
                )


@rule("STO010", "warning", "MinIO drives per server do not exceed the server model's drives")
def _minio_drives(c: RuleCtx) -> Out:
    models = server_models(c.spec)
    for i, mn in enumerate(c.spec.storage.minio):
        for j, p in enumerate(mn.pools):
            for h in p.servers:
                m = c.spec.catalog.servers.get(models.get(h, ""))
                if m and m.drives < p.drives_per_server:
                    yield (
                        ("storage", "minio", i, "pools", j, "drives_per_server"),
                        (f"{h} has {m.drives} drives, the pool uses {p.drives_per_server}"),
                        "",
                    )
                    break


# --------------------------------------------------------------------------- OOB


@rule("OOB001", "error", "every server model has an out-of-band (BMC) port")
def _oob_server(c: RuleCtx) -> Out:
    used = {m for _, m, _, _ in servers(c.spec)}
    for name in sorted(used):
        m = c.spec.catalog.servers.get(name)
        if m and not any(n.role == "oob" for n in m.nics):
            yield (
                ("catalog", "servers", name, "nics"),
                f"{name} has no oob NIC",
                "add {name: bmc, role: oob, speed: 1G}",
            )


@rule("OOB002", "error", "every switch model in use has a management port")
def _oob_switch(c: RuleCtx) -> Out:
    for model, _, path in tier_models(c.spec):
        m = c.spec.catalog.switches.get(model)
        if m is not None and not m.mgmt_port:
            yield path, f"{model} has no management port", "devices without OOB cannot be managed"


@rule("OOB003", "error", "the per-rack OOB switch has a port for every device in the rack plus an uplink")
def _oob_ports(c: RuleCtx) -> Out:
    m = c.spec.catalog.switches.get(c.spec.networks.oob.switch_model)
    if m is None:
        return
    per_rack: Counter[str] = Counter()
    for _, _, rack_name, _ in servers(c.spec):
        per_rack[rack_name] += 1
    sz = c.sizing
    if sz:
        for su in c.spec.layout.scalable_units:
            rs = [r for r in su.racks if r.role == "network"] or su.racks[:1]
            per_rack[rs[0].name] += sz.leaves_per_su
    for rack, path, _ in racks(c.spec):
        need = rack.pdus + per_rack[rack.name] + 1
        if need > m.ports:
            yield (
                (*path, "name"),
                (f"rack {rack.name} needs {need} OOB ports, {c.spec.networks.oob.switch_model} has {m.ports}"),
                ("split the rack or use a larger OOB switch"),
            )


# --------------------------------------------------------------------------- PWR, SITE


@rule("PWR001", "warning", "servers in a rack stay within the rack power budget")
def _power(c: RuleCtx) -> Out:
    for rack, path, _ in racks(c.spec):
        if rack.power_kw is None:
            continue
        watts = 0
        for g in rack.servers:
            m = c.spec.catalog.servers.get(g.model)
            if m:
                watts += m.power_w * (len(g.names) if g.names else (g.count or 0))
        if watts > rack.power_kw * 1000:
            yield (
                (*path, "power_kw"),
                f"servers draw {watts / 1000:.1f} kW, budget {rack.power_kw} kW",
                ("move servers or raise the budget"),
            )


@rule("SITE001", "warning", "site services (NTP, DNS, syslog) are outside the fabric's own pools")
def _site(c: RuleCtx) -> Out:
    nets = [(label, ipaddress.IPv4Network(p)) for label, p, _ in pools(c.spec) if label != "oob"]
    for key in ("ntp", "dns", "syslog"):
        for i, a in enumerate(getattr(c.spec.site, key)):
            addr = ipaddress.IPv4Address(a)
            for label, n in nets:
                if addr in n:
                    yield ("site", key, i), f"{a} lies inside the {label} pool {n}", "services live outside the fabric"


@rule("SITE002", "error", "at least one NTP and one DNS server are given")
def _site_min(c: RuleCtx) -> Out:
    if not c.spec.site.ntp:
        yield ("site", "ntp"), "no NTP server", ""
    if not c.spec.site.dns:
        yield ("site", "dns"), "no DNS server", ""
