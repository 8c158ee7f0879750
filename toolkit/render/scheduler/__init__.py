"""The scheduler's view of the network: ``scheduler/{slurm,kubernetes,nccl}/`` (see the modules);
nothing for a Fabric without a compute plane (no GPU servers to schedule)."""

from __future__ import annotations

import jinja2

from toolkit.design.model import Fabric
from toolkit.render.core import Artifacts
from toolkit.render.scheduler import kubernetes, nccl, slurm


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    if "compute" not in fabric.planes:
        return {}
    return {**slurm.render(fabric, env), **kubernetes.render(fabric, env), **nccl.render(fabric, env)}
