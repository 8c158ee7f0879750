"""The designed interface state of a Linux (``frr`` platform) switch, as a ``netstate.NetIntent``.

``switch_intent(dev, fabric)`` reads the Fabric's decisions and decides nothing: the FRR driver
reconciles a switch to it (``netstate.reconcile`` against the state it reads over the session),
the renderer writes it as ``network.json``, and health could compare with it. What it holds:

- IP forwarding on (IPv4, IPv6) on a switch with sessions in the default VRF;
- ``lo`` up with the loopback as its only global IPv4 address;
- the management port up with its MTU (and description as alias); its address is added, no
  other address is removed (the session aidc runs on may use one); an in-band managed OOB
  switch carries the address on its OOB bridge instead;
- every other port up with its MTU, description as alias, its address as the only global
  IPv4 one; a routed port leaves any bridge, a tenant access port (bond members too: the lab
  kernel has no bonds) joins ``br<L2VNI>``, an OOB port the OOB bridge; lossless RoCE
  (``Fabric.qos``: DSCP map, PFC) on the ports with the lossless profile;
- per tenant network ``br<L2VNI>`` (no STP, tenant MTU) and ``vx<L2VNI>`` (VNI, local = router
  id, UDP 4789, no learning, in the bridge with bridge-port learning off); the same per storage
  segment (``Fabric.segments``: dual-homed storage), whose bridge also holds the segment's
  anycast gateway address and MAC (default VRF) and its host ports; other VXLAN devices and
  ``br<digits>`` bridges are deleted;
- an OOB switch's one bridge; with ``stp_priority`` RSTP on at that priority and BPDU guard on
  the edge ports;
- the unused front-panel ports down, where the box has them.
"""

from __future__ import annotations

from toolkit.design.model import Device, Fabric
from toolkit.design.policy import VXLAN_UDP_PORT
from toolkit.netstate import SYSCTLS, DcbIntent, LinkIntent, NetIntent
from toolkit.platforms.frr import OOB_BRIDGE, TENANT_BRIDGES

OOB_ROLES = ("oob-access", "oob-uplink")


def switch_intent(dev: Device, fabric: Fabric) -> NetIntent:
    """``dev``'s interface state (see the module docstring)."""
    links: dict[str, LinkIntent] = {}
    router_id = dev.loopback.split("/", 1)[0] if dev.loopback else None
    links["lo"] = LinkIntent(up=True, addresses=[dev.loopback] if dev.loopback else None)

    mgmt = next((p for p in dev.ports if p.role == "mgmt" or p.name == dev.mgmt_port), None)
    mgmt_address = dev.mgmt_address or (mgmt.address if mgmt else None)
    if mgmt is not None or dev.mgmt_port:
        inband = dev.mgmt_inband
        links[mgmt.ifname if mgmt else str(dev.mgmt_port)] = LinkIntent(
            mtu=mgmt.mtu if mgmt else 1500,
            up=True,
            addresses=[mgmt_address] if mgmt_address and not inband else None,
            keep_addresses=True,
            alias=mgmt.description or None if mgmt else None,
            manage_alias=bool(mgmt and mgmt.description),
        )

    bridge_of = {n: f"br{att.vni}" for att in (*dev.tenants, *dev.segments) for n in att.ports}
    oob = [p for p in dev.ports if p.role in OOB_ROLES]
    dcb: dict[str, DcbIntent] = {}
    q = fabric.qos
    for p in dev.ports:
        if p.role in ("bond", "mgmt") or p is mgmt:
            continue
        master = bridge_of.get(p.name) or (OOB_BRIDGE if p.role in OOB_ROLES else None)
        stp = dev.stp_priority is not None and p.role in OOB_ROLES and p.edge
        links[p.ifname] = LinkIntent(
            mtu=p.mtu,
            up=True,
            addresses=[p.address] if p.address else None,
            master=master,
            manage_master=master is not None or (p.tenant is None and p.vlan is None),  # routed: leaves any bridge
            guard=True if stp else None,
            alias=p.description or None,
            manage_alias=bool(p.description),
        )
        if p.qos is not None and p.qos == q.name:
            dcb[p.ifname] = DcbIntent(
                pfc=list(q.lossless_tcs), dscp_prio=dict(q.dscp_to_tc) if q.trust == "dscp" else {}
            )

    segments = {n.vni: n for t in fabric.segments for n in t.networks}
    for att in (*dev.tenants, *dev.segments):
        br, vx = f"br{att.vni}", f"vx{att.vni}"
        seg = segments.get(att.vni) if att in dev.segments else None
        links[br] = LinkIntent(
            kind="bridge",
            mtu=att.mtu,
            up=True,
            stp_state=0,
            # a storage segment: the bridge is the anycast gateway (default VRF), the fabric's gateway MAC
            addresses=[f"{seg.gateway}/{seg.subnet.split('/')[1]}"] if seg is not None else None,
            mac=seg.gateway_mac if seg is not None else None,
        )
        links[vx] = LinkIntent(
            kind="vxlan",
            vxlan={"id": att.vni, "local": router_id, "port": VXLAN_UDP_PORT, "learning": False},
            mtu=att.mtu,
            up=True,
            master=br,
            manage_master=True,
            learning=False,
        )

    if oob:
        stp_on = dev.stp_priority is not None
        links[OOB_BRIDGE] = LinkIntent(
            kind="bridge",
            up=True,
            stp_state=1 if stp_on else None,
            priority=dev.stp_priority,
            addresses=[mgmt_address] if mgmt_address and dev.mgmt_inband else None,
            keep_addresses=True,
        )

    for _name, ifname in dev.unused_ports:
        links.setdefault(ifname, LinkIntent(up=False, optional=True))

    routing = any(b.vrf is None for b in dev.bgp)
    return NetIntent(
        links=links,
        addresses="global-ipv4",
        devices=True,
        prune_bridges=TENANT_BRIDGES,
        route_tables=[],
        rules_owned="designed",
        sysctl=dict.fromkeys(SYSCTLS, "1") if routing else {},
        dcb=dcb,
    )
