"""Fact readers of Arista EOS: ``show ... | json`` through ``Cli`` from the switch's bash.

The parsers turn EOS' documented JSON (the eAPI shapes of ``show interfaces``, ``show ip bgp
summary vrf all``, ``show bgp evpn summary`` and ``show lldp neighbors detail``) into the fact
shapes the evaluators know from the Linux / FRR readers, keyed by the EOS interface names the
Fabric holds (``Ethernet1/1``, ``Loopback0``), so every check compares with the Fabric unchanged:

- ``links``: interface -> ``IfState`` (``interfaceStatus`` ``disabled`` is administratively down,
  ``lineProtocolStatus`` ``up`` is carrier; ``mtu`` is EOS' IP MTU, the Fabric's clamped value);
- ``addrs``: interface -> ``address/prefix`` (primary and secondary IPv4 addresses);
- ``bgp``: peer address -> ``bgpState`` / ``remoteAs`` / ``localAs`` and the address families
  seen established (IPv4 unicast from the IPv4 summary, L2VPN EVPN from the EVPN summary),
  default VRF only, like the FRR reader's ``show bgp vrf default neighbors json``;
- ``lldp``: local interface -> [(neighbour system name, neighbour port id)].

EOS has no ``evpn`` (VNI) reader yet: a check that needs it fails with "no 'evpn' reader".
"""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Any

from toolkit.health.readers import Reader
from toolkit.lldp import Neighbors
from toolkit.netstate import IfState

if TYPE_CHECKING:
    from toolkit.targets import DeviceAccess

SHOW_INTERFACES = "show interfaces | json"
SHOW_BGP = ("show ip bgp summary vrf all | json", "show bgp evpn summary | json")
SHOW_LLDP = "show lldp neighbors detail | json"


def cli_command(access: DeviceAccess, *commands: str) -> str:
    """Shell command printing the JSON of ``commands`` (a JSON list when there are several):
    ``Cli -p 15 -c`` runs one EOS command at privilege 15 from the switch's bash."""
    runs = [f"Cli -p 15 -c {shlex.quote(c)}" for c in commands]
    if len(runs) == 1:
        return runs[0]
    return "{ echo '['; " + "; echo ','; ".join(runs) + "; echo ']'; }"


def _interfaces(text: str) -> dict[str, dict[str, Any]]:
    data = json.loads(text or "{}")
    return {str(k): v for k, v in (data.get("interfaces") or {}).items() if isinstance(v, dict)}


def _addresses(info: dict[str, Any]) -> list[str]:
    out = []
    for a in info.get("interfaceAddress") or []:
        for ip in [a.get("primaryIp") or {}, *(a.get("secondaryIpsOrderedList") or [])]:
            addr, plen = ip.get("address"), ip.get("maskLen")
            if addr and addr != "0.0.0.0" and plen is not None:
                out.append(f"{addr}/{plen}")
    return sorted(out)


def parse_addrs(text: str) -> dict[str, list[str]]:
    """``show interfaces | json``: interface -> sorted ``address/prefix`` (IPv4)."""
    return {name: _addresses(info) for name, info in _interfaces(text).items()}


def parse_links(text: str) -> dict[str, IfState]:
    """``show interfaces | json``: interface -> IfState."""
    out = {}
    for name, info in _interfaces(text).items():
        carrier = info.get("lineProtocolStatus") == "up"
        out[name] = IfState(
            kind=str(info.get("hardware") or "ethernet"),
            mtu=int(info.get("mtu") or 0),
            up=info.get("interfaceStatus") != "disabled",
            alias=info.get("description") or None,
            addresses=_addresses(info),
            carrier=carrier,
            operstate="UP" if carrier else str(info.get("lineProtocolStatus") or "unknown").upper(),
        )
    return out


def _peers(summary: dict[str, Any]) -> tuple[int | None, dict[str, dict[str, Any]]]:
    vrf = (summary.get("vrfs") or {}).get("default") or {}
    asn = vrf.get("asn")
    return (int(asn) if asn not in (None, "") else None), dict(vrf.get("peers") or {})


def parse_bgp(text: str) -> dict[str, dict[str, Any]]:
    """``[show ip bgp summary vrf all, show bgp evpn summary]`` (JSON list): peer -> neighbor
    facts in the FRR reader's keys (``bgpState``, ``remoteAs``, ``localAs``, negotiated AFIs)."""
    ipv4, evpn = json.loads(text)
    local_as, peers = _peers(ipv4)
    evpn_as, evpn_peers = _peers(evpn)
    out: dict[str, dict[str, Any]] = {}
    for afi, have in (("ipv4Unicast", peers), ("l2VpnEvpn", evpn_peers)):
        for addr, p in have.items():
            n = out.setdefault(
                addr,
                {
                    "bgpState": p.get("peerState", "?"),
                    "remoteAs": int(p["asn"]) if p.get("asn") not in (None, "") else None,
                    "localAs": local_as if local_as is not None else evpn_as,
                    "neighborCapabilities": {"multiprotocolExtensions": {}},
                },
            )
            if p.get("peerState") == "Established":
                n["neighborCapabilities"]["multiprotocolExtensions"][afi] = {"advertisedAndReceived": True}
    return out


def parse_lldp(text: str) -> Neighbors:
    """``show lldp neighbors detail | json``: local interface -> [(system name, port id)]."""
    data = json.loads(text or "{}")
    out: Neighbors = {}
    for local, entry in (data.get("lldpNeighbors") or {}).items():
        for n in (entry or {}).get("lldpNeighborInfo") or []:
            port = n.get("neighborInterfaceInfo") or {}
            pid = port.get("interfaceId_v2") or str(port.get("interfaceId") or "").strip('"')
            out.setdefault(str(local), []).append((str(n.get("systemName") or ""), str(pid)))
    return out


EOS: dict[str, Reader] = {
    "links": Reader(lambda a: cli_command(a, SHOW_INTERFACES), parse_links),
    "addrs": Reader(lambda a: cli_command(a, SHOW_INTERFACES), parse_addrs),
    "bgp": Reader(lambda a: cli_command(a, *SHOW_BGP), parse_bgp),
    "lldp": Reader(lambda a: cli_command(a, SHOW_LLDP), parse_lldp),
}


def eos_readers() -> dict[str, Reader]:
    """The readers of an EOS switch (the ``facts`` hook of ``eos``)."""
    return EOS
