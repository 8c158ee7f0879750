"""plan and apply: what would change on a target, and making it so.

    from toolkit.plan import plan, apply, format_plan
    from toolkit.targets import LabTarget

    target = LabTarget(fabric.name, state_dir())
    p = plan(fabric, artifacts, target)          # Plan: per device diffs, p.changes, p.exit_code
    print(format_plan(p, "markdown"))            # text | json | markdown
    r = apply(fabric, artifacts, target, progress=print)   # ApplyResult: r.ok, r.exit_code

State per target: ``state_dir()/targets/<target>/<cluster>/`` (see toolkit.plan.store).
"""

from toolkit.plan.apply import ProgressCallback, apply
from toolkit.plan.desired import DesiredDevice, desired_state
from toolkit.plan.format import FORMATS, format_apply, format_plan, plan_json, plan_markdown, plan_text
from toolkit.plan.models import (
    ApplyResult,
    DevicePlan,
    DeviceResult,
    FileDiff,
    Plan,
    ProgressEvent,
    RunningCheck,
    apply_exit_code,
    plan_exit_code,
)
from toolkit.plan.planner import plan, read_running_all
from toolkit.plan.store import AppliedRecord, ApplyError, ApplyLock, ApplyLockedError, TargetStore

__all__ = [
    "FORMATS",
    "AppliedRecord",
    "ApplyError",
    "ApplyLock",
    "ApplyLockedError",
    "ApplyResult",
    "DesiredDevice",
    "DevicePlan",
    "DeviceResult",
    "FileDiff",
    "Plan",
    "ProgressCallback",
    "ProgressEvent",
    "RunningCheck",
    "TargetStore",
    "apply",
    "apply_exit_code",
    "desired_state",
    "format_apply",
    "format_plan",
    "plan",
    "plan_exit_code",
    "plan_json",
    "plan_markdown",
    "plan_text",
    "read_running_all",
]
