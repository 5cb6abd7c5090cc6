"""Config helpers of ``Language``: the default config, copies, dotted paths.

Plain functions over dicts and Configs; nothing here knows the Language class.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from confection import Config

DEFAULT_CONFIG_PATH = Path(__file__).parent.parent / "default_config.cfg"
SECTION_ORDER = ["paths", "system", "nlp", "components", "corpora", "training", "pretraining", "initialize"]

_default_config: Config | None = None


def default_config() -> Config:
    """RETURNS (Config): a copy of default_config.cfg (not interpolated)."""
    global _default_config
    if _default_config is None:
        _default_config = Config(section_order=SECTION_ORDER).from_disk(DEFAULT_CONFIG_PATH, interpolate=False)
    return copy_config(_default_config)


def copy_config(config: Any) -> Config:
    """A deep copy of a config (a plain dict becomes a Config)."""
    is_interpolated = getattr(config, "is_interpolated", True)
    out = Config(copy.deepcopy(dict(config)), section_order=SECTION_ORDER)
    out.is_interpolated = is_interpolated
    return out


def dot_to_nested(overrides: dict[str, Any]) -> dict[str, Any]:
    """``{"nlp.batch_size": 8}`` -> ``{"nlp": {"batch_size": 8}}``; nested dicts pass through."""
    nested: dict[str, Any] = {}
    for key, value in overrides.items():
        parts = key.split(".") if isinstance(key, str) else [key]
        node = nested
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, dict) and isinstance(node.get(parts[-1]), dict):
            node[parts[-1]].update(value)
        else:
            node[parts[-1]] = value
    return nested


def dot_to_object(config: dict[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in a nested dict; KeyError if absent."""
    node: Any = config
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(path)
        node = node[part]
    return node


def set_dot_to_object(config: dict[str, Any], path: str, value: Any) -> None:
    """Set the value at dotted ``path`` (which must exist)."""
    parts = path.split(".")
    node = dot_to_object(config, ".".join(parts[:-1])) if len(parts) > 1 else config
    node[parts[-1]] = value
