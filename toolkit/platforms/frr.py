"""``frr``: Linux conventions of the frr platform (its data: ``frr.yml``)."""

from __future__ import annotations

OOB_BRIDGE = "bridge"
"""Name of the one Linux bridge of an OOB switch (platform convention)."""
TENANT_BRIDGES = r"br[0-9]+"
"""Tenant bridges are ``br<L2VNI>`` and their VXLAN devices ``vx<L2VNI>`` (platform convention)."""
