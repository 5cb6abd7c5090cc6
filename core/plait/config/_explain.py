"""Where a config's functions come from and what its variables became.

Why it exists: `plait debug config --show-functions --show-variables`. A
config names registered functions (``@architectures = "plait.Tagger.v2"``)
that any installed distribution may provide, and fills values from
``${section.key}`` variables; users debugging a config need both spelled out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def _walk(node: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if isinstance(value, dict):
                yield from _walk(value, (*path, str(key)))


def config_functions(config: Any) -> list[dict[str, Any]]:
    """Every ``@registry = "name"`` of a config, with where the function lives.

    config (Config): the config (interpolated or not).
    RETURNS (list[dict]): section, registry, name, distribution, module, file
        (or error when the function cannot be found or imported).
    """
    from ..plugins._inspect import function_origin

    rows = []
    for path, section in _walk(dict(config)):
        for key, value in section.items():
            if isinstance(key, str) and key.startswith("@"):
                row = {"section": ".".join(path), "registry": key[1:], "name": str(value)}
                row.update(function_origin(key[1:], str(value)))
                rows.append(row)
    return rows


def config_variables(raw: Any, interpolated: Any) -> list[dict[str, Any]]:
    """Every value of `raw` written with ``${...}``, and what it became.

    raw (Config): the config before interpolation.
    interpolated (Config): the same config interpolated.
    RETURNS (list[dict]): key ("section.key"), expression, value.
    """
    rows = []
    for path, section in _walk(dict(raw)):
        for key, value in section.items():
            if isinstance(value, str) and "${" in value:
                done: Any = dict(interpolated)
                for part in (*path, key):
                    done = done.get(part) if isinstance(done, dict) else None
                rows.append({"key": ".".join((*path, str(key))), "expression": value, "value": done})
    return rows
