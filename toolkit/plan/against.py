"""``aidc plan SPEC --against REV|FOLDER``: what a change to the spec changes, with no devices.

Both versions of the spec are validated, designed and rendered; the report says per device
what is added, removed or changed — cables, addresses, BGP sessions and a unified diff of every
changed artifact — and flags loudly when an existing device is renumbered (an address or ASN it
already had changes), the one change growth must never make. For a pull request:
``aidc plan inventory/prod --against origin/main --format markdown``.

The previous version is either a folder (or file) holding the spec, or a git revision: then the
spec path is read from that revision of the repository that holds it (``git archive``, so the
working tree is never touched).
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from toolkit.design.model import Device, Fabric
from toolkit.plan.diff import unified


class AgainstError(Exception):
    """The previous version cannot be read, validated or designed."""


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ArtifactDiff(_M):
    path: str
    status: Literal["added", "removed", "modified"]
    added: int = 0
    removed: int = 0
    diff: str = Field(default="", description="unified diff, secrets redacted")


class Renumbering(_M):
    what: str = Field(description="asn, loopback, mgmt_address or a port name")
    old: str
    new: str


class DeviceChange(_M):
    device: str
    role: str
    status: Literal["added", "removed", "changed"]
    cables_added: list[str] = Field(default_factory=list)
    cables_removed: list[str] = Field(default_factory=list)
    addresses: list[str] = Field(default_factory=list, description="what: old -> new")
    sessions_added: list[str] = Field(default_factory=list)
    sessions_removed: list[str] = Field(default_factory=list)
    renumbered: list[Renumbering] = Field(default_factory=list)
    artifacts: list[ArtifactDiff] = Field(default_factory=list)


class AgainstPlan(_M):
    cluster: str
    against: str = Field(description="the revision or folder compared with")
    devices_before: int
    devices_after: int
    devices: list[DeviceChange] = Field(default_factory=list, description="changed devices only, by name")
    fabric_artifacts: list[ArtifactDiff] = Field(
        default_factory=list, description="changed artifacts of no single device (docs, Ansible inventory)"
    )

    @property
    def renumbered(self) -> list[DeviceChange]:
        return [d for d in self.devices if d.renumbered]

    @property
    def changed(self) -> bool:
        return bool(self.devices or self.fabric_artifacts)

    @property
    def exit_code(self) -> int:
        return 2 if self.changed else 0


# --------------------------------------------------------------------------- the previous spec


def previous_spec(spec: Path, against: str, workdir: Path) -> Path:
    """The spec to compare with: ``against`` as a path if it exists, else ``spec`` at git
    revision ``against`` extracted under ``workdir``."""
    if Path(against).exists():
        return Path(against)
    spec = spec.resolve()
    where = spec if spec.is_dir() else spec.parent
    top = _git(where, "rev-parse", "--show-toplevel").decode().strip()
    rel = spec.relative_to(top).as_posix()
    _git(where, "rev-parse", "--verify", "--quiet", f"{against}^{{commit}}")
    try:  # git archive of a path the revision lacks fails with git's own words: say it plainly
        _git(Path(top), "cat-file", "-e", f"{against}:{rel}")
    except AgainstError:
        raise AgainstError(f"{rel} does not exist at revision {against}") from None
    data = _git(Path(top), "archive", "--format=tar", against, "--", rel)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(workdir, filter="data")
    out = workdir / rel
    if not out.exists():
        raise AgainstError(f"{rel} does not exist at revision {against}")
    return out


def _git(cwd: Path, *args: str) -> bytes:
    try:
        res = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=120)
    except FileNotFoundError:
        raise AgainstError("git is not installed; give a folder to compare with instead") from None
    if res.returncode != 0:
        msg = res.stderr.decode(errors="replace").strip() or f"git {args[0]} failed"
        if args[:2] == ("rev-parse", "--verify"):
            msg = f"{args[-1].removesuffix('^{commit}')!r} is neither a folder nor a git revision"
        raise AgainstError(msg)
    return res.stdout


# --------------------------------------------------------------------------- comparing


def device_of(path: str) -> str | None:
    """The device an artifact belongs to (None for fabric-wide artifacts)."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] in ("switches", "hosts"):
        return parts[1]
    if len(parts) == 3 and parts[:2] == ["ansible", "host_vars"]:
        return parts[2].rsplit(".", 1)[0]
    return None


