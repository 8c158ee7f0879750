"""NCCL: ``scheduler/nccl/<server model>.xml``, the topology file of each GPU server model.

Prints ``Fabric.nccl`` (``toolkit.design.nccl``): per NUMA node its PCIe switches, under each
switch its GPUs and the compute NIC ports paired with them, in NCCL's topology XML. Every
server's ``nccl.env`` points ``NCCL_TOPO_FILE`` at the file's install path.
"""

from __future__ import annotations

import jinja2

from toolkit.design.model import Fabric
from toolkit.render.core import Artifacts

TEMPLATE = "scheduler/nccl/topo.xml.j2"


def topology_file(model: str) -> str:
    """Where the topology file of server model ``model`` is written, relative to the output folder."""
    return f"scheduler/nccl/{model}.xml"


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    tpl = env.get_template(TEMPLATE)
    return {topology_file(model): tpl.render(t=t, cluster=fabric.name) for model, t in fabric.nccl.items()}
