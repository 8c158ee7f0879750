"""Evaluation of the checks that need probes or hardware, and the report model (no root).

Hardware outputs (nvidia-smi, sysfs, ib_write_bw) cannot be recorded here (no GPUs or RDMA NICs
on this machine): the texts below follow those tools' documented output and are marked so.
"""

from __future__ import annotations

import pytest

from tests import recorded
from tests.conftest import EXAMPLES
from toolkit.design.model import Fabric
from toolkit.health import evaluate, expect
from toolkit.health.facts import ProbeResult
from toolkit.health.model import LAYERS, Case, CheckReport, CheckResult, LayerReport


def case(**expect_: object) -> Case:
    return Case(device="srv1", port="cx0", expect=dict(expect_))


def test_route_get_and_probes() -> None:
    c = case(gateway="10.0.0.0", ifname="cx0", address="10.0.0.1", probe_dst="10.0.1.1", probe_peer="srv2")
    assert evaluate.route_get(c, {"gateway": "10.0.0.0", "dev": "cx0"}) == []
    (p,) = evaluate.route_get(c, {"dev": "fe0"})
    assert (
        p
        == "srv1 cx0: traffic from 10.0.0.1 to 10.0.1.1 (srv2) leaves via no gateway dev fe0, expected 10.0.0.0 dev cx0"
    )
    ok = ProbeResult(True, 0, "1 packets transmitted, 1 received, 0% packet loss")
    lost = ProbeResult(False, 1, "PING x\n1 packets transmitted, 0 received, 100% packet loss")
    bad = ProbeResult(False, 2, "ping: bind: Cannot assign requested address")
    assert evaluate.reachable(c, ok, "ping") == []
    assert evaluate.reachable(c, lost, "ping") == [
        "srv1 cx0: ping failed: 1 packets transmitted, 0 received, 100% packet loss"
    ]
    assert evaluate.unreachable(c, lost, "ping") == []
    assert "isolation broken" in evaluate.unreachable(c, ok, "ping")[0]
    assert "cannot test ping" in evaluate.unreachable(c, bad, "ping")[0]
    assert ProbeResult(False, 3, "").brief() == "exit status 3"


def test_pfc_from_dcb_json() -> None:
    # dcb -j pfc show dev X prio-pfc / dcb -j app show dev X dscp-prio (iproute2's dcb JSON shapes)
    enabled = evaluate.parse_dcb_pfc({"prio_pfc": {"0": False, "3": True, "4": "off"}})
    assert enabled == {3}
    assert evaluate.parse_dcb_pfc([{"prio": 3, "enabled": "on"}, {"prio": 1, "enabled": False}]) == {3}
    dscp = evaluate.parse_dcb_dscp({"dscp_prio": [[26, 3], [48, 6]]})
    assert dscp == {26: 3, 48: 6} and evaluate.parse_dcb_dscp([{"dscp": 26, "prio": 3}]) == {26: 3}
    c = case(pfc_priority=3, trust="dscp", dscp_prio={"26": 3, "48": 6})
    assert evaluate.pfc(c, {3}, dscp) == []
    problems = evaluate.pfc(c, {4}, {26: 0})
    assert problems == [
        "srv1 cx0: PFC off on lossless priority 3 (on: 4)",
        "srv1 cx0: PFC also on priorities 4 (only 3 is lossless)",
        "srv1 cx0: DSCP 26 maps to priority 0, expected 3",
        "srv1 cx0: DSCP 48 maps to priority none, expected 6",
    ]


