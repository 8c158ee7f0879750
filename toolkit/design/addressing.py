"""Address pools: every address is computed from a stable index, never handed out in sequence.

``Pool.at(offset)`` gives the address at an offset; the design derives offsets from stable
indexes (leaf index, port index, ...), so growing the cluster never renumbers what exists.
Usage is tracked so ``aidc show`` can report it and validation can say how much is missing.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field


class PoolExhausted(ValueError):
    def __init__(self, pool: Pool, offset: int):
        super().__init__(
            f"{pool.plane} {pool.purpose} pool {pool.prefix} has {pool.size} addresses; "
            f"the design needs offset {offset}"
        )
        self.pool = pool
        self.offset = offset


@dataclass
class Pool:
    plane: str
    purpose: str
    prefix: str
    start: int = 0  # offset of this sub-pool inside the prefix
    length: int | None = None  # size of this sub-pool (default: rest of the prefix)
    used: set[int] = field(default_factory=set)
    highest: int = -1

    def __post_init__(self) -> None:
        net = ipaddress.IPv4Network(self.prefix)
        self._base = int(net.network_address) + self.start
        self.prefixlen = net.prefixlen
        total = net.num_addresses - self.start
        self.size = total if self.length is None else min(self.length, total)

    def sub(self, purpose: str, start_fraction: tuple[int, int], length_fraction: tuple[int, int]) -> Pool:
        """A sub-pool: e.g. ((1, 2), (1, 4)) is the quarter starting half-way."""
        num, den = start_fraction
        lnum, lden = length_fraction
        return Pool(self.plane, purpose, self.prefix, self.start + self.size * num // den, self.size * lnum // lden)

    def at(self, offset: int) -> str:
        if offset < 0 or offset >= self.size:
            raise PoolExhausted(self, offset)
        self.used.add(offset)
        if offset > self.highest:
            self.highest = offset
        return socket.inet_ntoa((self._base + offset).to_bytes(4, "big"))

    def peek(self, offset: int) -> int:
        return self._base + offset


def ip(addr: str) -> str:
    """Strip a prefix length."""
    return addr.split("/", 1)[0]


def with_len(addr: str, length: int) -> str:
    return f"{addr}/{length}"


def split_address(address: str) -> tuple[str, int, str]:
    """``10.0.4.1/31`` -> (``10.0.4.1``, 31, ``10.0.4.0/31``): address, prefix length, network.

    Integer arithmetic instead of ``ipaddress`` (called for every port of every switch)."""
    ip, _, plen_s = address.partition("/")
    plen = int(plen_s) if plen_s else 32
    if not 0 <= plen <= 32:
        raise ValueError(f"bad prefix length in {address!r}")
    try:
        n = int.from_bytes(socket.inet_aton(ip), "big")
    except OSError:
        raise ValueError(f"not an IPv4 address: {address!r}") from None
    if ip.count(".") != 3:
        raise ValueError(f"not a dotted-quad IPv4 address: {address!r}")
    mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
    return ip, plen, f"{socket.inet_ntoa((n & mask).to_bytes(4, 'big'))}/{plen}"
