"""Vendor oracles: the helper modules of this folder are imported by name (``sonic_yang``,
``sonic_check``, ``corpus``, ...); tests skip with the folder or tool they miss named."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
