"""What the lab records about itself: ``<state_dir>/lab/<cluster>/state.json`` (models, paths, load/save)
and the locations of the programs and run directories it uses.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from toolkit.lab.topology import LabExternal, LabNode, LabTopology

FRR_BIN = Path("/usr/lib/frr")


FRR_RELOAD = FRR_BIN / "frr-reload.py"


FRR_ETC = Path("/etc/frr")


FRR_RUN = Path("/var/run/frr")


FRR_DAEMONS: tuple[str, ...] = ("zebra", "bgpd", "staticd")


SSHD = "/usr/sbin/sshd"


SSH_USER = "root"


LLDPD_CHROOT = Path("/run/lldpd")


SSHD_PRIVSEP = Path("/run/sshd")


LAB_RUN = Path("/run/aidc-lab")


SOCK_MAX = 100


class LabError(RuntimeError):
    """The lab could not be brought up (it has been rolled back) or an operation failed."""


class LabModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProcessRecord(LabModel):
    device: str | None
    name: str
    pid: int
    start_time: int = Field(description="/proc/<pid>/stat starttime: guards against PID reuse")
    argv: list[str]
    log: str | None = None


class SshAccess(LabModel):
    """How ansible / netmiko / ssh reach the lab devices (from the root namespace)."""

    user: str = SSH_USER
    port: int = 22
    private_key: str
    public_key: str
    known_hosts: str
    config: str = Field(description="ssh -F <config> <device> works")
    host_key: str
    hosts: dict[str, str] = Field(description="device -> management IP")


class LabState(LabModel):
    version: int = 1
    cluster: str
    scope: str | None
    status: Literal["creating", "up", "failed"]
    lab_dir: str
    state_file: str
    run_dir: str
    log_dir: str
    created: float
    topology: LabTopology
    namespaces: list[str] = Field(description="device namespaces plus the OOB namespace")
    root_links: list[str] = Field(description="interfaces in the root namespace")
    frr_dirs: list[str] = Field(description="/etc/frr/<ns> and /var/run/frr/<ns> directories")
    processes: list[ProcessRecord] = Field(default_factory=list)
    ssh: SshAccess
    frr_profile: str = Field(default="datacenter", description="FRR defaults profile (-F) of the switches")
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per phase of lab_up")
    host_sysctls: dict[str, str] = Field(
        default_factory=dict, description="machine-wide sysctls lab up raised: their previous values"
    )

    def node(self, device: str) -> LabNode:
        return self.topology.node(device)


class DownReport(LabModel):
    cluster: str
    state_found: bool
    killed: list[int] = Field(default_factory=list)
    force_killed: list[int] = Field(default_factory=list)
    namespaces_removed: list[str] = Field(default_factory=list)
    links_removed: list[str] = Field(default_factory=list)
    paths_removed: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


class ProcessStatus(LabModel):
    name: str
    pid: int
    alive: bool
    rss_kib: int
    pss_kib: int


class NodeStatus(LabModel):
    device: str
    role: str
    namespace: str
    mgmt_ip: str
    namespace_exists: bool
    processes: list[ProcessStatus]
    rss_kib: int = Field(description="resident memory (RSS) of all processes in the namespace")
    pss_kib: int = Field(description="proportional set size of all processes in the namespace")

    @property
    def healthy(self) -> bool:
        return self.namespace_exists and all(p.alive for p in self.processes)


class LabStatus(LabModel):
    cluster: str
    state_found: bool
    status: str | None = None
    scope: str | None = None
    oob_ok: bool = False
    nodes: list[NodeStatus] = Field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.state_found and self.status == "up" and self.oob_ok and all(n.healthy for n in self.nodes)


def lab_dir(cluster: str, state_dir: Path | str) -> Path:
    return Path(state_dir).resolve() / "lab" / cluster


def state_path(cluster: str, state_dir: Path | str) -> Path:
    return lab_dir(cluster, state_dir) / "state.json"


def load_state(cluster: str, state_dir: Path | str) -> LabState | None:
    p = state_path(cluster, state_dir)
    if not p.is_file():
        return None
    return LabState.model_validate_json(p.read_text())


def require_state(cluster: str, state_dir: Path | str) -> LabState:
    st = load_state(cluster, state_dir)
    if st is None:
        raise LabError(f"no lab {cluster!r} under {lab_dir(cluster, state_dir)}")
    return st


def save_state(st: LabState) -> None:
    p = Path(st.state_file)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(st.model_dump_json(indent=1))
    os.replace(tmp, p)


def frr_conf_path(cluster: str, state_dir: Path | str, device: str) -> Path:
    """The integrated config of a lab switch: ``/etc/frr/<ns>/frr.conf``."""
    return FRR_ETC / require_state(cluster, state_dir).node(device).namespace / "frr.conf"


def lldp_socket(st: LabState, device: str) -> str:
    return str(Path(st.run_dir) / f"{device}.lldpd.sock")


def frr_log(st: LabState, node: LabNode | LabExternal) -> Path:
    return Path(st.log_dir) / f"{node.device}.frr.log"
