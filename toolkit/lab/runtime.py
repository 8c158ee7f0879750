"""Bring a Fabric up as a digital twin in Linux network namespaces, and take it down again.

Everything the lab creates is recorded in ``<state_dir>/lab/<cluster>/state.json`` *before* it
is created (processes right after they are spawned), so ``lab_down`` can remove a partial lab;
``lab_up`` rolls back on any failure. Processes are only ever signalled by recorded PID (checked
against the recorded start time) or because they live inside one of the lab's own namespaces.

Command lines that work on Debian 12 (FRR 8.4.4, OpenSSH 9.2, lldpd 1.0.16); ``WRAP`` stands for
``ip netns exec <ns> unshare --uts -- sh -c 'hostname "$0" && exec "$@"' <device>`` (own network
namespace and own hostname, same PID as the daemon, so the recorded PID is the daemon's):

- FRR per switch (pathspace ``-N <ns>``: config ``/etc/frr/<ns>/``, sockets ``/var/run/frr/<ns>/``)::

    WRAP /usr/lib/frr/zebra   -N <ns> -F datacenter -P 0 --log stdout   (stdout -> <lab>/log/<dev>.frr.log)
    WRAP /usr/lib/frr/bgpd    -N <ns> -F datacenter -P 0 --log stdout
    WRAP /usr/lib/frr/staticd -N <ns> -F datacenter -P 0 --log stdout
    WRAP vtysh -N <ns> -b                                     (loads /etc/frr/<ns>/frr.conf)
    WRAP vtysh -N <ns> -c 'show running-config'
    WRAP /usr/lib/frr/frr-reload.py --reload --stdout -N <ns> --confdir /etc/frr <new.conf>

  ``--confdir`` of frr-reload.py is the *base* directory: frr-reload passes it to vtysh as
  ``--config_dir`` next to ``-N <ns>`` and vtysh appends the pathspace itself. With
  ``--confdir /etc/frr/<ns>`` vtysh looks for ``/etc/frr/<ns>/<ns>/vtysh.conf``, misses
  ``service integrated-vtysh-config`` and the final ``write`` leaves per-daemon files
  (zebra.conf, bgpd.conf) behind. The daemons run in the foreground (no ``-d``), so their PID is
  known; ``-P 0`` disables the TCP vty. ``-F datacenter`` (``frr defaults datacenter``, which can
  only be chosen at daemon start, so rendered configs should carry that line) gives 3/9 s BGP
  timers and a 10 s connect retry: unnumbered sessions come up in about 1.5 s instead of 10 s.
- sshd per device (one host key and one client key per lab)::

    WRAP /usr/sbin/sshd -D -e -f <lab>/ssh/sshd_config -o ListenAddress=<mgmt-ip>:22
         -o "SetEnv=AIDC_DEVICE=<device> AIDC_NETNS=<ns>"

  (``/run/sshd`` must exist; ``PidFile none``; ``StrictModes no``; ``UsePAM no``.)
  From the root namespace: ``ssh -F <lab>/ssh/ssh_config <device> hostname``.
- lldpd per device (``<run>`` is ``/run/aidc-lab/<cluster>-<hash>``: lldpd runs as ``_lldpd``
  and must reach its socket and ``-O`` file whatever the modes of ``state_dir`` are)::

    WRAP lldpd -d -u <run>/<device>.lldpd.sock -p <run>/<device>.lldpd.pid -O <run>/<device>.lldpd.conf
         -m <mgmt-ip>
    lldpcli -u <run>/<device>.lldpd.sock show neighbors -f json0

  with ``configure system hostname <device>``, ``configure lldp portidsubtype ifname``,
  ``configure lldp tx-interval 1`` and ``configure lldp tx-hold 10`` in the ``-O`` file (lldpd
  runs it through lldpcli at start). ``/run/lldpd`` (privilege separation chroot) must exist.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from toolkit.design.model import Fabric
from toolkit.lab.topology import LabNode, LabTopology, lab_topology

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
_WRAP = 'hostname "$0" && exec "$@"'
_SOCK_MAX = 100


class LabError(RuntimeError):
    """The lab could not be brought up (it has been rolled back) or an operation failed."""


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProcessRecord(_M):
    device: str | None
    name: str
    pid: int
    start_time: int = Field(description="/proc/<pid>/stat starttime: guards against PID reuse")
    argv: list[str]
    log: str | None = None


class SshAccess(_M):
    """How ansible / netmiko / ssh reach the lab devices (from the root namespace)."""

    user: str = SSH_USER
    port: int = 22
    private_key: str
    public_key: str
    known_hosts: str
    config: str = Field(description="ssh -F <config> <device> works")
    host_key: str
    hosts: dict[str, str] = Field(description="device -> management IP")


class LabState(_M):
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


class DownReport(_M):
    cluster: str
    state_found: bool
    killed: list[int] = Field(default_factory=list)
    force_killed: list[int] = Field(default_factory=list)
    namespaces_removed: list[str] = Field(default_factory=list)
    links_removed: list[str] = Field(default_factory=list)
    paths_removed: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)


class ProcessStatus(_M):
    name: str
    pid: int
    alive: bool
    rss_kib: int
    pss_kib: int


class NodeStatus(_M):
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


class LabStatus(_M):
    cluster: str
    state_found: bool
    status: str | None = None
    scope: str | None = None
    oob_ok: bool = False
    nodes: list[NodeStatus] = Field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return self.state_found and self.status == "up" and self.oob_ok and all(n.healthy for n in self.nodes)


# ----------------------------------------------------------------------------------------- paths


def lab_dir(cluster: str, state_dir: Path | str) -> Path:
    return Path(state_dir).resolve() / "lab" / cluster


def state_path(cluster: str, state_dir: Path | str) -> Path:
    return lab_dir(cluster, state_dir) / "state.json"


def load_state(cluster: str, state_dir: Path | str) -> LabState | None:
    p = state_path(cluster, state_dir)
    if not p.is_file():
        return None
    return LabState.model_validate_json(p.read_text())


def _require_state(cluster: str, state_dir: Path | str) -> LabState:
    st = load_state(cluster, state_dir)
    if st is None:
        raise LabError(f"no lab {cluster!r} under {lab_dir(cluster, state_dir)}")
    return st


def _save(st: LabState) -> None:
    p = Path(st.state_file)
    tmp = p.with_suffix(".tmp")
    tmp.write_text(st.model_dump_json(indent=1))
    os.replace(tmp, p)


def frr_conf_path(cluster: str, state_dir: Path | str, device: str) -> Path:
    """The integrated config of a lab switch: ``/etc/frr/<ns>/frr.conf``."""
    return FRR_ETC / _require_state(cluster, state_dir).node(device).namespace / "frr.conf"


def lldp_socket(st: LabState, device: str) -> str:
    return str(Path(st.run_dir) / f"{device}.lldpd.sock")


# --------------------------------------------------------------------------------- processes


def ns_argv(namespace: str, hostname: str, argv: Sequence[str]) -> list[str]:
    """argv that runs ``argv`` in ``namespace`` with its own UTS namespace named ``hostname``."""
    return ["ip", "netns", "exec", namespace, "unshare", "--uts", "--", "sh", "-c", _WRAP, hostname, *argv]


_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _proc_start_time(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def _alive(rec: ProcessRecord) -> bool:
    return _proc_start_time(rec.pid) == rec.start_time


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kib(pid: int) -> int:
    """Proportional set size: shared libraries split between the processes using them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _spawn(st: LabState, node: LabNode | None, name: str, argv: list[str], log: Path) -> ProcessRecord:
    ns = node.namespace if node else st.topology.oob_namespace
    host = node.hostname if node else "oob"
    full = ns_argv(ns, host, argv)
    with open(log, "ab") as fh:
        p = subprocess.Popen(
            full, stdin=subprocess.DEVNULL, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    _CHILDREN[p.pid] = p
    start = _proc_start_time(p.pid)
    rec = ProcessRecord(
        device=node.device if node else None,
        name=name,
        pid=p.pid,
        start_time=start if start is not None else -1,
        argv=full,
        log=str(log),
    )
    st.processes.append(rec)
    return rec


def _run(
    argv: Sequence[str], stdin: str | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    cp = subprocess.run(list(argv), input=stdin, capture_output=True, text=True, check=False)
    if check and cp.returncode != 0:
        raise LabError(f"{' '.join(argv[:6])}... failed ({cp.returncode}): {cp.stderr.strip()[:2000]}")
    return cp


def _run_parallel(jobs: list[tuple[list[str], str | None]], what: str, width: int = 16) -> None:
    """Run short commands concurrently (``width`` at a time); raise on the first failure."""
    errors: list[str] = []
    pending = list(jobs)
    running: list[tuple[subprocess.Popen[str], str | None, list[str]]] = []
    while pending or running:
        while pending and len(running) < width:
            argv, data = pending.pop(0)
            p = subprocess.Popen(
                argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            running.append((p, data, argv))
        p, data, argv = running.pop(0)
        _out, err = p.communicate(data)
        if p.returncode != 0:
            errors.append(f"{' '.join(argv[:5])}: {err.strip()[:500]}")
    if errors:
        raise LabError(f"{what} failed: " + "; ".join(errors[:5]))


def _namespace_pids(namespaces: Iterable[str]) -> dict[int, str]:
    """PIDs of every process whose network namespace is one of ``namespaces``."""
    inodes: dict[int, str] = {}
    for ns in namespaces:
        with contextlib.suppress(OSError):
            inodes[os.stat(f"/run/netns/{ns}").st_ino] = ns
    if not inodes:
        return {}
    found: dict[int, str] = {}
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            ino = os.stat(f"/proc/{entry.name}/ns/net").st_ino
        except OSError:
            continue
        if ino in inodes:
            found[int(entry.name)] = inodes[ino]
    return found


def _reap(pid: int) -> None:
    p = _CHILDREN.get(pid)
    if p is not None:
        with contextlib.suppress(Exception):
            if p.poll() is not None:
                _CHILDREN.pop(pid, None)
        return
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def _pid_alive(pid: int) -> bool:
    _reap(pid)
    return _proc_start_time(pid) is not None


def _terminate(pids: Iterable[int], report: DownReport, grace: float = 3.0) -> None:
    pids = sorted(set(pids))
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
            report.killed.append(pid)
    deadline = time.monotonic() + grace
    left = [p for p in pids if _pid_alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if _pid_alive(p)]
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            report.force_killed.append(pid)
    deadline = time.monotonic() + 2.0
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = [p for p in left if _pid_alive(p)]
    for pid in left:
        report.errors.append(f"process {pid} did not exit")


# ----------------------------------------------------------------------------------- teardown


def _existing_netns() -> set[str]:
    cp = _run(["ip", "netns", "list"], check=False)
    return {line.split()[0] for line in cp.stdout.splitlines() if line.strip()}


def _link_exists(name: str) -> bool:
    return Path(f"/sys/class/net/{name}").exists()


def _teardown(st: LabState, report: DownReport) -> None:
    # 1. processes: recorded ones (PID + start time must match), then anything left inside our namespaces
    recorded = [r.pid for r in st.processes if _alive(r)]
    in_ns = _namespace_pids(st.namespaces)
    _terminate([*recorded, *in_ns], report)
    leftover = _namespace_pids(st.namespaces)
    if leftover:
        _terminate(leftover, report, grace=1.0)
    for r in st.processes:
        _reap(r.pid)
    # 2. namespaces (veths inside them go with them) and root-namespace links
    existing = _existing_netns()
    gone = [ns for ns in st.namespaces if ns in existing]
    if gone:
        cp = _run(
            ["ip", "-force", "-batch", "-"], stdin="".join(f"netns del {ns}\n" for ns in gone), check=False
        )
        if cp.returncode != 0:
            report.errors.append(f"ip netns del: {cp.stderr.strip()[:500]}")
        still = _existing_netns()
        report.namespaces_removed.extend(ns for ns in gone if ns not in still)
        report.errors.extend(f"namespace {ns} still exists" for ns in gone if ns in still)
    for link in st.root_links:
        if _link_exists(link):
            cp = _run(["ip", "link", "del", link], check=False)
            if cp.returncode == 0 or not _link_exists(link):
                report.links_removed.append(link)
            else:
                report.errors.append(f"ip link del {link}: {cp.stderr.strip()}")
    # 3. files
    for d in [*st.frr_dirs, st.run_dir]:
        p = Path(d)
        if p.exists():
            shutil.rmtree(p, ignore_errors=True)
            (report.errors if p.exists() else report.paths_removed).append(str(p))
    with contextlib.suppress(OSError):
        LAB_RUN.rmdir()  # only when no other lab uses it


NEIGH_SYSCTLS = tuple(
    f"/proc/sys/net/{fam}/neigh/default/gc_thresh{i}" for fam in ("ipv4", "ipv6") for i in (2, 3)
)
"""The neighbour table limits are machine-wide (shared by every namespace): the default 1024
entries are too few for one SU (ping then fails with ENOBUFS), so lab up raises them."""


def _neigh_target(topo: LabTopology) -> dict[str, int]:
    need = max(4096, 8 * (len(topo.links) + len(topo.nodes)))
    return {p: (need if p.endswith("3") else need // 2) for p in NEIGH_SYSCTLS}


def _raise_host_sysctls(st: LabState) -> None:
    for path, want in _neigh_target(st.topology).items():
        try:
            cur = Path(path).read_text().strip()
        except OSError:
            continue
        if cur.isdigit() and int(cur) < want:
            st.host_sysctls.setdefault(path, cur)
            Path(path).write_text(f"{want}\n")


def _restore_host_sysctls(st: LabState, report: DownReport) -> None:
    """Put back what lab up raised, unless another aidc lab still runs on this machine."""
    if not st.host_sysctls:
        return
    others = [p for p in LAB_RUN.iterdir() if p.name != Path(st.run_dir).name] if LAB_RUN.is_dir() else []
    if others:
        return
    for path, old in st.host_sysctls.items():
        try:
            Path(path).write_text(f"{old}\n")
        except OSError as exc:
            report.errors.append(f"cannot restore {path} to {old}: {exc}")


def lab_down(cluster_name: str, state_dir: Path | str) -> DownReport:
    """Remove everything a (possibly partial) lab created. Idempotent."""
    report = DownReport(cluster=cluster_name, state_found=False)
    ldir = lab_dir(cluster_name, state_dir)
    try:
        st = load_state(cluster_name, state_dir)
    except ValueError as exc:
        report.errors.append(f"unreadable state file: {exc}")
        return report
    if st is None:
        return report
    report.state_found = True
    from toolkit.lab.storage import stop_storage

    stop_storage(st)  # Ceph daemons by PID first; the namespace sweep below catches the rest
    _teardown(st, report)
    _restore_host_sysctls(st, report)
    if not report.errors and ldir.exists():
        shutil.rmtree(ldir, ignore_errors=True)
        report.paths_removed.append(str(ldir))
    return report


# ---------------------------------------------------------------------------------------- up


def _preflight(topo: LabTopology) -> None:
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, veth, daemons)")
    missing = [
        str(p) for p in (*(FRR_BIN / d for d in FRR_DAEMONS), FRR_RELOAD, Path(SSHD)) if not p.exists()
    ] + [
        b
        for b in ("ip", "unshare", "lldpd", "lldpcli", "vtysh", "ssh-keygen", "hostname")
        if not shutil.which(b)
    ]
    if missing:
        raise LabError("missing programs: " + ", ".join(missing))
    clash = sorted(set([*topo.namespaces, topo.oob_namespace]) & _existing_netns())
    if clash:
        raise LabError(f"namespaces already exist: {', '.join(clash[:5])} (another lab? run lab down)")
    if _link_exists(topo.controller_ifname):
        raise LabError(f"interface {topo.controller_ifname} already exists in the root namespace")
    oob = ipaddress.ip_network(topo.oob_prefix)
    routes = _run(["ip", "-j", "route", "show", "table", "all"], check=False)
    try:
        entries: list[dict[str, Any]] = json.loads(routes.stdout or "[]")
    except json.JSONDecodeError:
        entries = []
    for r in entries:
        dst = r.get("dst", "")
        if dst in ("default", "") or r.get("type") in ("broadcast", "local", "multicast"):
            continue
        try:
            net = ipaddress.ip_network(dst if "/" in dst else f"{dst}/32", strict=False)
        except ValueError:
            continue
        if net.version == oob.version and net.overlaps(oob) and net.prefixlen > 0:
            raise LabError(f"OOB prefix {oob} overlaps route {dst} dev {r.get('dev')} in the root namespace")
    for frr_dir in (FRR_ETC, FRR_RUN):
        for n in topo.nodes:
            if n.frr and (frr_dir / n.namespace).exists():
                raise LabError(f"{frr_dir / n.namespace} already exists")


def _keygen(sshdir: Path) -> tuple[Path, Path]:
    host = sshdir / "ssh_host_ed25519_key"
    client = sshdir / "id_ed25519"
    procs = [
        subprocess.Popen(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for path, comment in ((host, "aidc-lab-host"), (client, "aidc-lab-client"))
    ]
    for p in procs:
        _o, err = p.communicate()
        if p.returncode != 0:
            raise LabError(f"ssh-keygen failed: {err.decode(errors='replace')}")
    return host, client


def _write(path: Path, text: str, mode: int = 0o644) -> None:
    path.write_text(text)
    path.chmod(mode)


def _ssh_files(st: LabState, host_key: Path, client_key: Path) -> None:
    sshdir = Path(st.ssh.config).parent
    _write(sshdir / "authorized_keys", Path(f"{client_key}.pub").read_text(), 0o600)
    _write(
        sshdir / "sshd_config",
        "\n".join(
            [
                "# aidc lab sshd (ListenAddress and SetEnv come per device on the command line)",
                f"HostKey {host_key}",
                f"AuthorizedKeysFile {sshdir / 'authorized_keys'}",
                "PidFile none",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "UseDNS no",
                "PrintMotd no",
                "X11Forwarding no",
                "AcceptEnv LANG LC_*",
                "MaxStartups 100:30:200",
                "Subsystem sftp /usr/lib/openssh/sftp-server",
                "",
            ]
        ),
    )
    hostkey_pub = Path(f"{host_key}.pub").read_text().split()
    kh = [f"{n.device},{n.mgmt_ip} {hostkey_pub[0]} {hostkey_pub[1]}" for n in st.topology.nodes]
    _write(Path(st.ssh.known_hosts), "\n".join(kh) + "\n")
    lines = [f"# aidc lab {st.cluster}: ssh -F {st.ssh.config} <device>"]
    for n in st.topology.nodes:
        lines += [f"Host {n.device}", f"    HostName {n.mgmt_ip}", ""]
    lines += [
        "Host *",
        f"    User {SSH_USER}",
        "    Port 22",
        f"    IdentityFile {client_key}",
        "    IdentitiesOnly yes",
        f"    UserKnownHostsFile {st.ssh.known_hosts}",
        "    GlobalKnownHostsFile /dev/null",
        "    StrictHostKeyChecking yes",
        "    PasswordAuthentication no",
        "    BatchMode yes",
        "    ConnectTimeout 5",
        "    LogLevel ERROR",
        "",
    ]
    _write(Path(st.ssh.config), "\n".join(lines))


def _frr_files(st: LabState, node: LabNode) -> None:
    etc = FRR_ETC / node.namespace
    run = FRR_RUN / node.namespace
    etc.mkdir(mode=0o755)
    run.mkdir(mode=0o755, exist_ok=True)
    _write(
        etc / "frr.conf",
        f"frr defaults {st.frr_profile}\nhostname {node.hostname}\nlog stdout informational\n"
        "service integrated-vtysh-config\n!\n",
        0o640,
    )
    _write(etc / "vtysh.conf", "service integrated-vtysh-config\n", 0o640)
    daemons = ["# aidc lab: daemons are started by toolkit.lab, this file documents them"]
    daemons += [f"{d}={'yes' if d in FRR_DAEMONS else 'no'}" for d in ("zebra", "bgpd", "staticd", "bfdd")]
    daemons += ["vtysh_enable=yes", f"# pathspace: -N {node.namespace}", ""]
    _write(etc / "daemons", "\n".join(daemons), 0o640)
    for p in (etc, run, *etc.iterdir()):
        shutil.chown(p, "frr", "frr")


def _lldp_conf(st: LabState, node: LabNode) -> Path:
    path = Path(st.run_dir) / f"{node.device}.lldpd.conf"
    _write(
        path,
        "\n".join(
            [
                f"configure system hostname {node.hostname}",
                "configure lldp portidsubtype ifname",
                "configure lldp tx-interval 1",
                "configure lldp tx-hold 10",
                "",
            ]
        ),
    )
    return path


def _create_network(st: LabState) -> None:
    topo = st.topology
    t0 = time.monotonic()
    root = [f"netns add {ns}\n" for ns in st.namespaces]
    for link in topo.links:
        a, b = link.a, link.b
        root.append(
            f"link add name {a.ifname} mtu {a.mtu} netns {a.namespace} type veth "
            f"peer name {b.ifname} mtu {b.mtu} netns {b.namespace}\n"
        )
    for i, stub in enumerate(topo.stubs):  # peer outside the scope: the far end stays down
        root.append(
            f"link add name {stub.ifname} mtu {stub.mtu} netns {stub.namespace} type veth "
            f"peer name x{i} mtu {stub.mtu} netns {topo.oob_namespace}\n"
        )
    for n in topo.nodes:
        root.append(
            f"link add name {n.mgmt_ifname} mtu {n.mgmt_mtu} netns {n.namespace} type veth "
            f"peer name {n.oob_ifname} mtu {n.mgmt_mtu} netns {topo.oob_namespace}\n"
        )
    root.append(
        f"link add name {topo.controller_ifname} type veth peer name {topo.controller_peer} "
        f"netns {topo.oob_namespace}\n"
    )
    root.append(f"addr add {topo.controller_address} dev {topo.controller_ifname}\n")
    root.append(f"link set {topo.controller_ifname} up\n")
    _run(["ip", "-batch", "-"], stdin="".join(root))
    st.timings["network_root"] = round(time.monotonic() - t0, 3)

    t0 = time.monotonic()
    oob = [
        "link set lo up\n",
        f"link add {topo.oob_bridge} type bridge stp_state 0 forward_delay 0\n",
        f"link set {topo.oob_bridge} up\n",
    ]
    for port in [topo.controller_peer, *(n.oob_ifname for n in topo.nodes)]:
        oob.append(f"link set {port} master {topo.oob_bridge} up\n")
    jobs: list[tuple[list[str], str | None]] = [
        (["ip", "-n", topo.oob_namespace, "-batch", "-"], "".join(oob))
    ]
    for n in topo.nodes:
        cmds = [
            "link set lo up\n",
            f"link set {n.mgmt_ifname} up\n",
            f"addr add {n.mgmt_address} dev {n.mgmt_ifname}\n",
        ]
        cmds += [f"link set {i} up\n" for i in n.interfaces]
        jobs.append((["ip", "-n", n.namespace, "-batch", "-"], "".join(cmds)))
    _run_parallel(jobs, "interface setup")
    st.timings["network_namespaces"] = round(time.monotonic() - t0, 3)


def _start_sshd(st: LabState, node: LabNode) -> None:
    log = Path(st.log_dir) / f"{node.device}.sshd.log"
    # each device gets its own empty home: sessions must not run the controller user's dotfiles
    # (a ~/.bashrc that initialises pyenv costs 0.2 s per SSH session) nor share ~/.ansible
    home = Path(st.run_dir) / "home" / node.device
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    argv = [
        SSHD,
        "-D",
        "-e",
        "-f",
        str(Path(st.ssh.config).parent / "sshd_config"),
        "-o",
        f"ListenAddress={node.mgmt_ip}:22",
        "-o",
        f"SetEnv=AIDC_DEVICE={node.device} AIDC_NETNS={node.namespace} HOME={home}",
    ]
    _spawn(st, node, "sshd", argv, log)


def _start_lldpd(st: LabState, node: LabNode) -> None:
    conf = _lldp_conf(st, node)
    log = Path(st.log_dir) / f"{node.device}.lldpd.log"
    argv = [
        "lldpd",
        "-d",
        "-u",
        lldp_socket(st, node.device),
        "-p",
        str(Path(st.run_dir) / f"{node.device}.lldpd.pid"),
        "-O",
        str(conf),
        "-m",
        node.mgmt_ip,
    ]
    _spawn(st, node, "lldpd", argv, log)


def frr_log(st: LabState, node: LabNode) -> Path:
    return Path(st.log_dir) / f"{node.device}.frr.log"


def frr_daemon_argv(st: LabState, node: LabNode, daemon: str, *, detached: bool = False) -> list[str]:
    """Command line of one FRR daemon of a lab switch (run inside its namespace). ``detached``:
    the daemon forks and logs to the switch's FRR log itself (a restart from an SSH session)."""
    argv = [str(FRR_BIN / daemon), "-N", node.namespace, "-F", st.frr_profile, "-P", "0"]
    if detached:
        return [*argv, "-d", "--log", f"file:{frr_log(st, node)}"]
    return [*argv, "--log", "stdout"]


def _start_frr(st: LabState, node: LabNode) -> None:
    _frr_files(st, node)
    for d in FRR_DAEMONS:
        _spawn(st, node, d, frr_daemon_argv(st, node, d), frr_log(st, node))


def _wait_ready(st: LabState, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    want_sock: dict[str, list[Path]] = {}
    for n in st.topology.nodes:
        socks = [Path(lldp_socket(st, n.device))]
        if n.frr:
            socks += [FRR_RUN / n.namespace / f"{d}.vty" for d in FRR_DAEMONS]
        want_sock[n.device] = socks
    want_ssh = {n.device: n.mgmt_ip for n in st.topology.nodes}
    sshd_pid = {r.device: r.pid for r in st.processes if r.name == "sshd" and r.device}
    while True:
        dead = [r for r in st.processes if not _alive(r)]
        if dead:
            r = dead[0]
            tail = ""
            if r.log and Path(r.log).exists():
                tail = Path(r.log).read_text(errors="replace")[-800:]
            raise LabError(f"{r.device}: {r.name} (pid {r.pid}) exited during start-up:\n{tail}")
        for dev in [d for d, socks in want_sock.items() if all(s.exists() for s in socks)]:
            del want_sock[dev]
        for dev, ip in list(want_ssh.items()):
            if _listening(sshd_pid[dev], ip, 22):
                del want_ssh[dev]
        if not want_sock and not want_ssh:
            break
        if time.monotonic() > deadline:
            raise LabError(
                "lab did not become ready: "
                f"sockets missing on {sorted(want_sock)[:5]}, ssh not answering on {sorted(want_ssh)[:5]}"
            )
        time.sleep(0.05)
    # every sshd listens: prove the OOB path from the controller address (root namespace)
    for n in st.topology.nodes:
        try:
            with socket.create_connection((n.mgmt_ip, 22), timeout=max(1.0, deadline - time.monotonic())):
                pass
        except OSError as exc:
            raise LabError(
                f"{n.device}: sshd on {n.mgmt_ip}:22 not reachable from the controller: {exc}"
            ) from exc


def _listening(pid: int, ip: str, port: int) -> bool:
    """Is there a listening TCP socket on ip:port in the network namespace of ``pid``?"""
    if ":" in ip:
        return True  # IPv6 management: the connect check after the loop proves it
    want = f"{socket.htonl(int(ipaddress.IPv4Address(ip))):08X}:{port:04X}"
    try:
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return False
    return any(f.split()[1] == want and f.split()[3] == "0A" for f in lines)


def _boot_frr(st: LabState) -> None:
    jobs: list[tuple[list[str], str | None]] = [
        (ns_argv(n.namespace, n.hostname, ["vtysh", "-N", n.namespace, "-b"]), None)
        for n in st.topology.nodes
        if n.frr
    ]
    _run_parallel(jobs, "vtysh -b", width=8)


def lab_up(
    fabric: Fabric,
    state_dir: Path | str,
    scope: str | None = None,
    *,
    ready_timeout: float | None = None,
    frr_profile: str = "datacenter",
) -> LabState:
    """Build the lab for ``fabric`` (or the ``scope`` slice of it); roll back on any failure."""
    t_start = time.monotonic()
    topo = lab_topology(fabric, scope)
    cluster = fabric.name
    ldir = lab_dir(cluster, state_dir)
    if state_path(cluster, state_dir).exists():
        raise LabError(
            f"lab {cluster!r} already exists ({state_path(cluster, state_dir)}); run lab down first"
        )
    _preflight(topo)
    # lldpd runs as _lldpd: its socket and -O file must be reachable whatever state_dir's modes are,
    # and socket paths must stay short
    run_dir = LAB_RUN / f"{cluster[:20]}-{topo.lab_id}"
    longest = max((len(n.device) for n in topo.nodes), default=0) + len(".lldpd.sock.lock") + 1
    if len(str(run_dir)) + longest > _SOCK_MAX:
        raise LabError("device names too long for lldpd control socket paths")
    sshdir = ldir / "ssh"
    st = LabState(
        cluster=cluster,
        scope=scope,
        status="creating",
        lab_dir=str(ldir),
        state_file=str(ldir / "state.json"),
        run_dir=str(run_dir),
        log_dir=str(ldir / "log"),
        created=time.time(),
        frr_profile=frr_profile,
        topology=topo,
        namespaces=[*topo.namespaces, topo.oob_namespace],
        root_links=[topo.controller_ifname],
        frr_dirs=[str(base / n.namespace) for n in topo.nodes if n.frr for base in (FRR_ETC, FRR_RUN)],
        ssh=SshAccess(
            private_key=str(sshdir / "id_ed25519"),
            public_key=str(sshdir / "id_ed25519.pub"),
            known_hosts=str(sshdir / "known_hosts"),
            config=str(sshdir / "ssh_config"),
            host_key=str(sshdir / "ssh_host_ed25519_key"),
            hosts={n.device: n.mgmt_ip for n in topo.nodes},
        ),
    )
    ldir.mkdir(parents=True, exist_ok=True)
    ldir.chmod(0o755)
    _save(st)  # everything that will be created is recorded before it exists
    try:
        for d in (Path(st.log_dir), run_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o755)
        sshdir.mkdir(mode=0o700, exist_ok=True)
        for d in (SSHD_PRIVSEP, LLDPD_CHROOT):
            d.mkdir(mode=0o755, exist_ok=True)
        t0 = time.monotonic()
        host_key, client_key = _keygen(sshdir)
        _ssh_files(st, host_key, client_key)
        _raise_host_sysctls(st)
        _save(st)
        st.timings["keys"] = round(time.monotonic() - t0, 3)
        _create_network(st)
        t0 = time.monotonic()
        for i, n in enumerate(topo.nodes):
            _start_sshd(st, n)
            _start_lldpd(st, n)
            if n.frr:
                _start_frr(st, n)
            if i % 16 == 15:
                _save(st)  # lab_down also finds unrecorded processes through the namespaces
        _save(st)
        st.timings["spawn"] = round(time.monotonic() - t0, 3)
        t0 = time.monotonic()
        _wait_ready(st, ready_timeout if ready_timeout is not None else 30.0 + 0.5 * len(topo.nodes))
        _boot_frr(st)
        st.timings["ready"] = round(time.monotonic() - t0, 3)
        st.status = "up"
        st.timings["total"] = round(time.monotonic() - t_start, 3)
        _save(st)
        return st
    except BaseException as exc:
        st.status = "failed"
        with contextlib.suppress(Exception):
            _save(st)
        report = lab_down(cluster, state_dir)
        if isinstance(exc, LabError | OSError | ValueError | subprocess.SubprocessError):
            extra = f" (rollback problems: {'; '.join(report.errors)})" if report.errors else ""
            raise LabError(f"lab up failed and was rolled back: {exc}{extra}") from exc
        raise


# ------------------------------------------------------------------------------- using the lab


def lab_status(cluster_name: str, state_dir: Path | str) -> LabStatus:
    st = load_state(cluster_name, state_dir)
    if st is None:
        return LabStatus(cluster=cluster_name, state_found=False)
    existing = _existing_netns()
    in_ns: dict[str, list[int]] = {}
    for pid, ns in _namespace_pids(st.namespaces).items():
        in_ns.setdefault(ns, []).append(pid)
    nodes = []
    for n in st.topology.nodes:
        procs = []
        for r in st.processes:
            if r.device == n.device:
                alive = _alive(r)
                procs.append(
                    ProcessStatus(
                        name=r.name,
                        pid=r.pid,
                        alive=alive,
                        rss_kib=_rss_kib(r.pid) if alive else 0,
                        pss_kib=_pss_kib(r.pid) if alive else 0,
                    )
                )
        pids = in_ns.get(n.namespace, [])
        nodes.append(
            NodeStatus(
                device=n.device,
                role=n.role,
                namespace=n.namespace,
                mgmt_ip=n.mgmt_ip,
                namespace_exists=n.namespace in existing,
                processes=procs,
                rss_kib=sum(_rss_kib(p) for p in pids),
                pss_kib=sum(_pss_kib(p) for p in pids),
            )
        )
    oob_ok = st.topology.oob_namespace in existing and _link_exists(st.topology.controller_ifname)
    return LabStatus(
        cluster=cluster_name, state_found=True, status=st.status, scope=st.scope, oob_ok=oob_ok, nodes=nodes
    )


def device_argv(cluster_name: str, state_dir: Path | str, device: str, argv: Sequence[str]) -> list[str]:
    """argv running ``argv`` in the device's namespace with the device's hostname."""
    node = _require_state(cluster_name, state_dir).node(device)
    return ns_argv(node.namespace, node.hostname, argv)


def lab_exec(
    cluster_name: str,
    state_dir: Path | str,
    device: str,
    argv: Sequence[str],
    *,
    input: str | None = None,
    timeout: float | None = 60.0,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in the device's namespace (hostname = device name); output captured as text."""
    return subprocess.run(
        device_argv(cluster_name, state_dir, device, argv),
        input=input,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def lab_shell_argv(
    cluster_name: str, state_dir: Path | str, device: str, shell: str | None = None
) -> list[str]:
    """argv for an interactive shell in the device's namespace, hostname = device name."""
    node = _require_state(cluster_name, state_dir).node(device)
    sh = shell or os.environ.get("SHELL") or "/bin/bash"
    return [
        "ip",
        "netns",
        "exec",
        node.namespace,
        "unshare",
        "--uts",
        "--",
        "env",
        f"AIDC_DEVICE={node.device}",
        f"AIDC_NETNS={node.namespace}",
        "sh",
        "-c",
        _WRAP,
        node.hostname,
        sh,
        "-i",
    ]


def ssh_argv(cluster_name: str, state_dir: Path | str, device: str, *command: str) -> list[str]:
    st = _require_state(cluster_name, state_dir)
    st.node(device)
    return ["ssh", "-F", st.ssh.config, device, *command]


def vtysh_argv(cluster_name: str, state_dir: Path | str, device: str, *commands: str) -> list[str]:
    """argv for ``vtysh -N <ns> -c <command>...`` on a lab switch (no commands: interactive)."""
    node = _require_state(cluster_name, state_dir).node(device)
    if not node.frr:
        raise LabError(f"{device} is not a switch: no FRR")
    argv = ["vtysh", "-N", node.namespace]
    for c in commands:
        argv += ["-c", c]
    return ns_argv(node.namespace, node.hostname, argv)


def frr_reload_argv(cluster_name: str, state_dir: Path | str, device: str, conf: Path | str) -> list[str]:
    """argv applying ``conf`` to a lab switch with frr-reload.py (and saving it as frr.conf)."""
    node = _require_state(cluster_name, state_dir).node(device)
    if not node.frr:
        raise LabError(f"{device} is not a switch: no FRR")
    return ns_argv(
        node.namespace,
        node.hostname,
        [str(FRR_RELOAD), "--reload", "--stdout", "-N", node.namespace, "--confdir", str(FRR_ETC), str(conf)],
    )


def frr_reload(
    cluster_name: str, state_dir: Path | str, device: str, config_text: str, *, timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Write ``config_text`` next to the lab state and apply it with frr-reload.py."""
    st = _require_state(cluster_name, state_dir)
    path = Path(st.lab_dir) / "frr" / f"{device}.conf"
    path.parent.mkdir(exist_ok=True)
    path.write_text(config_text)
    path.chmod(0o644)
    return subprocess.run(
        frr_reload_argv(cluster_name, state_dir, device, path),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# ------------------------------------------------------------------------------ observations


def lldp_neighbors(cluster_name: str, state_dir: Path | str, device: str) -> dict[str, list[tuple[str, str]]]:
    """Local ifname -> [(peer system name, peer port id)] as lldpd in the device sees it."""
    st = _require_state(cluster_name, state_dir)
    st.node(device)
    cp = _run(["lldpcli", "-u", lldp_socket(st, device), "show", "neighbors", "-f", "json0"], check=False)
    if cp.returncode != 0:
        return {}
    return parse_lldp_json0(cp.stdout)


def parse_lldp_json0(text: str) -> dict[str, list[tuple[str, str]]]:
    data = json.loads(text or "{}")
    out: dict[str, list[tuple[str, str]]] = {}
    for lldp in data.get("lldp", []):
        for iface in lldp.get("interface", []):
            name = iface.get("name", "")
            sysname = ""
            for ch in iface.get("chassis", []):
                for nm in ch.get("name", []):
                    sysname = nm.get("value", sysname)
            portid = ""
            for port in iface.get("port", []):
                for pid in port.get("id", []):
                    portid = pid.get("value", portid)
            out.setdefault(name, []).append((sysname, portid))
    return out


class LldpReport(_M):
    ok: bool
    missing: list[str] = Field(description="'dev:ifname expects peer:port' for cables not (yet) seen")
    neighbors: dict[str, dict[str, list[tuple[str, str]]]]
    seconds: float


def wait_lldp(
    cluster_name: str, state_dir: Path | str, timeout: float = 30.0, devices: Iterable[str] | None = None
) -> LldpReport:
    """Wait until every lab cable (touching ``devices``, default all) is seen by LLDP on both ends."""
    st = _require_state(cluster_name, state_dir)
    wanted = set(devices) if devices is not None else {n.device for n in st.topology.nodes}
    expect: dict[str, dict[str, tuple[str, str]]] = {}
    for link in st.topology.links:
        for me, peer in ((link.a, link.b), (link.b, link.a)):
            if me.device in wanted:
                expect.setdefault(me.device, {})[me.ifname] = (peer.device, peer.ifname)
    t0 = time.monotonic()
    seen: dict[str, dict[str, list[tuple[str, str]]]] = {}
    while True:
        missing = []
        for dev in sorted(expect):
            seen[dev] = lldp_neighbors(cluster_name, state_dir, dev)
            for ifname, want in sorted(expect[dev].items()):
                if want not in seen[dev].get(ifname, []):
                    missing.append(f"{dev}:{ifname} expects {want[0]}:{want[1]}")
        elapsed = time.monotonic() - t0
        if not missing or elapsed > timeout:
            return LldpReport(ok=not missing, missing=missing, neighbors=seen, seconds=round(elapsed, 2))
        time.sleep(0.5)


def bgp_peers(cluster_name: str, state_dir: Path | str, device: str) -> dict[str, str]:
    """BGP peer (interface name or address) -> state, over all address families."""
    cp = subprocess.run(
        vtysh_argv(cluster_name, state_dir, device, "show bgp summary json"),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    if cp.returncode != 0:
        return {}
    try:
        data = json.loads(cp.stdout or "{}")
    except json.JSONDecodeError:
        return {}
    out: dict[str, str] = {}
    for afi in data.values():
        if isinstance(afi, dict):
            for peer, info in afi.get("peers", {}).items():
                state = info.get("state", "?")
                if out.get(peer) != "Established":
                    out[peer] = state
    return out


class BgpReport(_M):
    ok: bool
    peers: dict[str, dict[str, str]] = Field(description="device -> peer -> state")
    seconds: float


def wait_bgp(
    cluster_name: str,
    state_dir: Path | str,
    devices: Iterable[str],
    timeout: float = 60.0,
    peers: dict[str, list[str]] | None = None,
) -> BgpReport:
    """Wait until every BGP peer of ``devices`` (or the given ``peers`` per device) is Established."""
    devs = list(devices)
    t0 = time.monotonic()
    while True:
        seen = {d: bgp_peers(cluster_name, state_dir, d) for d in devs}
        ok = True
        for d in devs:
            names = (peers or {}).get(d) or list(seen[d])
            if not names or any(seen[d].get(p) != "Established" for p in names):
                ok = False
        elapsed = time.monotonic() - t0
        if ok or elapsed > timeout:
            return BgpReport(ok=ok, peers=seen, seconds=round(elapsed, 2))
        time.sleep(0.5)
