"""``sonic``: SONiC port names (its data: ``sonic.yml``).

Port names are ``Ethernet<first SerDes lane index>`` (0-based over the front panel): a cage of
``n`` lanes split in ``k`` ports names its ports every ``n / k`` lanes. Real SKUs with mixed port
types cannot be named by this formula: a switch model with SKU data (``Platform.skus``, from
``_sonic_skus.py``) takes its port names, lanes and breakout mode strings from it, and its
HwSKU and platform string go into ``DEVICE_METADATA``.
"""

from __future__ import annotations

from toolkit.platforms import serdes_lanes


def port_name(cage: int, lane: int, lanes: int, cage_speed: int) -> str:
    serdes = serdes_lanes(cage_speed)
    step = max(serdes // lanes, 1)
    return f"Ethernet{(cage - 1) * serdes + lane * step}"
