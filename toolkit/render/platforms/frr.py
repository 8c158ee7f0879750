"""``frr`` platform: a Linux white box (or a lab namespace) running FRR.

Files per switch (all interface names are ``Port.ifname``):

- ``frr.conf``: integrated FRR configuration (``frr defaults datacenter``; interface descriptions,
  eBGP underlay, EVPN). L2VNIs only: the lab kernel has no VRF devices, so the symmetric L3VNI
  and the anycast gateway are rendered by the sonic, cumulus and eos platforms. Written in the
  form FRR's ``show running-config`` prints back once the file is loaded (its order: interfaces,
  router bgp, prefix-lists, route-maps; ``maximum-paths`` after the neighbours; no line that is a
  default under ``frr defaults datacenter``, e.g. ``no bgp ebgp-requires-policy``), so the diff
  ``aidc plan`` shows against a device that runs it is empty (real daemons:
  tests/vendor/test_frr_running_config.py).
- ``interfaces``: ifupdown2 ``/etc/network/interfaces`` (loopback, management VRF, ports with
  MTU / speed / address, one bridge ``br<vni>`` + VXLAN device ``vx<vni>`` per tenant, the flat
  OOB bridge, unused ports ``link-down``).
- ``network.json``: the same interface state as data (``toolkit.design.netintent``: a
  ``netstate.NetIntent``), what ``aidc apply`` converges the box to (the FRR driver reads the
  running state and runs the commands ``netstate.reconcile`` computes: nothing when it runs the
  designed state); the management VRF and its default route are left out (no VRF devices in the
  lab). Lossless RoCE (DCB DSCP trust + PFC) is applied where the port supports DCB and
  reported otherwise.
- ``etc/...``: hostname, time zone, resolver, NTP (chrony), remote syslog (rsyslog), LLDP
  (lldpd), the management ACL (nftables: SSH/SNMP only from the OOB prefix) and, on routing
  switches, IP forwarding (sysctl).
"""

from __future__ import annotations

import jinja2

from toolkit.design.model import Device, Fabric
from toolkit.design.netintent import switch_intent
from toolkit.netstate import intent_json
from toolkit.platforms.frr import OOB_BRIDGE
from toolkit.render.platforms._common import device_context, device_view, frr_filters

_FILES: tuple[tuple[str, str], ...] = (
    ("frr.conf", "frr/frr.conf.j2"),
    ("interfaces", "frr/interfaces.j2"),
    ("etc/hostname", "frr/etc/hostname.j2"),
    ("etc/timezone", "frr/etc/timezone.j2"),
    ("etc/resolv.conf", "frr/etc/resolv.conf.j2"),
    ("etc/chrony/chrony.conf", "frr/etc/chrony/chrony.conf.j2"),
    ("etc/rsyslog.d/50-aidc.conf", "frr/etc/rsyslog.d/50-aidc.conf.j2"),
    ("etc/lldpd.d/aidc.conf", "frr/etc/lldpd.d/aidc.conf.j2"),
    ("etc/nftables.conf", "frr/etc/nftables.conf.j2"),
)
_ROUTING_FILES: tuple[tuple[str, str], ...] = (("etc/sysctl.d/90-aidc.conf", "frr/etc/sysctl.d/90-aidc.conf.j2"),)


def render_device(dev: Device, fabric: Fabric, env: jinja2.Environment) -> dict[str, str]:
    frr_filters(env)
    v = device_view(dev, fabric)
    ctx = {**device_context(v), "oob_bridge": OOB_BRIDGE}
    files = _FILES + (_ROUTING_FILES if v.neighbors else ())
    out = {name: env.get_template(tpl).render(ctx) for name, tpl in files}
    out["network.json"] = intent_json(switch_intent(dev, fabric))
    return out
