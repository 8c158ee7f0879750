"""Host network configuration: ``hosts/<host>/`` for every server of the Fabric.

Files per server (templates in ``templates/host/``):

- ``netplan.yaml``: every data port (the BMC is out-of-band and left alone) keyed by
  ``Port.name``. Compute ports get their /31, MTU, a routing table of their own with the link
  prefix and a default route via their gateway, and a ``from <address>`` policy rule into that
  table, so each rail's traffic leaves through its own NIC. Storage and business ports (tenant
  ports included) get their address, MTU and main-table routes (see below). Ports without an
  address (a tenant's second port, InfiniBand compute ports) are brought up with their MTU only.
  A dual-homed tenant member's ports are the ``interfaces`` of a netplan bond (802.3ad, fast LACP
  rate, layer3+4 hashing, MII monitoring) that carries the tenant address and routes; the leaves
  hold the matching EVPN multihoming segment.
- ``sysctl.conf`` (content of ``/etc/sysctl.d/90-aidc.conf``): ``arp_ignore=1``,
  ``arp_announce=2`` and loose ``rp_filter=2`` for ``all`` and every data interface: many NICs of
  one host sit in one address family, so ARP must answer only on the owning NIC and the reverse
  path filter must accept replies arriving on a sibling NIC.
- ``roce.sh`` (servers with compute NICs): idempotent NIC settings with the NVIDIA/Mellanox tools per compute NIC (DSCP
  trust and PFC, RDMA-CM ToS, ECN, CNP DSCP/priority, RoCE traffic class), skipping with a
  message when tools or devices are absent.
- ``nccl.env`` (servers with compute NICs): the NCCL environment (HCAs in GPU order, GID index, traffic class,
  SL, socket interface, GPUDirect RDMA level, ``NCCL_TOPO_FILE`` when the server model has a topology file:
  ``scheduler/nccl/<model>.xml``, installed at ``NcclTopology.path``).

Every value is a field of the Fabric (the host policy of ``toolkit.design.policy``): routing
table, rule priority, destinations and metric of each port (``Port.table`` / ``rule_priority`` /
``routes`` / ``metric``), RDMA device names (``Port.rdma_device``), the GID index, RDMA port,
traffic class and service level (``Fabric.rdma``). Mechanical arrangements only here:

- a compute port with a table gets the link prefix (scope link, from its address) and its routes
  via its gateway in that table, plus its ``from <address>`` rule; other ports get their routes
  via their gateway in the main table.
- RoCE ToS / traffic class: one value, ``Fabric.rdma.traffic_class`` (DSCP << 2 | ECT(0)), for
  NCCL_IB_TC, ``cma_roce_tos`` and the device's ``traffic_class``.
- PFC vector and ECN priorities: ``Fabric.qos.pfc_vector`` / ``ecn_priorities`` (decided in the model).
- ``NCCL_SOCKET_IFNAME``: the business ports with an address, else the storage ports with one.
- ``NCCL_NET_GDR_LEVEL=PHB`` when every compute NIC has a NUMA node: validation guarantees a
  NIC's NUMA node equals its GPU's, so GPU and NIC share at least the host bridge. (A model with a
  PCIe layout also gets ``NCCL_TOPO_FILE``, which tells NCCL the shared PCIe switch itself.)
"""

from __future__ import annotations

from dataclasses import dataclass

import jinja2

from toolkit.design.addressing import split_address
from toolkit.design.model import Device, Fabric, Port, QosProfile, RdmaPolicy
from toolkit.design.nccl import NCCL_CONF_PATH
from toolkit.render.core import Artifacts, per_fabric, render_devices
from toolkit.render.portview import PortBacked, address_parts, read_through

__all__ = [
    "MAIN_TABLE",
    "SYSCTL_PATH",
    "FabricHostView",
    "HostInterface",
    "HostRoute",
    "HostRule",
    "HostView",
    "fabric_host_view",
    "host_view",
    "render",
    "split_address",
]

MAIN_TABLE = "main"
SYSCTL_PATH = "/etc/sysctl.d/90-aidc.conf"
NETPLAN_PATH = "/etc/netplan/90-aidc.yaml"
HOST_SYSCTLS: tuple[tuple[str, int], ...] = (("arp_ignore", 1), ("arp_announce", 2), ("rp_filter", 2))
"""Per-interface IPv4 sysctls for hosts with many NICs in one address family."""
NCCL_GDR_LEVEL_SAME_NUMA = "PHB"
BOND_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("mode", "802.3ad"),
    ("lacp-rate", "fast"),
    ("transmit-hash-policy", "layer3+4"),
    ("mii-monitor-interval", "100"),
)
"""netplan parameters of a dual-homed bond: LACP as the leaves' EVPN-MH segment runs it
(``lacp-rate fast`` on both sides), flows hashed over both leaves."""

