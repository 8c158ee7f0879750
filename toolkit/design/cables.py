"""Step 6: cable labels, rack positions of both ends, length estimates, one medium per cage.

- ``id``: ``<plane letter>-<8 hex>`` from a hash of both ends (device:port), so a label never
  changes when the cluster grows.
- ends: the rack and lowest rack unit of each end's device (``toolkit.design.racks``).
- length: racks stand in rows (``Rack.row``, default the SU; racks outside SUs in row ``core``)
  at positions (``Rack.position``, default their order in the row). In one rack: 2 m; in one
  row: 0.6 m per rack of distance plus 3 m (up into the tray, down, slack); across rows: the
  distance along the rows plus 2.4 m per row of distance plus 5 m. Rounded up to 0.5 m.
- a switch cage broken out to several cables (e.g. 2x400G to two servers) is one breakout
  cable (``breakout``, legs share ``group``): all its legs take the longest leg's medium
  (DAC < AOC < MMF < SMF), so a cage never mixes media.
"""

from __future__ import annotations

import hashlib
import math

from toolkit.design.context import Ctx
from toolkit.design.model import Cable, put

RACK_WIDTH_M = 0.6
ROW_PITCH_M = 2.4
_MEDIA = ("Cat6", "DAC", "AOC", "MMF", "SMF")
_RANK = {m: i for i, m in enumerate(_MEDIA)}  # a medium unknown here ranks lowest


def cable_id(c: Cable) -> str:
    h = hashlib.blake2b(f"{c.a_device}:{c.a_port}|{c.b_device}:{c.b_port}".encode(), digest_size=4).hexdigest()
    return f"{c.plane[0].upper()}-{h}"


def _geometry(ctx: Ctx) -> dict[str, tuple[int, int]]:
    """rack -> (row index, position)."""
    specs = {r.name: r for su in ctx.spec.layout.scalable_units for r in su.racks}
    specs.update({r.name: r for r in ctx.spec.layout.racks})
    rows: dict[str, int] = {}
    count: dict[str, int] = {}
    out = {}
    for info in ctx.racks:
        rack = specs[info.name]
        row = rack.row or info.su or "core"
        ri = rows.setdefault(row, len(rows))
        pos = rack.position if rack.position is not None else count.get(row, 0)
        count[row] = count.get(row, 0) + 1
        out[info.name] = (ri, pos)
    return out


def length_m(a: tuple[int, int], b: tuple[int, int], same_rack: bool) -> float:
    if same_rack:
        return 2.0
    if a[0] == b[0]:
        raw = abs(a[1] - b[1]) * RACK_WIDTH_M + 3.0
    else:
        raw = abs(a[1] - b[1]) * RACK_WIDTH_M + abs(a[0] - b[0]) * ROW_PITCH_M + 5.0
    return math.ceil(raw * 2) / 2


def finalize_cables(ctx: Ctx) -> None:
    geo = _geometry(ctx)
    devices = ctx.devices
    # a few hundred racks, hundreds of thousands of cables: each pair of racks is measured once
    lengths: dict[tuple[str, str], float] = {}
    for c in ctx.cables:
        a, b = devices[c.a_device], devices[c.b_device]
        racks = (a.rack, b.rack)
        length = lengths.get(racks)
        if length is None:
            length = lengths[racks] = length_m(geo[a.rack], geo[b.rack], a.rack == b.rack)
        put(c, id=cable_id(c), a_rack=a.rack, a_u=a.rack_u, b_rack=b.rack, b_u=b.rack_u, length_m=length)
    for (dev_name, _cage), (legs, first) in ctx.split_cages.items():
        if len(legs) < 2 or len({(c.b_device if c.a_device == dev_name else c.a_device) for c in legs}) < 2:
            continue  # all lanes to one device: separate cables, or one cable with the same ends
        worst = legs[0].medium
        if any(c.medium != worst for c in legs):  # legs of different lengths: the longest leg's medium
            worst = max((c.medium for c in legs), key=lambda m: _RANK.get(m, 0))
        group = legs[0].id
        for c in legs:
            put(c, medium=worst, breakout=first.breakout, group=group)
