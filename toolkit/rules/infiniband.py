"""IB and SCHED rules: the InfiniBand compute plane and the scheduler's view of the network."""

from __future__ import annotations

from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out, servers
from toolkit.spec.models import InfinibandSpec

IB = ("networks", "compute", "infiniband")


def _compute_switch_names(c: RuleCtx) -> set[str]:
    """Names the design gives compute switches (from a trial design: the names depend on sizing)."""
    from toolkit.design import design

    try:
        fab = design(c.spec)
    except Exception:  # the design's own finding (DES001) reports why
        return set()
    return {d.name for d in fab.devices.values() if d.plane == "compute" and d.is_switch}


def _gpu_servers_with_compute(c: RuleCtx) -> dict[str, list[str]]:
    """server -> its compute port names."""
    from toolkit.design.naming import server_port_name

    out: dict[str, list[str]] = {}
    for name, model, _rack, _path in servers(c.spec):
        m = c.spec.catalog.servers.get(model)
        if m is None:
            continue
        ports = [server_port_name(n.name, p, n.ports) for n in m.nics if n.role == "compute" for p in range(n.ports)]
        if ports:
            out[name] = ports
    return out


def _ib_spec(c: RuleCtx) -> InfinibandSpec | None:
    """The compute fabric's InfiniBand settings (None without a compute fabric)."""
    net = c.spec.networks.compute
    return net.infiniband if net is not None else None


@rule("IB001", "warning")
def _ib_sm_present(c: RuleCtx) -> Out:
    """an InfiniBand compute fabric has a designed subnet manager"""
    net = c.spec.networks.compute
    if net is not None and net.kind == "infiniband" and (net.infiniband is None or not net.infiniband.subnet_managers):
        yield (
            ("networks", "compute", "kind"),
            "no subnet manager is placed: without one the InfiniBand fabric never comes up",
            "add networks.compute.infiniband.subnet_managers (master first, a standby second)",
        )


@rule("IB002", "error")
def _ib_kind(c: RuleCtx) -> Out:
    """InfiniBand settings are given only for an InfiniBand compute fabric"""
    net = c.spec.networks.compute
    if net is not None and net.kind != "infiniband" and net.infiniband is not None:
        yield (
            IB,
            "networks.compute.infiniband is set but the compute fabric is RoCE",
            "remove it or set kind: infiniband",
        )


@rule("IB007", "error")
def _ipoib_mtu(c: RuleCtx) -> Out:
    """an IPoIB MTU fits its mode (datagram: IB MTU less 4 bytes; connected: at most 65520)"""
    from toolkit.design.infiniband import IPOIB_CONNECTED_MTU, ipoib_max_mtu

    ib = _ib_spec(c)
    if ib is None or ib.ipoib is None or ib.ipoib.mtu is None:
        return
    mode, mtu = ib.ipoib.mode, ib.ipoib.mtu
    top = ipoib_max_mtu(mode, ib.mtu)
    if mtu <= top:
        return
    if mode == "datagram":
        fix = (
            f"set ipoib.mtu to at most {top} (or leave it out), or mode: connected (up to {IPOIB_CONNECTED_MTU})"
            + (", or infiniband.mtu: 4096 (then 4092)" if ib.mtu < 4096 else "")
        )
        why = f"datagram IPoIB carries one IB packet: IB MTU {ib.mtu} less the 4-byte IPoIB header is {top}"
    else:
        fix = f"set ipoib.mtu to at most {IPOIB_CONNECTED_MTU} (or leave it out)"
        why = f"connected-mode IPoIB allows at most {IPOIB_CONNECTED_MTU}"
    yield (*IB, "ipoib", "mtu"), f"IPoIB MTU {mtu} in {mode} mode: {why}", fix


