"""What the lab instantiates for a Fabric: pure and deterministic, no side effects.

``lab_topology(fabric, scope)`` maps the designed datacentre onto Linux objects:

- one network namespace per server and switch (OOB switches and PDUs are not instantiated: the
  out-of-band network is one Linux bridge ``br-oob`` in its own namespace);
- one veth pair per cable whose two ends are instantiated and which is not on the ``oob`` plane;
  each end is named after the port's ``ifname`` and gets the port's ``mtu``;
- one management veth per device: the device end is its ``mgmt_port`` (by ``ifname``) carrying
  ``mgmt_address``; the other end is a port of the OOB bridge;
- in a scoped lab, a cabled port whose peer is outside the scope still exists: a veth whose other
  end (``x<N>``) stays down in the OOB namespace (``stubs``), so configurations apply unchanged;
- per external router of the border (``fabric.border``) whose border leaves are in scope: one
  namespace playing the upstream router (FRR, the probe address on its loopback, see
  ``toolkit.lab.external``) and one veth per designed external link, the leaf end named after the
  border leaf's port, the router end ``up<N>`` with the router's address of that link;
- one veth from the OOB namespace to the root namespace carrying
  ``fabric.site.controller_address`` (with the OOB prefix length): aidc reaches every device from
  there;
- the site's NTP, DNS and syslog servers as addresses that answer: those inside the OOB prefix on
  the OOB bridge (``site_services``), the others on every external router's loopback
  (``LabExternal.services``, reached through the border's default route). A stand-in: the
  addresses answer ICMP, no NTP or DNS daemon runs behind them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from toolkit.design.model import SERVER_ROLES, SWITCH_ROLES, Device, Fabric

NOT_INSTANTIATED_ROLES: frozenset[str] = frozenset({"oob", "pdu"})
"""Device roles the lab never builds (the OOB network is a bridge)."""

OOB_BRIDGE = "br-oob"
OOB_CONTROLLER_PEER = "ctl"
_NS_MAX = 40  # keeps /var/run/frr/<ns>/staticd.vty well below the 108-byte socket path limit
_IFNAME_RE = re.compile(r"^[A-Za-z0-9_.:@+-]{1,15}$")
_CLUSTER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_TIER_RANK = {"leaf": 1, "spine": 2, "core": 3}


class LabTopologyError(ValueError):
    """The Fabric (or the scope) cannot be instantiated as a lab."""


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LabLinkEnd(_M):
    device: str
    namespace: str
    port: str
    ifname: str
    mtu: int


class LabLink(_M):
    a: LabLinkEnd
    b: LabLinkEnd
    plane: str
    tier: str


class LabNode(_M):
    device: str
    role: str
    kind: Literal["switch", "server"]
    namespace: str
    hostname: str
    frr: bool
    mgmt_port: str
    mgmt_ifname: str
    mgmt_mtu: int
    mgmt_address: str
    mgmt_ip: str
    oob_ifname: str
    interfaces: list[str]


class LabExternalLink(_M):
    """One designed external link: border leaf port <-> a port of the upstream router namespace."""

    leaf: str
    leaf_namespace: str
    leaf_ifname: str
    leaf_ip: str
    leaf_asn: int
    mtu: int
    ifname: str
    address: str
    vrf: str


class LabExternal(_M):
    """An external router of the border, played by an FRR namespace (no SSH, no LLDP, no OOB)."""

    device: str
    namespace: str
    hostname: str
    asn: int
    router_id: str
    probe: str
    links: list[LabExternalLink]
    services: list[str] = []
    """Site NTP/DNS/syslog addresses outside the fabric, held on the loopback (/32)."""


class LabTopology(_M):
    cluster: str
    scope: str | None
    lab_id: str
    oob_namespace: str
    oob_bridge: str
    oob_prefix: str
    controller_ifname: str
    controller_peer: str
    controller_address: str
    controller_ip: str
    nodes: list[LabNode]
    links: list[LabLink]
    stubs: list[LabLinkEnd] = []
    """Ports whose cable leads out of the scope: they exist (a veth whose other end waits, down,
    in the OOB namespace) so the device's configuration applies, but they have no carrier."""
    externals: list[LabExternal] = []
    """The upstream routers of the border (``lab.external``)."""
    site_services: list[str] = []
    """Site NTP/DNS/syslog addresses inside the OOB prefix (with its length), held by the OOB bridge."""

    def node(self, device: str) -> LabNode:
        for n in self.nodes:
            if n.device == device:
                return n
        raise KeyError(f"device {device!r} is not part of lab {self.cluster}")

    def external(self, name: str) -> LabExternal:
        for x in self.externals:
            if x.device == name:
                return x
        raise KeyError(f"external router {name!r} is not part of lab {self.cluster}")

    @property
    def namespaces(self) -> list[str]:
        """Every device namespace: the nodes', then the external routers' (not the OOB one)."""
        return [n.namespace for n in self.nodes] + [x.namespace for x in self.externals]


