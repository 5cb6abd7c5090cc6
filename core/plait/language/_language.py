"""``Language``: the pipeline container (tokenizer + named components), plus
``plait.blank``, ``plait.load`` and ``get_lang_class``.

``Language`` is :class:`LanguageState` (the shared state, its views and
running a pipeline) with its three parts: components, training, I/O. This
module adds the class-level API: ``from_config`` and the factory
decorators. Creating pipelines (from a config, a saved folder, a language
code) is in ``_create.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from confection import Config

from ..lang.defaults import BaseDefaults
from ..plugins import _factories
from ..plugins._factories import FactoryMeta
from ..plugins._registry import registry
from ..vocab import Vocab
from . import _config
from ._components import ComponentsPart
from ._config import copy_config, dot_to_nested
from ._create import build_from_config, get_lang_class, load_pipeline
from ._io import SerializationPart
from ._training import TrainingPart


class Language(ComponentsPart, TrainingPart, SerializationPart):
    """A text-processing pipeline: a tokenizer followed by named components.

    vocab (Vocab | True): the vocab; ``True`` creates one from ``Defaults``.
    max_length (int): longest text (in characters) ``__call__`` accepts.
    meta (dict | None): meta.json content (name, version, description...).
    create_tokenizer (Callable[[Language], Tokenizer] | None): builds the
        tokenizer; default from ``[nlp.tokenizer]`` of the default config.
    batch_size (int): default batch size of ``pipe`` and ``evaluate``.
    """

    Defaults = BaseDefaults
    default_config = _config.default_config()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cfg = _config.default_config()
        extra = getattr(cls.Defaults, "config", None)
        if extra:
            cfg = cfg.merge(extra)
        cfg["nlp"]["lang"] = cls.lang
        cls.default_config = cfg

    @classmethod
    def from_config(
        cls,
        config: dict[str, Any] | Config = {},  # noqa: B006 - never mutated
        *,
        vocab: Vocab | bool = True,
        disable: Iterable[str] = (),
        enable: Iterable[str] = (),
        exclude: Iterable[str] = (),
        meta: dict[str, Any] | None = None,
        auto_fill: bool = True,
        validate: bool = True,
    ) -> Language:
        """Create a pipeline from a config (spaCy's ``Language.from_config``).

        config (dict | Config): the config; missing defaults are filled.
        vocab (Vocab | True): a vocab to share, or True for a new one.
        disable (Iterable[str]): components to create disabled.
        enable (Iterable[str]): components to keep enabled; others are disabled.
        exclude (Iterable[str]): components not to create.
        meta (dict | None): meta.json content.
        auto_fill (bool): fill defaults from default_config.cfg and the factories.
        validate (bool): validate settings against the registered functions.
        RETURNS (Language): the pipeline.
        """
        return build_from_config(cls, config, vocab=vocab, disable=disable, enable=enable, exclude=exclude,
                                 meta=meta, auto_fill=auto_fill, validate=validate)

    # Factories ----------------------------------------------------------
    @classmethod
    def factory(
        cls,
        name: str,
        *,
        default_config: dict[str, Any] | None = None,
        assigns: Iterable[str] = (),
        requires: Iterable[str] = (),
        retokenizes: bool = False,
        default_score_weights: dict[str, float | None] | None = None,
        func: Callable[..., Any] | None = None,
    ) -> Callable[..., Any]:
        """Register a component factory ``make(nlp, name, **config) -> component``.

        Used as ``@Language.factory("my_comp", default_config={...})``, or
        directly with ``func=``. The metadata is stored on the function as
        ``__plait_factory_meta__``.
        """
        def add_factory(factory_func: Callable[..., Any]) -> Callable[..., Any]:
            return _factories.register_factory(
                name, factory_func, default_config=default_config, assigns=assigns, requires=requires,
                retokenizes=retokenizes, default_score_weights=default_score_weights,
            )

        return add_factory(func) if func is not None else add_factory

    @classmethod
    def component(
        cls,
        name: str,
        *,
        assigns: Iterable[str] = (),
        requires: Iterable[str] = (),
        retokenizes: bool = False,
        func: Callable[[Any], Any] | None = None,
    ) -> Callable[..., Any]:
        """Register a stateless function ``doc -> doc`` as a component."""
        def add_component(component_func: Callable[[Any], Any]) -> Callable[[Any], Any]:
            return _factories.register_component(
                name, component_func, assigns=assigns, requires=requires, retokenizes=retokenizes
            )

        return add_component(func) if func is not None else add_component

    @classmethod
    def has_factory(cls, name: str) -> bool:
        """RETURNS (bool): whether factory ``name`` is registered."""
        return name in registry.factories

    @classmethod
    def get_factory_meta(cls, name: str) -> FactoryMeta:
        """RETURNS (FactoryMeta): the metadata of factory ``name``."""
        return _factories.get_factory_meta(name)


def blank(lang: str, *, config: dict[str, Any] | Config | None = None, vocab: Vocab | bool = True,
          meta: dict[str, Any] | None = None) -> Language:
    """Create an empty pipeline (tokenizer only) for language ``lang``.

    lang (str): a language code such as "en".
    config (dict | Config | None): config overrides, nested or with dotted keys.
    vocab (Vocab | True): a vocab to share, or True for a new one.
    meta (dict | None): meta.json content.
    RETURNS (Language): the pipeline.
    """
    lang_cls = get_lang_class(lang)
    overrides = dot_to_nested(dict(config)) if config else {}
    cfg = Config(copy_config(lang_cls.default_config)).merge(overrides)
    return lang_cls.from_config(cfg, vocab=vocab, meta=meta)


def load(path: str | Path, *, vocab: Vocab | bool = True, exclude: Iterable[str] = (),
         disable: Iterable[str] = (), enable: Iterable[str] = (),
         config: dict[str, Any] | Config | None = None, trust_code: bool = False) -> Language:
    """Load a pipeline saved with ``nlp.to_disk``. No code is executed: code
    files bundled in the pipeline's ``code/`` folder (``plait package --code``)
    are imported only with ``trust_code=True``.

    path (str | Path): the pipeline folder.
    exclude (Iterable[str]): components not to load at all.
    disable (Iterable[str]): components to load disabled.
    config (dict | Config | None): config overrides, nested or with dotted keys.
    trust_code (bool): import the code files bundled with the pipeline.
    RETURNS (Language): the loaded pipeline.
    """
    return load_pipeline(path, vocab=vocab, exclude=exclude, disable=disable, enable=enable,
                         config=config, trust_code=trust_code)
