"""``infiniband``: InfiniBand port names (its data: ``infiniband.yml``): ``<cage>`` or
``<cage>/<lane>`` (split ports, 1-based)."""

from __future__ import annotations


def port_name(cage: int, lane: int, lanes: int, cage_speed: int) -> str:
    return f"{cage}/{lane + 1}" if lanes > 1 else f"{cage}"
