"""Data of the health checks: the layers, one expected case, one result, the report."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LAYERS: tuple[str, ...] = (
    "switch-links",
    "lldp",
    "bgp",
    "evpn",
    "qos",
    "host-addresses",
    "host-routing",
    "mtu-path",
    "tenants",
    "external",
    "identity",
    "storage",
    "hardware",
    "infiniband",
)
"""Every layer, in report order."""

NOT_APPLICABLE = "not applicable"
"""Prefix of the skip reason of a check that cannot apply to this target (counted separately)."""

EMPTY = "nothing to check"
"""Prefix of the skip reason pytest gets when the Fabric yields no case for a check."""

Outcome = Literal["passed", "failed", "not-applicable", "skipped"]


class HealthError(RuntimeError):
    """A check could not observe the system (device unreachable, command failed, bad output)."""


@dataclass(frozen=True)
class Probe:
    """An active test run on ``Case.device``: batched per device and run concurrently.

    kind ``ping``: args = (source address or interface, destination, payload size, flags): flags is
    a comma list of ``df`` (don't fragment) and ``retry`` (one retry after a loss: for probes
    expected to succeed; isolation probes, which are expected to time out, do not retry).
    kind ``arp``: args = (interface, target address): an ARP probe (sender 0.0.0.0) that any
    owner of the address on the same L2 segment answers, whatever the routing.
    kind ``route``: args = (destination, source): ``ip -j route get`` (output: the JSON).
    """

    kind: Literal["ping", "arp", "route"]
    args: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """One parametrised check: the device (and port) it is about and what the Fabric expects."""

    device: str
    port: str | None = None
    expect: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    suffix: str = ""
    probes: tuple[Probe, ...] = ()

    @property
    def id(self) -> str:
        base = f"{self.device}:{self.port}" if self.port else self.device
        return f"{base}->{self.suffix}" if self.suffix else base

    @property
    def where(self) -> str:
        """``device port`` as failure messages start."""
        return f"{self.device} {self.port}" if self.port else self.device


class _M(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckResult(_M):
    nodeid: str
    layer: str
    check: str = Field(description="test function name, e.g. test_link_up")
    case: str = Field(description="parameter id: device, device:port or device:port->peer")
    device: str | None = None
    port: str | None = None
    outcome: Outcome
    message: str = ""
    seconds: float = 0.0


class LayerReport(_M):
    layer: str
    passed: int = 0
    failed: int = 0
    not_applicable: int = 0
    skipped: int = 0
    failures: list[str] = Field(default_factory=list, description="failure messages, device and port first")
    not_applicable_reasons: list[str] = Field(default_factory=list, description="distinct reasons")

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.not_applicable + self.skipped


class CheckReport(_M):
    fabric: str
    target: str
    layers: dict[str, LayerReport]
    results: list[CheckResult] = Field(default_factory=list)
    seconds: float = 0.0
    pytest_exit_code: int = 0
    junit: str | None = None
    errors: list[str] = Field(default_factory=list, description="problems outside any check (collection, runner)")
    timings: dict[str, float] = Field(
        default_factory=dict, description="seconds: collect, observe (parallel fetch + probes), evaluate, total"
    )

    @property
    def ok(self) -> bool:
        """Every check that ran passed (not-applicable and skipped checks do not count)."""
        return not self.errors and all(lr.failed == 0 for lr in self.layers.values())

    @property
    def passed(self) -> int:
        return sum(lr.passed for lr in self.layers.values())

    @property
    def failed(self) -> int:
        return sum(lr.failed for lr in self.layers.values())

    @property
    def not_applicable(self) -> int:
        return sum(lr.not_applicable for lr in self.layers.values())

    def failures(self, layer: str | None = None) -> list[CheckResult]:
        return [r for r in self.results if r.outcome == "failed" and (layer is None or r.layer == layer)]

    def failed_layers(self) -> set[str]:
        return {name for name, lr in self.layers.items() if lr.failed}

    def summary(self) -> str:
        """A plain-text table, one line per layer, then the failures."""
        lines = [f"health of {self.fabric} on {self.target}: {'OK' if self.ok else 'FAILED'} ({self.seconds:.1f} s)"]
        lines.append(f"  {'layer':16} {'passed':>6} {'failed':>6} {'n/a':>6} {'skipped':>7}")
        for name, lr in self.layers.items():
            lines.append(f"  {name:16} {lr.passed:6} {lr.failed:6} {lr.not_applicable:6} {lr.skipped:7}")
        for name, lr in self.layers.items():
            lines += [f"  FAIL [{name}] {msg}" for msg in lr.failures]
        lines += [f"  ERROR {e}" for e in self.errors]
        return "\n".join(lines)

    def to_json_dict(self) -> dict[str, Any]:
        data = self.model_dump()
        data["ok"] = self.ok
        return data
