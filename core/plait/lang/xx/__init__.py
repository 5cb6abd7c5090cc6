"""The language-neutral ("multi-language") pipeline: base rules, no stop words."""

from __future__ import annotations

from ...language import Language
from ..defaults import BaseDefaults


class MultiLanguageDefaults(BaseDefaults):
    """The base rules as they are: affixes, emoticons, URL matching."""


class MultiLanguage(Language):
    """A language-neutral pipeline (code "xx") for any text or mixed languages."""

    lang = "xx"
    Defaults = MultiLanguageDefaults


__all__ = ["MultiLanguage"]