def _artifact_diffs(old: dict[str, str], new: dict[str, str], paths: Iterable[str]) -> list[ArtifactDiff]:
    out = []
    for p in sorted(paths):
        a, b = old.get(p), new.get(p)
        if a == b:
            continue
        text, added, removed = unified(a, b, f"a/{p}", f"b/{p}")
        status: Literal["added", "removed", "modified"] = (
            "added" if a is None else "removed" if b is None else "modified"
        )
        out.append(ArtifactDiff(path=p, status=status, added=added, removed=removed, diff=text))
    return out


def _cables(fab: Fabric) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for c in fab.cables:
        text = f"{c.a_device}:{c.a_port} - {c.b_device}:{c.b_port} ({c.tier}, {c.speed}G)"
        out.setdefault(c.a_device, set()).add(text)
        out.setdefault(c.b_device, set()).add(text)
    return out


def _numbers(dev: Device) -> dict[str, str]:
    """Every number the design gave the device: its ASN, loopback, management and port addresses."""
    out = {"asn": str(dev.asn) if dev.asn is not None else "", "loopback": dev.loopback or "",
           "mgmt_address": dev.mgmt_address or ""}
    out.update({f"port {p.name}": p.address or "" for p in dev.ports})
    return {k: v for k, v in out.items() if v}


def _sessions(dev: Device) -> set[str]:
    return {f"{n.peer_device} AS{n.peer_asn} via {n.interface or n.peer_address} ({n.plane})" for n in dev.bgp}


def _compare_device(a: Device, b: Device, cables_a: set[str], cables_b: set[str]) -> DeviceChange:
    na, nb = _numbers(a), _numbers(b)
    ch = DeviceChange(device=b.name, role=b.role, status="changed")
    ch.cables_added = sorted(cables_b - cables_a)
    ch.cables_removed = sorted(cables_a - cables_b)
    for k in sorted(set(na) | set(nb)):
        if na.get(k) != nb.get(k):
            ch.addresses.append(f"{k}: {na.get(k, '-')} -> {nb.get(k, '-')}")
            if k in na and k in nb:
                ch.renumbered.append(Renumbering(what=k, old=na[k], new=nb[k]))
    sa, sb = _sessions(a), _sessions(b)
    ch.sessions_added = sorted(sb - sa)
    ch.sessions_removed = sorted(sa - sb)
    return ch


def compare(
    before: Fabric, before_artifacts: dict[str, str], after: Fabric, after_artifacts: dict[str, str], against: str
) -> AgainstPlan:
    by_device: dict[str | None, set[str]] = {}
    for p in set(before_artifacts) | set(after_artifacts):
        by_device.setdefault(device_of(p), set()).add(p)
    cables_a, cables_b = _cables(before), _cables(after)
    plan = AgainstPlan(cluster=after.name, against=against, devices_before=len(before.devices),
                       devices_after=len(after.devices))
    for name in sorted(set(before.devices) | set(after.devices)):
        a, b = before.devices.get(name), after.devices.get(name)
        if a is None or b is None:
            dev = a or b
            assert dev is not None
            cables = sorted(cables_b.get(name, set()) if a is None else cables_a.get(name, set()))
            ch = DeviceChange(device=name, role=dev.role, status="added" if a is None else "removed",
                              **({"cables_added": cables} if a is None else {"cables_removed": cables}))
            if a is None:
                ch.sessions_added = sorted(_sessions(dev))
            else:
                ch.sessions_removed = sorted(_sessions(dev))
        else:
            ch = _compare_device(a, b, cables_a.get(name, set()), cables_b.get(name, set()))
        ch.artifacts = _artifact_diffs(before_artifacts, after_artifacts, by_device.get(name, ()))
        if ch.status != "changed" or ch.artifacts or ch.cables_added or ch.cables_removed or ch.addresses or (
            ch.sessions_added or ch.sessions_removed
        ):
            plan.devices.append(ch)
    plan.fabric_artifacts = _artifact_diffs(before_artifacts, after_artifacts, by_device.get(None, ()))
    return plan


