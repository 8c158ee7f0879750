"""Helpers shared by the comesup tests: the superpod-1su example, designed once per call."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import yaml

from toolkit.design import design
from toolkit.design.model import Fabric
from toolkit.spec import load

SUPERPOD = "inventory/examples/superpod-1su"
D = dict[str, Any]


def superpod_fabric(platform: str | None = None) -> Fabric:
    """superpod-1su designed (for ``platform`` on every switch when given)."""
    res = load(SUPERPOD)
    assert res.spec is not None
    return design(res.spec, platform=platform)


def superpod_data() -> D:
    """superpod-1su's cluster.yml as plain data, to change and write with ``write_spec``."""
    return yaml.safe_load(Path(SUPERPOD, "cluster.yml").read_text())


VTYSH = shutil.which("vtysh")


def frr_dryrun(conf: str, where: Path) -> subprocess.CompletedProcess[str]:
    """FRR's own parser over ``conf`` (``vtysh --dryrun``; needs FRR installed: check VTYSH)."""
    f = where / "frr.conf"
    f.write_text(conf)
    return subprocess.run([str(VTYSH), "--dryrun", "--inputfile", str(f)], capture_output=True, text=True, timeout=60)
