"""PLAT: the spec fits every platform it is rendered for (each switch model's own platform, or
``--platform``): names, MTUs, VLANs, VNIs, anycast MACs, switch-wide QoS.

The limits are platform data (``toolkit/platforms/``); the check itself is
``toolkit.design.policy.check_limits`` over the trial design's Fabric, the same function
``design`` uses to refuse a spec, so validate and render can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterator

from toolkit.design.model import Fabric
from toolkit.design.policy import LIMIT_CODES, Violation, check_limits
from toolkit.findings import YamlPath
from toolkit.rules.fabric import FabricCheck, fabric_rule
from toolkit.spec.models import ClusterSpec

_LAST: list[tuple[int, int, list[Violation]]] = []


def _violations(spec: ClusterSpec, fabric: Fabric) -> list[Violation]:
    """check_limits once per (spec, Fabric) for all PLAT rules of one validate run."""
    if _LAST and _LAST[0][0] == id(spec) and _LAST[0][1] == id(fabric):
        return _LAST[0][2]
    found = check_limits(spec, fabric)
    _LAST[:] = [(id(spec), id(fabric), found)]
    return found


def _rule(code: str, doc: str) -> FabricCheck:
    def check(spec: ClusterSpec, fabric: Fabric) -> Iterator[tuple[YamlPath, str, str]]:
        for v in _violations(spec, fabric):
            if v.code == code:
                yield v.path, v.message, v.hint

    check.__name__ = f"check_{code.lower()}"
    check.__doc__ = doc
    return check


for _code, _doc in LIMIT_CODES.items():
    fabric_rule(_code, "error")(_rule(_code, _doc))
