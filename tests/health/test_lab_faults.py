"""The health checks against a real lab-mini twin: all pass on the configured lab (hardware and
QoS "not applicable", not passed), then each injected fault is caught by the right check, naming
device and port, and the lab is restored (and re-checked clean) after each fault.

Faults: two cables swapped on a leaf (interface names exchanged, so LLDP disagrees with the
cabling plan), a leaf uplink shut, a server's compute NIC MTU lowered to 1500, a spine's BGP ASN
changed (frr-reload of its own config with another ``router bgp``), a tenant access port moved
into another tenant's L2VNI (bridge + VXLAN of the other VNI created on the leaf); issue #12: a
routed host port put into a tenant bridge, a server's storage route deleted, a stray address in
a designed subnet and a changed system hostname.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.health.labkit import HealthLab
from toolkit.design.model import Device, Port
from toolkit.health import LAYERS, NOT_APPLICABLE, CheckReport
from toolkit.health.expect import ip_of
from toolkit.health.model import EMPTY
from toolkit.health.readers import parse_evpn, remote_vteps
from toolkit.lab import bgp_peers, frr_conf_path, frr_reload, lldp_neighbors, wait_bgp

pytestmark = [pytest.mark.lab, pytest.mark.slow]

ACTIVE_LAYERS = [x for x in LAYERS if x not in ("hardware", "qos", "infiniband", "external")]
"""external: lab-mini has no border (test_lab_border.py brings one up)."""
"""Layers with checks in the (Ethernet) lab: infiniband has nothing to check there (tests/infiniband)."""


def caught(report: CheckReport, layer: str, *fragments: str) -> str:
    """The failure of ``layer`` whose message holds every fragment (assertion error otherwise)."""
    for msg in report.layers[layer].failures:
        if all(f in msg for f in fragments):
            return msg
    raise AssertionError(f"layer {layer} did not report {fragments!r}\n{report.summary()}")


def clean(report: CheckReport, *layers: str) -> None:
    for layer in layers:
        assert report.layers[layer].failed == 0, f"{layer} should pass:\n{report.summary()}"


def _restore_ok(lab: HealthLab, layers: list[str], label: str) -> None:
    report = lab.settle(layers, timeout=90, label=f"restore: {label}")
    assert report.ok, f"not clean after restoring {label}:\n{report.summary()}"


def test_all_checks_pass(health_lab: HealthLab, tmp_path: Path) -> None:
    junit = tmp_path / "health.xml"
    report = health_lab.settle(timeout=90, label="full (baseline)")
    report = health_lab.check(junit=junit, label="full")
    assert report.ok, report.summary()
    for layer in ACTIVE_LAYERS:
        lr = report.layers[layer]
        # storage: MinIO cannot run in the twin (no binary), its checks are not applicable there
        assert lr.passed > 0 and lr.failed == 0 and (lr.not_applicable == 0 or layer == "storage"), (layer, lr)
    assert all("MinIO" in r for r in report.layers["storage"].not_applicable_reasons)
    for layer in ("hardware", "qos"):
        lr = report.layers[layer]
        assert lr.passed == 0 and lr.failed == 0 and lr.not_applicable > 0, (layer, lr)
        assert all(r.startswith(NOT_APPLICABLE) for r in lr.not_applicable_reasons)
    assert report.not_applicable == sum(report.layers[x].not_applicable for x in ("hardware", "qos", "storage"))
    # every cabled switch port, BGP session and compute NIC is covered
    f = health_lab.fabric
    sessions = sum(len(d.bgp) for d in f.switches())
    assert report.layers["bgp"].passed == sessions
    nics = [p for d in f.servers() for p in d.ports if p.plane == "compute" and p.address]
    assert report.layers["mtu-path"].passed == 2 * len(nics)
    # JUnit: one testcase per result, n/a as skipped with its reason, layer/device/port properties
    root = ET.parse(junit).getroot()
    # checks with nothing to check in this Fabric are skipped in JUnit and are no result: only
    # the infiniband layer's (an Ethernet fabric has no IB links, subnet managers or partitions)
    # and the external layer's (lab-mini has no border)
    empty = [c for c in root.findall(".//testcase") if EMPTY in ET.tostring(c, encoding="unicode")]
    assert sorted(c.get("name", "").split("[")[0] for c in empty) == [
        "test_ib_link", "test_ib_partitions", "test_ib_subnet_manager", "test_no_tenant_through_the_outside",
        "test_outside"]
    for layer in ("infiniband", "external"):
        assert report.layers[layer].passed == report.layers[layer].failed == 0
    cases = [c for c in root.findall(".//testcase") if c not in empty]
    assert len(cases) == len(report.results)
    skipped = [c.find("skipped") for c in cases if c.find("skipped") is not None]
    assert len(skipped) == report.not_applicable
    assert all(NOT_APPLICABLE in (s.get("message") or "") for s in skipped if s is not None)
    props = {p.get("name") for p in root.iter("property")}
    assert {"layer", "device", "port", "case"} <= props
    print(f"\nfull check run on lab-mini: {report.seconds:.1f} s, timings {report.timings}")


def _host_ports(dev: Device, fabric_servers: set[str]) -> list[Port]:
    return [p for p in dev.ports if p.role == "downlink" and p.peer_device in fabric_servers]


def test_swapped_cables_caught_by_lldp(health_lab: HealthLab) -> None:
    lab, f = health_lab, health_lab.fabric
    leaf = f.devices["su1-leaf-rail0"]
    ports = _host_ports(leaf, {d.name for d in f.servers()})
    a, b = ports[0], ports[2]
    swap = (
        f"ip link set {a.ifname} down; ip link set {b.ifname} down; ip link set {a.ifname} name aidcswap; "
        f"ip link set {b.ifname} name {a.ifname}; ip link set aidcswap name {b.ifname}; "
        f"ip link set {a.ifname} up; ip link set {b.ifname} up"
    )
    b_peer = f.devices[b.peer_device or ""].port(b.peer_port or "")

    def sees_swap() -> bool:
        seen = lldp_neighbors(lab.cluster, str(lab.state_dir), leaf.name).get(a.ifname, [])
        return seen == [(b.peer_device, b_peer.ifname)]

    lab.sh(leaf.name, swap)
    try:
        lab.wait("LLDP to see the swapped cables", sees_swap)
        report = lab.check(["lldp", "bgp"], label="fault: swapped cables")
        caught(
            report,
            "lldp",
            f"{leaf.name} {a.name}: expected {a.peer_device} {a.peer_port}, LLDP sees {b.peer_device} {b.peer_port}",
        )
        caught(
            report,
            "lldp",
            f"{leaf.name} {b.name}: expected {b.peer_device} {b.peer_port}, LLDP sees {a.peer_device} {a.peer_port}",
        )
        assert report.layers["lldp"].failed == 2, report.summary()
        clean(report, "bgp")
    finally:
        lab.sh(leaf.name, swap)  # the same exchange undoes it
    _restore_ok(lab, ["lldp", "switch-links", "mtu-path"], "swapped cables")


def test_link_down_caught_by_switch_links(health_lab: HealthLab) -> None:
    lab, f = health_lab, health_lab.fabric
    leaf = f.devices["su1-leaf-rail0"]
    up = next(p for p in leaf.ports if p.role == "uplink")
    spine, spine_port = up.peer_device or "", up.peer_port or ""
    lab.sh(leaf.name, f"ip link set {up.ifname} down")
    try:
        lab.wait(
            "the BGP session on the shut port to drop",
            lambda: bgp_peers(lab.cluster, str(lab.state_dir), leaf.name).get(up.ifname) != "Established",
        )
        report = lab.check(["switch-links", "bgp", "host-addresses"], label="fault: link down")
        caught(report, "switch-links", f"{leaf.name} {up.name}: administratively down")
        caught(report, "switch-links", f"{spine} {spine_port}: link down, no carrier")
        assert report.layers["switch-links"].failed == 2, report.summary()
        caught(report, "bgp", f"{leaf.name} {up.name}: session to {spine} {spine_port} is")
        caught(report, "bgp", f"{spine} {spine_port}: session to {leaf.name} {up.name} is")
        clean(report, "host-addresses")
    finally:
        lab.sh(leaf.name, f"ip link set {up.ifname} up")
    wait_bgp(lab.cluster, str(lab.state_dir), [leaf.name, spine], timeout=60)
    _restore_ok(lab, ["switch-links", "bgp", "lldp"], "link down")


def test_host_mtu_caught_by_mtu_checks(health_lab: HealthLab) -> None:
    lab, f = health_lab, health_lab.fabric
    server = f.devices["su1-r01-gpu01"]
    nic = next(p for p in server.ports if p.plane == "compute" and p.address)
    lab.sh(server.name, f"ip link set {nic.ifname} mtu 1500")
    try:
        report = lab.check(["host-addresses", "mtu-path", "bgp"], label="fault: host MTU")
        caught(report, "host-addresses", f"{server.name} {nic.name}: MTU 1500, expected {nic.mtu}")
        caught(report, "mtu-path", f"{server.name} {nic.name}: same-rail DF ping of {nic.mtu} bytes")
        caught(report, "mtu-path", f"{server.name} {nic.name}: cross-rail DF ping of {nic.mtu} bytes")
        # and the NIC as the far end of another server's path
        caught(report, "mtu-path", f"to {server.name} {nic.name} ({ip_of(nic.address)})")
        clean(report, "bgp")
    finally:
        lab.sh(server.name, f"ip link set {nic.ifname} mtu {nic.mtu}")
    _restore_ok(lab, ["host-addresses", "mtu-path"], "host MTU")


def test_wrong_asn_caught_by_bgp(health_lab: HealthLab) -> None:
    lab, f = health_lab, health_lab.fabric
    spine = f.devices["spine01"]
    assert spine.asn is not None
    bad = spine.asn + 99
    saved = frr_conf_path(lab.cluster, lab.state_dir, spine.name).read_text()
    assert f"router bgp {spine.asn}" in saved
    leaf_session = next(n for d in f.switches() for n in d.bgp if n.peer_device == spine.name)
    leaf = next(d for d in f.switches() if leaf_session in d.bgp)
    cp = frr_reload(
        lab.cluster, lab.state_dir, spine.name, saved.replace(f"router bgp {spine.asn}", f"router bgp {bad}")
    )
    try:
        assert cp.returncode == 0, cp.stderr[-1000:]
        lab.wait(
            "the leaves to refuse the spine",
            lambda: (
                bgp_peers(lab.cluster, str(lab.state_dir), leaf.name).get(leaf_session.interface or "") != "Established"
            ),
        )
        report = lab.check(["bgp", "switch-links"], label="fault: wrong ASN")
        first = spine.bgp[0]
        caught(report, "bgp", f"{spine.name} {first.interface}: local AS {bad}, expected {spine.asn}")
        caught(
            report,
            "bgp",
            f"{leaf.name} {leaf_session.interface}: session to {spine.name} {leaf_session.peer_interface} is",
            "expected Established",
        )
        failing_devices = {r.device for r in report.failures("bgp")}
        assert failing_devices == {spine.name} | {n.peer_device for n in spine.bgp}, report.summary()
        clean(report, "switch-links")
    finally:
        cp = frr_reload(lab.cluster, lab.state_dir, spine.name, saved)
        assert cp.returncode == 0, cp.stderr[-1000:]
    wait_bgp(lab.cluster, str(lab.state_dir), [spine.name], timeout=60)
    _restore_ok(lab, ["bgp"], "wrong ASN")


def test_wrong_vni_caught_by_tenant_checks(health_lab: HealthLab) -> None:
    lab, f = health_lab, health_lab.fabric
    green = next(t for t in f.tenants if t.leaves and t.members)
    other = next(t for t in f.tenants if t.name != green.name)
    gvni, ovni = green.networks[0].vni, other.networks[0].vni
    member = green.members[0]
    leaf = f.devices[member.leaf]
    port = leaf.port(member.leaf_port)
    vtep = ip_of(leaf.loopback)
    orig = lab.json_of(leaf.name, ["ip", "-j", "link", "show", "dev", port.ifname])[0]["master"]
    br, vx = f"br{ovni}", f"vx{ovni}"
    lab.sh(
        leaf.name,
        f"ip link add {br} type bridge stp_state 0; "
        f"ip link add {vx} type vxlan id {ovni} local {vtep} dstport 4789 nolearning; "
        f"ip link set {vx} master {br} up; ip link set {br} up; "
        f"ip link set {port.ifname} nomaster; ip link set {port.ifname} master {br}",
    )
    try:
        other_leaf = other.leaves[0]

        def flooded() -> bool:
            out = lab.vtysh(other_leaf, "show evpn vni detail json")
            return vtep in remote_vteps(parse_evpn(out).get(ovni, {}))

        lab.wait(f"{other_leaf} to learn VTEP {vtep} for VNI {ovni}", flooded)
        report = lab.check(["tenants", "evpn"], label="fault: wrong VNI")
        caught(
            report,
            "tenants",
            f"{leaf.name} {port.name}: in bridge {br} with VNI {ovni} (tenant {other.name}), "
            f"expected VNI {gvni} (tenant {green.name})",
        )
        peer = next(m for m in green.members if m.server != member.server)
        caught(
            report,
            "tenants",
            f"{member.server} {member.port}: tenant {green.name} ping",
            f"to {peer.server} {peer.port}",
        )
        caught(
            report, "tenants", f"{member.server} {member.port}: ARP probe from tenant {green.name}", "isolation broken"
        )
        caught(
            report,
            "tenants",
            f"ARP probe from tenant {other.name} to {member.server} {member.port}",
            "isolation broken",
        )
        caught(report, "evpn", f"{leaf.name}: unexpected L2VNI {ovni} (tenant {other.name})")
    finally:
        lab.sh(
            leaf.name,
            f"ip link set {port.ifname} nomaster; ip link set {port.ifname} master {orig}; "
            f"ip link del {vx}; ip link del {br}",
        )
    _restore_ok(lab, ["tenants", "evpn"], "wrong VNI")


def test_routed_host_port_in_a_tenant_bridge_caught_by_tenant_checks(health_lab: HealthLab) -> None:
    """Issue #12: a storage port of a VTEP leaf (routed, no tenant) put into the tenant's bridge
    leaked tenant traffic to the host undetected; the bridge membership of every host-facing
    port is compared with the Fabric now."""
    lab, f = health_lab, health_lab.fabric
    tenant = next(t for t in f.tenants if t.leaves and t.members)
    leaf = f.devices[tenant.leaves[0]]
    port = next(p for p in leaf.ports if p.vni is None and p.address and f.devices[p.peer_device or ""].is_server)
    vni = next(n.vni for n in tenant.networks if leaf.name in n.leaves)
    lab.sh(leaf.name, f"ip link set {port.ifname} master br{vni}")
    try:
        report = lab.check(["tenants"], label="fault: routed host port in a tenant bridge")
        caught(
            report,
            "tenants",
            f"{leaf.name} {port.name}: in bridge br{vni} with VNI {vni} (tenant {tenant.name})",
            f"expected in no bridge (a routed port to {port.peer_device})",
        )
        assert {r.device for r in report.failures("tenants")} <= {leaf.name} | {m.server for m in tenant.members}
    finally:
        lab.sh(leaf.name, f"ip link set {port.ifname} nomaster")
    _restore_ok(lab, ["tenants"], "routed host port in a tenant bridge")


def test_deleted_storage_route_caught_by_host_routing(health_lab: HealthLab) -> None:
    """Issue #12: a server's storage route deleted: traffic to the storage network falls back to
    the business NIC's default route, so pings still pass; the route of every plane is checked."""
    lab, f = health_lab, health_lab.fabric
    # a server whose business NIC has a default route: without the storage route its storage
    # traffic silently leaves through the business NIC (on a storage-only box it is unreachable)
    server = next(
        d
        for d in f.servers()
        if any(p.plane == "storage" and p.routes for p in d.ports)
        and any(p.plane == "business" and "default" in p.routes for p in d.ports)
    )
    st = next(p for p in server.ports if p.plane == "storage" and p.routes)
    dst = st.routes[0]
    lab.sh(server.name, f"ip route del {dst} via {st.gateway} dev {st.ifname}")
    try:
        report = lab.check(["host-routing"], label="fault: storage route deleted")
        caught(report, "host-routing", f"{server.name} {st.name}: no route to {dst} via {st.gateway} dev {st.ifname}")
        src = ip_of(st.address)
        fe = next(p for p in server.ports if p.plane == "business" and "default" in p.routes)
        msg = f"{server.name} {st.name}: traffic from {src} to"
        caught(report, "host-routing", msg, f"dev {fe.ifname}", "(storage route")
    finally:
        metric = f" metric {st.metric}" if st.metric is not None else ""
        lab.sh(server.name, f"ip route replace {dst} via {st.gateway} dev {st.ifname}{metric}")
    _restore_ok(lab, ["host-routing"], "storage route deleted")


