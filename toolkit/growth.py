"""Growth check: what an existing datacentre would have to re-cable, renumber or re-peer.

``growth_findings(previous, current)`` designs both specs and compares every device that exists
in the previous design: each port's peer (device:port), each address (ports, loopback,
management), each ASN and BGP peer. Anything that changes is a GROW001 error naming the devices
and the first changes; a device that disappears is GROW002. ``load_previous`` reads the previous
spec from a directory / file, or from a git revision of the spec's own repository
(``git archive <rev> <path>``).
"""

from __future__ import annotations

import subprocess
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from toolkit.design.model import Device, Fabric
from toolkit.findings import Finding, Severity
from toolkit.spec import load
from toolkit.spec.loader import LoadResult

GROWTH_CODES: tuple[tuple[str, Severity, str], ...] = (
    ("GROW001", "error", "growing the cluster changes no existing device's ports, addresses or ASNs (--previous)"),
    ("GROW002", "error", "growing the cluster removes no existing device (--previous)"),
)


class PreviousError(ValueError):
    """The previous spec cannot be read (not a path, not a git revision of the spec's repo)."""


def load_previous(spec_path: Path, previous: str) -> LoadResult:
    p = Path(previous)
    if p.exists():
        return load(p)
    spec_path = spec_path.resolve()
    cwd = spec_path if spec_path.is_dir() else spec_path.parent
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout.strip()
        rel = spec_path.relative_to(top)
        blob = subprocess.run(
            ["git", "archive", "--format=tar", previous, "--", str(rel)], cwd=top, capture_output=True, check=True
        ).stdout
    except (subprocess.CalledProcessError, FileNotFoundError, ValueError) as exc:
        detail = exc.stderr.decode() if isinstance(exc, subprocess.CalledProcessError) and exc.stderr else str(exc)
        raise PreviousError(
            f"--previous {previous!r} is neither a path nor a git revision holding {spec_path}: {detail.strip()}"
        ) from None
    tmp = Path(tempfile.mkdtemp(prefix="aidc-previous-"))
    with tarfile.open(fileobj=BytesIO(blob)) as tar:
        tar.extractall(tmp, filter="data")
    return load(tmp / rel)


def _facts(dev: Device) -> dict[str, object]:
    out: dict[str, object] = {"asn": dev.asn, "loopback": dev.loopback, "mgmt address": dev.mgmt_address}
    for p in dev.ports:
        if p.peer_device:
            out[f"port {p.name} peer"] = f"{p.peer_device}:{p.peer_port}"
        if p.address:
            out[f"port {p.name} address"] = p.address
    for n in dev.bgp:
        out[f"bgp {n.interface or n.peer_address} peer"] = f"{n.peer_device} AS{n.peer_asn}"
    return out


def growth_findings(previous: Fabric, current: Fabric) -> list[Finding]:
    changed: list[str] = []
    details: list[str] = []
    gone: list[str] = []
    for name, old in previous.devices.items():
        new = current.devices.get(name)
        if new is None:
            gone.append(name)
            continue
        a, b = _facts(old), _facts(new)
        diffs = [f"{k} {a[k]} -> {b.get(k, 'none')}" for k in a if a[k] is not None and a[k] != b.get(k)]
        if diffs:
            changed.append(name)
            if len(details) < 5:
                details.append(f"{name}: {diffs[0]}" + (f" (+{len(diffs) - 1} more)" if len(diffs) > 1 else ""))
    out = []
    if changed:
        out.append(
            Finding(
                code="GROW001",
                severity="error",
                message=f"{len(changed)} existing device(s) would change: " + "; ".join(details),
                path=["networks", "compute"],
                hint="keep the plan of the previous spec: set networks.compute.servers_per_su and planned_sus "
                "to its sizes, and add servers, racks and SUs only at the end",
            )
        )
    if gone:
        out.append(
            Finding(
                code="GROW002",
                severity="error",
                message=f"{len(gone)} existing device(s) would disappear: {', '.join(gone[:5])}",
                path=["layout"],
                hint="removing racks, servers or switches is a decommission, not growth",
            )
        )
    return out
