"""InfiniBand subnet manager files: ``infiniband/`` (InfiniBand compute fabrics only).

- ``<sm>/opensm.conf`` per subnet manager (its GUID and priority; routing engine, LMC, QoS and
  the paths of the files below under ``OPENSM_DIR``).
- ``partitions.conf``: the Default partition and one partition per tenant, members by port GUID.
- ``qos-policy.conf``: traffic between compute HCA ports on the compute SL.
- ``root_guids.conf`` / ``cn_guids.conf``: ftree roots (top-tier switch GUIDs) and compute node
  port GUIDs.
- ``guids.yaml``: every GUID the design uses, by device and port, marked derived or installed;
  fill it from ``ibnetdiscover`` with ``aidc ib guids`` and put it beside the spec.
"""

from __future__ import annotations

import jinja2

from toolkit.design.infiniband import OPENSM_DIR, OPENSM_FILES
from toolkit.design.model import Fabric, InfinibandFabric
from toolkit.render.core import Artifacts

SL_COUNT = 16


def sl2vl(ib: InfinibandFabric) -> str:
    return ",".join(str(ib.compute_vl if sl == ib.compute_sl else 0) for sl in range(SL_COUNT))


def render(fabric: Fabric, env: jinja2.Environment) -> Artifacts:
    ib = fabric.infiniband
    if ib is None:
        return {}
    paths = {k: f"{OPENSM_DIR}/{v}" for k, v in OPENSM_FILES.items()}
    ctx = {"ib": ib, "fabric": fabric, "paths": paths, "sl2vl": sl2vl(ib)}
    out: Artifacts = {}
    for sm in ib.subnet_managers:
        out[f"infiniband/{sm.device}/opensm.conf"] = env.get_template("infiniband/opensm.conf.j2").render(sm=sm, **ctx)
    for key, tpl in (
        ("partitions", "partitions.conf.j2"),
        ("qos_policy", "qos-policy.conf.j2"),
        ("root_guids", "root_guids.conf.j2"),
        ("cn_guids", "cn_guids.conf.j2"),
    ):
        out[f"infiniband/{OPENSM_FILES[key]}"] = env.get_template(f"infiniband/{tpl}").render(**ctx)
    out["infiniband/guids.yaml"] = env.get_template("infiniband/guids.yaml.j2").render(**ctx)
    return out
