"""Ansible inventory and variables: ``ansible/`` under the rendered cluster folder.

- ``ansible/inventory.yml``: YAML inventory. Every device with a management address is a host
  (``ansible_host`` = management address without prefix length: for a server the address of its
  host OS, on its OOB management port or in-band on the business plane, never its BMC; a
  server's BMC is ``aidc_bmc_host``, for Redfish / IPMI modules). Groups:

  * parents ``servers`` (children ``gpu_servers``, ``storage_servers``, ``other_servers``) and
    ``switches`` (children ``leaves``, ``spines``, ``cores``, ``storage_leaves``,
    ``storage_spines``, ``business_leaves``, ``business_spines``, ``oob_switches``); ``pdus``;
  * ``plane_<plane>`` (the device's plane), ``rack_<rack>``, ``su_<su>``, ``pod_<n>``
    (compute pods of leaves and spines) and ``rail_<n>`` (the leaves of rail n);
  * storage roles (``toolkit.render.storage.storage_groups``): ``ceph_servers``, ``ceph_mons``,
    ``ceph_mgrs``, ``ceph_osds``, ``ceph_rgws``, ``ceph_mdss``, ``ceph_clients``,
    ``minio_servers`` and ``storage_clients``.

  Group names replace every character outside ``[A-Za-z0-9_]`` with ``_``.
- ``ansible/host_vars/<host>.yml``: plain data the playbooks consume (servers: network data;
  switches: platform, ASN, loopback). The keys are listed in ``SERVER_KEYS`` / ``SWITCH_KEYS``;
  servers storage touches also get ``aidc_ceph``, ``aidc_minio`` and/or ``aidc_storage``
  (endpoints of a storage client), see ``toolkit.render.storage.storage_host_vars``.
- ``ansible/group_vars/all.yml``: cluster name, network mode (``netplan``; the lab passes
  ``iproute2``) and the site services.

Nothing secret is rendered here: SSH users and keys are passed by the caller at run time.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jinja2
import yaml

from toolkit.design.model import Device, Fabric
from toolkit.design.nccl import NCCL_CONF_PATH
from toolkit.render.core import Artifacts
from toolkit.render.hosts import HostView, host_view
from toolkit.render.scheduler.nccl import topology_file
from toolkit.render.storage import storage_groups, storage_host_vars

__all__ = [
    "NETWORK_MODE",
    "PARENT_GROUPS",
    "ROLE_GROUPS",
    "SERVER_KEYS",
    "SWITCH_KEYS",
    "dump_yaml",
    "group_name",
    "inventory",
    "render",
    "server_vars",
    "switch_vars",
]

NETWORK_MODE = "netplan"
PARENT_GROUPS: dict[str, dict[str, str]] = {
    # parent group -> role -> the group of the devices of that role, in inventory order
    "servers": {"gpu-server": "gpu_servers", "storage-server": "storage_servers", "server": "other_servers"},
    "switches": {
        "leaf": "leaves",
        "spine": "spines",
        "core": "cores",
        "storage-leaf": "storage_leaves",
        "storage-spine": "storage_spines",
        "business-leaf": "business_leaves",
        "business-spine": "business_spines",
        "oob": "oob_switches",
    },
}
ROLE_GROUPS: dict[str, str] = {
    **{role: g for groups in PARENT_GROUPS.values() for role, g in groups.items()},
    "pdu": "pdus",  # a group of its own, directly under all
}
"""Role -> the inventory group of its devices."""
SERVER_KEYS: tuple[str, ...] = (
    "aidc_device",
    "aidc_role",
    "aidc_model",
    "aidc_rack",
    "aidc_su",
    "aidc_mgmt",
    "aidc_bmc",
    "aidc_interfaces",
    "aidc_routes",
    "aidc_rules",
    "aidc_sysctl",
    "aidc_qos",
    "aidc_nccl",
    "aidc_nccl_install",
    "aidc_ntp",
    "aidc_dns",
    "aidc_domain",
)
SWITCH_KEYS: tuple[str, ...] = (
    "aidc_device",
    "aidc_role",
    "aidc_model",
    "aidc_rack",
    "aidc_su",
    "aidc_pod",
    "aidc_rail",
    "aidc_platform",
    "aidc_asn",
    "aidc_loopback",
    "aidc_mgmt",
    "aidc_ntp",
    "aidc_dns",
    "aidc_domain",
)

_BAD = re.compile(r"[^A-Za-z0-9_]")


def group_name(prefix: str, value: object) -> str:
    return f"{prefix}_{_BAD.sub('_', str(value))}"


_PLAIN = re.compile(r"[A-Za-z0-9_./=][A-Za-z0-9_./:=,+@-]*")
_NUMBERISH = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?")  # YAML 1.2 too
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_scalars: dict[str, str] = {}


def _str_slow(s: str) -> str:
    plain = (
        bool(_PLAIN.fullmatch(s))
        and not s.endswith(":")
        and not _NUMBERISH.fullmatch(s)
        and _RESOLVER.resolve(yaml.ScalarNode, s, (True, False)) == _STR_TAG
    )
    out = s if plain else json.dumps(s)
    if len(_scalars) < 500_000:
        _scalars[s] = out
    return out


def _str(s: str) -> str:
    """A string as a YAML scalar: plain when that reads back as the same string, else quoted."""
    return _scalars.get(s) or _str_slow(s)


def _scalar(v: Any) -> str:
    t = type(v)
    if t is str:
        return _scalars.get(v) or _str_slow(v)
    if v is None:
        return "null"
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if isinstance(v, str):
        return _str(str(v))
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, dict):
        return "{}"
    if isinstance(v, list | tuple):
        return "[]"
    raise TypeError(f"cannot write {type(v).__name__} to YAML here")


def _emit_map(data: dict[Any, Any], first: str, indent: str, out: list[str]) -> None:
    """The items of ``data``, one ``key: value`` line each at ``indent``; the first line starts
    with ``first`` instead (``indent`` plus ``- `` for an item of a list)."""
    lead = first
    for k, v in data.items():
        key = _scalars.get(k) or _str_slow(str(k))
        t = type(v)
        if t is str:
            out.append(f"{lead}{key}: {_scalars.get(v) or _str_slow(v)}\n")
        elif v is None:
            out.append(f"{lead}{key}: null\n")
        elif t is dict:
            if v:
                out.append(f"{lead}{key}:\n")
                inner = indent + "  "
                _emit_map(v, inner, inner, out)
            else:
                out.append(f"{lead}{key}: {{}}\n")
        elif t is list:
            if v:
                out.append(f"{lead}{key}:\n")
                _emit_seq(v, indent, indent, out)  # PyYAML's block style: items at their key's indent
            else:
                out.append(f"{lead}{key}: []\n")
        else:
            out.append(f"{lead}{key}: {_scalar(v)}\n")
        lead = indent


def _emit_seq(data: list[Any], first: str, indent: str, out: list[str]) -> None:
    """The items of ``data``, one ``- item`` each at ``indent`` (the first at ``first``)."""
    lead = first
    for item in data:
        t = type(item)
        if t is dict and item:
            _emit_map(item, f"{lead}- ", indent + "  ", out)
        elif t is list and item:
            _emit_seq(item, f"{lead}- ", indent + "  ", out)
        else:
            out.append(f"{lead}- {_scalar(item)}\n")
        lead = indent


def dump_yaml(data: Any) -> str:
    """Block-style YAML of plain data (dict, list, str, int, bool, None); about 50 times faster
    than PyYAML for the thousands of host_vars of a large cluster, and read back identically
    (tests round-trip every file through yaml.safe_load)."""
    out: list[str] = []
    if isinstance(data, dict):
        _emit_map(data, "", "", out)
    elif isinstance(data, list):
        _emit_seq(data, "", "", out)
    else:
        out.append(f"{_scalar(data)}\n")
    return "".join(out)


_dump = dump_yaml


def _ip(address: str | None) -> str | None:
    return address.split("/", 1)[0] if address else None


def _mgmt(dev: Device) -> dict[str, Any]:
    return {"port": dev.mgmt_port, "address": dev.mgmt_address, "gateway": dev.mgmt_gateway}


def _bmc(dev: Device) -> dict[str, Any] | None:
    """The server's BMC: where Redfish (``redfish_baseuri``) and IPMI (``ipmi_host``) reach it."""
    ip = _ip(dev.bmc_address)
    if ip is None:
        return None
    return {"port": dev.bmc_port, "address": dev.bmc_address, "redfish_baseuri": ip, "ipmi_host": ip}


