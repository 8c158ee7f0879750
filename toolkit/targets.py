"""Targets: which devices a plan/apply talks to and how aidc reaches them.

A target is a set of reachable devices plus the SSH settings to reach them:

- ``LabTarget(cluster, state_dir)``: the digital twin built by ``toolkit.lab`` (``aidc lab up``).
  Devices are the lab's namespaces; SSH user, key, known_hosts and ssh_config come from the lab
  state; every switch runs FRR with its own pathspace (``-N <namespace>``).
- ``InventoryTarget(fabric)``: real devices. The address is the Fabric's ``mgmt_address``;
  credentials come from the environment only (``AIDC_SSH_USER``, ``AIDC_SSH_KEY``,
  ``AIDC_SSH_PASSWORD``, optionally ``AIDC_SSH_KNOWN_HOSTS``) and are never written anywhere.
  Only the ``frr`` switch platform (a Linux white box running FRR) has an apply driver; other
  platforms are reported as not implemented per device (see ``DeviceAccess.unsupported``).

State of a target lives under ``state_dir()/targets/<target>/<cluster>/`` (see toolkit.state).
"""

from __future__ import annotations

import os
import shlex
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from toolkit import platforms
from toolkit.design.model import Fabric
from toolkit.state import state_dir as default_state_dir

SWITCH_PLATFORMS_WITH_DRIVER: frozenset[str] = frozenset(p.name for p in platforms.all_platforms() if p.hooks.driver)
"""Switch platforms with an apply driver (``toolkit.platforms`` hook; others: NotImplemented, per device)."""
LAB_PYTHON = "/usr/bin/python3"


class TargetError(RuntimeError):
    """The target cannot be used (lab not up, credentials missing, ...)."""


class DeviceAccess(BaseModel):
    """How to reach one device. ``password`` never appears in dumps, reprs or reports."""

    model_config = ConfigDict(extra="forbid")

    name: str
    kind: Literal["switch", "server"]
    role: str
    platform: str = Field(description="switch network OS (frr, sonic, ...) or linux for servers")
    address: str = Field(description="management IP address (no prefix)")
    port: int = 22
    user: str
    key_file: str | None = None
    password: SecretStr | None = Field(default=None, exclude=True, repr=False)
    ssh_config: str | None = None
    known_hosts: str | None = None
    frr_pathspace: str | None = Field(
        default=None, description="FRR pathspace (vtysh/frr-reload -N): the lab namespace; None on real devices"
    )
    frr_confdir: str = "/etc/frr"
    frr_daemons: list[str] = Field(default_factory=lambda: ["zebra", "bgpd", "staticd"])
    frr_start: dict[str, str] | None = Field(
        default=None,
        description="daemon -> shell command that starts it again after it died, as watchfrr would; "
        "None: the device's own service manager restarts it (systemctl restart frr)",
    )
    expect_env: dict[str, str] = Field(
        default_factory=dict, description="environment the SSH session must show (identity check)"
    )
    unsupported: str | None = Field(default=None, description="why aidc cannot apply this device (yet)")

    @property
    def workdir(self) -> str:
        """Folder on the device holding aidc's intended config, network script and backups."""
        return f"{self.frr_confdir}/{self.frr_pathspace}" if self.frr_pathspace else self.frr_confdir

    def public(self) -> dict[str, Any]:
        """Description safe for reports and audit: no password, no key material."""
        return {
            "name": self.name,
            "kind": self.kind,
            "role": self.role,
            "platform": self.platform,
            "address": self.address,
            "port": self.port,
            "user": self.user,
            "auth": "key" if self.key_file else ("password" if self.password else "agent/none"),
        }


class Target(ABC):
    """Devices plus connection settings; ``name`` selects ``targets/<name>/<cluster>`` state."""

    kind: ClassVar[str]
    name: str
    cluster: str
    state_base: Path
    network_mode: str
    """``aidc_network_mode`` for the host network playbook (``iproute2`` in the lab)."""

    @abstractmethod
    def devices(self) -> dict[str, DeviceAccess]:
        """Device name -> access, for every device of the target (in a stable order)."""

    def device(self, name: str) -> DeviceAccess:
        devs = self.devices()
        if name not in devs:
            raise TargetError(f"{name}: not a device of target {self.name}/{self.cluster}")
        return devs[name]

    @property
    def root(self) -> Path:
        """``<state>/targets/<target>/<cluster>``: applied state, backups, lock, audit log."""
        return self.state_base / "targets" / self.name / self.cluster

    @abstractmethod
    def ansible_ssh(self) -> dict[str, Any]:
        """How Ansible reaches the servers: user, private_key_file, ssh_config, known_hosts, port
        (the fields of ``toolkit.drivers.ansible_runner.SshSettings``); paths only, no secrets."""

    def ansible_extravars(self) -> dict[str, Any]:
        """Extra variables for the host playbooks (``aidc_network_mode``)."""
        return {"aidc_network_mode": self.network_mode}

    def describe(self) -> dict[str, Any]:
        return {"target": self.name, "kind": self.kind, "cluster": self.cluster, "network_mode": self.network_mode}


