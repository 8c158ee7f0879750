"""toolkit.netstate on what the real iproute2 printed in the lab-mini twin (no root needed)."""

from __future__ import annotations

import importlib.util
import json
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from tests import recorded
from toolkit import netstate as ns
from toolkit.design.netintent import switch_intent

ROLES = ("leaf", "vtep", "spine", "server")


def snap(role: str) -> ns.NetSnapshot:
    return recorded.snapshot(role)


def routed_ports(s: ns.NetSnapshot) -> list[str]:
    """Ports of a recorded switch that carry an address (names follow the platform's scheme)."""
    return sorted(n for n, i in s.interfaces.items() if i.kind == "veth" and i.addresses and n.startswith("swp"))


def host_vars() -> dict:
    return yaml.safe_load(recorded.artifacts()[f"ansible/host_vars/{recorded.device('server')}.yml"])


def test_recorded_vtep_parses_bridge_and_vxlan() -> None:
    s = snap("vtep")
    vx = next(n for n, i in s.interfaces.items() if i.kind == "vxlan")
    bridge = s.interfaces[vx].master
    assert bridge is not None and s.interfaces[bridge].kind == "bridge"
    assert s.interfaces[vx].vxlan is not None and set(s.interfaces[vx].vxlan) == {"id", "local", "port", "learning"}
    assert s.interfaces[vx].vxlan["learning"] is False and s.interfaces[vx].learning is False
    assert s.interfaces[vx].vxlan["local"] == s.interfaces["lo"].addresses[0].split("/")[0]
    members = [n for n, i in s.interfaces.items() if i.master == bridge and i.kind == "veth"]
    assert members, "the tenant ports are enslaved to the tenant bridge"
    p1 = routed_ports(s)[0]
    assert s.interfaces[p1].carrier is True and s.interfaces[p1].operstate == "UP"
    assert s.sysctl == {"net.ipv4.ip_forward": "1", "net.ipv6.conf.all.forwarding": "1"}


def test_canonical_leaves_out_observed_link_state() -> None:
    s = snap("leaf")
    p1 = routed_ports(s)[0]
    down = s.model_copy(deep=True)
    down.interfaces[p1].carrier = False
    down.interfaces[p1].operstate = "DOWN"
    assert down.canonical() == s.canonical()
    down.interfaces[p1].mtu = 1500
    assert down.canonical() != s.canonical()
    assert "operstate" not in s.canonical() and '"mtu":9216' in s.canonical()


def test_recorded_server_routes_and_rules() -> None:
    s = snap("server")
    tables = {r.table for r in s.routes}
    assert {"100", "101", "main"} <= tables
    assert all(r.table != "local" for r in s.routes), "the local table is not configured state"
    assert not any(r.dst == "10.100.0.0/31" and r.table == "main" for r in s.routes), "kernel routes left out"
    src = {r.src: r.table for r in s.rules if r.table not in ("local", "main", "default")}
    cx0 = s.interfaces["cx0"].addresses[0].split("/")[0]
    assert src[cx0] == "100"
    assert "route table 100 default gateway" in s.text()


@pytest.mark.parametrize("role", ROLES)
def test_a_snapshot_reconciles_to_nothing(role: str) -> None:
    s = snap(role)
    plan = ns.reconcile(ns.intent_of(s), s)
    assert plan.commands == [] and plan.warnings == []