def test_gpus_nvlink_rdma_numa_bandwidth() -> None:
    # shapes of nvidia-smi --query-gpu=index,name,pci.bus_id --format=csv,noheader and
    # nvidia-smi nvlink --status (documented output; no GPU on this machine)
    q = "0, NVIDIA H100 80GB HBM3, 00000000:18:00.0\n1, NVIDIA H100 80GB HBM3, 00000000:2A:00.0\n"
    gpus = evaluate.parse_gpu_query(q)
    assert gpus[1] == (1, "NVIDIA H100 80GB HBM3", "00000000:2A:00.0")
    c = case(gpus=2, gpu_model="H100")
    assert evaluate.gpu_inventory(c, gpus) == []
    assert evaluate.gpu_inventory(case(gpus=8, gpu_model="B200"), gpus) == [
        "srv1 cx0: 2 GPUs visible to nvidia-smi, expected 8",
        "srv1 cx0: GPU model NVIDIA H100 80GB HBM3, expected B200",
    ]
    nv = (
        "GPU 0: NVIDIA H100 (UUID: GPU-1)\n\t Link 0: 26.562 GB/s\n\t Link 1: 26.562 GB/s\n"
        "GPU 1: NVIDIA H100 (UUID: GPU-2)\n\t Link 0: <inactive>\n\t Link 1: 26.562 GB/s\n"
    )
    links = evaluate.parse_nvlink_status(nv)
    assert links == {0: (2, 0), 1: (1, 1)}
    assert evaluate.nvlink(case(gpus=3), links) == [
        "srv1 cx0: GPU 1 has 1 inactive NVLink(s) (1 active)",
        "srv1 cx0: GPU 2 has no active NVLink",
    ]
    # /sys/class/infiniband/<dev>/ports/1/state and link_layer
    assert evaluate.rdma_port(case(kind="ethernet"), "mlx5_0", "4: ACTIVE\nEthernet\n") == []
    assert evaluate.rdma_port(case(kind="infiniband"), "mlx5_0", "1: DOWN\nEthernet\n") == [
        "srv1 cx0: RDMA device mlx5_0 port 1 is 1: DOWN, expected ACTIVE",
        "srv1 cx0: RDMA device mlx5_0 link layer Ethernet, expected InfiniBand",
    ]
    assert evaluate.sysfs_bus_id("00000000:2A:00.0") == "0000:2a:00.0" and evaluate.sysfs_bus_id("x") == "x"
    assert evaluate.numa_affinity(case(numa=0, gpu=0), 0, 0) == []
    assert len(evaluate.numa_affinity(case(numa=1, gpu=0), 0, 1)) == 2
    # the result table of ib_write_bw (perftest): "#bytes #iterations BW peak BW average MsgRate"
    out = (
        " #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]\n"
        " 65536      5000             390.12             385.40               0.735\n"
    )
    bw = case(speed=400, peer_device="srv2", peer_port="cx0")
    assert evaluate.write_bandwidth(bw, 0, out) == []
    assert "at least 320" in evaluate.write_bandwidth(bw, 0, out.replace("385.40", "100.00"))[0]
    assert "no bandwidth" in evaluate.write_bandwidth(bw, 0, "garbage\n")[0]
    assert "failed (1)" in evaluate.write_bandwidth(bw, 1, "Couldn't connect\n")[0]


@pytest.mark.parametrize(
    "builder",
    [
        "qos_ports",
        "mtu_paths",
        "tenant_reach",
        "tenant_isolation",
        "tenant_oob_isolation",
        "gpu_servers",
        "rdma_nics",
        "rail_pairs",
    ],
)
def test_probe_and_hardware_cases_come_from_the_fabric(builder: str) -> None:
    fab = recorded.fabric()
    found = expect.cases(builder, fab)
    assert found, f"lab-mini has {builder}"
    assert len({c.id for c in found}) == len(found), "case ids are unique"
    devices = set(fab.devices)
    assert all(c.device in devices for c in found)
    if builder in ("mtu_paths", "tenant_reach", "tenant_isolation", "tenant_oob_isolation"):
        assert all(c.probes for c in found)
    with pytest.raises(KeyError, match="no case builder"):
        expect.cases("nope", fab)


def test_report_model() -> None:
    layers = {name: LayerReport(layer=name) for name in LAYERS}
    layers["bgp"] = LayerReport(layer="bgp", passed=3, failed=1, failures=["spine01: down"])
    layers["hardware"] = LayerReport(layer="hardware", not_applicable=2)
    r = CheckReport(
        fabric="f",
        target="lab",
        layers=layers,
        results=[CheckResult(nodeid="n", layer="bgp", check="test_bgp_session", case="spine01", outcome="failed")],
    )
    assert not r.ok and r.passed == 3 and r.failed == 1 and r.not_applicable == 2
    assert r.failed_layers() == {"bgp"} and [x.case for x in r.failures("bgp")] == ["spine01"]
    assert r.failures("lldp") == [] and layers["bgp"].total == 4
    assert "FAIL [bgp] spine01: down" in r.summary() and r.to_json_dict()["ok"] is False
    assert Case(device="a", port="p", suffix="b").id == "a:p->b" and Case(device="a").where == "a"


