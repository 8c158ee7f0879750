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

from toolkit.findings import Finding, SourceMap, locate_all
from toolkit.rules.registry import RULES, Rule, RuleCtx
from toolkit.spec.models import ClusterSpec

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
    ctx = RuleCtx(spec)
    findings: list[Finding] = []
    for r in RULES.values():
        try:
            findings += r.run(ctx)
        except (KeyError, ValueError, IndexError, TypeError, ZeroDivisionError) as exc:
            # a rule tripping over input another rule reports is not a crash for the user
            if not any(f.severity == "error" for f in findings):
                findings.append(
                    Finding(
                        code=r.code, severity="error", message=f"cannot check this rule: {type(exc).__name__}: {exc}"
                    )
                )
    if try_design and not any(f.severity == "error" for f in findings):
        findings += design_findings(spec, platform)
    return locate_all(findings, sources or SourceMap())


def design_findings(spec: ClusterSpec, platform: str | None = None) -> list[Finding]:
    from toolkit.design import design_unchecked
    from toolkit.design.addressing import PoolExhausted
    from toolkit.design.context import DesignError
    from toolkit.design.sizing import SizingError
    from toolkit.rules.fabric import fabric_findings

    try:
        fabric = design_unchecked(spec, platform)
    except DesignError as exc:
        return [Finding(code=DESIGN_CODE, severity="error", message=str(exc), path=list(exc.path))]
    except PoolExhausted as exc:
        return [
            Finding(code=DESIGN_CODE, severity="error", message=str(exc), path=["networks"], hint="use a larger prefix")
        ]
    except SizingError as exc:
        return [Finding(code=DESIGN_CODE, severity="error", message=str(exc), path=["networks", "compute"])]
    return fabric_findings(spec, fabric)


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
        ("LOAD002", "spec files are valid YAML"),
        ("LOAD003", "no key appears twice in one mapping"),
        ("LOAD004", "a spec file holds a mapping at the top level"),
        ("LOAD005", "a scalar is defined in only one file"),
        ("SPEC001", "no unknown keys (with a did-you-mean suggestion)"),
        ("SPEC002", "values have the right type and range"),
        ("SPEC003", "required keys are present"),
    ):
        docs.append((code, "error", doc))
    return sorted(docs)


__all__ = ["RULES", "Rule", "rule_docs", "validate"]
