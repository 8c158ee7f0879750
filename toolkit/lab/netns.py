"""Network namespaces, veth links and the OOB bridge of the lab (created in two ``ip -batch`` rounds),
their teardown, the machine-wide neighbour-table limits, and the preflight checks before lab up.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from toolkit.lab.processes import namespace_pids, reap, record_alive, run_cmd, run_parallel, terminate
from toolkit.lab.state import (
    FRR_BIN,
    FRR_DAEMONS,
    FRR_ETC,
    FRR_RELOAD,
    FRR_RUN,
    LAB_RUN,
    SSHD,
    DownReport,
    LabError,
    LabState,
)
from toolkit.lab.topology import LabTopology


def existing_netns() -> set[str]:
    cp = run_cmd(["ip", "netns", "list"], check=False)
    return {line.split()[0] for line in cp.stdout.splitlines() if line.strip()}


def link_exists(name: str) -> bool:
    return Path(f"/sys/class/net/{name}").exists()


def teardown(st: LabState, report: DownReport) -> None:
    # 1. processes: recorded ones (PID + start time must match), then anything left inside our namespaces
    recorded = [r.pid for r in st.processes if record_alive(r)]
    in_ns = namespace_pids(st.namespaces)
    terminate([*recorded, *in_ns], report)
    leftover = namespace_pids(st.namespaces)
    if leftover:
        terminate(leftover, report, grace=1.0)
    for r in st.processes:
        reap(r.pid)
    # 2. namespaces (veths inside them go with them) and root-namespace links
    existing = existing_netns()
    gone = [ns for ns in st.namespaces if ns in existing]
    if gone:
        cp = run_cmd(["ip", "-force", "-batch", "-"], stdin="".join(f"netns del {ns}\n" for ns in gone), check=False)
        if cp.returncode != 0:
            report.errors.append(f"ip netns del: {cp.stderr.strip()[:500]}")
        still = existing_netns()
        report.namespaces_removed.extend(ns for ns in gone if ns not in still)
        report.errors.extend(f"namespace {ns} still exists" for ns in gone if ns in still)
    for link in st.root_links:
        if link_exists(link):
            cp = run_cmd(["ip", "link", "del", link], check=False)
            if cp.returncode == 0 or not link_exists(link):
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


NEIGH_SYSCTLS = tuple(f"/proc/sys/net/{fam}/neigh/default/gc_thresh{i}" for fam in ("ipv4", "ipv6") for i in (2, 3))
"""The neighbour table limits are machine-wide (shared by every namespace): the default 1024
entries are too few for one SU (ping then fails with ENOBUFS), so lab up raises them."""


def neigh_target(topo: LabTopology) -> dict[str, int]:
    need = max(4096, 8 * (len(topo.links) + len(topo.nodes)))
    return {p: (need if p.endswith("3") else need // 2) for p in NEIGH_SYSCTLS}


def raise_host_sysctls(st: LabState) -> None:
    for path, want in neigh_target(st.topology).items():
        try:
            cur = Path(path).read_text().strip()
        except OSError:
            continue
        if cur.isdigit() and int(cur) < want:
            st.host_sysctls.setdefault(path, cur)
            Path(path).write_text(f"{want}\n")


def restore_host_sysctls(st: LabState, report: DownReport) -> None:
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


def preflight(topo: LabTopology) -> None:
    if os.geteuid() != 0:
        raise LabError("the lab needs root (network namespaces, veth, daemons)")
    missing = [str(p) for p in (*(FRR_BIN / d for d in FRR_DAEMONS), FRR_RELOAD, Path(SSHD)) if not p.exists()] + [
        b for b in ("ip", "unshare", "lldpd", "lldpcli", "vtysh", "ssh-keygen", "hostname") if not shutil.which(b)
    ]
    if missing:
        raise LabError("missing programs: " + ", ".join(missing))
    clash = sorted(set([*topo.namespaces, topo.oob_namespace]) & existing_netns())
    if clash:
        raise LabError(f"namespaces already exist: {', '.join(clash[:5])} (another lab? run lab down)")
    if link_exists(topo.controller_ifname):
        raise LabError(f"interface {topo.controller_ifname} already exists in the root namespace")
    oob = ipaddress.ip_network(topo.oob_prefix)
    routes = run_cmd(["ip", "-j", "route", "show", "table", "all"], check=False)
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
        for ns in [*(n.namespace for n in topo.nodes if n.frr), *(x.namespace for x in topo.externals)]:
            if (frr_dir / ns).exists():
                raise LabError(f"{frr_dir / ns} already exists")


def create_network(st: LabState) -> None:
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
    for x in topo.externals:  # border leaf port <-> the upstream router's port
        for xl in x.links:
            root.append(
                f"link add name {xl.leaf_ifname} mtu {xl.mtu} netns {xl.leaf_namespace} type veth "
                f"peer name {xl.ifname} mtu {xl.mtu} netns {x.namespace}\n"
            )
    root.append(
        f"link add name {topo.controller_ifname} type veth peer name {topo.controller_peer} "
        f"netns {topo.oob_namespace}\n"
    )
    root.append(f"addr add {topo.controller_address} dev {topo.controller_ifname}\n")
    root.append(f"link set {topo.controller_ifname} up\n")
    run_cmd(["ip", "-batch", "-"], stdin="".join(root))
    st.timings["network_root"] = round(time.monotonic() - t0, 3)

    t0 = time.monotonic()
    oob = [
        "link set lo up\n",
        f"link add {topo.oob_bridge} type bridge stp_state 0 forward_delay 0\n",
        f"link set {topo.oob_bridge} up\n",
    ]
    for port in [topo.controller_peer, *(n.oob_ifname for n in topo.nodes)]:
        oob.append(f"link set {port} master {topo.oob_bridge} up\n")
    oob += [f"addr add {a} dev {topo.oob_bridge}\n" for a in topo.site_services]  # site NTP/DNS stand-ins
    jobs: list[tuple[list[str], str | None]] = [(["ip", "-n", topo.oob_namespace, "-batch", "-"], "".join(oob))]
    for n in topo.nodes:
        cmds = [
            "link set lo up\n",
            f"link set {n.mgmt_ifname} up\n",
            f"addr add {n.mgmt_address} dev {n.mgmt_ifname}\n",
        ]
        cmds += [f"link set {i} up\n" for i in n.interfaces]
        jobs.append((["ip", "-n", n.namespace, "-batch", "-"], "".join(cmds)))
    for x in topo.externals:
        cmds = ["link set lo up\n", f"addr add {x.probe}/32 dev lo\n"]
        cmds += [f"addr add {a}/32 dev lo\n" for a in x.services]  # site services outside the fabric
        for xl in x.links:
            cmds += [f"link set {xl.ifname} up\n", f"addr add {xl.address} dev {xl.ifname}\n"]
        jobs.append((["ip", "-n", x.namespace, "-batch", "-"], "".join(cmds)))
    run_parallel(jobs, "interface setup")
    st.timings["network_namespaces"] = round(time.monotonic() - t0, 3)
