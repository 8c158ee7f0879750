"""The lab target (``toolkit.targets.LabTarget``) from a lab's saved state, root-free.

A lab that is up is a ``state.json`` under ``<state>/lab/<cluster>/`` (``toolkit.lab.state``)
describing its topology, SSH access and processes; the target is built from that file alone.
Here the state is written the way ``toolkit.lab.lifecycle.lab_up`` writes it (same model, the
topology from ``lab_topology`` of the recorded lab-mini Fabric) without creating the namespaces,
so what is tested is how the target turns a lab into device access: FRR pathspaces, identity
words, lldpd sockets, the daemons' restart commands, Ansible's SSH settings.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import pytest

from tests import recorded
from toolkit.lab.state import LabState, SshAccess, lab_dir, lldp_socket, save_state
from toolkit.lab.topology import lab_topology
from toolkit.session import ConnectError
from toolkit.targets import (
    LAB_PYTHON,
    DeviceAccess,
    LabTarget,
    Target,
    TargetError,
    TargetSpec,
    get_target,
    target_from_spec,
)


def lab_state(tmp_path: Path, status: str = "up") -> LabState:
    fab = recorded.fabric()
    topo = lab_topology(fab)
    ldir = lab_dir(fab.name, tmp_path)
    ssh = ldir / "ssh"
    st = LabState(
        cluster=fab.name, scope=None, status=status, lab_dir=str(ldir), state_file=str(ldir / "state.json"),  # type: ignore[arg-type]
        run_dir=str(tmp_path / "run"), log_dir=str(ldir / "log"), created=time.time(), topology=topo,
        namespaces=[*topo.namespaces, topo.oob_namespace], root_links=[topo.controller_ifname], frr_dirs=[],
        ssh=SshAccess(private_key=str(ssh / "id_ed25519"), public_key=str(ssh / "id_ed25519.pub"),
                      known_hosts=str(ssh / "known_hosts"), config=str(ssh / "ssh_config"),
                      host_key=str(ssh / "ssh_host_ed25519_key"), hosts={n.device: n.mgmt_ip for n in topo.nodes}),
    )
    ldir.mkdir(parents=True)
    save_state(st)
    return st


def test_a_lab_that_is_up_is_a_target(tmp_path: Path) -> None:
    st = lab_state(tmp_path)
    t = LabTarget(st.cluster, tmp_path)
    assert t.kind == "lab" and not t.hardware and not t.sudo and t.network_mode == "iproute2"
    assert t.devices().keys() == {n.device for n in st.topology.nodes}
    leaf = t.device(recorded.device("leaf"))
    node = st.node(leaf.name)
    assert leaf.platform == "frr" and leaf.kind == "switch" and leaf.frr_pathspace == node.namespace
    assert leaf.address == st.ssh.hosts[leaf.name] and leaf.key_file == st.ssh.private_key
    assert leaf.identity == {"$AIDC_DEVICE": leaf.name, "$AIDC_NETNS": node.namespace}
    assert leaf.lldp_socket == lldp_socket(st, leaf.name) and leaf.lldp_socket.startswith(st.run_dir)
    assert leaf.frr_start is not None and set(leaf.frr_start) == set(leaf.frr_daemons)
    assert all(node.namespace in cmd for cmd in leaf.frr_start.values()), "each daemon restarts in its namespace"
    assert leaf.workdir == f"{leaf.frr_confdir}/{node.namespace}"
    server = t.device(recorded.device("server"))
    assert server.platform == "linux" and server.frr_pathspace is None and server.frr_start is None
    assert t.ansible_ssh() == {"user": st.ssh.user, "private_key_file": st.ssh.private_key,
                               "ssh_config": st.ssh.config, "known_hosts": st.ssh.known_hosts, "port": st.ssh.port}
    extra = t.ansible_extravars()
    assert extra["aidc_network_mode"] == "iproute2"
    assert extra.get("ansible_python_interpreter") == (LAB_PYTHON if Path(LAB_PYTHON).exists() else None)
    assert t.describe() == {"target": "lab", "kind": "lab", "cluster": st.cluster, "network_mode": "iproute2",
                            "lab_dir": st.lab_dir}
    assert t.root == tmp_path / "targets" / "lab" / st.cluster


def test_the_spec_of_a_lab_target_rebuilds_it(tmp_path: Path) -> None:
    st = lab_state(tmp_path)
    fab = recorded.fabric()
    spec = LabTarget(st.cluster, tmp_path, name="twin").spec()
    assert spec.kind == "lab" and spec.name == "twin" and spec.impl is None
    again = target_from_spec(TargetSpec.model_validate_json(spec.model_dump_json()), fab)
    assert isinstance(again, LabTarget) and again.name == "twin"
    assert again.devices() == LabTarget(st.cluster, tmp_path).devices()
    assert isinstance(get_target("lab", fab, tmp_path), LabTarget)


def test_a_lab_that_is_not_up_is_refused(tmp_path: Path) -> None:
    st = lab_state(tmp_path, status="failed")
    with pytest.raises(TargetError, match=f"lab '{st.cluster}' is failed, not up: run `aidc lab down` and"):
        LabTarget(st.cluster, tmp_path)


class OneDevice(Target):
    kind = "inventory"

    def __init__(self, access: DeviceAccess) -> None:
        self.name, self.cluster, self.network_mode, self.state_base = "inventory", "c1", "netplan", Path("/nonexistent")
        self.access = access

    def devices(self) -> dict[str, DeviceAccess]:
        return {self.access.name: self.access}

    def ansible_ssh(self) -> dict[str, Any]:
        return {}


def test_open_reports_a_device_that_does_not_answer(tmp_path: Path) -> None:
    """``Target.open``: an SSH session to the device; here a closed port on loopback."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    kh = tmp_path / "known_hosts"
    kh.write_text("")
    access = DeviceAccess(name="leaf01", kind="switch", role="leaf", platform="frr", address="127.0.0.1", port=port,
                          user="ops", known_hosts=str(kh))
    with pytest.raises(ConnectError, match=rf"^leaf01: cannot connect to ops@127\.0\.0\.1:{port}: "):
        OneDevice(access).open("leaf01", connect_timeout=2)
    missing = access.model_copy(update={"known_hosts": str(tmp_path / "none" / "known_hosts")})
    with pytest.raises(ConnectError, match=r"leaf01: cannot read known_hosts .*none/known_hosts"):
        OneDevice(missing).open("leaf01", connect_timeout=2)
    with pytest.raises(TargetError, match="nope: not a device of target inventory/c1"):
        OneDevice(access).open("nope")
    assert access.public() == {"name": "leaf01", "kind": "switch", "role": "leaf", "platform": "frr",
                               "address": "127.0.0.1", "port": port, "user": "ops", "auth": "agent/none"}
