"""Result models of plan and apply (pydantic; JSON-serialisable; nothing secret in them)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, Protocol, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, computed_field

DeviceKind = Literal["switch", "server", "storage"]
PlanStatus = Literal["create", "update", "drift", "unchanged", "error"]
"""create: never applied; update: desired differs from last applied; drift: desired equals last
applied but the device no longer runs what was applied; error: cannot be planned."""
ApplyStatus = Literal["changed", "unchanged", "failed", "restored", "skipped"]
"""restored: failed, and put back to its previous configuration (verified)."""
ProgressKind = Literal["started", "changed", "unchanged", "failed", "restored", "skipped", "info"]


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Named(Protocol):
    device: str


_D = TypeVar("_D", bound=_Named)


def _by_device(items: list[_D], name: str) -> _D:
    """The entry of ``items`` for device ``name`` (KeyError when there is none)."""
    for d in items:
        if d.device == name:
            return d
    raise KeyError(name)


def _tally(statuses: Iterable[str], kinds: tuple[str, ...]) -> dict[str, int]:
    """How many of each status, every kind listed (0 when none), in the Literal's order."""
    out = dict.fromkeys(kinds, 0)
    for s in statuses:
        out[s] += 1
    return out


class FileDiff(_M):
    """One desired file of a device against what was last applied."""

    name: str = Field(description="frr.conf, network.json or host_vars.yml")
    artifact: str = Field(description="path of the rendered artifact")
    status: Literal["added", "modified", "unchanged", "removed"]
    added: int = 0
    removed: int = 0
    diff: str = Field(default="", description="unified diff (secrets redacted)")
    desired_sha256: str | None = None
    applied_sha256: str | None = None


class RunningCheck(_M):
    """The device's running state against the state recorded right after the last apply."""

    readable: bool
    error: str | None = None
    matches_applied: bool | None = Field(
        default=None, description="None: never applied (nothing recorded) or unreadable"
    )
    added: int = 0
    removed: int = 0
    diff: str = Field(
        default="", description="recorded -> running (drift); never applied: running FRR -> desired frr.conf"
    )
    fingerprint: str | None = None


class DevicePlan(_M):
    device: str
    kind: DeviceKind
    role: str
    platform: str
    status: PlanStatus
    files: list[FileDiff] = Field(default_factory=list)
    running: RunningCheck | None = None
    error: str | None = None
    last_applied: str | None = Field(default=None, description="ISO time of the last successful apply")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    @property
    def changed(self) -> bool:
        return self.status in ("create", "update", "drift")

    def diff_text(self) -> str:
        parts = [f.diff for f in self.files if f.diff]
        if self.status == "drift" and self.running and self.running.diff:
            parts.append(self.running.diff)
        return "".join(p if p.endswith("\n") else p + "\n" for p in parts)


class Plan(_M):
    cluster: str
    target: str
    target_kind: str
    created: str = Field(description="ISO time")
    devices: list[DevicePlan] = Field(default_factory=list)
    skipped: dict[str, str] = Field(
        default_factory=dict, description="Fabric devices the target does not have (lab: OOB switches, PDUs)"
    )
    errors: list[str] = Field(default_factory=list, description="problems not tied to one device")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def changes(self) -> int:
        """Number of devices that would change."""
        return sum(1 for d in self.devices if d.changed)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> dict[str, int]:
        return _tally((d.status for d in self.devices), get_args(PlanStatus))

    @property
    def exit_code(self) -> int:
        return plan_exit_code(self)

    def device(self, name: str) -> DevicePlan:
        return _by_device(self.devices, name)


class ProgressEvent(_M):
    """What the progress callback receives (from worker threads, serialised by apply)."""

    device: str
    kind: DeviceKind | None = None
    event: ProgressKind
    message: str = ""
    done: int = Field(description="devices finished so far")
    total: int = Field(description="devices in this apply")
    time: float


class DeviceResult(_M):
    device: str
    kind: DeviceKind
    status: ApplyStatus
    message: str = ""
    error: str | None = None
    restore_errors: list[str] = Field(default_factory=list)
    seconds: float = 0.0
    steps: dict[str, float] = Field(default_factory=dict, description="step -> seconds")
    frr_changes: list[str] = Field(
        default_factory=list, description="lines of the device's running configuration (FRR, or the vendor NOS's as "
        "it prints it) that the apply added (+) / removed (-); before the push the device's own pending "
        "diff (secrets redacted)"
    )
    desired_sha256: dict[str, str] = Field(default_factory=dict)
    diff_sha256: str | None = None
    applied_advanced: bool = Field(default=False, description="the recorded applied state moved forward")


class ApplyResult(_M):
    apply_id: str
    cluster: str
    target: str
    target_kind: str
    started: str
    finished: str
    seconds: float
    devices: list[DeviceResult] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict)
    interrupted: str | None = Field(
        default=None, description="SIGINT / SIGTERM: the signal that stopped the apply (no device started after it)"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def ok(self) -> bool:
        return (
            not self.errors
            and self.interrupted is None
            and all(d.status in ("changed", "unchanged", "skipped") for d in self.devices)
        )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def summary(self) -> dict[str, int]:
        return _tally((d.status for d in self.devices), get_args(ApplyStatus))

    def device(self, name: str) -> DeviceResult:
        return _by_device(self.devices, name)

    @property
    def exit_code(self) -> int:
        return apply_exit_code(self)


def plan_exit_code(plan: Plan) -> int:
    """0: nothing would change; 2: changes; 1: errors (the plan is incomplete)."""
    if plan.errors or any(d.status == "error" for d in plan.devices):
        return 1
    return 2 if plan.changes else 0


INTERRUPT_EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143}


def apply_exit_code(result: ApplyResult) -> int:
    """0: every device applied (or unchanged); 1: any device failed (restored or not);
    130 / 143: interrupted by SIGINT / SIGTERM (128 + the signal number, as a shell reports it)."""
    if result.interrupted:
        return INTERRUPT_EXIT_CODES.get(result.interrupted, 1)
    return 0 if result.ok else 1
