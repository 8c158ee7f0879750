"""Rule registry: every semantic rule has a stable code, a severity and a one-line doc.

A rule is declared with its code and severity (``@rule("VNI005", "error")``); the first paragraph
of its check's docstring is the description that ``aidc rules`` lists.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from toolkit.design.sizing import ComputeSizing, SizingError, size_compute
from toolkit.findings import Finding, Severity, YamlPath
from toolkit.spec.models import ClusterSpec


@dataclass
class RuleCtx:
    spec: ClusterSpec
    platform: str | None = None  # ``--platform``: every Ethernet switch is rendered for this NOS

    @cached_property
    def sizing(self) -> ComputeSizing | None:
        if self.spec.networks.compute is None:
            return None
        try:
            return size_compute(self.spec)
        except (SizingError, ValueError, KeyError, ZeroDivisionError):
            return None

    @cached_property
    def sizing_error(self) -> str | None:
        if self.spec.networks.compute is None:
            return None
        try:
            size_compute(self.spec)
        except (SizingError, ValueError, KeyError, ZeroDivisionError) as exc:
            return str(exc)
        return None


#: what a rule yields: (path, message, hint), or (path, message, hint, path of a related place such
#: as the first of two duplicates; its file:line is added to the message)
Hit = tuple[YamlPath, str, str] | tuple[YamlPath, str, str, YamlPath]
Check = Callable[[RuleCtx], Iterator[Hit]]

#: rules whose errors make the server list unreliable (names and models of servers)
SERVER_LIST = ("LAY001", "REF001")
#: rules whose errors make switch port counts and speeds unreliable
SWITCH_PORTS = ("REF002", "REF006")


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    doc: str
    fn: Check
    #: codes of rules this one reads the result of: while one of them reports an error, this
    #: rule's findings follow from that cause and are suppressed (and counted on the cause)
    needs: tuple[str, ...] = ()

    def run(self, ctx: RuleCtx) -> list[Finding]:
        out = []
        for hit in self.fn(ctx):
            path, msg, hint = hit[0], hit[1], hit[2]
            related = list(hit[3]) if len(hit) > 3 else None
            out.append(
                Finding(code=self.code, severity=self.severity, message=msg, path=list(path), hint=hint,
                        related=related)
            )
        return out


RULES: dict[str, Rule] = {}


def rule(code: str, severity: Severity, *, needs: tuple[str, ...] = ()) -> Callable[[Check], Check]:
    """Register the decorated check as rule ``code``, described by its docstring (:func:`description`)."""

    def deco(fn: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule code {code} registered twice")
        RULES[code] = Rule(code, severity, description(fn), fn, needs)
        return fn

    return deco


def description(fn: Callable[..., object]) -> str:
    """A rule's one-line description: the first paragraph of its check's docstring, on one line
    (the paragraphs after it are for the reader of the code)."""
    if not fn.__doc__:
        if sys.flags.optimize >= 2:  # python -OO strips every docstring: validation still runs
            return f"({fn.__qualname__}: description not available under python -OO)"
        raise ValueError(f"rule check {fn.__qualname__} has no docstring to describe it")
    return " ".join(inspect.cleandoc(fn.__doc__).split("\n\n")[0].split())