class LabTarget(Target):
    """The digital twin of ``cluster`` brought up by ``toolkit.lab.lab_up`` under ``state_dir``."""

    kind = "lab"

    def __init__(self, cluster: str, state_dir: Path | str | None = None, *, name: str = "lab") -> None:
        from toolkit.lab import load_state
        from toolkit.lab.runtime import FRR_DAEMONS, frr_daemon_argv

        self.name = name
        self.cluster = cluster
        self.state_base = Path(state_dir) if state_dir is not None else default_state_dir()
        self.network_mode = "iproute2"
        st = load_state(cluster, self.state_base)
        if st is None:
            raise TargetError(f"no lab {cluster!r} under {self.state_base / 'lab'}: run `aidc lab up` first")
        if st.status != "up":
            raise TargetError(f"lab {cluster!r} is {st.status}, not up: run `aidc lab down` and `aidc lab up`")
        self.state = st
        self._devices: dict[str, DeviceAccess] = {}
        for n in st.topology.nodes:
            self._devices[n.device] = DeviceAccess(
                name=n.device,
                kind=n.kind,
                role=n.role,
                platform="frr" if n.frr else "linux",
                address=st.ssh.hosts.get(n.device, n.mgmt_ip),
                port=st.ssh.port,
                user=st.ssh.user,
                key_file=st.ssh.private_key,
                ssh_config=st.ssh.config,
                known_hosts=st.ssh.known_hosts,
                frr_pathspace=n.namespace if n.frr else None,
                frr_daemons=list(FRR_DAEMONS),
                frr_start=(
                    {d: shlex.join(frr_daemon_argv(st, n, d, detached=True)) for d in FRR_DAEMONS} if n.frr else None
                ),
                expect_env={"AIDC_DEVICE": n.device, "AIDC_NETNS": n.namespace},
            )

    def devices(self) -> dict[str, DeviceAccess]:
        return dict(self._devices)

    def ansible_ssh(self) -> dict[str, Any]:
        ssh = self.state.ssh
        return {
            "user": ssh.user,
            "private_key_file": ssh.private_key,
            "ssh_config": ssh.config,
            "known_hosts": ssh.known_hosts,
            "port": ssh.port,
        }

    def ansible_extravars(self) -> dict[str, Any]:
        out = super().ansible_extravars()
        # lab devices are namespaces of this machine: use the system Python, not whatever an
        # interpreter discovery finds first on root's PATH (a pyenv shim may not run there)
        if Path(LAB_PYTHON).exists():
            out["ansible_python_interpreter"] = LAB_PYTHON
        return out

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "lab_dir": self.state.lab_dir}


class InventoryTarget(Target):
    """Real devices of ``fabric``, reached on their management address.

    Credentials come from the environment only: ``AIDC_SSH_USER`` (default ``root``),
    ``AIDC_SSH_KEY`` (private key file), ``AIDC_SSH_PASSWORD``, ``AIDC_SSH_KNOWN_HOSTS`` (default
    ``~/.ssh/known_hosts``). Not implemented (reported per device, never silently skipped):
    switch platforms other than ``frr``; the ``netplan`` network mode of the host playbook is
    whatever ``playbooks/network.yml`` implements for it.
    """

    kind = "inventory"

    def __init__(
        self,
        fabric: Fabric,
        state_dir: Path | str | None = None,
        *,
        name: str = "inventory",
        environ: Mapping[str, str] | None = None,
        network_mode: str = "netplan",
    ) -> None:
        env = os.environ if environ is None else environ
        self.name = name
        self.cluster = fabric.name
        self.state_base = Path(state_dir) if state_dir is not None else default_state_dir()
        self.network_mode = network_mode
        self._user = env.get("AIDC_SSH_USER") or "root"
        self._key = env.get("AIDC_SSH_KEY") or None
        pw = env.get("AIDC_SSH_PASSWORD")
        self._password = SecretStr(pw) if pw else None
        self._known_hosts = env.get("AIDC_SSH_KNOWN_HOSTS") or str(Path.home() / ".ssh" / "known_hosts")
        if self._key and not Path(self._key).is_file():
            raise TargetError("AIDC_SSH_KEY does not name a readable file")
        self._devices: dict[str, DeviceAccess] = {}
        for d in fabric.devices.values():
            if not (d.is_switch or d.is_server) or not d.mgmt_address:
                continue
            unsupported = None
            if d.is_switch and d.platform not in SWITCH_PLATFORMS_WITH_DRIVER:
                unsupported = (
                    f"platform {d.platform!r}: no apply driver yet (NotImplemented; "
                    f"only {', '.join(sorted(SWITCH_PLATFORMS_WITH_DRIVER))})"
                )
            elif d.is_server and self._password is not None and not self._key:
                unsupported = "password authentication through ansible-runner is not implemented: set AIDC_SSH_KEY"
            self._devices[d.name] = DeviceAccess(
                name=d.name,
                kind="switch" if d.is_switch else "server",
                role=d.role,
                platform=d.platform,
                address=d.mgmt_address.split("/", 1)[0],
                user=self._user,
                key_file=self._key,
                password=self._password,
                known_hosts=self._known_hosts,
                unsupported=unsupported,
            )

    def devices(self) -> dict[str, DeviceAccess]:
        return dict(self._devices)

    def ansible_ssh(self) -> dict[str, Any]:
        return {"user": self._user, "private_key_file": self._key, "known_hosts": self._known_hosts}


def forget_lab_target(cluster: str, state_dir: Path | str | None = None, name: str = "lab") -> bool:
    """Drop the applied state, backups and audit log of a lab that is gone (``aidc lab down``):
    a new lab starts empty, so its first plan must show every device as to be created."""
    import shutil

    base = Path(state_dir) if state_dir is not None else default_state_dir()
    root = base / "targets" / name / cluster
    if not root.exists():
        return False
    shutil.rmtree(root)
    return True


def lab_target(cluster: str, state_dir: Path | str | None = None) -> LabTarget:
    return LabTarget(cluster, state_dir)


def get_target(kind: str, fabric: Fabric, state_dir: Path | str | None = None) -> Target:
    """The target named on the command line (``--target lab`` or ``--target inventory``)."""
    if kind == "lab":
        return LabTarget(fabric.name, state_dir)
    if kind == "inventory":
        return InventoryTarget(fabric, state_dir)
    raise TargetError(f"unknown target {kind!r}: use lab or inventory")