def test_restore_puts_back_what_changed() -> None:
    before = snap("vtep")
    p1, p2 = routed_ports(before)[:2]
    now = before.model_copy(deep=True)
    vx = next(n for n, i in before.interfaces.items() if i.kind == "vxlan")
    bridge = before.interfaces[vx].master
    assert bridge is not None
    del now.interfaces[vx]
    now.interfaces[p1].mtu = 1500
    now.interfaces[p1].addresses.append("192.0.2.9/24")
    now.interfaces[p2].addresses = []
    now.interfaces[p2].up = False
    now.interfaces["br999"] = ns.IfState(kind="bridge", mtu=1500, up=True)
    now.interfaces["veth9"] = ns.IfState(kind="veth", mtu=1500, up=True)
    now.sysctl["net.ipv4.ip_forward"] = "0"
    now.routes.append(ns.RouteState(table="main", dst="192.0.2.0/24", dev=p1))
    vxi = before.interfaces[vx].vxlan or {}
    plan = ns.reconcile(ns.intent_of(before), now)
    assert plan.commands == [
        ["ip", "route", "del", "192.0.2.0/24", "dev", p1, "table", "main"],
        ["ip", "link", "del", "dev", "br999"],
        [
            "ip",
            "link",
            "add",
            vx,
            "type",
            "vxlan",
            "id",
            str(vxi["id"]),
            "local",
            vxi["local"],
            "dstport",
            str(vxi["port"]),
            "nolearning",
        ],
        ["ip", "link", "set", "dev", p1, "mtu", str(before.interfaces[p1].mtu)],
        ["ip", "addr", "del", "192.0.2.9/24", "dev", p1],
        ["ip", "addr", "replace", before.interfaces[p2].addresses[0], "dev", p2],
        ["ip", "link", "set", "dev", p2, "up"],
        ["ip", "link", "set", "dev", vx, "mtu", str(before.interfaces[vx].mtu)],
        ["ip", "link", "set", "dev", vx, "master", bridge],
        ["bridge", "link", "set", "dev", vx, "learning", "off"],
        ["ip", "link", "set", "dev", vx, "up"],
        ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
    ]
    assert plan.warnings == ["veth9: veth device appeared, left in place"]


def test_restore_recreates_a_vxlan_whose_vni_changed_and_a_lost_bridge() -> None:
    before = snap("vtep")
    now = before.model_copy(deep=True)
    vx = next(n for n, i in before.interfaces.items() if i.kind == "vxlan")
    bridge = before.interfaces[vx].master
    assert bridge is not None
    now.interfaces[vx].vxlan = {**(before.interfaces[vx].vxlan or {}), "id": 1}
    members = [n for n, i in before.interfaces.items() if i.master == bridge]
    del now.interfaces[bridge]
    for m in members:
        now.interfaces[m].master = None
    cmds = ns.reconcile(ns.intent_of(before), now).commands
    assert cmds[:3] == [
        ["ip", "link", "add", bridge, "type", "bridge", "stp_state", "0"],
        ["ip", "link", "del", "dev", vx],
        cmds[2],
    ] and cmds[2][:4] == ["ip", "link", "add", vx]
    for m in members:
        assert ["ip", "link", "set", "dev", m, "master", bridge] in cmds
    # the bridge's own MTU comes after its ports' (a bridge MTU is bounded by its ports)
    mtus = [c[4] for c in cmds if c[-2:-1] == ["mtu"]]
    assert mtus[-1] == bridge


def test_a_lost_port_is_a_warning_not_a_command() -> None:
    before = snap("leaf")
    p1 = routed_ports(before)[0]
    now = before.model_copy(deep=True)
    del now.interfaces[p1]
    plan = ns.reconcile(ns.intent_of(before), now)
    assert plan.commands == []
    assert plan.warnings == [f"{p1}: veth device disappeared, cannot be re-created"]


def test_rendered_host_vars_match_the_recorded_server() -> None:
    """The recording was taken after apply: the host playbook's reconciler finds nothing to do."""
    hv = host_vars()
    intent = ns.host_intent(hv["aidc_interfaces"], hv["aidc_routes"], hv["aidc_rules"])
    assert ns.missing_links(intent, snap("server")) == []
    assert ns.reconcile(intent, snap("server")).commands == []


def test_host_reconcile_repairs_only_the_designed_part() -> None:
    hv = host_vars()
    intent = ns.host_intent(hv["aidc_interfaces"], hv["aidc_routes"], hv["aidc_rules"])
    good = snap("server")
    now = good.model_copy(deep=True)
    cx0, cx1 = now.interfaces["cx0"], now.interfaces["cx1"]
    cx0.mtu = 1500
    cx0.addresses.append("192.0.2.7/24")
    cx0.addresses.append("2001:db8::7/64")  # not global IPv4: not the design's to remove
    want_cx1 = cx1.addresses
    cx1.addresses = []
    now.rules = [r for r in now.rules if r.table != "100"]
    now.rules.append(ns.RuleState(priority=100, src="192.0.2.7", table="100"))
    now.rules.append(ns.RuleState(priority=500, src="192.0.2.8", table="900"))  # not designed: kept
    now.routes.append(ns.RouteState(table="100", dst="192.0.2.0/24", gateway="10.100.0.0", dev="cx0"))
    now.routes.append(ns.RouteState(table="main", dst="198.51.100.0/24", dev="fe0"))  # main: not owned
    now.routes = [r for r in now.routes if not (r.table == "101" and r.dst == "default")]
    rule100 = next(r for r in good.rules if r.table == "100")
    gw101 = next(r for r in good.routes if r.table == "101" and r.dst == "default")
    assert ns.reconcile(intent, now).commands == [
        ["ip", "rule", "del", "pref", "100", "from", "192.0.2.7", "lookup", "100"],
        ["ip", "route", "del", "192.0.2.0/24", "via", "10.100.0.0", "dev", "cx0", "table", "100"],
        ["ip", "link", "set", "dev", "cx0", "mtu", str(good.interfaces["cx0"].mtu)],
        ["ip", "addr", "del", "192.0.2.7/24", "dev", "cx0"],
        ["ip", "addr", "replace", want_cx1[0], "dev", "cx1"],
        rule100.argv("add"),
        ["ip", "route", "replace", "default", "via", str(gw101.gateway), "dev", "cx1", "table", "101"],
    ]


