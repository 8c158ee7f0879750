"""sonic platform: config_db.json and frr.conf, read back into facts, match the Fabric; FRR itself
accepts frr.conf; golden files; determinism.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from toolkit.design.model import Device, Fabric
from toolkit.render.core import environment
from toolkit.render.platforms import sonic
from toolkit.render.switches import render_device

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
TYPE = {
    "leaf": "ToRRouter", "business-leaf": "ToRRouter", "storage-leaf": "ToRRouter",
    "spine": "LeafRouter", "business-spine": "LeafRouter", "storage-spine": "LeafRouter",
    "core": "SpineRouter", "oob": "MgmtToRRouter",
}


def _holds(key: str, tc: int) -> bool:
    lo, _, hi = key.split("|", 1)[1].partition("-")
    return int(lo) <= tc <= int(hi or lo)


def check_config_db(dev: Device, fab: Fabric, text: str) -> None:
    db: dict[str, Any] = json.loads(text)
    assert text == json.dumps(db, sort_keys=True, indent=4) + "\n", "not sort_keys/indent=4 JSON"
    site, q = fab.site, fab.qos
    bonds = [p for p in dev.ports if p.role == "bond"]
    ports = [p for p in dev.ports if p.role not in ("mgmt", "bond")]
    # EVPN multihoming: a PortChannel per segment (LACP system MAC and key = the segment's), its
    # members, and the segment with SONiC's type-3 ESI derived from them
    assert set(db.get("PORTCHANNEL", {})) == {b.name for b in bonds}
    for b in bonds:
        pc = db["PORTCHANNEL"][b.name]
        assert (pc["system_mac"], pc["lacp_key"], pc["mtu"]) == (b.es_sys_mac, str(b.es_id), str(b.mtu)), b.name
        assert db["EVPN_ETHERNET_SEGMENT"][b.name] == {"esi": "AUTO", "type": "TYPE_3_MAC_BASED"}
    assert set(db.get("PORTCHANNEL_MEMBER", {})) == {f"{b.name}|{m}" for b in bonds for m in b.members}

    meta = db["DEVICE_METADATA"]["localhost"]
    sku = fab.skus.get(dev.model)
    assert sku is not None, dev.model
    # the real HwSKU and platform: the image mounts /usr/share/sonic/device/<platform>/<hwsku>
    assert sku is not None, dev.model
    assert meta["hostname"] == dev.name
    assert (meta.get("hwsku"), meta.get("platform")) == (sku.hwsku, sku.platform_id)
    assert meta["type"] == TYPE[dev.role]
    assert meta.get("bgp_asn") == (str(dev.asn) if dev.asn is not None else None)
    assert meta["docker_routing_config_mode"] == "split-unified"
    assert meta["timezone"] == site.timezone

    port = db["PORT"]
    live = {n for n, e in port.items() if e is not None}
    assert live == {p.name for p in ports} | {n for n, _ in dev.unused_ports}
    sku_names = {sp.name for sp in sku.ports}
    for p in ports:
        e = port[p.name]
        assert e["mtu"] == str(p.mtu) and e["speed"] == str(p.speed * 1000), p.name
        assert e["admin_status"] == "up"
        # the SKU's alias stays; a port the breakout creates gets its lanes and alias with it
        assert ("alias" in e) == ("lanes" in e), p.name
        if p.breakout is None:
            assert "lanes" not in e and p.name in sku_names, p.name
        assert e.get("description", "") == p.description
    for name, _ifname in dev.unused_ports:
        assert port[name]["admin_status"] == "down"
    brk = db.get("BREAKOUT_CFG", {})
    assert set(brk) <= {sp.name for sp in sku.ports}
    for p in ports:
        if p.breakout and p.lane == 0:
            # the platform's own mode string, e.g. 2x400G[200G,100G,50G,40G,25G,10G]
            assert brk[p.name]["brkout_mode"].startswith(p.breakout + "["), p.name

    intf = db.get("INTERFACE", {})
    assert {k for k in intf if "|" in k} == {f"{p.name}|{p.address}" for p in ports if p.address}
    for p in ports:
        if p.unnumbered:
            assert intf[p.name] == {"ipv6_use_link_local_only": "enable"}
        elif p.address:
            assert intf[p.name] == ({"vrf_name": f"Vrf{p.vrf}"} if p.vrf else {})  # a border link in a tenant VRF
    if dev.loopback:
        assert db["LOOPBACK_INTERFACE"] == {"Loopback0": {}, f"Loopback0|{dev.loopback}": {}}
    else:
        assert "LOOPBACK_INTERFACE" not in db

    if dev.mgmt_inband:  # a rack OOB switch: managed on its OOB VLAN's interface, in the default VRF
        assert "MGMT_INTERFACE" not in db and "MGMT_VRF_CONFIG" not in db
        svi = [k for k in db["VLAN_INTERFACE"] if k.endswith(f"|{dev.mgmt_address}")]
        assert len(svi) == 1 and db["VLAN_INTERFACE"][svi[0].split("|")[0]] == {}
        assert db["STATIC_ROUTE"] == {"0.0.0.0/0": {"nexthop": dev.mgmt_gateway}}
        assert db["NTP"] == {"global": {"vrf": "default"}}
    else:
        assert db["MGMT_INTERFACE"] == {f"{dev.mgmt_port}|{dev.mgmt_address}": {"gwaddr": dev.mgmt_gateway}}
        assert db["MGMT_VRF_CONFIG"] == {"vrf_global": {"mgmtVrfEnabled": "true"}}
    assert dev.mgmt_port in db["MGMT_PORT"]
    if dev.stp_priority is not None:  # loop protection of the OOB plane; edge ports BPDU-guarded
        assert db["STP"]["GLOBAL"]["priority"] == str(dev.stp_priority)
        edge = {p.name for p in dev.ports if p.edge}
        assert {n for n, sp in db["STP_PORT"].items() if sp.get("bpdu_guard") == "true"} == edge
    else:
        assert "STP" not in db and "STP_PORT" not in db
    assert sorted(db["NTP_SERVER"]) == sorted(site.ntp)
    assert sorted(db["DNS_NAMESERVER"]) == sorted(site.dns)
    assert sorted(db["SYSLOG_SERVER"]) == sorted(site.syslog)
    services = {t["services"][0]: name for name, t in db["ACL_TABLE"].items() if t["type"] == "CTRLPLANE"}
    assert set(services) == {"SSH", "SNMP"}
    for table in services.values():
        rules = [r for k, r in db["ACL_RULE"].items() if k.startswith(f"{table}|")]
        assert [(r["SRC_IP"], r["PACKET_ACTION"]) for r in rules] == [(site.oob_prefix, "ACCEPT")]

    # tenants: L2VNI per attachment, L3VNI per tenant VRF
    vlan, member = db.get("VLAN", {}), db.get("VLAN_MEMBER", {})
    tmap = db.get("VXLAN_TUNNEL_MAP", {})
    tenants = {n.vni: t for t in (*fab.tenants, *fab.segments) for n in t.networks}  # segments: default VRF
    l2atts = [*dev.tenants, *dev.segments]
    if l2atts:
        assert dev.loopback
        lo = str(ipaddress.ip_interface(dev.loopback).ip)
        assert db["VXLAN_TUNNEL"] == {"vtep": {"src_ip": lo}}
        assert db["VXLAN_EVPN_NVO"] == {"nvo": {"source_vtep": "vtep"}}
    else:
        assert not ({"VXLAN_TUNNEL", "VXLAN_TUNNEL_MAP", "VRF", "SAG"} & set(db))
        assert ("VLAN_INTERFACE" in db) == dev.mgmt_inband  # only the management SVI
    # every L2VNI on its access VLAN, and every L3VNI on a VLAN of its own bound to the tenant VRF
    # (symmetric IRB: SONiC maps the L3VNI through VXLAN_TUNNEL_MAP like an L2VNI)
    l3 = [a for a in dev.tenants if tenants[a.vni].l3vni is not None]
    assert sorted((m["vni"], m["vlan"]) for m in tmap.values()) == sorted(
        [(str(a.vni), f"Vlan{a.vlan}") for a in l2atts]
        + list({(str(tenants[a.vni].l3vni), f"Vlan{a.l3vni_vlan}") for a in l3}))  # one L3VNI per tenant
    for a in l3:
        t = tenants[a.vni]
        l3name = f"Vlan{a.l3vni_vlan}"
        assert a.l3vni_vlan is not None and a.l3vni_vlan not in {n.vlan for x in fab.tenants for n in x.networks}
        assert vlan[l3name]["vlanid"] == str(a.l3vni_vlan)
        assert not [k for k in member if k.startswith(f"{l3name}|")]
        assert db["VLAN_INTERFACE"][l3name] == {"vrf_name": f"Vrf{t.vrf}"}
    for a in l2atts:
        t = tenants[a.vni]
        name = f"Vlan{a.vlan}"
        assert vlan[name]["vlanid"] == str(a.vlan)
        access = [p for p in a.ports if dev.port(p).bond is None] + a.bonds  # a bond member: its PortChannel
        assert {k for k in member if k.startswith(f"{name}|")} == {f"{name}|{p}" for p in access}
        assert all(member[f"{name}|{p}"] == {"tagging_mode": "untagged"} for p in access)
        if not t.vrf:  # a storage segment: its anycast SVI in the default VRF
            assert "vrf_name" not in db["VLAN_INTERFACE"][name] and t.l3vni is None
        else:
            vrf = f"Vrf{t.vrf}"
            assert db["VRF"][vrf] == ({"vni": str(t.l3vni)} if t.l3vni is not None else {})
            assert db["VLAN_INTERFACE"][name]["vrf_name"] == vrf
        net = t.network(a.vni)
        plen = ipaddress.ip_network(net.subnet).prefixlen
        assert f"{name}|{net.gateway}/{plen}" in db["VLAN_INTERFACE"]
    macs = {tenants[a.vni].network(a.vni).gateway_mac for a in l2atts}
    if len(macs) == 1:
        assert db["SAG"] == {"GLOBAL": {"gateway_mac": macs.pop()}}
    l2 = [p.name for p in ports if p.role in ("oob-access", "oob-uplink")]
    if dev.role == "oob":
        assert {k.split("|")[1] for k in member} == set(l2) and l2

    # lossless RoCE
    lossless = {p.name for p in ports if p.qos == q.name}
    qos_tables = {"PORT_QOS_MAP", "DSCP_TO_TC_MAP", "QUEUE", "WRED_PROFILE", "SCHEDULER", "BUFFER_PG", "PFC_WD"}
    if not lossless:
        assert not (qos_tables & set(db))
        return
    pqm = db["PORT_QOS_MAP"]
    assert set(pqm) == lossless
    for pn in sorted(lossless):
        assert pqm[pn]["pfc_enable"] == str(q.pfc_priority)
        m = pqm[pn]["dscp_to_tc_map"]
        assert db["DSCP_TO_TC_MAP"][m] == {str(d): str(t) for d, t in q.dscp_to_tc.items()}
        assert db["TC_TO_QUEUE_MAP"][pqm[pn]["tc_to_queue_map"]][str(q.cnp_priority)] == str(q.cnp_priority)
        cnp = db["QUEUE"][f"{pn}|{q.cnp_priority}"]
        assert db["SCHEDULER"][cnp["scheduler"]]["type"] == ("STRICT" if q.cnp_strict else "DWRR")
        for key, queue in db["QUEUE"].items():
            if key.startswith(f"{pn}|") and key != f"{pn}|{q.cnp_priority}":
                assert db["SCHEDULER"][queue["scheduler"]]["type"] == "DWRR", key
        roce = db["QUEUE"][f"{pn}|{q.pfc_priority}"]
        wred = db["WRED_PROFILE"][roce["wred_profile"]]
        assert wred["ecn"] == "ecn_all"
        assert wred["green_min_threshold"] == str(q.ecn_min_kbytes * 1024)
        assert wred["green_max_threshold"] == str(q.ecn_max_kbytes * 1024)
        assert wred["green_drop_probability"] == str(q.ecn_probability)
        # keys in the SKU's layout (3-4 when the image writes 3-4): one key holds the lossless TC
        pgs = [k for k in db["BUFFER_PG"] if k.startswith(f"{pn}|") and _holds(k, q.pfc_priority)]
        bqs = [k for k in db["BUFFER_QUEUE"] if k.startswith(f"{pn}|") and _holds(k, q.pfc_priority)]
        assert len(pgs) == 1 and db["BUFFER_PG"][pgs[0]]["profile"] == "NULL", pn
        assert len(bqs) == 1 and db["BUFFER_QUEUE"][bqs[0]]["profile"] == "egress_lossless_profile", pn
        assert (pn in db.get("PFC_WD", {})) == q.pfc_watchdog
        assert (pqm[pn].get("pfcwd_sw_enable") == str(q.pfc_priority)) == q.pfc_watchdog
    assert {k.split("|")[0] for k in db["BUFFER_PG"]} == lossless


def check_sonic_device(dev: Device, fab: Fabric, files: dict[str, str], tools: SimpleNamespace) -> None:
    # breakout.sh: the DPB commands of a switch with a cage in another mode than the image's
    assert {"config_db.json", "frr.conf"} <= set(files) <= {"config_db.json", "frr.conf", "breakout.sh"}
    check_config_db(dev, fab, files["config_db.json"])
    conf = tools.parse_frr(files["frr.conf"])
    tools.check_bgp(dev, fab, conf, ifnames=False)
    tenants = {n.vni: t for t in fab.tenants for n in t.networks}
    want_vrfs = {f"Vrf{tenants[a.vni].vrf}": tenants[a.vni].l3vni for a in dev.tenants
                 if tenants[a.vni].l3vni is not None}
    assert conf.vrfs == want_vrfs
    for vrf in want_vrfs:
        b = conf.bgp[vrf]
        assert b.asn == dev.asn
        assert "advertise ipv4 unicast" in b.afs["l2vpn evpn"]["lines"]
        assert "redistribute connected" in b.afs["ipv4 unicast"]["lines"]
    assert set(conf.bgp) - {None} == set(want_vrfs)


@pytest.mark.parametrize("example", ["lab-mini", "superpod-1su", "cluster-16k"])
def test_rendered_facts_match_fabric(example: str, render_cache: SimpleNamespace, frr_tools: SimpleNamespace) -> None:
    fab = render_cache.fabric(example, "sonic")
    names = render_cache.sample(example, "sonic")
    assert {"leaf", "spine", "oob", "business-leaf"} <= {fab.devices[n].role for n in names}
    for name in names:
        dev = fab.devices[name]
        assert dev.platform == "sonic"
        check_sonic_device(dev, fab, render_cache.rendered(example, "sonic", name), frr_tools)


def test_models_own_platforms_render_sonic_devices(render_cache: SimpleNamespace, frr_tools: SimpleNamespace) -> None:
    """Without the platform override, lab-mini's as7326 front-end switches are SONiC."""
    from toolkit.design import design
    from toolkit.spec import load

    spec = load(ROOT / "inventory/examples/lab-mini").spec
    assert spec is not None
    fab = design(spec)
    devs = [d for d in fab.switches() if d.platform == "sonic"]
    assert devs
    for dev in devs:
        check_sonic_device(dev, fab, render_device(dev, fab, render_cache.env()), frr_tools)


