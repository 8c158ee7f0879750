"""Rules over the designed Fabric: what only the trial design can show.

``validate`` designs the spec (see ``toolkit.rules.design_findings``); these rules then read the
Fabric and report, with a stable code and the YAML path of the spec value to change, anything
that would stop a link, a route or a rack from working. Each rule yields (path, message, hint).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from toolkit.design import model
from toolkit.design.model import Device, Fabric, Port
from toolkit.findings import Finding, Severity, YamlPath
from toolkit.rules.registry import description
from toolkit.spec.models import ClusterSpec

Out = Iterator[tuple[YamlPath, str, str]]
FabricCheck = Callable[[ClusterSpec, Fabric], Out]
T = TypeVar("T")


@dataclass(frozen=True)
class FabricRule:
    code: str
    severity: Severity
    doc: str
    fn: FabricCheck


FABRIC_RULES: dict[str, FabricRule] = {}
RUN: list[int] = [0]
"""Counts fabric_findings runs: rules may share work within one run (keyed by it), never across."""


def per_run(cache: dict[tuple[int, int], tuple[Fabric, T]], fabric: Fabric, build: Callable[[Fabric], T]) -> T:
    """``build(fabric)``, made once per Fabric and ``fabric_findings`` run and shared by the rules
    of that run; ``cache`` keeps only the latest (a Fabric's id can be reused once it is freed)."""
    key = (RUN[0], id(fabric))
    hit = cache.get(key)
    if hit is None or hit[0] is not fabric:
        cache.clear()
        hit = cache[key] = (fabric, build(fabric))
    return hit[1]


def fabric_rule(code: str, severity: Severity) -> Callable[[FabricCheck], FabricCheck]:
    """Register the decorated check as rule ``code`` over the Fabric, described by its docstring
    (as :func:`toolkit.rules.registry.rule`)."""

    def deco(fn: FabricCheck) -> FabricCheck:
        if code in FABRIC_RULES:
            raise ValueError(f"rule code {code} registered twice")
        FABRIC_RULES[code] = FabricRule(code, severity, description(fn), fn)
        return fn

    return deco


def fabric_findings(spec: ClusterSpec, fabric: Fabric) -> list[Finding]:
    out: list[Finding] = []
    RUN[0] += 1
    # the rules build indexes over a few hundred thousand ports and free nothing cyclic: the
    # garbage collector would only rescan the Fabric (as in toolkit.design.design)
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in FABRIC_RULES.values():
            out += [
                Finding(code=r.code, severity=r.severity, message=msg, path=list(path), hint=hint)
                for path, msg, hint in r.fn(spec, fabric)
            ]
    finally:
        if was_enabled:
            gc.freeze()  # as after the design (toolkit.design._without_gc): the indexes are young
            gc.enable()
    return out


# --------------------------------------------------------------------------- helpers for the rules

_TIER = {
    "leaf": ("networks", "compute", "leaf"),
    "spine": ("networks", "compute", "spine"),
    "core": ("networks", "compute", "core"),
    "business-leaf": ("networks", "business", "leaf"),
    "business-spine": ("networks", "business", "spine"),
    "storage-leaf": ("networks", "storage", "fabric", "leaf"),
    "storage-spine": ("networks", "storage", "fabric", "spine"),
    "oob": ("networks", "oob", "switch_model"),
}


def tier_path(spec: ClusterSpec, dev: Device, port: Port | None = None) -> YamlPath:
    """The spec value that decides ``dev``'s ports: its tier, or its server model's NIC."""
    if dev.role in _TIER:
        return _TIER[dev.role]
    model = spec.catalog.servers.get(dev.model)
    if model is not None and port is not None and port.nic:
        for i, nic in enumerate(model.nics):
            if nic.name == port.nic:
                return ("catalog", "servers", dev.model, "nics", i)
    return ("catalog", "servers", dev.model)


class PortIndex(model.PortIndex):
    """The run's :class:`toolkit.design.model.PortIndex`, built once per Fabric and
    ``fabric_findings`` run and shared by the rules that look ports up by name (LINK001, OOBA004):
    ``PortIndex.of(fabric)``."""

    _cache: dict[tuple[int, int], tuple[Fabric, PortIndex]] = {}

    @classmethod
    def of(cls, fabric: Fabric) -> PortIndex:
        """The run's index of ``fabric`` (never across runs)."""
        return per_run(cls._cache, fabric, PortIndex)
