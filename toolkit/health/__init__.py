"""Health checks: compare the running system with the Fabric, layer by layer.

``run_checks(fabric, target, junit=None, layers=None) -> CheckReport`` runs the pytest +
testinfra checks of ``toolkit/health/checks`` against a target (``"lab"``, ``"ssh[:config]"``,
a ``Target`` or a ``TargetSpec``). Expected values come only from the Fabric (``expect``).
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
from toolkit.health.target import SshTarget, Target, TargetSpec

__all__ = [
    "LAYERS",
    "NOT_APPLICABLE",
    "Case",
    "CheckReport",
    "CheckResult",
    "HealthError",
    "LayerReport",
    "Probe",
    "SshTarget",
    "Target",
    "TargetSpec",
    "resolve_target",
    "run_checks",
]
