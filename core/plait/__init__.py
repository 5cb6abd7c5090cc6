"""plait: train NLP pipelines on your own data from one config.cfg.

The public names are imported lazily (PEP 562) so that ``plait --help`` and
``import plait`` do not pay for thinc and numpy until something needs them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from .about import __version__

_LAZY = {
    "registry": "plait.plugins._registry:registry",
    "blank": "plait.language:blank",
    "load": "plait.language:load",
    "Language": "plait.language:Language",
    "Vocab": "plait.vocab:Vocab",
    "Config": "confection:Config",
    "PlaitError": "plait.errors:PlaitError",
    "prefer_gpu": "plait.ops:prefer_gpu",
    "require_gpu": "plait.ops:require_gpu",
    "require_cpu": "plait.ops:require_cpu",
}
_SUBMODULES = {"util", "tokens", "training", "errors", "attrs", "lang", "pipe", "matcher", "scorer", "config", "cli"}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, _, attr = _LAZY[name].partition(":")
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return import_module(f"plait.{name}")
    raise AttributeError(f"module 'plait' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY, *_SUBMODULES])