def _common(dev: Device, fabric: Fabric) -> dict[str, Any]:
    return {
        "aidc_device": dev.name,
        "aidc_role": dev.role,
        "aidc_model": dev.model,
        "aidc_rack": dev.rack,
        "aidc_su": dev.su,
    }


def _nccl_install(dev: Device, fabric: Fabric) -> dict[str, Any]:
    """Where the host playbook installs the server's nccl.env and its model's topology file."""
    topo = fabric.nccl.get(dev.model)
    return {
        "conf": NCCL_CONF_PATH,
        "topology": {"file": topology_file(dev.model), "path": topo.path} if topo is not None else None,
    }


def server_vars(dev: Device, fabric: Fabric, v: HostView | None = None) -> dict[str, Any]:
    """host_vars of a server (keys: SERVER_KEYS, in that order)."""
    v = v or host_view(dev, fabric)
    out = _common(dev, fabric)
    out["aidc_mgmt"] = {**_mgmt(dev), "inband": dev.mgmt_inband}
    out["aidc_bmc"] = _bmc(dev)
    out["aidc_interfaces"] = [
        {
            "name": i.name,
            "ifname": i.ifname,
            "nic": i.nic,
            "plane": i.plane,
            "address": i.address,
            "gateway": i.gateway,
            "mtu": i.mtu,
            "speed": i.speed,
            "table": i.table,
            "rail": i.rail,
            "gpu": i.gpu,
            "numa": i.numa,
            "rdma_device": i.rdma_device,
            "tenant": i.tenant,
            "vni": i.vni,
            "vlan": i.vlan,
            "peer": i.peer,
        }
        for i in v.interfaces
    ]
    out["aidc_routes"] = [
        {
            "to": r.to,
            "via": r.via,
            "dev": r.dev,
            "table": r.table,
            "src": r.src,
            "scope": r.scope,
            "metric": r.metric,
        }
        for r in v.routes
    ]
    out["aidc_rules"] = [{"from": r.src, "table": r.table, "priority": r.priority} for r in v.rules]
    out["aidc_sysctl"] = dict(v.sysctl)
    q, rdma = v.fv.qos, v.fv.rdma
    out["aidc_qos"] = (
        {
            "kind": v.fv.compute_kind,
            "trust": q.trust,
            "pfc_priority": q.pfc_priority,
            "pfc": ",".join(map(str, q.pfc_vector)),
            "roce_dscp": q.roce_dscp,
            "roce_priority": q.roce_priority,
            "roce_tos": rdma.traffic_class,
            "traffic_class": rdma.traffic_class,
            "cnp_dscp": q.cnp_dscp,
            "cnp_priority": q.cnp_priority,
            "ecn_priorities": list(q.ecn_priorities),
        }
        if v.compute and rdma is not None
        else None
    )
    out["aidc_nccl"] = dict(v.nccl)
    out["aidc_nccl_install"] = _nccl_install(dev, fabric) if v.compute else None
    out["aidc_ntp"] = list(v.fv.ntp)
    out["aidc_dns"] = list(v.fv.dns)
    out["aidc_domain"] = v.fv.domain
    return out