def test_normalisation_helpers() -> None:
    assert ns.table_name(254) == "main" and ns.table_name("100") == "100" and ns.table_name(None) == "main"
    assert ns.prefix("0.0.0.0/0") == "default" and ns.prefix("10.0.0.1/32") == "10.0.0.1"
    assert ns.prefix("2001:db8::1/128") == "2001:db8::1" and ns.prefix("10.0.0.0/24") == "10.0.0.0/24"
    assert ns.global_ipv4("10.1.2.3/31") and not ns.global_ipv4("127.0.0.1/8")
    assert not ns.global_ipv4("169.254.0.1/16") and not ns.global_ipv4("2001:db8::1/64")
    assert not ns.global_ipv4("garbage")
    assert ns.sysctl_changes({"a": 1, "b": "x"}, {"a": "1", "b": "y"}) == {"b": "x"}
    assert ns.parse_sysctl("a.b = 1\nc =  2  3\nnoise\n") == {"a.b": "1", "c": "2 3"}
    assert ns.parse_rules('[{"priority": 5, "src": "10.0.0.0", "srclen": 24, "table": "7"}, {"priority": 1}]') == [
        ns.RuleState(priority=5, src="10.0.0.0/24", table="7")
    ]
    assert ns.parse_links([]) == {} and ns.parse_addrs("") == {}


def test_route_argv_for_every_verb() -> None:
    r = ns.RouteState(
        table="100",
        dst="10.0.0.0/24",
        gateway="10.0.0.1",
        dev="cx0",
        prefsrc="10.0.0.2",
        scope="link",
        metric=20,
        type="unicast",
    )
    assert r.argv("replace") == shlex.split(
        "ip route replace 10.0.0.0/24 via 10.0.0.1 dev cx0 table 100 src 10.0.0.2 scope link metric 20"
    )
    assert r.argv("del") == shlex.split("ip route del 10.0.0.0/24 via 10.0.0.1 dev cx0 table 100 metric 20")
    bh = ns.RouteState(table="main", dst="10.9.0.0/16", type="blackhole")
    assert bh.argv("add") == ["ip", "route", "add", "blackhole", "10.9.0.0/16", "table", "main"]
    assert bh.key() == "table main blackhole 10.9.0.0/16"


def test_restricted_keeps_base_sysctls() -> None:
    s = ns.NetSnapshot(sysctl={"net.ipv4.ip_forward": "1", "x.y": "2", "z": "3"})
    assert set(s.restricted(["x.y"]).sysctl) == {"net.ipv4.ip_forward", "x.y"}
    assert s.restricted(None) is s


def test_shell_script_reports_failures_and_goes_on(tmp_path: Path) -> None:
    out = tmp_path / "out"
    script = ns.shell_script([["sh", "-c", "exit 3"], ["sh", "-c", f"echo ran > {out}"]], "test")
    cp = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)
    assert cp.returncode == 1 and "failed: sh -c 'exit 3'" in cp.stderr
    assert out.read_text() == "ran\n"


def test_ip_batch() -> None:
    assert ns.ip_batch([["ip", "link", "set", "dev", "cx0", "up"], ["ip", "rule", "del", "pref", "5"]]) == (
        "link set dev cx0 up\nrule del pref 5\n"
    )
    with pytest.raises(ValueError, match="blank word"):
        ns.ip_batch([["ip", "link", "set", "dev", "a b"]])
    with pytest.raises(ValueError, match="not an ip command"):
        ns.ip_batch([["sysctl", "-w", "a=1"]])