def test_issue12_checks_from_the_fabric_pass_on_the_recorded_twin_and_name_each_fault() -> None:
    """Issue #12 health gaps, on the recorded lab-mini devices (what the real twin printed): the
    bridge membership of routed host ports, the routes of every plane, addresses in designed
    subnets and hostnames pass as recorded and fail with device, port and what is wrong when the
    state is changed the way the faults change it."""
    from toolkit.netstate import IfState, RouteState, parse_addrs

    fab = recorded.fabric()
    vtep = recorded.device("vtep")
    links = recorded.snapshot("vtep").interfaces
    routed = expect.routed_host_ports(fab, {vtep})
    assert routed and all(evaluate.routed_port_unbridged(c, links) == [] for c in routed)
    bridge = next(n for n, i in links.items() if i.kind == "bridge" and n.startswith("br"))
    c = routed[0]
    moved = {**links, c.expect["ifname"]: links[c.expect["ifname"]].model_copy(update={"master": bridge})}
    (msg,) = evaluate.routed_port_unbridged(c, moved)
    assert msg.startswith(f"{vtep} {c.port}: in bridge {bridge} with VNI ") and "expected in no bridge" in msg
    assert all(evaluate.bridge_membership(x, links) == [] for x in expect.bridge_cases(fab, vtep))

    server = recorded.device("server")
    routes = recorded.snapshot("server").routes
    cases = expect.plane_routes(fab, {server})
    planes = {x.expect["plane"] for x in cases}
    assert {"compute", "storage"} <= planes, planes
    assert all(evaluate.plane_route(x, routes) == [] for x in cases), [evaluate.plane_route(x, routes) for x in cases]
    st = next(x for x in cases if x.expect["plane"] == "storage")
    gone = [r for r in routes if not (r.dst == st.expect["dst"] and r.table == st.expect["table"])]
    (msg,) = evaluate.plane_route(st, gone)
    assert f"{server} {st.port}: no route to {st.expect['dst']} via {st.expect['gateway']}" in msg
    assert "(storage plane)" in msg
    assert st in expect.plane_route_probes(fab, {server}) and st.probes[0].kind == "route"
    (msg,) = evaluate.plane_route_get(st, {"dev": "fe0"})
    assert "leaves via no gateway dev fe0" in msg
    assert f"expected {st.expect['gateway']} dev {st.expect['ifname']}" in msg
    assert isinstance(gone[0], RouteState)

    addrs = parse_addrs(recorded.text("server", "ip-addr.json"))
    (ac,) = expect.designed_addresses(fab, {server})
    assert evaluate.designed_addresses(ac, addrs) == []
    extra = dict(addrs)
    st_addr = fab.devices[server].port(st.port or "").address or ""
    pool_ip = st_addr.split("/")[0].rsplit(".", 1)[0] + ".250/22"
    extra["fe0"] = [*addrs.get("fe0", []), pool_ip]
    (msg,) = evaluate.designed_addresses(ac, extra)
    assert msg.startswith(f"{server}: unexpected address {pool_ip} on fe0 (designed subnet ")

    (hc,) = expect.hostnames(fab, {vtep})
    (fc,) = expect.frr_hostnames(fab, {vtep})
    assert expect.frr_hostnames(fab, {server}) == []
    frr = recorded.text("vtep", "show-running-config.txt")
    assert evaluate.hostname(hc, vtep + "\n") == [] and evaluate.frr_hostname(fc, frr) == []
    assert evaluate.hostname(hc, "bogus") == [f"{vtep}: system hostname is 'bogus', expected {vtep!r}"]
    assert evaluate.frr_hostname(fc, frr.replace(f"hostname {vtep}", "hostname other")) == [
        f"{vtep}: FRR hostname is 'other', expected {vtep!r}"
    ]
    assert isinstance(next(iter(links.values())), IfState)


def test_site_service_routes_follow_the_design_proof() -> None:
    """One case per server and site NTP/DNS server, expecting what REACH006 proved: the OS
    management port's own subnet (lab-mini: the services sit in the OOB block), or the data port
    and gateway of the main table's route (superpod-1su: the business default route)."""
    from toolkit.design import design
    from toolkit.spec import load

    def example_fabric(name: str) -> Fabric:
        spec = load(EXAMPLES / name).spec
        assert spec is not None
        return design(spec)

    mini = example_fabric("lab-mini")
    cs = expect.cases("site_service_routes", mini)
    assert len(cs) == len(mini.servers()) * (len(mini.site.ntp) + len(mini.site.dns))
    for c in cs:
        dev = mini.devices[c.device]
        assert c.expect["ifname"] == dev.port(dev.mgmt_port).ifname and c.expect["gateway"] is None, c.where
        assert c.probes[0].args == (c.expect["dst"], "")
        assert c.probes[1].args == (dev.mgmt_address.split("/")[0], c.expect["dst"], "56", "retry")
    pod = example_fabric("superpod-1su")
    c = expect.cases("site_service_routes", pod)[0]
    dev = pod.devices[c.device]
    port = next(p for p in dev.ports if p.ifname == c.expect["ifname"])
    assert "default" in port.routes and c.expect["gateway"] == port.gateway and port.plane == "business"

    c = case(service="NTP", dst="10.254.0.10", ifname="mgmt0", gateway=None)
    assert evaluate.site_service_route(c, {"dst": "10.254.0.10", "dev": "mgmt0"}) == []
    (p,) = evaluate.site_service_route(c, {"dst": "10.254.0.10", "gateway": "10.1.0.0", "dev": "fe0"})
    assert p == ("srv1 cx0: traffic to NTP server 10.254.0.10 leaves via 10.1.0.0 dev fe0, "
                 "expected dev mgmt0 (connected)")