def switch_vars(dev: Device, fabric: Fabric) -> dict[str, Any]:
    """host_vars of a switch (keys: SWITCH_KEYS, in that order)."""
    out = _common(dev, fabric)
    out.update(
        {
            "aidc_pod": dev.pod,
            "aidc_rail": dev.rail,
            "aidc_platform": dev.platform,
            "aidc_asn": dev.asn,
            "aidc_loopback": dev.loopback,
            "aidc_mgmt": _mgmt(dev),
            "aidc_ntp": list(fabric.site.ntp),
            "aidc_dns": list(fabric.site.dns),
            "aidc_domain": fabric.site.domain,
        }
    )
    return out


def inventory(fabric: Fabric) -> dict[str, Any]:
    """The YAML inventory as a dict (``all`` -> children -> groups)."""
    role_hosts: dict[str, dict[str, Any]] = {}
    extra: dict[str, dict[str, None]] = {}

    def add(group: str, host: str) -> None:
        extra.setdefault(group, {})[host] = None

    for dev in fabric.devices.values():
        group = ROLE_GROUPS[dev.role]
        hv: dict[str, Any] = {}
        if dev.mgmt_address:
            hv["ansible_host"] = _ip(dev.mgmt_address)
        if dev.bmc_address:
            hv["aidc_bmc_host"] = _ip(dev.bmc_address)
        role_hosts.setdefault(group, {})[dev.name] = hv or None
        add(group_name("plane", dev.plane), dev.name)
        add(group_name("rack", dev.rack), dev.name)
        if dev.su:
            add(group_name("su", dev.su), dev.name)
        if dev.is_switch and dev.pod is not None and dev.role in ("leaf", "spine"):
            add(group_name("pod", dev.pod), dev.name)
        if dev.role == "leaf" and dev.rail is not None:
            add(group_name("rail", dev.rail), dev.name)
    children: dict[str, Any] = {}
    for parent, groups in PARENT_GROUPS.items():
        present = [g for g in groups.values() if g in role_hosts]
        children[parent] = {"children": {g: {"hosts": role_hosts[g]} for g in present}}
    if "pdus" in role_hosts:
        children["pdus"] = {"hosts": role_hosts["pdus"]}
    for g in sorted(extra, key=_natural):
        children[g] = {"hosts": extra[g]}
    for g, hosts in storage_groups(fabric).items():
        children[g] = {"hosts": dict.fromkeys(hosts)}
    return {"all": {"children": children}}