_FILES: tuple[tuple[str, str], ...] = (
    ("netplan.yaml", "host/netplan.yaml.j2"),
    ("sysctl.conf", "host/sysctl.conf.j2"),
    ("roce.sh", "host/roce.sh.j2"),
    ("nccl.env", "host/nccl.env.j2"),
)


_COMPUTE_ONLY = frozenset({"roce.sh", "nccl.env"})
"""Files only servers with compute NICs get."""


@read_through
@dataclass(frozen=True, slots=True)
class HostInterface(PortBacked):
    """A server port for the templates: every ``Port`` field (``i.mtu``, ``i.table``,
    ``i.rdma_device``, ...) plus what is derived from it here."""

    port: Port
    ip: str | None  # Port.address without prefix length
    prefixlen: int | None
    network: str | None  # connected prefix
    peer: str | None  # peer_device:peer_port
    kind: str = "ethernet"  # "bond": an LACP bond over ``members`` (dual-homing)
    ipoib_mode: str | None = None  # IPoIB port: Fabric.infiniband.ipoib_mode (netplan infiniband-mode)

    @property
    def sysctl_name(self) -> str:
        # sysctl keys use "/" for a "." inside an interface name
        return self.ifname.replace(".", "/")


@dataclass(frozen=True, slots=True)
class HostRoute:
    to: str  # "default" or a prefix (iproute2 / netplan spelling)
    dev: str  # Linux interface name
    name: str  # Port.name of that interface
    table: int | str  # table number or "main"
    via: str | None = None
    src: str | None = None  # preferred source (netplan "from")
    scope: str | None = None  # "link" for an on-link prefix
    metric: int | None = None


@dataclass(frozen=True, slots=True)
class HostRule:
    src: str  # "from" address, no prefix length
    table: int
    priority: int
    name: str  # Port.name the rule belongs to


@dataclass(frozen=True, slots=True)
class FabricHostView:
    cluster: str
    compute_kind: str  # roce | infiniband
    qos: QosProfile  # Fabric.qos
    rdma: RdmaPolicy | None  # Fabric.rdma (None without a compute plane)
    ntp: tuple[str, ...]
    dns: tuple[str, ...]
    domain: str


@dataclass(frozen=True, slots=True)
class HostView:
    name: str
    dev: Device
    fv: FabricHostView
    interfaces: tuple[HostInterface, ...]  # data ports, port order (bonds last)
    compute: tuple[HostInterface, ...]  # compute ports, GPU order (then rail order)
    routes: tuple[HostRoute, ...]
    rules: tuple[HostRule, ...]
    sysctl: tuple[tuple[str, int], ...]  # (key, value), "all" first
    nccl: tuple[tuple[str, str], ...]  # (variable, value)
    nccl_unset: tuple[tuple[str, str], ...]  # (variable, why it is not set)
    socket_ifnames: tuple[str, ...]

    @property
    def nccl_conf(self) -> str:
        """Where the host playbook installs nccl.env (NCCL's system-wide configuration file)."""
        return NCCL_CONF_PATH

    @property
    def ethernets(self) -> tuple[HostInterface, ...]:
        return tuple(i for i in self.interfaces if i.kind == "ethernet")

    @property
    def bonds(self) -> tuple[HostInterface, ...]:
        return tuple(i for i in self.interfaces if i.kind == "bond")

    def routes_of(self, name: str) -> list[HostRoute]:
        return [r for r in self.routes if r.name == name]

    def rules_of(self, name: str) -> list[HostRule]:
        return [r for r in self.rules if r.name == name]


@per_fabric
def fabric_host_view(fabric: Fabric) -> FabricHostView:
    """Fabric-wide host data, computed once per Fabric object."""
    return FabricHostView(
        cluster=fabric.name,
        compute_kind=fabric.planes["compute"].kind if "compute" in fabric.planes else "roce",
        qos=fabric.qos,
        rdma=fabric.rdma,
        ntp=tuple(fabric.site.ntp),
        dns=tuple(fabric.site.dns),
        domain=fabric.site.domain,
    )


def _data_ports(dev: Device) -> list[Port]:
    # the OOB ports (BMC, OS management) are set up before aidc reaches the host; an in-band
    # management port is a business port like any other
    return [p for p in dev.ports if p.plane != "oob" and p.role not in ("bmc", "mgmt")]


def _interface(p: Port, ipoib_mode: str | None = None) -> HostInterface:
    return HostInterface(
        p,
        *address_parts(p.address),
        peer=f"{p.peer_device}:{p.peer_port}" if p.peer_device else ", ".join(p.peers) or None,
        kind="bond" if p.role == "bond" else "ethernet",
        ipoib_mode=ipoib_mode if p.plane == "compute" and p.address else None,
    )


