"""``eos``: Arista EOS port names (its data, limits with their sources: ``eos.yml``).

Port names: ``Ethernet<cage>`` for single-lane cages (25G and below), ``Ethernet<cage>/<lane>``
otherwise (lane = first SerDes lane of the port, 1-based). Management port ``Management1``.
"""

from __future__ import annotations

from toolkit.platforms import serdes_lanes


def port_name(cage: int, lane: int, lanes: int, cage_speed: int) -> str:
    if cage_speed <= 25:
        return f"Ethernet{cage}"
    step = max(serdes_lanes(cage_speed) // lanes, 1)
    return f"Ethernet{cage}/{lane * step + 1}"
