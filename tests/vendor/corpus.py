"""The rendered switch files the vendor oracles check: every bundled example, natively (each switch
model's own platform) and forced to one platform (``--platform``), every switch of the small
examples and the first and last switch of each role of the big one."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jinja2

from tests.forced import sonic_stand_ins
from toolkit.design import design
from toolkit.design.model import Device, Fabric
from toolkit.render.core import environment
from toolkit.render.switches import render_device
from toolkit.spec import load

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "inventory" / "examples"
# cluster-100k is left out by default: it is large (25,000 switches; validated by tests/scale) and
# designing it once per platform takes minutes; AIDC_VENDOR_100K=1 adds it
# (sampled like cluster-16k: the first and last switch of each role), e.g.
# `AIDC_VENDOR_100K=1 python tests/vendor/report.py sonic`
WITH_100K = os.environ.get("AIDC_VENDOR_100K") == "1"
EXAMPLE_NAMES = tuple(sorted(p.name for p in EXAMPLES.iterdir()
                             if p.is_dir() and (WITH_100K or p.name != "cluster-100k")))
BIG = {"cluster-16k", "cluster-100k"}
NATIVE = "native"


@functools.cache
def fabric(example: str, platform: str) -> Fabric:
    spec = load(EXAMPLES / example).spec
    assert spec is not None, example
    if platform == "sonic":  # a model without SONiC SKU data gets a stand-in SKU (tests/forced.py)
        sonic_stand_ins(spec)
    return design(spec, platform=None if platform == NATIVE else platform)


@functools.lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    return environment()


def sample(fab: Fabric, example: str) -> list[Device]:
    switches = list(fab.switches())
    if example not in BIG:
        return switches
    by_role: dict[str, list[Device]] = {}
    for d in switches:
        by_role.setdefault(d.role, []).append(d)
    out: list[Device] = []
    for devs in by_role.values():
        out.extend({d.name: d for d in (devs[0], devs[-1])}.values())
    return out


@dataclass(frozen=True)
class Item:
    example: str
    mode: str  # "native" or the forced platform
    device: Device
    fabric: Fabric
    files: dict[str, str]

    @property
    def label(self) -> str:
        return f"{self.example}/{self.mode}/{self.device.name}"


def items(platform: str, examples: tuple[str, ...] = EXAMPLE_NAMES, release: str | None = None) -> Iterator[Item]:
    """Rendered switches of ``platform``: native ones first, then every switch forced to it;
    ``release``: rendered for that release of the platform."""
    for mode in (NATIVE, platform):
        for ex in examples:
            fab = fabric(ex, mode)
            for dev in sample(fab, ex):
                if dev.platform != platform:
                    continue
                if release is not None:  # what site.os_versions {platform: release} designs (test below)
                    dev = dev.model_copy(update={"os_version": release})
                yield Item(ex, mode, dev, fab, render_device(dev, fab, env()))