def host_view(dev: Device, fabric: Fabric) -> HostView:
    fv = fabric_host_view(fabric)
    ipoib_mode = fabric.infiniband.ipoib_mode if fabric.infiniband is not None else None
    ifaces = tuple(_interface(p, ipoib_mode) for p in _data_ports(dev))
    routes: list[HostRoute] = []
    rules: list[HostRule] = []
    for i in ifaces:
        if i.table is not None and i.ip and i.network:
            routes.append(HostRoute(to=i.network, dev=i.ifname, name=i.name, table=i.table, src=i.ip, scope="link"))
            for to in i.routes if i.gateway else ():
                routes.append(HostRoute(to=to, dev=i.ifname, name=i.name, table=i.table, via=i.gateway))
            if i.rule_priority is not None:
                rules.append(HostRule(src=i.ip, table=i.table, priority=i.rule_priority, name=i.name))
        elif i.gateway:
            for to in i.routes:
                routes.append(
                    HostRoute(to=to, dev=i.ifname, name=i.name, table=MAIN_TABLE, via=i.gateway, metric=i.metric)
                )
    sysctl: list[tuple[str, int]] = [(f"net.ipv4.conf.all.{k}", v) for k, v in HOST_SYSCTLS]
    for i in ifaces:
        sysctl += [(f"net.ipv4.conf.{i.sysctl_name}.{k}", v) for k, v in HOST_SYSCTLS]
    compute = tuple(
        sorted(
            (i for i in ifaces if i.plane == "compute" and i.rdma_device),
            key=lambda i: (i.gpu if i.gpu is not None else 1 << 16, i.rail if i.rail is not None else 0),
        )
    )
    socket_if = tuple(i.ifname for i in ifaces if i.plane == "business" and i.address) or tuple(
        i.ifname for i in ifaces if i.plane == "storage" and i.address
    )
    nccl: list[tuple[str, str]] = []
    unset: list[tuple[str, str]] = []
    rdma = fv.rdma
    if compute:
        assert rdma is not None, "compute ports imply a compute plane, which has Fabric.rdma"
        # "=" prefix: exact device names (mlx5_1 must not also select mlx5_10 ...)
        nccl.append(("NCCL_IB_HCA", "=" + ",".join(f"{i.rdma_device}:{rdma.ib_port}" for i in compute)))
        if fv.compute_kind == "roce":
            nccl.append(("NCCL_IB_GID_INDEX", str(rdma.gid_index)))
            nccl.append(("NCCL_IB_TC", str(rdma.traffic_class)))
            nccl.append(("NCCL_IB_SL", str(rdma.service_level)))
        elif fabric.infiniband is not None:
            # InfiniBand: the compute SL of the subnet manager's QoS policy; no GID index / TC
            nccl.append(("NCCL_IB_SL", str(fabric.infiniband.compute_sl)))
            nccl.append(("NCCL_IB_ADAPTIVE_ROUTING", "1" if fabric.infiniband.adaptive_routing else "0"))
        unset.append(("NCCL_IB_QPS_PER_CONNECTION", "the Fabric carries no value; NCCL's default applies"))
        if all(i.numa is not None for i in compute):
            nccl.append(("NCCL_NET_GDR_LEVEL", NCCL_GDR_LEVEL_SAME_NUMA))
        else:
            unset.append(("NCCL_NET_GDR_LEVEL", "the NUMA node of a compute NIC is unknown"))
        topo = fabric.nccl.get(dev.model)
        if topo is not None:
            nccl.append(("NCCL_TOPO_FILE", topo.path))
        else:
            unset.append(
                ("NCCL_TOPO_FILE", f"the catalogue gives no PCIe layout for {dev.model}; NCCL detects the PCIe tree")
            )
    if socket_if:
        nccl.append(("NCCL_SOCKET_IFNAME", "=" + ",".join(socket_if)))
    return HostView(
        name=dev.name,
        dev=dev,
        fv=fv,
        interfaces=ifaces,
        compute=compute,
        routes=tuple(routes),
        rules=tuple(rules),
        sysctl=tuple(sysctl),
        nccl=tuple(nccl),
        nccl_unset=tuple(unset),
        socket_ifnames=socket_if,
    )


def render_host(dev: Device, fabric: Fabric, templates: dict[str, jinja2.Template]) -> dict[str, str]:
    v = host_view(dev, fabric)
    ctx = {
        "v": v,
        "q": v.fv.qos,
        "rdma": v.fv.rdma,
        "sysctl_path": SYSCTL_PATH,
        "netplan_path": NETPLAN_PATH,
        "main_table": MAIN_TABLE,
        "bond_parameters": BOND_PARAMETERS,
    }
    return {
        fname: tpl.render(ctx) for fname, tpl in templates.items() if v.compute or fname not in _COMPUTE_ONLY
    }


def _render_server(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    return render_host(dev, fabric, {fname: env.get_template(tpl) for fname, tpl in _FILES})


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    return render_devices(_render_server, fabric.servers(), fabric, env, "hosts")
