"""spaCy-familiar names re-exported for ported code (``from plait.util import …``).

Nothing is implemented here. ``minibatch`` is resolved on first use because
the batchers module belongs to the training package.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .plugins._registry import registry
from .tokenizer import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

_LAZY = {
    "minibatch": "plait.training.batchers:minibatch",
    "get_lang_class": "plait.language:get_lang_class",
    "load_config": "plait.config:load_config",
    "fix_random_seed": "thinc.api:fix_random_seed",
}

__all__ = [  # noqa: F822 - the lazy names resolve through __getattr__
    "registry", "compile_prefix_regex", "compile_suffix_regex", "compile_infix_regex",
    "minibatch", "get_lang_class", "load_config", "fix_random_seed",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'plait.util' has no attribute '{name}'")
