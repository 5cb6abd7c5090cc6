"""What each registry holds and where it comes from, for `plait info --registry`.

Why it exists: a config names functions (``@loggers = "plait.ConsoleLogger.v1"``)
that any installed distribution may provide. Users need to see, for a
registry, every name, the distribution it comes from, its signature and what
it does, without reading entry-point metadata by hand.
"""

from __future__ import annotations

import inspect
from importlib import metadata
from typing import Any

from ..errors import PluginError, UsageError, did_you_mean
from . import _entry_points
from ._registry import ThincRegistry, registry


def registry_sizes() -> dict[str, int]:
    """RETURNS (dict[str, int]): registry name -> number of registered names."""
    return {name: len(_get(name).names()) for name in registry.registry_names()}


def _get(name: str) -> Any:
    if name not in registry.registry_names():
        raise UsageError(f"--registry '{name}': no such registry.{did_you_mean(name, registry.registry_names())} "
                         f"Registries: {', '.join(registry.registry_names())}.")
    return getattr(registry, name)


def _groups(reg: Any) -> list[str]:
    if isinstance(reg, ThincRegistry):
        return [reg.plait_group]
    return [reg.entry_point_namespace]


def _distribution_of(func: Any) -> str:
    """The distribution whose top-level package defines `func` ("?" if unknown)."""
    module = getattr(func, "__module__", None) or ""
    top = module.split(".")[0]
    dists = metadata.packages_distributions().get(top, [])
    return dists[0] if dists else "?"


def describe_registry(name: str) -> list[dict[str, Any]]:
    """Every function of registry `name`: its distribution, signature and summary.

    Functions are loaded to read their signatures; a plugin that fails to
    import gets a row with its error instead.
    RETURNS (list[dict]): name, distribution, signature, doc (or error), sorted by name.
    RAISES (UsageError): an unknown registry, with the close names.
    """
    reg = _get(name)
    providers = {ep.name: dist for group in _groups(reg) for dist, ep in _entry_points.entry_points(group)}
    rows = []
    for fname in reg.names():
        row: dict[str, Any] = {"name": fname}
        try:
            func = reg.get(fname)
        except PluginError as err:
            row.update(distribution=providers.get(fname, "?"), error=str(err))
            rows.append(row)
            continue
        row["distribution"] = providers.get(fname) or _distribution_of(func)
        try:
            row["signature"] = f"{fname}{inspect.signature(func)}"
        except (TypeError, ValueError):
            row["signature"] = f"{fname}(...)"
        doc = inspect.getdoc(func) or ""
        row["doc"] = doc.strip().splitlines()[0] if doc.strip() else ""
        rows.append(row)
    return rows


def function_origin(registry_name: str, name: str) -> dict[str, Any]:
    """Where the function `name` of registry `registry_name` comes from.

    RETURNS (dict): distribution, function ("module.qualname") and file
        ("path:line"), or error (unknown registry or name, broken plugin).
    """
    from ..errors import PlaitError

    try:
        reg = _get(registry_name)
        func = reg.get(name)
    except (PlaitError, Exception) as err:  # noqa: BLE001 - reported in the row, never raised
        return {"error": str(err)}
    providers = {ep.name: dist for group in _groups(reg) for dist, ep in _entry_points.entry_points(group)}
    function, file = source_of(func)
    return {"distribution": providers.get(name) or _distribution_of(func), "function": function, "file": file}


def source_of(func: Any) -> tuple[str, str]:
    """RETURNS (tuple[str, str]): the function's "module.qualname" and "file:line"."""
    module = getattr(func, "__module__", "?")
    name = getattr(func, "__qualname__", getattr(func, "__name__", "?"))
    try:
        file = inspect.getsourcefile(func) or "?"
        line = inspect.getsourcelines(func)[1]
        where = f"{file}:{line}"
    except (OSError, TypeError):
        where = "?"
    return f"{module}.{name}", where