def test_every_role_renders(render_cache: SimpleNamespace) -> None:
    roles = {"leaf", "spine", "core", "business-leaf", "business-spine", "storage-leaf", "storage-spine", "oob"}
    seen = set()
    for example in render_cache.examples:
        fab = render_cache.fabric(example, "sonic")
        for name in render_cache.sample(example, "sonic"):
            files = set(render_cache.rendered(example, "sonic", name))
            assert {"config_db.json", "frr.conf"} <= files <= {"config_db.json", "frr.conf", "breakout.sh"}
            seen.add(fab.devices[name].role)
    assert seen == roles


def test_dumps_is_json_dumps(render_cache: SimpleNamespace) -> None:
    for example in ("lab-mini", "superpod-1su"):
        fab = render_cache.fabric(example, "sonic")
        for dev in fab.switches():
            db = sonic.config_db(sonic.device_view(dev, fab), fab.skus[dev.model])
            assert sonic.dumps(db) == json.dumps(db, sort_keys=True, indent=4)
    odd = {"b": [1, "x", {"c": []}, None, True, 2.5], "a": {"z": "é\"\n", "y": {}}, "": []}
    assert sonic.dumps(odd) == json.dumps(odd, sort_keys=True, indent=4)


def _vtysh_sample(render_cache: SimpleNamespace) -> list[tuple[str, str]]:
    out = [("lab-mini", n) for n in render_cache.sample("lab-mini", "sonic")]
    fab = render_cache.fabric("superpod-1su", "sonic")
    by_role: dict[str, list[str]] = {}
    for d in fab.switches():
        by_role.setdefault(d.role, []).append(d.name)
    for names in by_role.values():
        out += [("superpod-1su", n) for n in dict.fromkeys([names[0], names[-1]])]
    return out


