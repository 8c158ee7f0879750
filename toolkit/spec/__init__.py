"""The cluster spec: models (the input contract) and the loader that remembers file:line."""

from toolkit.spec.loader import LoadResult, SpecError, load, load_or_raise
from toolkit.spec.models import ClusterSpec

__all__ = ["ClusterSpec", "LoadResult", "SpecError", "load", "load_or_raise"]
