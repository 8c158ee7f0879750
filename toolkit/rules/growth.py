"""GROW (spec): the plan that keeps growth from re-cabling what exists.

GROW003 (warning) networks.compute.servers_per_su and planned_sus are set: without them leaf
        ports follow the largest SU and spine ports the current SU count, so adding a rack or an
        SU moves existing cables. The warning gives the values to set (today's sizes).
The comparison with a previous spec (GROW001/GROW002) is ``aidc validate --previous``
(``toolkit.growth``).
"""

from __future__ import annotations

from toolkit.design.sizing import su_server_counts
from toolkit.rules.registry import RuleCtx, rule
from toolkit.rules.specview import Out


@rule("GROW003", "warning")
def _planned(c: RuleCtx) -> Out:
    """servers_per_su and planned_sus are planned (the warning says what to set)"""
    net = c.spec.networks.compute
    if net is None:
        return
    missing = []
    counts = su_server_counts(c.spec)
    if net.servers_per_su is None:
        missing.append(f"servers_per_su: {max(counts) if counts else 1}")
    if net.planned_sus is None:
        missing.append(f"planned_sus: {len(counts)}")
    if missing:
        yield (
            ("networks", "compute"),
            "the compute fabric is sized for today's layout only: adding a rack or an SU would move existing "
            "leaf-spine cables",
            f"set networks.compute.{' and '.join(missing)} (or the sizes you plan to grow to)",
        )
