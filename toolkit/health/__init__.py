"""Health checks: compare the running system with the Fabric, layer by layer.

``run_checks(fabric, target, junit=None, layers=None) -> CheckReport`` runs the pytest +
checks of ``toolkit/health/checks`` against a target (``"lab"``, ``"inventory"``, a
``toolkit.targets.Target`` or its ``TargetSpec``: the same targets as plan and apply). Expected
values come only from the Fabric (``expect``).

The package exports what running the checks takes and gives (the layers, the report, the error
of a check that cannot run); the parts of a report (``CheckResult``, ``LayerReport``) and of a
check (``Case``, ``Probe``) are in ``toolkit.health.model``, where the checks import them from.
"""

from toolkit.health.model import LAYERS, NOT_APPLICABLE, CheckReport, HealthError
from toolkit.health.runner import resolve_target, run_checks

__all__ = ["LAYERS", "NOT_APPLICABLE", "CheckReport", "HealthError", "resolve_target", "run_checks"]
