"""``Language``: the pipeline container (tokenizer + named components), plus
``plait.blank`` and ``plait.load``.

This module holds what a pipeline *is* and how it runs: component
management, ``__call__`` and the batched ``pipe``. Creating one from a config
is in ``_language_config.py``, training (``initialize``, ``update``,
``evaluate``) in ``_language_train.py``, saving and loading in
``_language_io.py``; ``Language`` mixes those in so that its API is spaCy's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from confection import Config

from . import _factories
from ._factories import FactoryMeta
from ._language_config import build_from_config, copy_config, default_config
from ._language_io import SerializationMixin, load_pipeline
from ._language_pipeline import PipelineMixin, resolve_config
from ._language_train import TrainingMixin
from ._registry import registry
from .about import __version__
from .errors import ConfigError, UsageError
from .lang.defaults import BaseDefaults
from .vocab import Vocab


class Language(PipelineMixin, TrainingMixin, SerializationMixin):
    """A text-processing pipeline: a tokenizer followed by named components.

    vocab (Vocab | True): the vocab; ``True`` creates one from ``Defaults``.
    max_length (int): longest text (in characters) ``__call__`` accepts.
    meta (dict | None): meta.json content (name, version, description...).
    create_tokenizer (Callable[[Language], Tokenizer] | None): builds the
        tokenizer; default from ``[nlp.tokenizer]`` of the default config.
    batch_size (int): default batch size of ``pipe`` and ``evaluate``.
    """

    Defaults = BaseDefaults
    lang: str | None = None
    default_config: Config = default_config()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cfg = default_config()
        extra = getattr(cls.Defaults, "config", None)
        if extra:
            cfg = cfg.merge(extra)
        cfg["nlp"]["lang"] = cls.lang
        cls.default_config = cfg

    def __init__(
        self,
        vocab: Vocab | bool = True,
        *,
        max_length: int = 10**6,
        meta: dict[str, Any] | None = None,
        create_tokenizer: Callable[[Language], Any] | None = None,
        batch_size: int = 1000,
        **kwargs: Any,
    ) -> None:
        self._config: Config = copy_config(self.default_config)
        self._meta: dict[str, Any] = dict(meta or {})
        self._path: Path | None = None
        self._optimizer: Any = None
        if vocab is True:
            vocab = _create_vocab(self.lang, self.Defaults)
        elif not isinstance(vocab, Vocab):
            raise UsageError(f"Language: vocab must be a Vocab or True, not {type(vocab).__name__}")
        self.vocab: Vocab = vocab
        if self.lang is None:
            self.lang = self.vocab.lang or None
        self._components: list[tuple[str, Any]] = []
        self._disabled: set[str] = set()
        self._pipe_meta: dict[str, FactoryMeta] = {}
        self._pipe_configs: dict[str, Config] = {}
        self.max_length = max_length
        # Models take thinc's current ops when they are built: make that
        # plait's fast CPU ops (unless a GPU was selected) for every pipeline.
        from .ops import use_default_cpu_ops

        use_default_cpu_ops()
        if create_tokenizer is None:
            tok_cfg = {"tokenizer": self._config["nlp"]["tokenizer"]}
            create_tokenizer = resolve_config(tok_cfg)["tokenizer"]
        self.tokenizer = create_tokenizer(self)
        self.batch_size = batch_size

    # Properties ---------------------------------------------------------
    @property
    def path(self) -> Path | None:
        """RETURNS (Path | None): the folder the pipeline was loaded from."""
        return self._path

    @property
    def meta(self) -> dict[str, Any]:
        """meta.json content: lang, name, version, plait_version, pipeline,
        components, disabled, labels, performance (set by training)."""
        if not self._meta.get("lang"):
            self._meta["lang"] = self.lang
        self._meta.setdefault("name", "pipeline")
        self._meta.setdefault("version", "0.0.0")
        self._meta.setdefault("description", "")
        self._meta.setdefault("author", "")
        self._meta.setdefault("license", "")
        self._meta["plait_version"] = f">={__version__}"
        self._meta["labels"] = self.pipe_labels
        self._meta["pipeline"] = list(self.pipe_names)
        self._meta["components"] = list(self.component_names)
        self._meta["disabled"] = list(self.disabled)
        return self._meta

    @meta.setter
    def meta(self, value: dict[str, Any]) -> None:
        self._meta = dict(value)

    @property
    def config(self) -> Config:
        """The complete, filled config of the pipeline as it is now.

        RETURNS (Config): [paths] [system] [nlp] [components] [corpora]
            [training] [pretraining] [initialize].
        """
        cfg = self._config
        cfg.setdefault("nlp", {})
        cfg.setdefault("training", {})
        cfg["nlp"]["lang"] = self.lang
        components: dict[str, Any] = {}
        weights = []
        for name in self.component_names:
            pipe_meta = self.get_pipe_meta(name)
            components[name] = {"factory": pipe_meta.factory, **self._pipe_configs.get(name, {})}
            if pipe_meta.default_score_weights:
                weights.append(pipe_meta.default_score_weights)
        cfg["nlp"]["pipeline"] = list(self.component_names)
        cfg["nlp"]["disabled"] = list(self.disabled)
        cfg["components"] = components
        prev = cfg["training"].get("score_weights", {}) or {}
        cfg["training"]["score_weights"] = _factories.combine_score_weights(weights, prev)
        return cfg

    @config.setter
    def config(self, value: Config) -> None:
        self._config = value

    @property
    def pipeline(self) -> list[tuple[str, Any]]:
        """RETURNS (list[tuple[str, Callable]]): the enabled (name, component) pairs."""
        return [(n, p) for n, p in self._components if n not in self._disabled]

    @property
    def pipe_names(self) -> list[str]:
        """RETURNS (list[str]): names of the enabled components, in order."""
        return [n for n, _ in self.pipeline]

    @property
    def components(self) -> list[tuple[str, Any]]:
        """RETURNS (list[tuple[str, Callable]]): all components, disabled included."""
        return list(self._components)

    @property
    def component_names(self) -> list[str]:
        """RETURNS (list[str]): names of all components, disabled included."""
        return [n for n, _ in self._components]

    @property
    def disabled(self) -> list[str]:
        """RETURNS (list[str]): names of the disabled components, in pipeline order."""
        return [n for n, _ in self._components if n in self._disabled]

    @property
    def factory_names(self) -> list[str]:
        """RETURNS (list[str]): every registered factory name."""
        return registry.factories.names()

    @property
    def pipe_factories(self) -> dict[str, str]:
        """RETURNS (dict[str, str]): component name -> factory name."""
        return {name: self.get_pipe_meta(name).factory for name in self.component_names}

    @property
    def pipe_labels(self) -> dict[str, list[str]]:
        """RETURNS (dict[str, list[str]]): component name -> its labels."""
        return {n: list(p.labels) for n, p in self._components if hasattr(p, "labels") and p.labels is not None}

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

    def get_pipe_meta(self, name: str) -> FactoryMeta:
        """RETURNS (FactoryMeta): the factory metadata of component ``name``."""
        if name not in self._pipe_meta:
            raise UsageError(self._missing_component(name))
        return self._pipe_meta[name]

    def get_pipe_config(self, name: str) -> Config:
        """RETURNS (Config): the filled config component ``name`` was created with."""
        if name not in self._pipe_configs:
            raise UsageError(self._missing_component(name))
        return self._pipe_configs[name]

    # Processing ---------------------------------------------------------
    def make_doc(self, text: str) -> Any:
        """Tokenize ``text``. RETURNS (Doc): a Doc without annotations."""
        if not isinstance(text, str):
            raise UsageError(f"make_doc expects a str, not {type(text).__name__}")
        if len(text) > self.max_length:
            raise UsageError(
                f"text of length {len(text)} exceeds nlp.max_length ({self.max_length}). Split the "
                f"text, or raise nlp.max_length (about 1 GB of memory per 100,000 characters)."
            )
        return self.tokenizer(text)

    def _ensure_doc(self, doc_like: Any) -> Any:
        if isinstance(doc_like, str):
            return self.make_doc(doc_like)
        if isinstance(doc_like, bytes):
            from .tokens.doc import Doc

            return Doc(self.vocab).from_bytes(doc_like)
        # Duck-typed Doc check: avoids importing plait.tokens per call.
        if hasattr(doc_like, "vocab") and hasattr(doc_like, "to_array"):
            return doc_like
        raise UsageError(f"expected a str, Doc or bytes, got {type(doc_like).__name__}")

    def __call__(self, text: Any, *, disable: Iterable[str] = (),
                 component_cfg: dict[str, dict[str, Any]] | None = None) -> Any:
        """Tokenize ``text`` and run each enabled component on it.

        text (str | Doc): the text (or an already tokenized Doc).
        disable (Iterable[str]): components to skip this time.
        component_cfg (dict | None): per-component keyword arguments.
        RETURNS (Doc): the annotated Doc.
        """
        doc = self._ensure_doc(text)
        component_cfg = component_cfg or {}
        for name, proc in self.pipeline:
            if name in disable:
                continue
            if not callable(proc):
                raise UsageError(f"component '{name}' ({type(proc).__name__}) is not callable")
            doc = proc(doc, **component_cfg.get(name, {}))
            if doc is None:
                raise UsageError(f"component '{name}' returned None; a component must return the Doc")
        return doc

    def pipe(
        self,
        texts: Iterable[Any],
        *,
        as_tuples: bool = False,
        batch_size: int | None = None,
        disable: Iterable[str] = (),
        component_cfg: dict[str, dict[str, Any]] | None = None,
        n_process: int = 1,
    ) -> Iterator[Any]:
        """Process a stream of texts in batches: each component sees whole batches.

        texts (Iterable[str | Doc]): the texts (or (text, context) pairs).
        as_tuples (bool): texts are (text, context) pairs; yields (doc, context).
        batch_size (int | None): texts per batch (default ``nlp.batch_size``).
        disable (Iterable[str]): components to skip.
        component_cfg (dict | None): per-component keyword arguments.
        YIELDS (Doc): the annotated Docs, in order.
        """
        if n_process != 1:
            raise UsageError("nlp.pipe: n_process other than 1 is not supported; use plait ray for parallelism")
        if as_tuples:
            pairs = iter(texts)
            contexts: list[Any] = []

            def text_stream() -> Iterator[Any]:
                for item in pairs:
                    if not (isinstance(item, tuple) and len(item) == 2):
                        raise UsageError(f"nlp.pipe(as_tuples=True) expects (text, context) pairs, got {item!r}")
                    contexts.append(item[1])
                    yield item[0]

            for doc in self.pipe(text_stream(), batch_size=batch_size, disable=disable,
                                 component_cfg=component_cfg):
                yield doc, contexts.pop(0)
            return
        batch_size = batch_size or self.batch_size
        component_cfg = component_cfg or {}
        docs: Iterator[Any] = (self._ensure_doc(t) for t in texts)
        for name, proc in self.pipeline:
            if name in disable:
                continue
            kwargs = dict(component_cfg.get(name, {}))
            kwargs.setdefault("batch_size", batch_size)
            docs = _pipe_one(docs, name, proc, kwargs)
        yield from docs


def _pipe_one(docs: Iterable[Any], name: str, proc: Any, kwargs: dict[str, Any]) -> Iterator[Any]:
    if hasattr(proc, "pipe"):
        for doc in proc.pipe(docs, **kwargs):
            yield doc
        return
    kwargs.pop("batch_size", None)
    for doc in docs:
        out = proc(doc, **kwargs)
        if out is None:
            raise UsageError(f"component '{name}' returned None; a component must return the Doc")
        yield out



def _create_vocab(lang: str | None, defaults: Any) -> Vocab:
    from . import attrs

    getters = dict(getattr(defaults, "lex_attr_getters", {}) or {})
    code = lang or ""
    getters[attrs.LANG] = lambda string: code
    stop_words = getattr(defaults, "stop_words", None)
    if stop_words is not None and attrs.IS_STOP not in getters:
        # Look the set up at call time so edits to Defaults.stop_words (the
        # before_creation callback) are seen by lexemes created later.
        getters[attrs.IS_STOP] = lambda string: string.lower() in stop_words
    return Vocab(
        lex_attr_getters=getters,
        writing_system=getattr(defaults, "writing_system", None),
        get_noun_chunks=getattr(defaults, "syntax_iterators", {}).get("noun_chunks")
        if isinstance(getattr(defaults, "syntax_iterators", None), dict) else None,
    )


def get_lang_class(lang: str) -> type[Language]:
    """RETURNS (type[Language]): the Language subclass registered for ``lang``."""
    if not isinstance(lang, str) or not lang:
        raise UsageError(f"a language code must be a non-empty string like 'en', not {lang!r}")
    try:
        return registry.languages.get(lang)
    except ConfigError as err:
        raise UsageError(f"no language '{lang}': {err}") from None


def blank(lang: str, *, config: dict[str, Any] | Config | None = None, vocab: Vocab | bool = True,
          meta: dict[str, Any] | None = None) -> Language:
    """Create an empty pipeline (tokenizer only) for language ``lang``.

    lang (str): a language code such as "en".
    config (dict | Config | None): config overrides, nested or with dotted keys.
    vocab (Vocab | True): a vocab to share, or True for a new one.
    meta (dict | None): meta.json content.
    RETURNS (Language): the pipeline.
    """
    from ._language_config import dot_to_nested

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
