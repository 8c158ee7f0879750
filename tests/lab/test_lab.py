"""The running lab: namespaces, sshd over the OOB network, veth MTUs, LLDP, BGP unnumbered via
frr-reload, and a complete teardown / rollback. Needs root, frr, openssh-server and lldpd.

The tests in this module share one lab (session fixture ``running_lab``); ``test_zz_down`` takes
it down and checks that nothing is left (the fixture's own ``lab_down`` then is a no-op).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

import toolkit.lab.daemons as daemons
import toolkit.lab.lifecycle as lifecycle
import toolkit.lab.state as rt
from toolkit.design.model import put
from toolkit.lab import (
    LabError,
    frr_conf_path,
    frr_reload_argv,
    lab_down,
    lab_exec,
    lab_shell_argv,
    lab_status,
    lab_up,
    load_state,
    vtysh_argv,
    wait_bgp,
    wait_lldp,
)
from toolkit.lab.processes import record_alive

pytestmark = [pytest.mark.lab, pytest.mark.usefixtures("require_lab")]


def _netns() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def _pid_running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def _assert_gone(state: rt.LabState) -> None:
    left = _netns() & set(state.namespaces)
    assert not left, f"namespaces left: {left}"
    alive = [r for r in state.processes if _pid_running(r.pid) and record_alive(r)]
    assert not alive, f"processes left: {alive}"
    for d in state.frr_dirs:
        assert not Path(d).exists(), d
    assert not Path(state.state_file).exists()
    assert not Path(state.lab_dir).exists()
    assert not Path(state.run_dir).exists()
    for link in state.root_links:
        assert not Path(f"/sys/class/net/{link}").exists(), link


def _frr_conf(device: str, asn: int, router_id: str, interfaces: list[str]) -> str:
    lines = ["frr defaults datacenter", f"hostname {device}", "log stdout informational"]
    lines += ["service integrated-vtysh-config", "!"]
    for i in interfaces:
        lines += [f"interface {i}", " ipv6 nd ra-interval 3", " no ipv6 nd suppress-ra", "exit", "!"]
    lines += [f"router bgp {asn}", f" bgp router-id {router_id}", " no bgp ebgp-requires-policy"]
    lines += [f" neighbor {i} interface remote-as external" for i in interfaces]
    lines += [" address-family ipv4 unicast", "  redistribute connected", " exit-address-family", "exit", "!"]
    return "\n".join(lines) + "\n"


def test_namespaces_and_status(running_lab):
    fabric, sd, state = running_lab
    assert state.status == "up"
    assert set(state.namespaces) <= _netns()
    assert {n.device for n in state.topology.nodes} == {"spine1", "leaf1", "leaf2", "srv1", "srv2"}
    st = lab_status(fabric.name, sd)
    assert st.healthy, st
    names = {n.device: sorted(p.name for p in n.processes) for n in st.nodes}
    assert names["leaf1"] == ["bgpd", "lldpd", "sshd", "staticd", "zebra"]
    assert names["srv1"] == ["lldpd", "sshd"]
    assert Path(state.state_file).is_file()
    assert load_state(fabric.name, sd) == state


def test_ssh_over_oob(running_lab):
    _fabric, _sd, state = running_lab
    assert state.ssh.user == "root"
    for node in state.topology.nodes:
        cp = subprocess.run(
            ["ssh", "-F", state.ssh.config, node.device, "hostname; echo $AIDC_NETNS"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert cp.returncode == 0, cp.stderr
        assert cp.stdout.split() == [node.device, node.namespace]
    # ansible / netmiko style: explicit user, key and known_hosts, by address
    node = state.topology.node("leaf1")
    cp = subprocess.run(
        [
            "ssh",
            "-F",
            "/dev/null",
            "-i",
            state.ssh.private_key,
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            f"UserKnownHostsFile={state.ssh.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            f"{state.ssh.user}@{node.mgmt_ip}",
            "hostname",
        ],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert cp.returncode == 0, cp.stderr
    assert cp.stdout.strip() == "leaf1"


def test_links_up_with_mtu(running_lab):
    fabric, sd, state = running_lab
    for link in state.topology.links:
        for end in (link.a, link.b):
            out = subprocess.run(
                ["ip", "-n", end.namespace, "-j", "link", "show", "dev", end.ifname],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            info = json.loads(out)[0]
            assert info["mtu"] == end.mtu, (end, info["mtu"])
            assert "UP" in info["flags"] and "LOWER_UP" in info["flags"], (end, info["flags"])
    leaf = state.topology.node("leaf1")
    cp = lab_exec(fabric.name, sd, "leaf1", ["ip", "-j", "addr", "show", "dev", leaf.mgmt_ifname])
    assert leaf.mgmt_address.split("/")[0] in cp.stdout
    assert lab_exec(fabric.name, sd, "leaf1", ["hostname"]).stdout.strip() == "leaf1"


def test_shell_argv(running_lab):
    fabric, sd, _state = running_lab
    argv = lab_shell_argv(fabric.name, sd, "srv2", shell="/bin/sh")
    cp = subprocess.run(argv, input="hostname\nexit\n", capture_output=True, text=True, timeout=30)
    assert cp.stdout.strip() == "srv2"


def test_lldp_matches_cables(running_lab):
    fabric, sd, _state = running_lab
    rep = wait_lldp(fabric.name, sd, timeout=30)
    assert rep.ok, rep.missing
    assert ("spine1", "swp1") in rep.neighbors["leaf1"]["swp49"]
    assert ("leaf1", "swp1") in rep.neighbors["srv1"]["ens1f0"]


def test_vtysh_running_config(running_lab):
    fabric, sd, _state = running_lab
    cp = subprocess.run(
        vtysh_argv(fabric.name, sd, "spine1", "show running-config"),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert cp.returncode == 0, cp.stderr
    assert "hostname spine1" in cp.stdout
    assert "service integrated-vtysh-config" in cp.stdout


def _reload_bgp(running_lab, tmp_path: Path) -> None:
    """leaf1 and spine1 get an unnumbered eBGP session over swp49/swp1 with frr-reload."""
    fabric, sd, state = running_lab
    peers = {"leaf1": (65101, "10.255.0.1", "swp49"), "spine1": (65201, "10.255.0.9", "swp1")}
    for dev, (asn, rid, ifname) in peers.items():
        conf = tmp_path / f"{dev}.conf"
        conf.write_text(_frr_conf(dev, asn, rid, [ifname]))
        argv = frr_reload_argv(fabric.name, sd, dev, conf)
        assert argv[-5:] == ["-N", state.node(dev).namespace, "--confdir", "/etc/frr", str(conf)]
        cp = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        assert cp.returncode == 0, cp.stdout + cp.stderr


def test_bgp_unnumbered_after_frr_reload(running_lab, tmp_path):
    fabric, sd, _state = running_lab
    _reload_bgp(running_lab, tmp_path)
    t0 = time.monotonic()
    rep = wait_bgp(fabric.name, sd, ["leaf1", "spine1"], timeout=60)
    assert rep.ok, rep.peers
    assert rep.peers["leaf1"] == {"swp49": "Established"}
    assert rep.peers["spine1"] == {"swp1": "Established"}
    print(f"BGP established {time.monotonic() - t0:.2f}s after frr-reload")
    # frr-reload saved the integrated config, and no per-daemon files appeared
    saved = frr_conf_path(fabric.name, sd, "leaf1").read_text()
    assert "neighbor swp49 interface remote-as external" in saved
    etc = frr_conf_path(fabric.name, sd, "leaf1").parent
    assert not (etc / "bgpd.conf").exists() and not (etc / "zebra.conf").exists()
    # routes are exchanged over the session
    cp = subprocess.run(
        vtysh_argv(fabric.name, sd, "leaf1", "show bgp ipv4 unicast json"), capture_output=True, text=True
    )
    assert cp.returncode == 0
    assert json.loads(cp.stdout)["routes"], "no BGP routes on leaf1"


def _kill(pid: int) -> None:
    import os
    import signal

    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _pid_running(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_restart_daemon_brings_a_dead_daemon_back(running_lab, tmp_path):
    """Issue #12: a lab daemon that died (lldpd, bgpd) is shown dead by `lab status` and started
    again by `lab restart-daemon` as `lab up` started it; LLDP and BGP come back."""
    from toolkit.lab import lab_restart_daemon

    fabric, sd, _state = running_lab
    st = load_state(fabric.name, sd)
    lldpd = next(r for r in st.processes if r.device == "leaf1" and r.name == "lldpd")
    _kill(lldpd.pid)
    status = lab_status(fabric.name, sd)
    assert not status.healthy
    assert [p.alive for n in status.nodes if n.device == "leaf1" for p in n.processes if p.name == "lldpd"] == [False]
    new = lab_restart_daemon(fabric.name, sd, "leaf1", "lldpd")
    assert new.pid != lldpd.pid and record_alive(new)
    assert lab_status(fabric.name, sd).healthy
    assert next(r for r in load_state(fabric.name, sd).processes if r.device == "leaf1" and r.name == "lldpd") == new
    rep = wait_lldp(fabric.name, sd, timeout=30)
    assert rep.ok and ("spine1", "swp1") in rep.neighbors["leaf1"]["swp49"], rep.missing
    with pytest.raises(LabError, match="is running"):
        lab_restart_daemon(fabric.name, sd, "leaf1", "lldpd")
    with pytest.raises(LabError, match=r"runs no 'ospfd'.*lldpd"):
        lab_restart_daemon(fabric.name, sd, "leaf1", "ospfd")
    # an FRR daemon: started again and its saved config loaded, the session comes back
    _reload_bgp(running_lab, tmp_path)
    assert wait_bgp(fabric.name, sd, ["leaf1", "spine1"], timeout=60).ok
    bgpd = next(r for r in st.processes if r.device == "spine1" and r.name == "bgpd")
    _kill(bgpd.pid)
    lab_restart_daemon(fabric.name, sd, "spine1", "bgpd")
    bgp = wait_bgp(fabric.name, sd, ["leaf1", "spine1"], timeout=60)
    assert bgp.ok and bgp.peers["spine1"] == {"swp1": "Established"}, bgp.peers


def test_up_refuses_existing_lab(running_lab):
    fabric, sd, _state = running_lab
    with pytest.raises(LabError, match="already exists"):
        lab_up(fabric, sd)
    assert lab_status(fabric.name, sd).healthy


def test_zz_down_removes_everything(running_lab):
    fabric, sd, state = running_lab
    rep = lab_down(fabric.name, sd)
    assert rep.state_found and not rep.errors, rep
    _assert_gone(state)
    again = lab_down(fabric.name, sd)
    assert not again.state_found and not again.errors
    assert not lab_status(fabric.name, sd).state_found


# ------------------------------------------------------------------------------------ rollback


def test_rollback_on_invalid_device(tmp_path, fresh_fabric):
    """A port MTU the kernel rejects fails `ip link add` half-way: nothing may be left behind."""
    fab = fresh_fabric("rb")
    put(fab.devices["srv2"].ports[0], mtu=70000)  # a faulty Fabric on purpose (frozen after design)
    before = _netns()
    with pytest.raises(LabError, match="rolled back"):
        lab_up(fab, tmp_path)
    assert _netns() == before
    assert not (tmp_path / "lab" / fab.name).exists()
    assert not any(p.name.startswith(f"aidc-{fab.name}-") for p in Path("/etc/frr").iterdir())


def test_rollback_after_daemons_started(tmp_path, monkeypatch, fresh_fabric):
    """A failure after sshd/lldpd/FRR of earlier devices are running kills them all."""
    fab = fresh_fabric("rb")
    spawned: list[rt.ProcessRecord] = []
    real_spawn, real_frr = daemons.spawn, lifecycle.start_frr
    switches_started = []

    def spy_spawn(*args, **kwargs):
        rec = real_spawn(*args, **kwargs)
        spawned.append(rec)
        return rec

    def failing_frr(st, node):
        if switches_started:
            raise LabError(f"injected failure at {node.device}")
        switches_started.append(node.device)
        real_frr(st, node)

    monkeypatch.setattr(daemons, "spawn", spy_spawn)
    monkeypatch.setattr(lifecycle, "start_frr", failing_frr)
    before = _netns()
    with pytest.raises(LabError, match="injected failure"):
        lab_up(fab, tmp_path)
    assert len(spawned) >= 5  # sshd + lldpd + zebra/bgpd/staticd of the first switch at least
    assert not [r for r in spawned if record_alive(r)]
    assert _netns() == before
    assert not (tmp_path / "lab" / fab.name).exists()
    assert not any(p.name.startswith(f"aidc-{fab.name}-") for p in Path("/etc/frr").iterdir())
    assert not any(p.name.startswith(f"aidc-{fab.name}-") for p in Path("/var/run/frr").iterdir())