# ---------------------------------------------------------------- the playbook's filter plugin


def plugin():
    path = recorded.ROOT / "playbooks" / "filter_plugins" / "aidc_net.py"
    spec = importlib.util.spec_from_file_location("aidc_net_plugin_test", path)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_filter_plugin_uses_netstate_on_ansible_shaped_input() -> None:
    p = plugin()
    assert p.netstate is ns
    hv = host_vars()
    t = recorded.text
    args = (
        t("server", "ip-link.json"),
        t("server", "ip-addr.json"),
        t("server", "ip-route.json"),
        t("server", "ip-rule.json"),
    )
    assert p.ip_todo(hv["aidc_interfaces"], hv["aidc_routes"], hv["aidc_rules"], *args) == []
    assert p.missing_links(hv["aidc_interfaces"], args[0]) == []
    assert p.routes_missing(hv["aidc_routes"], args[2]) == [] and p.rules_missing(hv["aidc_rules"], args[3]) == []
    # Ansible hands over parsed JSON when the registered stdout was JSON: same answer
    links = json.loads(args[0])
    for link in links:
        if link["ifname"] == "cx0":
            link["mtu"] = 1500
    todo = p.ip_todo(hv["aidc_interfaces"], hv["aidc_routes"], hv["aidc_rules"], links, *args[1:])
    mtu = next(i["mtu"] for i in hv["aidc_interfaces"] if i["ifname"] == "cx0")
    assert todo == [["ip", "link", "set", "dev", "cx0", "mtu", str(mtu)]]
    assert p.ip_batch(todo) == f"link set dev cx0 mtu {mtu}\n"
    no_rules = json.dumps([r for r in json.loads(args[3]) if r.get("table") != "100"])
    assert [c[:3] for c in p.rules_missing(hv["aidc_rules"], no_rules)] == [["ip", "rule", "add"]]
    assert p.missing_links([*hv["aidc_interfaces"], {"ifname": "cx9", "mtu": 9000}], args[0]) == ["cx9"]
    assert p.sysctl_todo({"a": 1, "b": 2}, ["1", "3"]) == [{"key": "b", "value": 2}]
    assert p.sysctl_todo({"a": 1}, []) == [{"key": "a", "value": 1}]
    assert p.sysctl_assignment({"key": "a", "value": 1}) == "a=1"
    assert set(p.FilterModule().filters()) >= {"aidc_ip_todo", "aidc_ip_batch", "aidc_missing_links"}


# --- the designed state of a switch (toolkit.design.netintent) against what the lab ran -------


@pytest.mark.parametrize("role", ["leaf", "vtep", "spine"])
def test_the_designed_state_of_each_recorded_switch_reconciles_to_nothing(role: str) -> None:
    """The recording is a lab-mini switch after a real apply: reconciling its designed state
    (built from the Fabric, rendered as network.json) with it gives no command; the veth ports
    have no DCB, which is said, not an error."""
    fab = recorded.fabric()
    dev = fab.devices[recorded.device(role)]
    intent = switch_intent(dev, fab)
    plan = ns.reconcile(intent, snap(role))
    assert plan.commands == [] and plan.errors == [], plan
    lossless = sorted(p.ifname for p in dev.ports if p.qos == fab.qos.name)
    assert sorted(intent.dcb) == lossless
    said = f"no DCB support, RoCE QoS left to the driver on: {' '.join(lossless)}"
    assert plan.warnings == ([said] if lossless else [])
    assert ns.NetIntent.model_validate_json(recorded.artifacts()[f"switches/{dev.name}/network.json"]) == intent


