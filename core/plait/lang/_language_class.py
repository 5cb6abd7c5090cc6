"""Building a language's ``Language`` subclass on first use.

Language data modules stay importable without ``plait.language`` (and so
without thinc): the subclass is made when the module's ``__getattr__`` is
first asked for it. Every language, a plugin's too, builds it the same way.
"""

from __future__ import annotations

from typing import Any


def make_language_class(
    name: str, lang: str, defaults: type, module: str, doc: str
) -> type:
    """Return ``class <name>(Language)`` with ``lang`` and ``Defaults`` set.

    name (str): the class name, e.g. "English".
    lang (str): the language code, e.g. "en".
    defaults (type): the language's BaseDefaults subclass.
    module (str): the module the class is shown as belonging to (`__name__`).
    doc (str): the class docstring.
    RETURNS (type): the class.
    """
    from ..language import Language

    cls: Any = type(name, (Language,), {"lang": lang, "Defaults": defaults, "__doc__": doc})
    cls.__module__ = module
    cls.__qualname__ = name
    return cls
