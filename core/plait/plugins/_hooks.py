"""The pluggy plugin manager, built lazily from the ``plait`` entry points.

A plugin whose hook module fails to import is skipped (and reported by
``plait info``), so one broken plugin breaks no other command.
"""

from __future__ import annotations

import pluggy

from .. import hookspecs
from ..errors import PluginError
from . import _entry_points

_manager: pluggy.PluginManager | None = None


def plugin_manager() -> pluggy.PluginManager:
    """Return the plugin manager with every loadable hook module registered."""
    global _manager
    if _manager is None:
        pm = pluggy.PluginManager("plait")
        pm.add_hookspecs(hookspecs)
        for dist_name, ep in _entry_points.entry_points("plait"):
            try:
                module = _entry_points.load(dist_name, ep)
            except PluginError:
                continue  # remembered in _entry_points.broken()
            name = f"{dist_name}:{ep.name}"
            if pm.get_plugin(name) is None and not pm.is_registered(module):
                pm.register(module, name=name)
        _manager = pm
    return _manager


def reset() -> None:
    """Forget the plugin manager and cached entry points (for tests)."""
    global _manager
    _manager = None
    _entry_points.reset()