def test_a_drifted_vtep_is_brought_back_to_its_design() -> None:
    """What the reconciler does on the recorded VTEP after drift: a routed port in the tenant
    bridge, learning back on the VXLAN port, a stale VNI, a foreign tenant bridge (a bridge of
    another naming is left alone), a lost address, an unused port up, forwarding off."""
    fab = recorded.fabric()
    dev = fab.devices[recorded.device("vtep")]
    intent = switch_intent(dev, fab)
    now = snap("vtep").model_copy(deep=True)
    vx = next(n for n, i in now.interfaces.items() if i.kind == "vxlan")
    br = now.interfaces[vx].master or ""
    routed = routed_ports(now)[0]
    unused = dev.unused_ports[0][1]
    now.interfaces[routed].master = br
    now.interfaces[vx].learning = True
    now.interfaces["vx999"] = ns.IfState(kind="vxlan", mtu=1500, up=True, vxlan={"id": 999, "port": 4789})
    now.interfaces["br999"] = ns.IfState(kind="bridge", mtu=1500, up=True)
    now.interfaces["docker0"] = ns.IfState(kind="bridge", mtu=1500, up=True)
    lo_addr = now.interfaces["lo"].addresses.pop(0)
    now.interfaces["lo"].addresses.append("192.0.2.1/32")
    now.interfaces[unused] = ns.IfState(kind="veth", mtu=1500, up=True)
    now.sysctl["net.ipv4.ip_forward"] = "0"
    plan = ns.reconcile(intent, now)
    assert plan.errors == []
    assert plan.commands == [
        ["ip", "link", "del", "dev", "br999"],
        ["ip", "link", "del", "dev", "vx999"],
        ["ip", "addr", "del", "192.0.2.1/32", "dev", "lo"],
        ["ip", "addr", "replace", lo_addr, "dev", "lo"],
        ["ip", "link", "set", "dev", routed, "nomaster"],
        ["ip", "link", "set", "dev", unused, "down"],
        ["bridge", "link", "set", "dev", vx, "learning", "off"],
        ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
    ]


def test_a_designed_port_the_box_lacks_is_an_error_an_unused_one_is_not() -> None:
    fab = recorded.fabric()
    dev = fab.devices[recorded.device("leaf")]
    intent = switch_intent(dev, fab)
    now = snap("leaf").model_copy(deep=True)
    port = routed_ports(now)[0]
    del now.interfaces[port]
    for _, ifname in dev.unused_ports:
        now.interfaces.pop(ifname, None)
    plan = ns.reconcile(intent, now)
    assert plan.errors == [f"{port}: no such interface on the device"]
    assert ns.missing_links(intent, now) == [port]


def test_dcb_state_is_read_and_reconciled() -> None:
    """``dcb`` text output (dcb-pfc(8) / dcb-app(8) syntax): nothing to do when PFC and the DSCP
    map are as designed; the commands when they differ; no DCB on the port: a warning."""
    pfc = "prio-pfc 0:off 1:off 2:off 3:on 4:off 5:off 6:off 7:off\n"
    app = "dscp-prio 0:0 26:3 48:6\n"
    state = ns.parse_dcb(pfc, app)
    assert state == ns.DcbState(pfc={p: p == 3 for p in range(8)}, dscp_prio={0: 0, 26: 3, 48: 6})
    assert ns.parse_dcb("", "") is None
    now = ns.NetSnapshot(interfaces={"swp1": ns.IfState(kind="ether", mtu=9216, up=True)}, dcb={"swp1": state})
    want = ns.NetIntent(dcb={"swp1": ns.DcbIntent(pfc=[3], dscp_prio={26: 3, 48: 6})}, route_tables=[])
    assert ns.reconcile(want, now).commands == []
    other = ns.NetIntent(dcb={"swp1": ns.DcbIntent(pfc=[3, 4], dscp_prio={26: 4})}, route_tables=[])
    assert ns.reconcile(other, now).commands == [
        ["dcb", "app", "replace", "dev", "swp1", "dscp-prio", "26:4"],
        ["dcb", "pfc", "set", "dev", "swp1", "prio-pfc", "all:off", "3:on", "4:on"],
    ]
    bare = now.model_copy(update={"dcb": {"swp1": None}})
    res = ns.reconcile(want, bare)
    assert res.commands == [] and res.warnings == ["no DCB support, RoCE QoS left to the driver on: swp1"]
    assert "dcb" not in now.canonical(), "the DCB reading is not part of the fingerprinted state"


def test_intent_json_reads_back_and_names_one_link_per_line() -> None:
    fab = recorded.fabric()
    intent = switch_intent(fab.devices[recorded.device("vtep")], fab)
    text = ns.intent_json(intent)
    assert ns.NetIntent.model_validate_json(text) == intent
    lines = text.splitlines()
    assert sum(1 for x in lines if x.startswith('  "swp')) == sum(1 for n in intent.links if n.startswith("swp"))
