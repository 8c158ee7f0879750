"""The daemons of a lab device: sshd (own host key, SetEnv identity), lldpd, FRR with its
pathspace; their configuration files, start-up and readiness.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import subprocess
import time
from pathlib import Path

from toolkit.lab.external import external_frr_conf
from toolkit.lab.processes import ns_argv, record_alive, run_parallel, spawn
from toolkit.lab.state import (
    FRR_BIN,
    FRR_DAEMONS,
    FRR_ETC,
    FRR_RUN,
    SSH_USER,
    SSHD,
    LabError,
    LabState,
    frr_log,
    lldp_socket,
)
from toolkit.lab.topology import LabExternal, LabNode


def keygen(sshdir: Path) -> tuple[Path, Path]:
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


def write_file(path: Path, text: str, mode: int = 0o644) -> None:
    path.write_text(text)
    path.chmod(mode)


def ssh_files(st: LabState, host_key: Path, client_key: Path) -> None:
    sshdir = Path(st.ssh.config).parent
    write_file(sshdir / "authorized_keys", Path(f"{client_key}.pub").read_text(), 0o600)
    write_file(
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
    write_file(Path(st.ssh.known_hosts), "\n".join(kh) + "\n")
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
    write_file(Path(st.ssh.config), "\n".join(lines))


def frr_files(st: LabState, node: LabNode | LabExternal) -> None:
    etc = FRR_ETC / node.namespace
    run = FRR_RUN / node.namespace
    etc.mkdir(mode=0o755)
    run.mkdir(mode=0o755, exist_ok=True)
    if isinstance(node, LabExternal):
        conf = external_frr_conf(node, st.frr_profile)
    else:
        conf = (
            f"frr defaults {st.frr_profile}\nhostname {node.hostname}\nlog stdout informational\n"
            "service integrated-vtysh-config\n!\n"
        )
    write_file(etc / "frr.conf", conf, 0o640)
    write_file(etc / "vtysh.conf", "service integrated-vtysh-config\n", 0o640)
    daemons = ["# aidc lab: daemons are started by toolkit.lab, this file documents them"]
    daemons += [f"{d}={'yes' if d in FRR_DAEMONS else 'no'}" for d in ("zebra", "bgpd", "staticd", "bfdd")]
    daemons += ["vtysh_enable=yes", f"# pathspace: -N {node.namespace}", ""]
    write_file(etc / "daemons", "\n".join(daemons), 0o640)
    for p in (etc, run, *etc.iterdir()):
        shutil.chown(p, "frr", "frr")


def lldp_conf(st: LabState, node: LabNode) -> Path:
    path = Path(st.run_dir) / f"{node.device}.lldpd.conf"
    write_file(
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


def start_sshd(st: LabState, node: LabNode) -> None:
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
    spawn(st, node, "sshd", argv, log)


def start_lldpd(st: LabState, node: LabNode) -> None:
    conf = lldp_conf(st, node)
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
    spawn(st, node, "lldpd", argv, log)


def frr_daemon_argv(st: LabState, node: LabNode | LabExternal, daemon: str, *, detached: bool = False) -> list[str]:
    """Command line of one FRR daemon of a lab switch (run inside its namespace). ``detached``:
    the daemon forks and logs to the switch's FRR log itself (a restart from an SSH session)."""
    argv = [str(FRR_BIN / daemon), "-N", node.namespace, "-F", st.frr_profile, "-P", "0"]
    if detached:
        return [*argv, "-d", "--log", f"file:{frr_log(st, node)}"]
    return [*argv, "--log", "stdout"]


def start_frr(st: LabState, node: LabNode | LabExternal) -> None:
    frr_files(st, node)
    for d in FRR_DAEMONS:
        spawn(st, node, d, frr_daemon_argv(st, node, d), frr_log(st, node))


def wait_ready(st: LabState, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    want_sock: dict[str, list[Path]] = {}
    for n in st.topology.nodes:
        socks = [Path(lldp_socket(st, n.device))]
        if n.frr:
            socks += [FRR_RUN / n.namespace / f"{d}.vty" for d in FRR_DAEMONS]
        want_sock[n.device] = socks
    for x in st.topology.externals:
        want_sock[x.device] = [FRR_RUN / x.namespace / f"{d}.vty" for d in FRR_DAEMONS]
    want_ssh = {n.device: n.mgmt_ip for n in st.topology.nodes}
    sshd_pid = {r.device: r.pid for r in st.processes if r.name == "sshd" and r.device}
    while True:
        dead = [r for r in st.processes if not record_alive(r)]
        if dead:
            r = dead[0]
            tail = ""
            if r.log and Path(r.log).exists():
                tail = Path(r.log).read_text(errors="replace")[-800:]
            raise LabError(f"{r.device}: {r.name} (pid {r.pid}) exited during start-up:\n{tail}")
        for dev in [d for d, socks in want_sock.items() if all(s.exists() for s in socks)]:
            del want_sock[dev]
        for dev, ip in list(want_ssh.items()):
            if listening(sshd_pid[dev], ip, 22):
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
            raise LabError(f"{n.device}: sshd on {n.mgmt_ip}:22 not reachable from the controller: {exc}") from exc


def listening(pid: int, ip: str, port: int) -> bool:
    """Is there a listening TCP socket on ip:port in the network namespace of ``pid``?"""
    if ":" in ip:
        return True  # IPv6 management: the connect check after the loop proves it
    want = f"{socket.htonl(int(ipaddress.IPv4Address(ip))):08X}:{port:04X}"
    try:
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return False
    return any(f.split()[1] == want and f.split()[3] == "0A" for f in lines)


def boot_frr(st: LabState) -> None:
    hosts: list[LabNode | LabExternal] = [*(n for n in st.topology.nodes if n.frr), *st.topology.externals]
    jobs: list[tuple[list[str], str | None]] = [
        (ns_argv(n.namespace, n.hostname, ["vtysh", "-N", n.namespace, "-b"]), None) for n in hosts
    ]
    run_parallel(jobs, "vtysh -b", width=8)
