"""Targets: which devices plan, apply and check talk to, and how aidc reaches them.

A target is a set of reachable devices plus the SSH settings to reach them. It means the same
for ``plan``, ``apply`` and ``check`` (``--target lab`` / ``--target inventory``):

- ``LabTarget(cluster, state_dir)``: the digital twin built by ``toolkit.lab`` (``aidc lab up``).
  Devices are the lab's namespaces; SSH user, key, known_hosts and ssh_config come from the lab
  state; every switch runs FRR with its own pathspace (``-N <namespace>``).
- ``InventoryTarget(fabric)``: real devices. The address is the Fabric's ``mgmt_address``;
  credentials come from the environment only (``AIDC_SSH_USER``, ``AIDC_SSH_KEY``,
  ``AIDC_SSH_PASSWORD``, optionally ``AIDC_SSH_KNOWN_HOSTS``) and are never written anywhere.
  Switch platforms with an apply driver: ``frr`` (a Linux white box running FRR), ``eos``,
  ``cumulus`` and ``sonic`` (commit-confirm, ``toolkit.drivers.confirm``); others are reported
  as not implemented per device (see ``DeviceAccess.unsupported``). The confirm timeout of the
  commit-confirm platforms is a target setting per platform: ``AIDC_CONFIRM_TIMEOUT`` (seconds
  for every platform, or ``eos=300,cumulus=600``), kept in ``TargetSpec.confirm_timeouts``.

``Target.spec()`` is the serialisable form (``TargetSpec``: kind, cluster, state directory; never
a credential): the health checks' pytest process rebuilds the same target from it with
``target_from_spec`` (an inventory target reads the same environment there). ``Target.open``
gives the ``toolkit.session.Session`` of a device, identity verified.

State of a target lives under ``state_dir()/targets/<target>/<cluster>/`` (see toolkit.state).
"""

from __future__ import annotations

import os
import shlex
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from toolkit.design.model import Fabric
from toolkit.drivers import driver_for, switch_platforms_with_driver
from toolkit.state import state_dir as default_state_dir

if TYPE_CHECKING:
    from toolkit.session import Session

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
    frr_rundir: str = Field(default="/var/run/frr", description="FRR pid files (plus the pathspace in the lab)")
    frr_daemons: list[str] = Field(default_factory=lambda: ["zebra", "bgpd", "staticd"])
    frr_start: dict[str, str] | None = Field(
        default=None,
        description="daemon -> shell command that starts it again after it died, as watchfrr would; "
        "None: the device's own service manager restarts it (systemctl restart frr)",
    )
    identity: dict[str, str] = Field(
        default_factory=dict,
        description="shell word -> value it must print in a session of this device (checked once on open)",
    )
    sudo: bool = Field(default=False, description="privileged tools (vtysh, lldpcli, dcb) run through `sudo -n`")
    lldp_socket: str | None = Field(default=None, description="lldpd control socket (lab: one lldpd per device)")
    unsupported: str | None = Field(default=None, description="why aidc cannot apply this device (yet)")
    confirm_timeout: int | None = Field(
        default=None,
        description="seconds a pushed configuration waits for its confirm before the device rolls it back "
        "(commit-confirm platforms; None: the driver's default)",
    )

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


