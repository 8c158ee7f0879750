"""Reaching a lab device from the controller: argv in its namespace, a shell, ssh, vtysh, frr-reload."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

from toolkit.lab.processes import WRAP, ns_argv
from toolkit.lab.state import FRR_ETC, FRR_RELOAD, LabError, require_state
from toolkit.lab.topology import LabExternal, LabNode


def device_argv(cluster_name: str, state_dir: Path | str, device: str, argv: Sequence[str]) -> list[str]:
    """argv running ``argv`` in the device's namespace with the device's hostname."""
    node = require_state(cluster_name, state_dir).node(device)
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


def lab_shell_argv(cluster_name: str, state_dir: Path | str, device: str, shell: str | None = None) -> list[str]:
    """argv for an interactive shell in the device's namespace, hostname = device name."""
    node = require_state(cluster_name, state_dir).node(device)
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
        WRAP,
        node.hostname,
        sh,
        "-i",
    ]


def ssh_argv(cluster_name: str, state_dir: Path | str, device: str, *command: str) -> list[str]:
    st = require_state(cluster_name, state_dir)
    st.node(device)
    return ["ssh", "-F", st.ssh.config, device, *command]


def vtysh_argv(cluster_name: str, state_dir: Path | str, device: str, *commands: str) -> list[str]:
    """argv for ``vtysh -N <ns> -c <command>...`` on a lab switch or external router (no commands:
    interactive)."""
    topo = require_state(cluster_name, state_dir).topology
    node: LabNode | LabExternal
    if any(x.device == device for x in topo.externals):
        node = topo.external(device)
    else:
        node = topo.node(device)
        if not node.frr:
            raise LabError(f"{device} is not a switch: no FRR")
    argv = ["vtysh", "-N", node.namespace]
    for c in commands:
        argv += ["-c", c]
    return ns_argv(node.namespace, node.hostname, argv)


def frr_reload_argv(cluster_name: str, state_dir: Path | str, device: str, conf: Path | str) -> list[str]:
    """argv applying ``conf`` to a lab switch with frr-reload.py (and saving it as frr.conf)."""
    node = require_state(cluster_name, state_dir).node(device)
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
    st = require_state(cluster_name, state_dir)
    path = Path(st.lab_dir) / "frr" / f"{device}.conf"
    path.parent.mkdir(exist_ok=True)
    path.write_text(config_text)
    path.chmod(0o644)
    cp = subprocess.run(
        frr_reload_argv(cluster_name, state_dir, device, path),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return cp
