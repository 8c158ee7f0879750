"""A bundled example forced to one platform (``--platform``), for the render and vendor tests.

``validate --platform sonic`` refuses a switch model without SONiC SKU data (SKU001) and the
design refuses to lay it out: its HwSKU, lanes and port names are unknown. Of the bundled
examples only cluster-16k has one, its generic modular OOB chassis (``oob-chassis``, an EOS
model of 768 ports); its core spines are the only ``core`` role of any example, so the tests
still render the rest of cluster-16k for SONiC: :func:`sonic_stand_ins` gives each such model
the catalogue ``sonic`` block a user would write for a regular-layout SKU. That SKU is a
stand-in (no SONiC image has it): the vendor oracle lists those switches as not checked.
"""

from __future__ import annotations

from toolkit import platforms
from toolkit.platforms._sonic_skus import sku_for
from toolkit.spec.models import ClusterSpec, SonicSkuSpec

STAND_IN_PLATFORM = "x86_64-aidc_stand_in-r0"


def sonic_stand_ins(spec: ClusterSpec) -> list[str]:
    """Describe every switch model SONiC has no SKU data for as a regular-layout stand-in SKU (in
    place); the models described."""
    out = []
    for name, model in spec.catalog.switches.items():
        if platforms.rendered_for(model.platform, "sonic") != "sonic" or sku_for(name, model) is not None:
            continue
        model.sonic = SonicSkuSpec(hwsku=f"AIDC-Stand-In-{name}", platform=STAND_IN_PLATFORM)
        out.append(name)
    return out
