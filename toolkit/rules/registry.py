"""Rule registry: every semantic rule has a stable code, a severity and a one-line doc."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from toolkit.design.sizing import ComputeSizing, SizingError, size_compute
from toolkit.findings import Finding, Severity, YamlPath
from toolkit.spec.models import ClusterSpec


@dataclass
class RuleCtx:
    spec: ClusterSpec

    @cached_property
    def sizing(self) -> ComputeSizing | None:
        try:
            return size_compute(self.spec)
        except (SizingError, ValueError, KeyError, ZeroDivisionError):
            return None

    @cached_property
    def sizing_error(self) -> str | None:
        try:
            size_compute(self.spec)
        except (SizingError, ValueError, KeyError, ZeroDivisionError) as exc:
            return str(exc)
        return None


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    doc: str
    fn: Callable[[RuleCtx], Iterator[tuple[YamlPath, str, str]]]

    def run(self, ctx: RuleCtx) -> list[Finding]:
        return [
            Finding(code=self.code, severity=self.severity, message=msg, path=list(path), hint=hint)
            for path, msg, hint in self.fn(ctx)
        ]


RULES: dict[str, Rule] = {}

Check = Callable[[RuleCtx], Iterator[tuple[YamlPath, str, str]]]


def rule(code: str, severity: Severity, doc: str) -> Callable[[Check], Check]:
    def deco(fn: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, severity, doc, fn)
        return fn

    return deco
