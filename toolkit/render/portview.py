"""What a port view holds: the ``Port`` itself, and only the values derived from it for printing.

``PortView`` (switch templates) and ``HostInterface`` (host templates) subclass ``PortBacked``:
``p.mtu``, ``p.ifname``, ``p.tenant`` ... read the Port's own field (no copy of it), so a field
added to ``Port`` reaches every template at once; a view adds only what the Port does not hold
(the address split into its parts, the peer spelled for a comment, ...).
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, TypeVar

from toolkit.design.addressing import split_address

if TYPE_CHECKING:
    from toolkit.design.model import Port


B = TypeVar("B", bound="PortBacked")


class PortBacked:
    """Attributes a view does not define are the ``port``'s."""

    __slots__ = ()
    port: Port

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails; "port" itself missing (during copy/unpickle) or a
        # dunder is a real AttributeError, not a Port field
        if name == "port" or name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.port, name)


def read_through(cls: type[B]) -> type[B]:
    """Class decorator (outside ``@dataclass``): every ``Port`` field the view does not define
    itself becomes a read-only property reading ``self.port.<field>`` — the value
    :meth:`PortBacked.__getattr__` returns, without the failed lookup first (templates read port
    fields millions of times in a large render)."""
    from toolkit.design.model import Port

    for name in Port.model_fields:
        if name not in cls.__dict__:
            setattr(cls, name, property(operator.attrgetter(f"port.{name}"), doc=f"``port.{name}``"))
    return cls


def address_parts(address: str | None) -> tuple[str | None, int | None, str | None]:
    """``10.0.4.1/31`` -> (``10.0.4.1``, 31, ``10.0.4.0/31``); no address: three Nones."""
    return split_address(address) if address else (None, None, None)
