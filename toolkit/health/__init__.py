"""Health checks: compare the running system with the Fabric, layer by layer.

``run_checks(fabric, target, junit=None, layers=None) -> CheckReport`` runs the pytest +
checks of ``toolkit/health/checks`` against a target (``"lab"``, ``"inventory"``, a
``toolkit.targets.Target`` or its ``TargetSpec``: the same targets as plan and apply). Expected
values come only from the Fabric (``expect``).
"""

from toolkit.health.model import (
    LAYERS,
    NOT_APPLICABLE,
    Case,
    CheckReport,
    CheckResult,
    HealthError,
    LayerReport,
    Probe,
)
from toolkit.health.runner import resolve_target, run_checks

__all__ = [
    "LAYERS",
    "NOT_APPLICABLE",
    "Case",
    "CheckReport",
    "CheckResult",
    "HealthError",
    "LayerReport",
    "Probe",
    "resolve_target",
    "run_checks",
]