@pytest.mark.usefixtures("require_vtysh")
def test_frr_accepts_every_sonic_frr_conf(render_cache: SimpleNamespace, frr_tools: SimpleNamespace,
                                          tmp_path: Path) -> None:
    checked_vrf = False
    for example, name in _vtysh_sample(render_cache):
        text = render_cache.rendered(example, "sonic", name)["frr.conf"]
        checked_vrf |= "\nvrf Vrf" in text
        f = tmp_path / f"{example}-{name}.conf"
        f.write_text(text)
        res = frr_tools.vtysh_dryrun(f)
        assert res.returncode == 0 and not res.stdout.strip() and not res.stderr.strip(), (
            f"{example}/{name}: {res.stdout}{res.stderr}")
    assert checked_vrf, "no tenant VRF (L3VNI) in the checked sample"


@pytest.mark.usefixtures("require_vtysh")
def test_frr_check_catches_a_broken_vrf_block(render_cache: SimpleNamespace, frr_tools: SimpleNamespace,
                                              tmp_path: Path) -> None:
    text = render_cache.rendered("lab-mini", "sonic", "fe-leaf01")["frr.conf"]
    assert " vni " in text
    f = tmp_path / "broken.conf"
    f.write_text(text.replace(" vni ", " vnid ", 1))
    res = frr_tools.vtysh_dryrun(f)
    assert res.returncode != 0 and res.stdout + res.stderr


