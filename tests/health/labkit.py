"""Helpers of the health-check lab tests: lab-mini brought up and configured once per module.

The lab gets a unique cluster name (a copied spec), a free OOB prefix, its own AIDC_STATE_DIR and
a guaranteed ``lab_down``. It is configured with ``toolkit.plan.apply`` (render + apply: netmiko
for the switches, Ansible for the servers); set ``AIDC_HEALTH_SETUP=manual`` (or when apply is
missing) to configure it directly instead: the rendered ``network.json`` (``tests/converge.py``) and ``frr.conf`` per
switch, and plain ``ip`` commands derived from the Fabric on the servers.
"""

from __future__ import annotations

import ipaddress
import json
import os
import random
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.converge import converge
from toolkit.design.model import Fabric
from toolkit.health import CheckReport, run_checks
from toolkit.lab import frr_reload, lab_exec, vtysh_argv, wait_bgp, wait_lldp
from toolkit.targets import LabTarget

ROOT = Path(__file__).resolve().parents[2]
LAB_MINI = ROOT / "inventory" / "examples" / "lab-mini"


def why_no_lab() -> str | None:
    if os.geteuid() != 0:
        return "health lab tests need root (network namespaces)"
    for prog in ("/usr/lib/frr/zebra", "/usr/lib/frr/bgpd", "/usr/lib/frr/frr-reload.py", "/usr/sbin/sshd"):
        if not Path(prog).exists():
            return f"health lab tests need {prog} (Debian packages frr, frr-pythontools, openssh-server)"
    for prog in ("lldpd", "lldpcli", "vtysh", "ip", "unshare", "ssh", "ping"):
        if shutil.which(prog) is None:
            return f"health lab tests need {prog} on PATH"
    return None


def free_oob_prefix(rng: random.Random) -> ipaddress.IPv4Network:
    """A /22 in 10.200.0.0/13 that no route of the root namespace overlaps (parallel labs)."""
    out = subprocess.run(["ip", "-j", "route", "show", "table", "all"], capture_output=True, text=True).stdout
    used = []
    for r in json.loads(out or "[]"):
        dst = r.get("dst", "")
        if dst in ("", "default") or ":" in dst:
            continue
        try:
            used.append(ipaddress.ip_network(dst if "/" in dst else f"{dst}/32", strict=False))
        except ValueError:
            continue
    for _ in range(500):
        net = ipaddress.ip_network(f"10.{rng.randrange(200, 208)}.{rng.randrange(0, 64) * 4}.0/22")
        if not any(net.overlaps(u) for u in used if u.prefixlen > 0):
            return net  # type: ignore[return-value]
    raise RuntimeError("no free OOB prefix")


def make_spec(dest: Path, cluster: str, oob: ipaddress.IPv4Network) -> Path:
    """lab-mini with another cluster name and OOB prefix (everything else unchanged)."""
    shutil.copytree(LAB_MINI, dest)
    cfile = dest / "cluster.yml"
    data: dict[str, Any] = yaml.safe_load(cfile.read_text())
    data["cluster"]["name"] = cluster
    base = oob.network_address
    data["site"]["ntp"] = [str(base + 10)]
    data["site"]["dns"] = [str(base + 11)]
    data["site"]["syslog"] = [str(base + 12)]
    cfile.write_text(yaml.safe_dump(data, sort_keys=False))
    nfile = dest / "networks.yml"
    ndata: dict[str, Any] = yaml.safe_load(nfile.read_text())
    ndata["networks"]["oob"]["prefix"] = str(oob)
    nfile.write_text(yaml.safe_dump(ndata, sort_keys=False))
    return dest


def lab_workspace(tmp_path_factory: Any, name: str, prefix: str) -> tuple[Path, random.Random, str]:
    """Skip without a lab; else a fresh folder, a random source and a unique cluster name."""
    reason = why_no_lab()
    if reason:
        import pytest

        pytest.skip(reason)
    work: Path = tmp_path_factory.mktemp(name)
    rng = random.Random(os.getpid() ^ time.time_ns())
    return work, rng, f"{prefix}{rng.randrange(16**5):05x}"


# ----------------------------------------------------------------------------- configuration


def configure_with_apply(fabric: Fabric, state_dir: Path) -> None:
    from toolkit.plan import apply
    from toolkit.render import render

    result = apply(fabric, render(fabric), LabTarget(fabric.name, state_dir), storage=True)  # + Ceph
    if not result.ok:
        bad = [
            f"{d.device}: {d.status} {(d.error or '')[:200]}"
            for d in result.devices
            if d.status not in ("changed", "unchanged")
        ]
        raise RuntimeError(f"apply failed: {result.errors} {bad}")


