"""Entry-point discovery shared by the registries and the pluggy hooks.

Entry points are read lazily (the first time a registry or hook asks) and
cached; ``reset()`` forgets them so tests that pip-install a plugin see it.
Every load is wrapped: a plugin that fails to import becomes a
:class:`plait.errors.PluginError` naming its distribution and entry point,
and is remembered in ``broken()`` so ``plait info`` can report it while
other commands carry on.

Environment switches (as in pytest): ``PLAIT_DISABLE_PLUGIN_AUTOLOAD=1``
ignores every entry point of other distributions; with it,
``PLAIT_LOAD_PLUGINS=a,b`` loads only the named distributions.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 12):
    from importlib import metadata as importlib_metadata
else:  # the backport's select() API is the same
    import importlib_metadata

from ..errors import PluginError

# The kernel's own entry points keep working with autoload disabled: the
# kernel dogfoods the plugin mechanism for its built-in commands.
KERNEL_DISTRIBUTION = "plait"


@dataclass(frozen=True)
class BrokenPlugin:
    distribution: str
    entry_point: str
    group: str
    error: str


_cache: dict[str, list[Any]] | None = None
_broken: dict[tuple[str, str], BrokenPlugin] = {}


def reset() -> None:
    """Forget the cached entry points and broken plugins (for tests)."""
    global _cache
    _cache = None
    _broken.clear()
    importlib_metadata.distributions.cache_clear() if hasattr(
        importlib_metadata.distributions, "cache_clear"
    ) else None


def _allowed(dist_name: str) -> bool:
    if _normalize(dist_name) == KERNEL_DISTRIBUTION:
        return True
    if os.environ.get("PLAIT_DISABLE_PLUGIN_AUTOLOAD", "") not in ("", "0"):
        wanted = os.environ.get("PLAIT_LOAD_PLUGINS", "")
        return _normalize(dist_name) in {_normalize(n) for n in wanted.split(",") if n.strip()}
    return True


def _normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _load_index() -> dict[str, list[Any]]:
    global _cache
    if _cache is None:
        index: dict[str, list[Any]] = {}
        seen: set[tuple[str, str, str]] = set()
        for dist in importlib_metadata.distributions():
            dist_name = dist.metadata["Name"] or "?"
            for ep in dist.entry_points:
                if not (ep.group == "plait" or ep.group.startswith("plait_")):
                    continue
                key = (ep.group, ep.name, ep.value)
                if key in seen:  # the same dist on sys.path twice
                    continue
                seen.add(key)
                if _allowed(dist_name):
                    index.setdefault(ep.group, []).append((dist_name, ep))
        _cache = index
    return _cache


def entry_points(group: str) -> list[tuple[str, Any]]:
    """Return ``(distribution name, EntryPoint)`` pairs for a group."""
    return list(_load_index().get(group, []))


def groups() -> dict[str, list[tuple[str, Any]]]:
    """All plait entry-point groups with their entry points."""
    return {g: list(eps) for g, eps in _load_index().items()}


def load(dist_name: str, ep: Any) -> Any:
    """Load one entry point, turning any import failure into a PluginError."""
    try:
        return ep.load()
    except Exception as err:  # noqa: BLE001 - a plugin may raise anything
        spec = f"{ep.name} = {ep.value}"
        _broken[(dist_name, spec)] = BrokenPlugin(dist_name, spec, ep.group, f"{type(err).__name__}: {err}")
        hint = ""
        if isinstance(err, ModuleNotFoundError):
            hint = (f" The module '{err.name}' is missing: install what {dist_name} depends on, "
                    f"or reinstall {dist_name}.")
        raise PluginError(
            f"Plugin '{dist_name}' (entry point '{spec}' in group '{ep.group}') failed to "
            f"import: {err}. Other commands still work.{hint}",
            plugin=dist_name,
            entry_point=spec,
        ) from err


def broken() -> list[BrokenPlugin]:
    """Plugins whose entry points failed to load so far in this process."""
    return list(_broken.values())


def distributions_with_entry_points() -> dict[str, dict[str, list[str]]]:
    """``{distribution: {group: [entry point names]}}`` for ``plait info``."""
    out: dict[str, dict[str, list[str]]] = {}
    for group, eps in _load_index().items():
        for dist_name, ep in eps:
            out.setdefault(dist_name, {}).setdefault(group, []).append(ep.name)
    return out