def lab_id(cluster: str) -> str:
    return hashlib.sha1(cluster.encode()).hexdigest()[:6]


def namespace_name(cluster: str, device: str) -> str:
    """``aidc-<cluster>-<device>``, shortened with a hash when longer than 40 characters."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", device)
    name = f"aidc-{cluster}-{safe}"
    if len(name) <= _NS_MAX and safe == device:
        return name
    digest = hashlib.sha1(f"{cluster}/{device}".encode()).hexdigest()[:8]
    return f"aidc-{cluster[:10]}-{safe[:15]}-{digest}"


def oob_namespace_name(cluster: str) -> str:
    name = f"aidcoob-{cluster}"
    return name if len(name) <= _NS_MAX else f"aidcoob-{cluster[:20]}-{lab_id(cluster)}"


def instantiated(device: Device) -> bool:
    return device.role not in NOT_INSTANTIATED_ROLES and (device.is_switch or device.is_server)


def _rank(device: Device) -> int:
    if device.role in SERVER_ROLES:
        return 0
    return _TIER_RANK.get(device.role.rsplit("-", 1)[-1], 0)


def select_devices(fabric: Fabric, scope: str | None) -> list[str]:
    """Device names in scope, in ``fabric.devices`` order.

    ``None``: every server and switch (no OOB switch, no PDU). An SU name: the servers and leaves
    of that SU plus every switch reachable upwards from them by cables (spines, cores, storage and
    business switches they cable to, and those switches' spines/cores). Otherwise a comma list of
    device names.
    """
    candidates = {name for name, d in fabric.devices.items() if instantiated(d)}
    if scope is None or scope.strip() in ("", "all"):
        chosen = candidates
    elif scope in fabric.sus:
        chosen = {n for n in candidates if fabric.devices[n].su == scope and _rank(fabric.devices[n]) <= 1}
        if not chosen:
            raise LabTopologyError(f"scope {scope!r}: the SU has no servers or leaves")
        peers: dict[str, set[str]] = {}
        for c in fabric.cables:
            if c.plane == "oob" or c.tier == "oob":
                continue
            peers.setdefault(c.a_device, set()).add(c.b_device)
            peers.setdefault(c.b_device, set()).add(c.a_device)
        todo = sorted(chosen)
        while todo:
            cur = todo.pop()
            for p in sorted(peers.get(cur, ())):
                if p in chosen or p not in candidates:
                    continue
                dev = fabric.devices[p]
                if dev.is_switch and _rank(dev) > _rank(fabric.devices[cur]):
                    chosen.add(p)
                    todo.append(p)
    else:
        names = [s.strip() for s in scope.split(",") if s.strip()]
        unknown = [n for n in names if n not in fabric.devices]
        if unknown:
            raise LabTopologyError(
                f"scope {scope!r}: not an SU ({', '.join(fabric.sus) or 'none'}) and unknown "
                f"device(s): {', '.join(unknown)}"
            )
        skipped = [n for n in names if n not in candidates]
        if skipped:
            raise LabTopologyError(
                f"scope {scope!r}: {', '.join(skipped)} cannot be instantiated (OOB switches and PDUs "
                "are replaced by the OOB bridge)"
            )
        chosen = set(names)
    return [n for n in fabric.devices if n in chosen]


def _check_ifname(device: str, ifname: str) -> None:
    if not _IFNAME_RE.match(ifname) or ifname in (".", ".."):
        raise LabTopologyError(f"{device}: {ifname!r} is not a valid Linux interface name")


def _link_end(
    fabric: Fabric, node: LabNode, port_name: str, cable: str, used: dict[tuple[str, str], str]
) -> LabLinkEnd:
    """One end of a cable on an instantiated device; each (device, ifname) is used once."""
    try:
        port = fabric.devices[node.device].port(port_name)
    except KeyError as exc:
        raise LabTopologyError(f"cable {cable}: {exc}") from exc
    _check_ifname(node.device, port.ifname)
    key = (node.device, port.ifname)
    if key in used:
        raise LabTopologyError(f"{node.device}: interface {port.ifname} used twice ({used[key]})")
    used[key] = cable
    return LabLinkEnd(device=node.device, namespace=node.namespace, port=port_name, ifname=port.ifname, mtu=port.mtu)


def lab_topology(fabric: Fabric, scope: str | None = None) -> LabTopology:
    cluster = fabric.name
    if not _CLUSTER_RE.match(cluster):
        raise LabTopologyError(f"cluster name {cluster!r} is not usable in file and namespace names")
    if fabric.site.oob_prefix is None or fabric.site.controller_address is None:
        raise LabTopologyError(
            "the twin reaches every device over the OOB network, and the spec has none: add networks.oob"
        )
    try:
        oob_net = ipaddress.ip_network(fabric.site.oob_prefix, strict=False)
        controller_ip = ipaddress.ip_address(fabric.site.controller_address.split("/")[0])
    except ValueError as exc:
        raise LabTopologyError(f"site: {exc}") from exc
    if controller_ip not in oob_net:
        raise LabTopologyError(
            f"site.controller_address {controller_ip} is outside oob_prefix {fabric.site.oob_prefix}"
        )
    names = select_devices(fabric, scope)
    seen_ips: dict[str, str] = {str(controller_ip): "controller"}
    nodes: list[LabNode] = []
    for idx, name in enumerate(names):
        dev = fabric.devices[name]
        if not dev.mgmt_port or not dev.mgmt_address:
            raise LabTopologyError(f"{name}: no mgmt_port/mgmt_address, cannot be reached in the lab")
        try:
            mport = dev.port(dev.mgmt_port)
            mgmt_ifname, mgmt_mtu = mport.ifname, mport.mtu
        except KeyError:
            mgmt_ifname, mgmt_mtu = dev.mgmt_port, 1500
        _check_ifname(name, mgmt_ifname)
        try:
            iface = ipaddress.ip_interface(dev.mgmt_address)
        except ValueError as exc:
            raise LabTopologyError(f"{name}: mgmt_address: {exc}") from exc
        if iface.ip not in oob_net:
            raise LabTopologyError(f"{name}: mgmt_address {iface} is outside {oob_net}")
        if str(iface.ip) in seen_ips:
            raise LabTopologyError(f"{name}: mgmt address {iface.ip} also used by {seen_ips[str(iface.ip)]}")
        seen_ips[str(iface.ip)] = name
        nodes.append(
            LabNode(
                device=name,
                role=dev.role,
                kind="switch" if dev.role in SWITCH_ROLES else "server",
                namespace=namespace_name(cluster, name),
                hostname=name,
                frr=dev.role in SWITCH_ROLES,
                mgmt_port=dev.mgmt_port,
                mgmt_ifname=mgmt_ifname,
                mgmt_mtu=mgmt_mtu,
                mgmt_address=f"{iface.ip}/{oob_net.prefixlen}",
                mgmt_ip=str(iface.ip),
                oob_ifname=f"m{idx}",
                interfaces=[],
            )
        )
    by_name = {n.device: n for n in nodes}
    if len({n.namespace for n in nodes}) != len(nodes):
        raise LabTopologyError("two devices map to the same namespace name")

    links: list[LabLink] = []
    stubs: list[LabLinkEnd] = []
    used: dict[tuple[str, str], str] = {(n.device, n.mgmt_ifname): "management" for n in nodes}
    for c in fabric.cables:
        if c.plane == "oob" or c.tier == "oob":
            continue
        cable = f"{c.a_device}:{c.a_port}-{c.b_device}:{c.b_port}"
        inside = [(d, p) for d, p in ((c.a_device, c.a_port), (c.b_device, c.b_port)) if d in by_name]
        ends = [_link_end(fabric, by_name[d], p, cable, used) for d, p in inside]
        if len(ends) < 2:  # the peer is outside the scope: the port exists, without carrier
            stubs.extend(ends)
            continue
        if c.a_device == c.b_device:
            raise LabTopologyError(f"cable {c.a_device}:{c.a_port} loops back to its own device")
        links.append(LabLink(a=ends[0], b=ends[1], plane=c.plane, tier=c.tier))
        by_name[c.a_device].interfaces.append(ends[0].ifname)
        by_name[c.b_device].interfaces.append(ends[1].ifname)

    externals = _externals(fabric, by_name, used)
    if len(set([*(n.namespace for n in nodes), *(x.namespace for x in externals)])) != len(nodes) + len(externals):
        raise LabTopologyError("an external router maps to the namespace of a device")
    lid = lab_id(cluster)
    site = fabric.site
    on_oob: list[str] = []
    outside: list[str] = []
    for addr in dict.fromkeys([*site.ntp, *site.dns, *site.syslog]):
        try:
            ip = ipaddress.ip_address(addr)
        except ValueError:
            continue  # a name, not an address: resolved outside the twin
        if ip in oob_net:
            if str(ip) not in seen_ips:  # never a device's address (validate says so)
                on_oob.append(f"{ip}/{oob_net.prefixlen}")
        else:
            outside.append(str(ip))
    for x in externals:
        x.services = [a for a in outside if a != x.probe]
    return LabTopology(
        cluster=cluster,
        scope=scope,
        lab_id=lid,
        oob_namespace=oob_namespace_name(cluster),
        oob_bridge=OOB_BRIDGE,
        oob_prefix=str(oob_net),
        controller_ifname=f"aidc-{lid}",
        controller_peer=OOB_CONTROLLER_PEER,
        controller_address=f"{controller_ip}/{oob_net.prefixlen}",
        controller_ip=str(controller_ip),
        nodes=nodes,
        links=links,
        stubs=stubs,
        externals=externals,
        site_services=on_oob,
    )


def _externals(fabric: Fabric, by_name: dict[str, LabNode], used: dict[tuple[str, str], str]) -> list[LabExternal]:
    """The border's external routers with the links of the border leaves in scope."""
    b = fabric.border
    if b is None:
        return []
    out: dict[str, LabExternal] = {}
    for link in b.links:
        node = by_name.get(link.leaf)
        if node is None:
            continue
        dev = fabric.devices[link.leaf]
        port = dev.port(link.port)
        _check_ifname(link.leaf, port.ifname)
        key = (link.leaf, port.ifname)
        if key in used:
            raise LabTopologyError(f"{link.leaf}: interface {port.ifname} used twice ({used[key]})")
        used[key] = f"external link to {link.router}"
        x = out.get(link.router)
        if x is None:
            x = out[link.router] = LabExternal(
                device=link.router,
                namespace=namespace_name(fabric.name, f"ext-{link.router}"),
                hostname=link.router,
                asn=link.asn,
                router_id=b.probe,
                probe=b.probe,
                links=[],
            )
        x.links.append(
            LabExternalLink(
                leaf=link.leaf,
                leaf_namespace=node.namespace,
                leaf_ifname=port.ifname,
                leaf_ip=link.leaf_address.split("/")[0],
                leaf_asn=dev.asn or 0,
                mtu=port.mtu,
                ifname=f"up{len(x.links)}",
                address=link.router_address,
                vrf=link.vrf,
            )
        )
        node.interfaces.append(port.ifname)
    return list(out.values())