def test_site_ntp_detoured_caught_by_host_routing(health_lab: HealthLab) -> None:
    """Issue #9 (REACH006 in the twin): every server resolves the site NTP and DNS servers the way
    validate proved it reaches them. lab-mini keeps them in the OOB block, on each server's
    management subnet; a host route sending NTP out of a data port is named with both ends."""
    lab, f = health_lab, health_lab.fabric
    ntp = f.site.ntp[0]
    server, port = next((d, p) for d in f.servers() for p in d.ports if p.gateway and p.address and p.plane != "oob")
    mgmt = server.port(server.mgmt_port or "").ifname
    lab.sh(server.name, f"ip route add {ntp}/32 via {port.gateway} dev {port.ifname}")
    try:
        report = lab.check(["host-routing"], label="fault: NTP detoured")
        caught(report, "host-routing", f"{server.name} NTP {ntp}: traffic to NTP server {ntp} leaves via "
               f"{port.gateway} dev {port.ifname}, expected dev {mgmt} (connected)")
    finally:
        lab.sh(server.name, f"ip route del {ntp}/32 via {port.gateway} dev {port.ifname}")
    _restore_ok(lab, ["host-routing"], "NTP detoured")


def test_unexpected_address_and_hostname_caught_by_identity(health_lab: HealthLab) -> None:
    """Issue #12: an address of a designed subnet added by hand on another NIC, and a system
    hostname changed (in the UTS namespace the device's sshd runs in), were not checked."""
    from toolkit.lab import load_state

    lab, f = health_lab, health_lab.fabric
    server = next(
        d
        for d in f.servers()
        if any(p.plane == "storage" and p.address for p in d.ports)
        and any(p.plane == "business" and p.address for p in d.ports)
    )
    st = next(p for p in server.ports if p.plane == "storage" and p.address)
    fe = next(p for p in server.ports if p.plane == "business" and p.address)
    pool = next(x for x in f.pools if x.plane == "storage" and ip_of(st.address) in _hosts_of(x.prefix))
    stray = f"{_last_host(pool.prefix)}/{pool.prefix.split('/')[1]}"
    st_state = load_state(lab.cluster, str(lab.state_dir))
    assert st_state is not None
    victim = "spine01"
    sshd = next(r for r in st_state.processes if r.device == victim and r.name == "sshd").pid
    lab.sh(server.name, f"ip addr add {stray} dev {fe.ifname}")
    subprocess.run(["nsenter", "-t", str(sshd), "-u", "hostname", "not-spine01"], check=True)
    try:
        report = lab.check(["identity"], label="fault: stray address, hostname")
        caught(report, "identity", f"{server.name}: unexpected address {stray} on {fe.ifname}", pool.prefix)
        caught(report, "identity", f"{victim}: system hostname is 'not-spine01', expected 'spine01'")
        assert report.layers["identity"].failed == 2, report.summary()
    finally:
        subprocess.run(["nsenter", "-t", str(sshd), "-u", "hostname", victim], check=True)
        lab.sh(server.name, f"ip addr del {stray} dev {fe.ifname}")
    _restore_ok(lab, ["identity"], "stray address, hostname")


def _hosts_of(prefix: str) -> Any:
    import ipaddress

    return {str(h) for h in ipaddress.ip_network(prefix).hosts()}


def _last_host(prefix: str) -> str:
    import ipaddress

    net = ipaddress.ip_network(prefix)
    return str(net.broadcast_address - 1)
