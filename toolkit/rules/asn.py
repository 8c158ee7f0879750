"""ASN rules: BGP AS numbers are valid, private and do not collide."""

from __future__ import annotations

from toolkit.findings import YamlPath
from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out, frontends
from toolkit.spec.models import ClusterSpec

_RESERVED_ASN = {0, 23456, 65535, 4294967295}


def _asn_items(spec: ClusterSpec) -> list[tuple[str, int, int, YamlPath]]:
    """(label, first, last, path) ASN ranges used by the design."""
    out: list[tuple[str, int, int, YamlPath]] = []
    c = spec.networks.compute
    sz_sus = len(spec.layout.scalable_units)
    if c is not None and c.kind == "roce":
        out.append(("compute cores", c.asn.core, c.asn.core, ("networks", "compute", "asn", "core")))
        out.append(
            ("compute spines", c.asn.spine_base, c.asn.spine_base + 63, ("networks", "compute", "asn", "spine_base"))
        )
        out.append(
            (
                "compute leaves",
                c.asn.leaf_base,
                c.asn.leaf_base + max(sz_sus, 1) * 64 - 1,
                ("networks", "compute", "asn", "leaf_base"),
            )
        )
    for plane, fe, path in frontends(spec):
        out.append((f"{plane} spines", fe.asn.spine, fe.asn.spine, (*path, "asn", "spine")))
        out.append((f"{plane} leaves", fe.asn.leaf_base, fe.asn.leaf_base + 1023, (*path, "asn", "leaf_base")))
    return out


@rule("ASN001", "error")
def _asn_reserved(c: RuleCtx) -> Out:
    """ASNs avoid reserved values (0, 23456, 65535, 4294967295) and stay below 2^32"""
    for label, first, last, path in _asn_items(c.spec):
        if last > 4294967294 or any(first <= r <= last for r in _RESERVED_ASN):  # anywhere in the range
            yield (
                path,
                f"{label} use ASNs {first}-{last}, which include reserved values or pass 4294967294 (the last ASN)",
                "use private 4-byte ASNs from 4200000000, with room for every device of the range",
            )


@rule("ASN002", "error")
def _asn_collide(c: RuleCtx) -> Out:
    """ASN ranges of different roles and planes do not collide"""
    items = _asn_items(c.spec)
    for i, (la, fa, ta, pa) in enumerate(items):
        for lb, fb, tb, _ in items[:i]:
            if fa <= tb and fb <= ta:
                yield pa, f"{la} ASNs {fa}-{ta} collide with {lb} ASNs {fb}-{tb}", "space the bases further apart"


@rule("ASN003", "warning")
def _asn_private(c: RuleCtx) -> Out:
    """fabric ASNs are private (64512-65534 or 4200000000-4294967294)"""
    for label, first, last, path in _asn_items(c.spec):
        for a in sorted({first, last}):
            if a in _RESERVED_ASN or a > 4294967294:
                continue  # ASN001 reports reserved and out-of-range values
            if not (64512 <= a <= 65534 or 4200000000 <= a <= 4294967294):
                yield (
                    path,
                    f"{label} use ASN {a}, a public ASN (private are 64512-65534 and 4200000000-4294967294)",
                    "use private ASNs inside the fabric, e.g. from 4200000000",
                )
                break