def host_commands(fabric: Fabric, device: str) -> str:
    """iproute2 state of a server, from the Fabric: addresses, MTU, per-NIC table + rule on
    compute NICs, default route via the tenant gateway."""
    dev = fabric.devices[device]
    cmds = []
    for p in dev.ports:
        if p.plane == "oob" or not p.address:
            continue
        cmds += [f"link set dev {p.ifname} mtu {p.mtu} up", f"addr replace {p.address} dev {p.ifname}"]
        ip = p.address.split("/")[0]
        if p.plane == "compute" and p.gateway is not None:
            table = 100 + (p.rail or 0)
            net = ipaddress.ip_interface(p.address).network
            cmds += [
                f"route replace {net} dev {p.ifname} src {ip} table {table}",
                f"route replace default via {p.gateway} dev {p.ifname} table {table}",
                f"rule add from {ip} lookup {table} pref {table}",
            ]
        elif p.gateway:
            for dst in p.routes:  # main-table routes of the other planes (storage, business)
                metric = f" metric {p.metric}" if p.metric is not None else ""
                cmds.append(f"route replace {dst} via {p.gateway} dev {p.ifname}{metric}")
    return "\n".join(cmds) + "\n"


def configure_manually(fabric: Fabric, state_dir: Path) -> None:
    from toolkit.render import render

    artifacts = render(fabric)
    sd = str(state_dir)
    for dev in fabric.switches():
        if dev.role == "oob":
            continue
        def run(argv: list[str], input: str | None, name: str = dev.name) -> subprocess.CompletedProcess[str]:
            return lab_exec(fabric.name, sd, name, argv, input=input)

        try:
            converge(run, artifacts[f"switches/{dev.name}/network.json"])
        except RuntimeError as exc:
            raise RuntimeError(f"{dev.name}: {exc}") from exc
        cp = frr_reload(fabric.name, sd, dev.name, artifacts[f"switches/{dev.name}/frr.conf"])
        if cp.returncode != 0:
            raise RuntimeError(f"{dev.name}: frr-reload failed: {cp.stderr[-500:]}")
    sysctls = ["net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2"]
    for dev in fabric.servers():
        cp = lab_exec(fabric.name, sd, dev.name, ["ip", "-batch", "-"], input=host_commands(fabric, dev.name))
        if cp.returncode != 0:
            raise RuntimeError(f"{dev.name}: ip -batch failed: {cp.stderr[-500:]}")
        lab_exec(fabric.name, sd, dev.name, ["sysctl", "-q", "-w", *sysctls], check=True)


# ------------------------------------------------------------------------------------ the lab


@dataclass
class HealthLab:
    fabric: Fabric
    state_dir: Path
    work: Path
    setup: str
    timings: dict[str, float] = field(default_factory=dict)
    runs: list[tuple[str, float]] = field(default_factory=list)

    @property
    def cluster(self) -> str:
        return self.fabric.name

    def target(self) -> LabTarget:
        return LabTarget(self.cluster, self.state_dir)

    def check(self, layers: list[str] | None = None, junit: Path | None = None, label: str = "") -> CheckReport:
        report = run_checks(self.fabric, self.target(), junit=junit, layers=layers)
        self.runs.append((label or ",".join(layers or ["all"]), report.seconds))
        return report

    def settle(self, layers: list[str] | None = None, timeout: float = 90.0, label: str = "") -> CheckReport:
        """Run the checks until they pass (or ``timeout``); the last report."""
        deadline = time.monotonic() + timeout
        while True:
            report = self.check(layers, label=label)
            if report.ok or time.monotonic() > deadline:
                return report
            time.sleep(2.0)

    def sh(self, device: str, script: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cp = lab_exec(self.cluster, str(self.state_dir), device, ["sh", "-ec", script])
        if check and cp.returncode != 0:
            raise RuntimeError(f"{device}: {script!r} failed: {cp.stderr.strip()}")
        return cp

    def vtysh(self, device: str, *commands: str) -> str:
        cp = subprocess.run(
            vtysh_argv(self.cluster, str(self.state_dir), device, *commands),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return cp.stdout

    def json_of(self, device: str, argv: list[str]) -> Any:
        cp = lab_exec(self.cluster, str(self.state_dir), device, argv, check=True)
        return json.loads(cp.stdout or "null")

    def wait(self, what: str, predicate: Any, timeout: float = 30.0) -> float:
        t0 = time.monotonic()
        while not predicate():
            if time.monotonic() - t0 > timeout:
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(0.5)
        return time.monotonic() - t0

    def wait_converged(self, timeout: float = 90.0) -> None:
        switches = [d.name for d in self.fabric.switches() if d.role != "oob"]
        bgp = wait_bgp(self.cluster, str(self.state_dir), switches, timeout=timeout)
        assert bgp.ok, f"BGP not established: {bgp.peers}"
        lldp = wait_lldp(self.cluster, str(self.state_dir), timeout=timeout)
        assert lldp.ok, f"LLDP incomplete: {lldp.missing[:5]}"
