"""The language-neutral ("multi-language") pipeline: base rules, no stop words.

``MultiLanguage`` is created on first access, like ``English``.
"""

from __future__ import annotations

from typing import Any

from ..defaults import BaseDefaults


class MultiLanguageDefaults(BaseDefaults):
    """The base rules as they are: affixes, emoticons, URL matching."""


def _make_multi_language() -> type:
    from ...language import Language

    class MultiLanguage(Language):
        """A language-neutral pipeline (code "xx") for any text or mixed languages."""

        lang = "xx"
        Defaults = MultiLanguageDefaults

    MultiLanguage.__module__ = __name__
    MultiLanguage.__qualname__ = "MultiLanguage"
    return MultiLanguage


def __getattr__(name: str) -> Any:
    if name == "MultiLanguage":
        cls = _make_multi_language()
        globals()["MultiLanguage"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["MultiLanguage", "MultiLanguageDefaults"]
