"""Where aidc keeps state between runs (lab, applied configurations, locks, audit trail).

``$AIDC_STATE_DIR`` if set, else ``~/.local/state/aidc``. Layout:
  lab/<cluster>/...                 the digital twin (toolkit.lab)
  targets/<target>/<cluster>/...    last applied state per device, lock, audit log (toolkit.plan)
"""

from __future__ import annotations

import os
from pathlib import Path


def state_dir() -> Path:
    env = os.environ.get("AIDC_STATE_DIR")
    base = Path(env) if env else Path.home() / ".local" / "state" / "aidc"
    base.mkdir(parents=True, exist_ok=True)
    return base
