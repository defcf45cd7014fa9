"""Deep-freezing loaded JSON/YAML data, and thawing it back into plain dicts and lists."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

EMPTY: Mapping[Any, Any] = MappingProxyType({})


def freeze(value: Any) -> Any:
    """``value`` with every dict made a read-only mapping and every list a tuple."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: freeze(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


def thaw(value: Any) -> Any:
    """A fresh, mutable deep copy of frozen ``value`` (mappings to dicts, tuples to lists)."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value


def frozen_mapping(items: Mapping[Any, Any] | None = None) -> Mapping[Any, Any]:
    """A read-only shallow copy of ``items``."""
    return MappingProxyType(dict(items)) if items else EMPTY