class TargetSpec(BaseModel):
    """Serialisable description of a target: no credential (an inventory target reads them from
    the environment wherever it is rebuilt)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["lab", "inventory"]
    name: str
    cluster: str
    state_dir: str
    network_mode: str
    impl: str | None = Field(
        default=None,
        description="import path ``module:Class`` of another Target implementation, built with "
        "``Class.from_spec(spec, fabric)`` (None: the kind's own class)",
    )
    confirm_timeouts: dict[str, int] = Field(
        default_factory=dict,
        description="platform -> seconds a pushed configuration waits for its confirm before the device "
        "rolls it back (commit-confirm platforms; missing: the driver's default)",
    )


class Target(ABC):
    """Devices plus connection settings; ``name`` selects ``targets/<name>/<cluster>`` state."""

    kind: ClassVar[Literal["lab", "inventory"]]
    name: str
    cluster: str
    state_base: Path
    network_mode: str
    """``aidc_network_mode`` for the host network playbook (``iproute2`` in the lab)."""
    hardware: bool = True
    """Physical devices: GPUs, NVLink, RDMA NICs and DCB may exist and are checked."""
    sudo: bool = False
    """The login user is not root: privileged tools run through ``sudo -n``."""

    impl: ClassVar[str | None] = None
    """Import path of this class for ``TargetSpec.impl`` (None: the built-in of its kind)."""
    confirm_timeouts: Mapping[str, int] = {}
    """Platform -> commit-confirm timeout in seconds (see ``TargetSpec.confirm_timeouts``)."""

    def spec(self) -> TargetSpec:
        return TargetSpec(
            kind=self.kind,
            name=self.name,
            cluster=self.cluster,
            state_dir=str(self.state_base.resolve()),
            network_mode=self.network_mode,
            impl=self.impl,
            confirm_timeouts=dict(self.confirm_timeouts),
        )

    def open(
        self,
        device: str,
        *,
        timeout: float = 60.0,
        connect_timeout: float = 10.0,
        log: Callable[[str], None] | None = None,
    ) -> Session:
        """An open session to ``device`` (identity verified); close it (or use ``with``)."""
        from toolkit.session import SshSession

        return SshSession(self.device(device), timeout=timeout, connect_timeout=connect_timeout, log=log).open()

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

    hardware = False
    sudo = False

    def __init__(self, cluster: str, state_dir: Path | str | None = None, *, name: str = "lab") -> None:
        from toolkit.lab import load_state
        from toolkit.lab.daemons import frr_daemon_argv
        from toolkit.lab.state import FRR_DAEMONS, lldp_socket

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
                identity={"$AIDC_DEVICE": n.device, "$AIDC_NETNS": n.namespace},
                lldp_socket=lldp_socket(st, n.device),
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

    Credentials come from the environment only: ``AIDC_SSH_USER`` (default ``root``; another user
    runs the privileged tools through ``sudo -n``), ``AIDC_SSH_KEY`` (private key file),
    ``AIDC_SSH_PASSWORD``, ``AIDC_SSH_KNOWN_HOSTS`` (default ``~/.ssh/known_hosts``). A session
    verifies that the device's short hostname is its Fabric name before anything runs. Not
    implemented (reported per device, never silently skipped): switch platforms without an apply
    driver (``toolkit.drivers``); the ``netplan`` network mode of the host playbook is
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
        confirm_timeouts: Mapping[str, int] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        if confirm_timeouts is None:
            confirm_timeouts = parse_confirm_timeouts(env.get("AIDC_CONFIRM_TIMEOUT"))
        self.confirm_timeouts = dict(confirm_timeouts)
        self.name = name
        self.cluster = fabric.name
        self.state_base = Path(state_dir) if state_dir is not None else default_state_dir()
        self.network_mode = network_mode
        self._user = env.get("AIDC_SSH_USER") or "root"
        self.sudo = self._user != "root"
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
            if d.is_switch and driver_for(d.platform) is None:
                unsupported = (
                    f"platform {d.platform!r}: no apply driver yet (NotImplemented; "
                    f"only {', '.join(switch_platforms_with_driver())})"
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
                identity={"$(hostname -s)": d.name},
                sudo=self.sudo,
                unsupported=unsupported,
                confirm_timeout=self.confirm_timeouts.get(d.platform),
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


TARGET_KINDS: tuple[str, ...] = ("lab", "inventory")


def get_target(kind: str, fabric: Fabric, state_dir: Path | str | None = None) -> Target:
    """The target named on the command line (``--target lab`` or ``--target inventory``)."""
    if kind == "lab":
        return LabTarget(fabric.name, state_dir)
    if kind == "inventory":
        return InventoryTarget(fabric, state_dir)
    raise TargetError(f"unknown target {kind!r}: use {' or '.join(TARGET_KINDS)}")


def target_from_spec(spec: TargetSpec, fabric: Fabric) -> Target:
    """The target ``spec`` describes (in another process: same devices, same credentials)."""
    if spec.impl:
        from toolkit.platforms import load_hook

        cls = load_hook(spec.impl)
        built: Target = cls.from_spec(spec, fabric)  # type: ignore[attr-defined]
        return built
    if spec.kind == "lab":
        return LabTarget(spec.cluster, spec.state_dir, name=spec.name)
    return InventoryTarget(
        fabric, spec.state_dir, name=spec.name, network_mode=spec.network_mode, confirm_timeouts=spec.confirm_timeouts
    )


PLATFORMS_WITH_CONFIRM = ("cumulus", "eos", "sonic")


def parse_confirm_timeouts(text: str | None) -> dict[str, int]:
    """``AIDC_CONFIRM_TIMEOUT``: ``600`` (every commit-confirm platform) or ``eos=300,sonic=600``."""
    if not text or not text.strip():
        return {}
    out: dict[str, int] = {}
    for part in text.split(","):
        name, sep, value = part.strip().rpartition("=")
        if not value.strip().isdigit() or int(value) < 1:
            raise TargetError(
                f"AIDC_CONFIRM_TIMEOUT: {part.strip()!r} is not a number of seconds (use 600 or eos=300,sonic=600)"
            )
        for p in [name.strip()] if sep else PLATFORMS_WITH_CONFIRM:
            out[p] = int(value)
    return out