def _natural(s: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s)]


def group_vars_all(fabric: Fabric) -> dict[str, Any]:
    s = fabric.site
    return {
        "aidc_cluster": fabric.name,
        "aidc_network_mode": NETWORK_MODE,
        "aidc_site": {
            "domain": s.domain,
            "timezone": s.timezone,
            "ntp": list(s.ntp),
            "dns": list(s.dns),
            "syslog": list(s.syslog),
            "oob_prefix": s.oob_prefix,
            "oob_gateway": s.oob_gateway,
        },
        "aidc_planes": {
            name: {"kind": p.kind, "host_mtu": p.host_mtu, "switch_mtu": p.switch_mtu}
            for name, p in fabric.planes.items()
        },
    }


_HEADER = "# generated by aidc from the Fabric of {name}; do not edit\n"


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    head = _HEADER.format(name=fabric.name)
    out: Artifacts = {
        "ansible/inventory.yml": head + _dump(inventory(fabric)),
        "ansible/group_vars/all.yml": head + _dump(group_vars_all(fabric)),
    }
    for dev in fabric.devices.values():
        if dev.is_server:
            hv = server_vars(dev, fabric)
            if fabric.ceph or fabric.minio:
                hv.update(storage_host_vars(fabric, dev))
            out[f"ansible/host_vars/{dev.name}.yml"] = head + _dump(hv)
        elif dev.is_switch:
            out[f"ansible/host_vars/{dev.name}.yml"] = head + _dump(switch_vars(dev, fabric))
    return out
