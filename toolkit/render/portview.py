"""What a view holds: the design model itself (``Port``, ``BgpNeighbor``), and only the values
derived from it for printing.

``PortView`` (switch templates) and ``HostInterface`` (host templates) subclass ``PortBacked``:
``p.mtu``, ``p.ifname``, ``p.tenant`` ... read the Port's own field (no copy of it), so a field
added to ``Port`` reaches every template at once; a view adds only what the Port does not hold
(the address split into its parts, the peer spelled for a comment, ...). The same holds for any
view of one model (:class:`Backed`, :func:`backed_by`): the switch templates' BGP sessions read
their ``BgpNeighbor``'s fields.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from toolkit.design.addressing import split_address

if TYPE_CHECKING:
    from pydantic import BaseModel

    from toolkit.design.model import Port


B = TypeVar("B", bound="Backed")


class Backed:
    """Attributes a view does not define are those of the model it holds (the field ``_backing``)."""

    __slots__ = ()
    _backing: ClassVar[str]

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails; the backing field itself missing (during
        # copy/unpickle) or a dunder is a real AttributeError, not a field of the model
        if name == self._backing or name.startswith("__"):
            raise AttributeError(name)
        return getattr(getattr(self, self._backing), name)


class PortBacked(Backed):
    """Attributes a view does not define are the ``port``'s."""

    __slots__ = ()
    _backing = "port"
    port: Port


def backed_by(model: type[BaseModel]) -> Callable[[type[B]], type[B]]:
    """Class decorator (outside ``@dataclass``): every field of ``model`` the view does not define
    itself becomes a read-only property reading ``self.<_backing>.<field>`` — the value
    :meth:`Backed.__getattr__` returns, without the failed lookup first (templates read these
    fields millions of times in a large render)."""

    def decorate(cls: type[B]) -> type[B]:
        for name in model.model_fields:
            if name not in cls.__dict__:
                path = f"{cls._backing}.{name}"
                setattr(cls, name, property(operator.attrgetter(path), doc=f"``{path}``"))
        return cls

    return decorate


def read_through(cls: type[B]) -> type[B]:
    """:func:`backed_by` ``Port``: the decorator of the port views."""
    from toolkit.design.model import Port

    return backed_by(Port)(cls)


def address_parts(address: str | None) -> tuple[str | None, int | None, str | None]:
    """``10.0.4.1/31`` -> (``10.0.4.1``, 31, ``10.0.4.0/31``); no address: three Nones."""
    return split_address(address) if address else (None, None, None)