@rule("IB003", "error")
def _ib_sm_hosts(c: RuleCtx) -> Out:
    """subnet managers run on servers with a compute HCA or on compute switches, once each"""
    net = c.spec.networks.compute
    ib = _ib_spec(c)
    if net is None or ib is None or net.kind != "infiniband":
        return
    hcas = _gpu_servers_with_compute(c)
    switches: set[str] | None = None
    seen: set[str] = set()
    for i, sm in enumerate(ib.subnet_managers):
        path = (*IB, "subnet_managers", i, "host")
        if sm.host in seen:
            yield path, f"subnet manager host {sm.host} is listed twice", "list each SM host once"
        seen.add(sm.host)
        if sm.host in hcas:
            continue
        if switches is None:
            switches = _compute_switch_names(c)
        if sm.host not in switches:
            yield (
                path,
                f"{sm.host} is neither a server with a compute HCA nor a compute switch",
                "name a GPU server or an InfiniBand switch of the design (aidc show lists them)",
            )


@rule("IB004", "error")
def _ib_sm_priority(c: RuleCtx) -> Out:
    """the master subnet manager's priority is higher than every standby's"""
    ib = _ib_spec(c)
    if ib is None or len(ib.subnet_managers) < 2:
        return
    top = max(sm.priority for sm in ib.subnet_managers)
    tied = [i for i, sm in enumerate(ib.subnet_managers) if sm.priority == top]
    if len(tied) > 1:
        yield (
            (*IB, "subnet_managers", tied[1], "priority"),
            f"subnet managers {', '.join(ib.subnet_managers[i].host for i in tied)} share the top priority {top}: "
            "opensm would elect the master by GUID",
            "give the master a higher priority than every standby",
        )


@rule("IB005", "error")
def _ib_pkeys(c: RuleCtx) -> Out:
    """tenant partition keys are unique (explicit or 0x1000 + position)"""
    seen: dict[int, str] = {}
    for i, t in enumerate(c.spec.tenants):
        pkey = t.pkey if t.pkey is not None else 0x1000 + i
        if pkey in seen:
            yield (
                ("tenants", i, "pkey"),
                f"tenant {t.name} has partition key {pkey:#06x}, as tenant {seen[pkey]}",
                "give the tenant its own pkey",
            )
        seen[pkey] = t.name


@rule("IB006", "error")
def _ib_guids(c: RuleCtx) -> Out:
    """guids.yaml names compute switches or <server>:<compute port>, each GUID once"""
    if not c.spec.guids:
        return
    from toolkit.design.infiniband import parse_guid

    hcas = _gpu_servers_with_compute(c)
    switches = _compute_switch_names(c)
    seen: dict[int, str] = {}
    for key, value in c.spec.guids.items():
        path = ("guids", key)
        srv, sep, port = key.partition(":")
        if sep and not (srv in hcas and port in hcas[srv]):
            yield (
                path,
                f"{key}: no server {srv} with compute port {port}",
                "use <server>:<port> as aidc show names them",
            )
        elif not sep and key not in switches:
            yield path, f"{key} is not a compute switch of the design", "use the switch names aidc show lists"
        try:
            g = parse_guid(value)
        except ValueError as exc:
            yield path, str(exc), "write the GUID as ibnetdiscover prints it, with 0x"
            continue
        if g in seen:
            yield path, f"GUID {value} is also given for {seen[g]}", "every port has its own GUID"
        seen[g] = key


@rule("SCHED001", "error")
def _sched_pods(c: RuleCtx) -> Out:
    """the RDMA pod prefix splits into one block per compute rail"""
    prefix = c.spec.scheduler.kubernetes.rdma_pods
    if not prefix:
        return
    from toolkit.design.scheduler import rail_blocks

    rails = max((len(p) for p in _gpu_servers_with_compute(c).values()), default=0)
    try:
        rail_blocks(prefix, rails)
    except ValueError as exc:
        yield ("scheduler", "kubernetes", "rdma_pods"), str(exc), "use a larger prefix"


@rule("SCHED002", "warning")
def _sched_no_pods(c: RuleCtx) -> Out:
    """Kubernetes rail networks have a pod address range"""
    k8s = c.spec.scheduler.kubernetes
    net = c.spec.networks.compute
    ib = _ib_spec(c)
    if net is None or k8s.rdma_pods or (net.kind == "infiniband" and ib and ib.ipoib):
        return
    if _gpu_servers_with_compute(c):
        yield (
            ("scheduler", "kubernetes"),
            "no pod address range for the compute rails: the NetworkAttachmentDefinitions get no IPAM",
            "set scheduler.kubernetes.rdma_pods to a prefix no other pool uses",
        )