def plan_against(spec: Path, against: str, platform: str | None = None) -> AgainstPlan:
    """Validate, design and render both versions and compare them (raises AgainstError)."""
    with tempfile.TemporaryDirectory(prefix="aidc-against-") as tmp:
        old_spec = previous_spec(spec, against, Path(tmp))
        before, before_artifacts = _designed(old_spec, platform, f"the spec at {against}")
    after, after_artifacts = _designed(spec, platform, "the spec")
    return compare(before, before_artifacts, after, after_artifacts, against)


def _designed(spec: Path, platform: str | None, what: str) -> tuple[Fabric, dict[str, str]]:
    from toolkit.render import render
    from toolkit.rules import load_and_design

    _, findings, fabric = load_and_design(spec, platform)
    if fabric is None:
        errors = [f for f in findings if f.severity == "error"]
        shown = "; ".join(f.text() for f in errors[:3]) + (f" (and {len(errors) - 3} more)" if len(errors) > 3 else "")
        raise AgainstError(f"{what} does not validate: {shown}")
    spec_dir = spec if spec.is_dir() else spec.parent
    overrides = [spec_dir / "templates"] if (spec_dir / "templates").is_dir() else []
    return fabric, render(fabric, overrides)


# --------------------------------------------------------------------------- output

FORMATS = ("text", "json", "markdown")


def format_against(plan: AgainstPlan, fmt: str) -> str:
    if fmt == "json":
        data = plan.model_dump()
        data["changed"] = plan.changed
        data["renumbered"] = [d.device for d in plan.renumbered]
        import json

        return json.dumps(data, indent=1) + "\n"
    md = fmt == "markdown"
    lines: list[str] = []
    counts = {s: sum(1 for d in plan.devices if d.status == s) for s in ("added", "removed", "changed")}
    head = (f"{plan.cluster} against {plan.against}: {counts['added']} devices added, {counts['removed']} removed, "
            f"{counts['changed']} changed ({plan.devices_before} -> {plan.devices_after} devices)")
    lines.append(f"### aidc plan: {head}" if md else head)
    if plan.renumbered:
        warn = (f"RENUMBERING: {len(plan.renumbered)} existing device(s) change an address or ASN they already "
                f"have; traffic to them breaks until every peer is updated")
        lines.append(f"\n> **{warn}**\n" if md else f"!!! {warn} !!!")
        for d in plan.renumbered:
            for r in d.renumbered:
                lines.append(f"{'- ' if md else '  '}{d.device} {r.what}: {r.old} -> {r.new}")
    if not plan.changed:
        lines.append("no changes")
    for d in plan.devices:
        lines.append(f"\n#### {d.device} ({d.role}): {d.status}" if md else f"\n{d.status:<8} {d.device} ({d.role})")
        for label, items in (("cable +", d.cables_added), ("cable -", d.cables_removed), ("address", d.addresses),
                             ("session +", d.sessions_added), ("session -", d.sessions_removed)):
            lines += [f"{'- ' if md else '    '}{label} {x}" for x in items]
        lines += _artifact_lines(d.artifacts, md)
    if plan.fabric_artifacts:
        lines.append("\n#### fabric-wide artifacts" if md else "\nfabric-wide artifacts")
        lines += _artifact_lines(plan.fabric_artifacts, md)
    return "\n".join(lines) + "\n"


def _artifact_lines(diffs: list[ArtifactDiff], md: bool) -> list[str]:
    out = []
    for a in diffs:
        out.append(f"{'- ' if md else '    '}{a.path}: {a.status} (+{a.added} -{a.removed})")
        if a.diff:
            body = a.diff if a.diff.endswith("\n") else a.diff + "\n"
            out.append(f"\n```diff\n{body}```" if md else "".join(f"      {ln}\n" for ln in body.splitlines()).rstrip())
    return out
