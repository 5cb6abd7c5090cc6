"""The pipeline container: ``Language``, ``plait.blank``, ``plait.load``.

``Language`` is assembled from parts that share one typed state:

- ``_state.py``: ``LanguageState``, the shared state (vocab, tokenizer,
  components, configs, meta) declared once, its read-only views, and running
  a pipeline (``__call__``, ``pipe``);
- ``_components.py``: adding, removing, replacing, enabling components;
- ``_training.py``: ``initialize``, ``update``, ``evaluate``, listeners;
- ``_io.py``: ``to_disk`` / ``from_disk`` / bytes;
- ``_create.py``: ``from_config``, ``plait.load``, ``get_lang_class``;
- ``_config.py``: the default config and config helpers;
- ``_language.py``: the ``Language`` class, its factory decorators, ``blank``.
"""

from __future__ import annotations

from ._components import DisabledPipes
from ._create import get_lang_class
from ._language import Language, blank, load

__all__ = ["DisabledPipes", "Language", "blank", "get_lang_class", "load"]
