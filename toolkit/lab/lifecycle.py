"""lab up (rolled back on any failure), lab down (idempotent, also of a partial lab) and lab status."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path

from toolkit.design.model import Fabric
from toolkit.lab.daemons import boot_frr, keygen, ssh_files, start_frr, start_lldpd, start_sshd, wait_ready
from toolkit.lab.netns import (
    create_network,
    existing_netns,
    link_exists,
    preflight,
    raise_host_sysctls,
    restore_host_sysctls,
    teardown,
)
from toolkit.lab.processes import namespace_pids, pss_kib, record_alive, rss_kib
from toolkit.lab.state import (
    FRR_ETC,
    FRR_RUN,
    LAB_RUN,
    LLDPD_CHROOT,
    SOCK_MAX,
    SSHD_PRIVSEP,
    DownReport,
    LabError,
    LabState,
    LabStatus,
    NodeStatus,
    ProcessStatus,
    SshAccess,
    lab_dir,
    load_state,
    save_state,
    state_path,
)
from toolkit.lab.topology import lab_topology


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

    stop_storage(st)  # Ceph daemons by PID first; the namespace sweep of teardown catches the rest
    teardown(st, report)
    restore_host_sysctls(st, report)
    if not report.errors and ldir.exists():
        shutil.rmtree(ldir, ignore_errors=True)
        report.paths_removed.append(str(ldir))
    return report


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
        raise LabError(f"lab {cluster!r} already exists ({state_path(cluster, state_dir)}); run lab down first")
    preflight(topo)
    # lldpd runs as _lldpd: its socket and -O file must be reachable whatever state_dir's modes are,
    # and socket paths must stay short
    run_dir = LAB_RUN / f"{cluster[:20]}-{topo.lab_id}"
    longest = max((len(n.device) for n in topo.nodes), default=0) + len(".lldpd.sock.lock") + 1
    if len(str(run_dir)) + longest > SOCK_MAX:
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
        frr_dirs=[
            str(base / ns)
            for ns in [*(n.namespace for n in topo.nodes if n.frr), *(x.namespace for x in topo.externals)]
            for base in (FRR_ETC, FRR_RUN)
        ],
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
    save_state(st)  # everything that will be created is recorded before it exists
    try:
        for d in (Path(st.log_dir), run_dir):
            d.mkdir(parents=True, exist_ok=True, mode=0o755)
        sshdir.mkdir(mode=0o700, exist_ok=True)
        for d in (SSHD_PRIVSEP, LLDPD_CHROOT):
            d.mkdir(mode=0o755, exist_ok=True)
        t0 = time.monotonic()
        host_key, client_key = keygen(sshdir)
        ssh_files(st, host_key, client_key)
        raise_host_sysctls(st)
        save_state(st)
        st.timings["keys"] = round(time.monotonic() - t0, 3)
        create_network(st)
        t0 = time.monotonic()
        for i, n in enumerate(topo.nodes):
            start_sshd(st, n)
            start_lldpd(st, n)
            if n.frr:
                start_frr(st, n)
            if i % 16 == 15:
                save_state(st)  # lab_down also finds unrecorded processes through the namespaces
        for x in topo.externals:  # the upstream routers of the border
            start_frr(st, x)
        save_state(st)
        st.timings["spawn"] = round(time.monotonic() - t0, 3)
        t0 = time.monotonic()
        wait_ready(st, ready_timeout if ready_timeout is not None else 30.0 + 0.5 * len(topo.nodes))
        boot_frr(st)
        st.timings["ready"] = round(time.monotonic() - t0, 3)
        st.status = "up"
        st.timings["total"] = round(time.monotonic() - t_start, 3)
        save_state(st)
        return st
    except BaseException as exc:
        st.status = "failed"
        with contextlib.suppress(Exception):
            save_state(st)
        report = lab_down(cluster, state_dir)
        if isinstance(exc, LabError | OSError | ValueError | subprocess.SubprocessError):
            extra = f" (rollback problems: {'; '.join(report.errors)})" if report.errors else ""
            raise LabError(f"lab up failed and was rolled back: {exc}{extra}") from exc
        raise


def lab_status(cluster_name: str, state_dir: Path | str) -> LabStatus:
    st = load_state(cluster_name, state_dir)
    if st is None:
        return LabStatus(cluster=cluster_name, state_found=False)
    existing = existing_netns()
    in_ns: dict[str, list[int]] = {}
    for pid, ns in namespace_pids(st.namespaces).items():
        in_ns.setdefault(ns, []).append(pid)
    nodes = []
    for n in st.topology.nodes:
        procs = []
        for r in st.processes:
            if r.device == n.device:
                alive = record_alive(r)
                procs.append(
                    ProcessStatus(
                        name=r.name,
                        pid=r.pid,
                        alive=alive,
                        rss_kib=rss_kib(r.pid) if alive else 0,
                        pss_kib=pss_kib(r.pid) if alive else 0,
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
                rss_kib=sum(rss_kib(p) for p in pids),
                pss_kib=sum(pss_kib(p) for p in pids),
            )
        )
    oob_ok = st.topology.oob_namespace in existing and link_exists(st.topology.controller_ifname)
    return LabStatus(
        cluster=cluster_name, state_found=True, status=st.status, scope=st.scope, oob_ok=oob_ok, nodes=nodes
    )
