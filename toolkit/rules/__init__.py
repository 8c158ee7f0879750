"""Validation: semantic rules over a loaded spec, then a trial design.

``validate`` returns every finding of one run together (errors and warnings), each located at
file:line:col and YAML path through the loader's source map.

Rules live in one module per code family (``names`` NAME, ``refs`` REF, ``layout`` LAY,
``addressing`` ADDR, ``asn`` ASN, ``tenants`` VNI, ``compute`` CMP, ``frontend`` FE, ``mtu`` MTU,
``qos`` QOS, ``storage`` STO, ``oob`` OOB, ``site`` PWR/SITE). A new module in this package
registers its rules by being here: every module except ``registry`` and ``specview`` (the views of
the spec the rules share) is imported below. Rules over the trial design's Fabric register with
``toolkit.rules.fabric.fabric_rule`` (``links`` LINK) and run after a successful trial design.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.findings import Finding, SourceMap, locate_all
from toolkit.rules.registry import RULES, Rule, RuleCtx
from toolkit.spec.models import ClusterSpec

if TYPE_CHECKING:
    from toolkit.design.model import Fabric

_NOT_RULES = {"registry", "specview"}
for _mod in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    if _mod not in _NOT_RULES:
        importlib.import_module(f"{__name__}.{_mod}")

DESIGN_CODE = "DES001"


def validate(
    spec: ClusterSpec, sources: SourceMap | None = None, *, try_design: bool = True, platform: str | None = None
) -> list[Finding]:
    """Every finding of the spec; ``platform``: the trial design renders every Ethernet switch for
    this NOS (``--platform``), so its limits are checked too."""
    return validate_and_design(spec, sources, try_design=try_design, platform=platform)[0]


def validate_and_design(
    spec: ClusterSpec, sources: SourceMap | None = None, *, try_design: bool = True, platform: str | None = None
) -> tuple[list[Finding], Fabric | None]:
    """Findings and the trial design (None when it failed or was not tried): a command that goes
    on to use the Fabric designs once. Without error findings the trial design is the design
    (:func:`toolkit.design.design` refuses exactly what the fabric rules report as errors)."""
    ctx = RuleCtx(spec, platform)
    findings: list[Finding] = []
    crashed: list[Finding] = []
    for r in RULES.values():
        try:
            findings += r.run(ctx)
        except Exception as exc:  # a bug in a rule: always reported, never hidden by other findings
            crashed.append(
                Finding(
                    code=r.code,
                    severity="error",
                    message=f"internal error in this rule: {type(exc).__name__}: {exc}",
                    hint="a bug in aidc, not necessarily in the spec: please report it",
                )
            )
    findings = root_causes(findings) + crashed
    fabric = None
    if try_design and not any(f.severity == "error" for f in findings):
        design_errors, fabric = _trial_design(spec, platform)
        findings += design_errors
    return locate_all(findings, sources or SourceMap()), fabric


def load_and_design(
    path: str | Path, platform: str | None = None
) -> tuple[ClusterSpec | None, list[Finding], Fabric | None]:
    """Load, validate and design the spec at ``path``: (spec, every finding, Fabric). The Fabric
    is None when the spec has error findings."""
    from toolkit.spec import load

    res = load(path)
    findings = list(res.findings)
    fabric = None
    if res.spec is not None:
        more, fabric = validate_and_design(res.spec, res.sources, platform=platform)
        findings += more
    if any(f.severity == "error" for f in findings):
        fabric = None
    return res.spec, findings, fabric


def root_causes(findings: list[Finding]) -> list[Finding]:
    """Drop findings of rules whose input another rule already reports as wrong (``Rule.needs``);
    the cause's first finding says how many were suppressed."""
    failing = {f.code for f in findings if f.severity == "error"}

    def cause_of(code: str, seen: frozenset[str] = frozenset()) -> str | None:
        rule = RULES.get(code)
        for need in rule.needs if rule else ():
            if need in failing and need not in seen:
                return cause_of(need, seen | {code}) or need
        return None

    kept: list[Finding] = []
    dropped: dict[str, int] = {}
    for f in findings:
        cause = cause_of(f.code)
        if cause is None:
            kept.append(f)
        else:
            dropped[cause] = dropped.get(cause, 0) + 1
    for i, f in enumerate(kept):
        n = dropped.pop(f.code, 0)
        if n:
            note = f"{n} finding(s) that follow from this were suppressed: validate again after fixing it"
            kept[i] = f.model_copy(update={"hint": f"{f.hint}; {note}" if f.hint else note})
    return kept


def design_findings(spec: ClusterSpec, platform: str | None = None) -> list[Finding]:
    return _trial_design(spec, platform)[0]


def _trial_design(spec: ClusterSpec, platform: str | None) -> tuple[list[Finding], Fabric | None]:
    from toolkit.design import design_unchecked
    from toolkit.design.addressing import PoolExhausted
    from toolkit.design.context import DesignError
    from toolkit.design.sizing import SizingError
    from toolkit.rules.fabric import fabric_findings

    try:
        fabric = design_unchecked(spec, platform)
    except DesignError as exc:
        return [Finding(code=DESIGN_CODE, severity="error", message=str(exc), path=list(exc.path))], None
    except PoolExhausted as exc:
        return [
            Finding(code=DESIGN_CODE, severity="error", message=str(exc), path=["networks"], hint="use a larger prefix")
        ], None
    except SizingError as exc:
        return [Finding(code=DESIGN_CODE, severity="error", message=str(exc), path=["networks", "compute"])], None
    except Exception as exc:  # a bug: the rules passed, the design did not
        return [
            Finding(
                code=DESIGN_CODE,
                severity="error",
                message=f"internal error while designing: {type(exc).__name__}: {exc}",
                hint="a bug in aidc (the rules accepted the spec): please report it",
            )
        ], None
    return fabric_findings(spec, fabric), fabric


def rule_docs() -> list[tuple[str, str, str]]:
    from toolkit.rules.fabric import FABRIC_RULES

    docs = [(r.code, r.severity, r.doc) for r in RULES.values()]
    docs += [(r.code, r.severity, r.doc) for r in FABRIC_RULES.values()]
    from toolkit.growth import GROWTH_CODES

    docs += list(GROWTH_CODES)
    docs.append((DESIGN_CODE, "error", "the spec can be designed (ports, addresses and sizes all fit)"))
    for code, doc in (
        ("LOAD000", "the spec path exists and holds .yml files"),
        ("LOAD001", "spec files are readable UTF-8"),
        ("LOAD002", "spec files are valid YAML (merge keys `<<` included)"),
        ("LOAD003", "no key appears twice in one mapping, and keys are plain names"),
        ("LOAD004", "a spec file holds a mapping at the top level"),
        ("LOAD005", "a scalar is defined in only one file"),
        ("LOAD006", "a file stays within the size and nesting limits (aliases counted at every use)"),
        ("LOAD007", "a compact layout written out stays within the limits of SUs and racks per spec"),
        ("SPEC001", "no unknown keys (with a did-you-mean suggestion)"),
        ("SPEC002", "values have the right type and range"),
        ("SPEC003", "required keys are present"),
    ):
        docs.append((code, "error", doc))
    return sorted(docs)


__all__ = ["RULES", "Rule", "load_and_design", "rule_docs", "validate", "validate_and_design"]