def _mutate_db(path: tuple[str, ...], value: object) -> Any:
    """A config_db builder that changes (or, with value None, deletes) one entry; "*" in the path
    stands for the first key of that table level."""

    def mutated(v: Any, sku: Any) -> dict[str, Any]:
        db = ORIGINAL_CONFIG_DB(v, sku)
        node = db
        keys = list(path)
        for i, k in enumerate(keys):
            if k == "*":
                if not node:
                    return db
                keys[i] = k = sorted(node)[0]
            if i == len(keys) - 1:
                break
            if k not in node:
                return db
            node = node[k]
        last = keys[-1]
        if value is None:
            node.pop(last, None)
        elif last in node:
            node[last] = value
        return db

    return mutated


ORIGINAL_CONFIG_DB = sonic.config_db


@pytest.mark.parametrize("mutation", [
    ("DEVICE_METADATA", "localhost", "bgp_asn", "65000"),
    ("PORT", "*", "mtu", "1500"),
    ("INTERFACE", "*", None),
    ("VLAN_MEMBER", "*", None),
    ("VXLAN_TUNNEL_MAP", "*", None),
    ("VRF", "*", "vni", "1"),
    ("PORT_QOS_MAP", "*", "pfc_enable", "4"),
    ("QUEUE", "*", "scheduler", "scheduler.strict"),
    ("MGMT_INTERFACE", "*", None),
    ("DSCP_TO_TC_MAP", "roce-lossless", "26", "0"),
])
def test_a_config_db_mistake_fails_the_check(mutation: tuple[Any, ...], render_cache: SimpleNamespace,
                                             frr_tools: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    *path, value = mutation
    fab = render_cache.fabric("lab-mini", "sonic")
    for dev in fab.switches():  # the unbroken renders, before the patch
        render_cache.rendered("lab-mini", "sonic", dev.name)
    monkeypatch.setattr(sonic, "config_db", _mutate_db(tuple(path), value))
    failed = []
    for dev in fab.switches():
        files = render_device(dev, fab, render_cache.env())
        if files == render_cache.rendered("lab-mini", "sonic", dev.name):
            continue
        try:
            check_sonic_device(dev, fab, files, frr_tools)
        except (AssertionError, KeyError):  # a missing entry is a detection too
            failed.append(dev.name)
    assert failed, "a wrong config_db value went unnoticed"


@pytest.mark.parametrize("mutation", [
    ("frr/bgp.conf.j2", "interface remote-as {{ n.peer_asn }}", "interface remote-as {{ n.peer_asn + 1 }}"),
    ("frr/bgp.conf.j2", " vni {{ t.l3vni }}", " vni {{ t.vni }}"),
    ("sonic/frr.conf.j2", "hostname {{ v.hostname }}", "hostname sonic"),
])
def test_a_template_mistake_fails_the_check(mutation: tuple[str, str, str], render_cache: SimpleNamespace,
                                            frr_tools: SimpleNamespace, tmp_path: Path) -> None:
    tpl, old, new = mutation
    text = (TEMPLATES / tpl).read_text()
    assert old in text
    over = tmp_path / "over"
    (over / tpl).parent.mkdir(parents=True)
    (over / tpl).write_text(text.replace(old, new))
    env = environment([over])
    fab = render_cache.fabric("lab-mini", "sonic")
    failed = []
    for dev in fab.switches():
        files = render_device(dev, fab, env)
        if files == render_cache.rendered("lab-mini", "sonic", dev.name):
            continue
        try:
            check_sonic_device(dev, fab, files, frr_tools)
        except (AssertionError, KeyError):  # a missing entry is a detection too
            failed.append(dev.name)
    assert failed, "a broken template went unnoticed"


def test_render_is_deterministic(render_cache: SimpleNamespace) -> None:
    fab = render_cache.fabric("lab-mini", "sonic")
    fresh = render_cache.fabric.__wrapped__("lab-mini", "sonic")
    env_a, env_b = environment(), environment()
    for dev in fab.switches():
        a = render_device(dev, fab, env_a)
        b = render_device(fresh.devices[dev.name], fresh, env_b)
        assert a == b == render_cache.rendered("lab-mini", "sonic", dev.name)


def test_golden_lab_mini(render_cache: SimpleNamespace) -> None:
    """Byte-for-byte against tests/golden/lab-mini/sonic/ (AIDC_UPDATE_GOLDEN=1 rewrites them)."""
    render_cache.check_golden("sonic")
