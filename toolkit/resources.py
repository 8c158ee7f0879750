"""Where the bundled templates, playbooks and examples live (checkout or installed wheel)."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _find(rel: str) -> Path:
    checkout = _PKG.parent / rel
    if checkout.is_dir():
        return checkout
    wheel = _PKG / "_data" / rel
    if wheel.is_dir():
        return wheel
    raise FileNotFoundError(f"aidc installation is incomplete: {rel}/ not found near {_PKG}")


def templates_dir() -> Path:
    return _find("templates")


def playbooks_dir() -> Path:
    return _find("playbooks")


def examples_dir() -> Path:
    return _find("inventory/examples")
