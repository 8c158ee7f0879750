"""SONiC SKU data of the switch models the bundled examples use (``PLATFORM.skus`` of ``sonic``).

Written from the facts each SONiC image publishes for its platform (``platform.json``: front-panel
ports, SerDes lanes, breakout mode strings; ``hwsku.json`` / ``port_config.ini``: the HwSKU's
default layout and aliases; the buffer templates: PG / queue keys), described compactly per SKU
below. Keys are catalogue model names; a SONiC switch model without SKU data is refused by
``validate`` (rule SKU001).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from toolkit.platforms import Sku, SkuPort, serdes_lanes

if TYPE_CHECKING:
    from toolkit.spec.models import SwitchModel

# the buffer templates of the Mellanox SKUs: lossy PG 0, lossless PGs 3-4; queues 0-2 / 3-4 / 5-6
_MLNX_PGS = ("0", "3-4")
_MLNX_QUEUES = ("0-2", "3-4", "5-6")


def _modes(speed: int, splits: Sequence[tuple[int, str]]) -> tuple[str, ...]:
    """``1x800G[400G,...]`` strings: ``splits`` = (ports, bracketed alternative speeds)."""
    return tuple(f"{n}x{speed // n}G[{alt}]" if alt else f"{n}x{speed // n}G" for n, alt in splits)


def _group(first_index: int, count: int, *, name: Callable[[int], int], lanes: Callable[[int], Sequence[int]],
           speed: int, alias: Callable[[int], str], modes: tuple[str, ...]) -> list[SkuPort]:
    """``count`` ports; the callables get the 0-based position in the group."""
    return [
        SkuPort(name=f"Ethernet{name(i)}", lanes=tuple(lanes(i)), speed=speed, alias=alias(i),
                index=first_index + i, breakout_modes=modes)
        for i in range(count)
    ]


def _sn5600() -> Sku:
    modes = (
        "1x800G[400G,200G,100G,50G,40G,25G,10G]",
        "2x400G[200G,100G,50G,40G,25G,10G]",
        "4x200G[100G,50G,25G,10G]",
    )
    ports = _group(1, 64, name=lambda i: 8 * i, lanes=lambda i: range(8 * i, 8 * i + 8), speed=800,
                   alias=lambda i: f"etp{i + 1}", modes=modes)
    ports += _group(65, 1, name=lambda i: 512, lanes=lambda i: (512,), speed=25, alias=lambda i: "etp65",
                    modes=("1x25G[10G]",))
    return Sku(model="sn5600", hwsku="Mellanox-SN5600-O128", platform_id="x86_64-nvidia_sn5600-r0",
               ports=tuple(ports), default_modes=(modes[1],) * 64 + ("1x25G[10G]",),
               buffer_pgs=_MLNX_PGS, buffer_queues=_MLNX_QUEUES)


def _mlnx_qsfp28(model: str, hwsku: str, platform_id: str, count: int, lane_stride: int,
                 modes: tuple[str, ...]) -> Sku:
    """A Mellanox 100G QSFP28 switch: ``count`` ports Ethernet0, 4, 8, ... of 4 lanes each, the
    first lane of port i at ``lane_stride * i``; the image installs 1x100G."""
    ports = _group(1, count, name=lambda i: 4 * i, lanes=lambda i: range(lane_stride * i, lane_stride * i + 4),
                   speed=100, alias=lambda i: f"etp{i + 1}", modes=modes)
    return Sku(model=model, hwsku=hwsku, platform_id=platform_id, ports=tuple(ports),
               default_modes=(modes[0],) * count, buffer_pgs=_MLNX_PGS, buffer_queues=_MLNX_QUEUES)


def _sn4600c() -> Sku:  # lanes every 8: the ASIC's 8-lane ports used as 4-lane QSFP28
    return _mlnx_qsfp28("sn4600c", "Mellanox-SN4600C-C64", "x86_64-mlnx_msn4600c-r0", 64, 8,
                        ("1x100G[50G,40G,25G,10G,1G]", "2x50G[25G,10G,1G]"))


def _sn2700() -> Sku:
    return _mlnx_qsfp28("sn2700", "Mellanox-SN2700", "x86_64-mlnx_msn2700-r0", 32, 4,
                        ("1x100G[50G,40G,25G,10G]", "2x50G[25G,10G]"))


def _sn2201() -> Sku:
    # 48 x 1G RJ45 (one SerDes lane each, numbered every 4) + 4 x 100G QSFP28 at Ethernet48..60
    rj45 = ("1x1000[100,10]",)
    qsfp = ("1x100G[50G,40G,25G,10G]", "2x50G[25G,10G]")
    ports = _group(1, 48, name=lambda i: i, lanes=lambda i: (4 * i,), speed=1, alias=lambda i: f"etp{i + 1}",
                   modes=rj45)
    ports += _group(49, 4, name=lambda i: 48 + 4 * i, lanes=lambda i: range(192 + 4 * i, 196 + 4 * i), speed=100,
                    alias=lambda i: f"etp{49 + i}", modes=qsfp)
    # the buffer template writes the lossy PG 0 only; queues as on every Mellanox SKU
    return Sku(model="sn2201", hwsku="ACS-SN2201", platform_id="x86_64-nvidia_sn2201-r0", ports=tuple(ports),
               default_modes=rj45 * 48 + (qsfp[0],) * 4, buffer_pgs=("0",), buffer_queues=_MLNX_QUEUES)


# Arista 7060DX5-64S: first SerDes lane of each OSFP cage 1..64 (the ASIC's lanes are not in
# front-panel order), then the two 10G SFP+ ports
_DX5_FIRST_LANE = (
    17, 9, 49, 33, 81, 65, 113, 97, 145, 129, 177, 161, 209, 193, 241, 233,
    281, 257, 305, 289, 337, 321, 369, 353, 401, 385, 433, 417, 465, 449, 481, 505,
    1, 25, 57, 41, 89, 73, 121, 105, 153, 137, 185, 169, 217, 201, 249, 225,
    273, 265, 313, 297, 345, 329, 377, 361, 409, 393, 441, 425, 473, 457, 497, 489,
)


def _dcs_7060dx5() -> Sku:
    modes = (
        "1x400G[200G,100G,50G,40G,25G,10G]",
        "2x200G[100G,50G,40G,25G,10G]",
        "4x100G[50G,40G,25G,10G]",
        "8x50G[40G,25G,10G]",
    )
    ports = _group(1, 64, name=lambda i: 8 * i, lanes=lambda i: range(_DX5_FIRST_LANE[i], _DX5_FIRST_LANE[i] + 8),
                   speed=400, alias=lambda i: f"Ethernet{i + 1}/1", modes=modes)
    ports += _group(65, 2, name=lambda i: 512 + i, lanes=lambda i: ((515, 513)[i],), speed=10,
                    alias=lambda i: f"Ethernet{65 + i}", modes=("1x10G",))
    return Sku(model="dcs-7060dx5", hwsku="Arista-7060DX5-64S", platform_id="x86_64-arista_7060dx5_64s",
               ports=tuple(ports), default_modes=(modes[0],) * 64 + ("1x10G",) * 2, alias_style="slash")


# Edgecore AS7326-56X: 48 x 25G SFP28 (lanes as wired) + 8 x 100G QSFP28 at Ethernet48..76
_AS7326_LANES = (
    3, 2, 4, 8, 7, 1, 5, 16, 6, 14, 13, 15, 23, 22, 24, 32, 31, 21, 29, 36, 30, 34, 33, 35,
    43, 42, 44, 52, 51, 41, 49, 60, 50, 58, 57, 59, 62, 63, 64, 65, 66, 61, 68, 69, 67, 71, 72, 70,
)
_AS7326_QSFP_FIRST = (77, 85, 93, 97, 105, 113, 121, 125)


def _as7326() -> Sku:
    # the image ships no platform.json (no dynamic breakout) and no buffer tables for this SKU
    ports = _group(1, 48, name=lambda i: i, lanes=lambda i: (_AS7326_LANES[i],), speed=25,
                   alias=lambda i: f"twentyfiveGigE{i + 1}", modes=())
    ports += _group(49, 8, name=lambda i: 48 + 4 * i,
                    lanes=lambda i: range(_AS7326_QSFP_FIRST[i], _AS7326_QSFP_FIRST[i] + 4), speed=100,
                    alias=lambda i: f"hundredGigE{49 + i}", modes=())
    return Sku(model="as7326", hwsku="Accton-AS7326-56X", platform_id="x86_64-accton_as7326_56x-r0",
               ports=tuple(ports), default_modes=("",) * 56)


SKUS: dict[str, Sku] = {s.model: s for s in (_sn5600(), _sn4600c(), _sn2700(), _sn2201(), _dcs_7060dx5(), _as7326())}


def _speed(text: str) -> int:
    return int(text.removesuffix("G"))


def catalogue_sku(name: str, model: SwitchModel) -> Sku | None:
    """The SKU a catalogue entry describes (``catalog.switches.<name>.sonic``), or None. A block
    without ``ports`` is the user's statement that the SKU has the regular layout (documented in
    ``SonicSkuSpec.ports``); without a block there is no SKU: nothing about the hardware is guessed."""
    spec = model.sonic
    if spec is None:
        return None
    cage_speed = _speed(model.speed)
    if spec.ports:
        ports = tuple(
            SkuPort(name=p.name, lanes=tuple(p.lanes), speed=_speed(p.speed), alias=p.alias, index=i + 1,
                    breakout_modes=tuple(p.breakout_modes))
            for i, p in enumerate(spec.ports)
        )
    else:  # the regular layout the user declared: Ethernet<first lane>, one name per SerDes lane
        serdes = serdes_lanes(cage_speed)
        modes = tuple(dict.fromkeys([f"1x{cage_speed}G", *model.breakouts]))
        ports = tuple(
            SkuPort(name=f"Ethernet{c * serdes}", lanes=tuple(range(c * serdes, (c + 1) * serdes)), speed=cage_speed,
                    alias=f"etp{c + 1}", index=c + 1, breakout_modes=modes)
            for c in range(model.ports)
        )
    default = f"1x{cage_speed}G"
    defaults = tuple(next((m for m in p.breakout_modes if m.split("[")[0] == default), "") for p in ports)
    return Sku(model=name, hwsku=spec.hwsku, platform_id=spec.platform, ports=ports, default_modes=defaults)


def sku_for(name: str, model: SwitchModel) -> Sku | None:
    """aidc's SKU data for catalogue model ``name``, else the one the catalogue describes, else
    None — also for a model of another platform forced to SONiC (``--platform sonic``): its
    HwSKU, lanes and port names are unknown, so the design refuses it (validate: SKU001)."""
    return SKUS.get(name) or catalogue_sku(name, model)
