"""The kernel's side of plugins: how functions, components and hooks of
installed distributions are found.

- ``_entry_points.py``: lazy entry-point discovery, broken-plugin reports,
  ``PLAIT_DISABLE_PLUGIN_AUTOLOAD`` / ``PLAIT_LOAD_PLUGINS``;
- ``_registry.py``: ``registry`` (``from plait import registry``), one
  catalogue registry per entry-point group ``plait_<name>``;
- ``_factories.py``: ``FactoryMeta``, what ``Language.factory`` records;
- ``_hooks.py``: the pluggy plugin manager (specs in :mod:`plait.hookspecs`);
- ``protocols.py`` (public): what a registered converter, reader, batcher,
  augmenter, logger and score function must look like.

Plugins use only public modules: ``plait.plugins.protocols``,
``plait.hookspecs``, ``plait.language`` (``Language.factory``) and the data
modules; see ``docs/plugins.md``.
"""
