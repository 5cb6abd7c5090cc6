"""The language-neutral ("multi-language") pipeline: base rules, no stop words.

``MultiLanguage`` is created on first access, like ``English``.
"""

from __future__ import annotations

from typing import Any

from .._language_class import make_language_class
from ..defaults import BaseDefaults


class MultiLanguageDefaults(BaseDefaults):
    """The base rules as they are: affixes, emoticons, URL matching."""


def __getattr__(name: str) -> Any:
    if name == "MultiLanguage":
        cls = make_language_class(
            "MultiLanguage", "xx", MultiLanguageDefaults, __name__, 'A language-neutral pipeline (code "xx") for any text or mixed languages.'
        )
        globals()["MultiLanguage"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MultiLanguage", "MultiLanguageDefaults"]
