"""``LanguageState``: what every part of ``Language`` shares, declared once.

A ``Language`` is this state plus three parts, each a subclass of this class
so that a reader (and mypy) sees exactly what a part may touch:
``_components.py`` (adding, removing, replacing components),
``_training.py`` (initialize, update, evaluate) and ``_io.py`` (saving and
loading). This module holds the state itself, the read-only views of it the
parts use, and how a pipeline runs (``__call__`` and the batched ``pipe``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from confection import Config

from ..about import __version__
from ..errors import UsageError, did_you_mean
from ..plugins._factories import FactoryMeta, combine_score_weights
from ..plugins._registry import registry
from ..vocab import Vocab
from ._config import copy_config

if TYPE_CHECKING:
    from ..lang.defaults import BaseDefaults


class LanguageState:
    """The state of a pipeline and the views of it that every part reads.

    vocab (Vocab | True): the vocab; ``True`` creates one from ``Defaults``.
    max_length (int): longest text (in characters) ``__call__`` accepts.
    meta (dict | None): meta.json content (name, version, description...).
    create_tokenizer (Callable[[Language], Tokenizer] | None): builds the
        tokenizer; default from ``[nlp.tokenizer]`` of the default config.
    batch_size (int): default batch size of ``pipe`` and ``evaluate``.
    """

    # Set by Language and its per-language subclasses.
    Defaults: ClassVar[type[BaseDefaults]]
    lang: str | None = None
    default_config: ClassVar[Config]

    # The state. Only the parts of Language (this package) touch the
    # underscored attributes.
    vocab: Vocab
    tokenizer: Any
    max_length: int
    batch_size: int
    _config: Config
    _meta: dict[str, Any]
    _path: Path | None
    _optimizer: Any
    # (name, component) in pipeline order, disabled ones included.
    _components: list[tuple[str, Any]]
    _disabled: set[str]
    _pipe_meta: dict[str, FactoryMeta]
    # The filled config each component was created with.
    _pipe_configs: dict[str, Config]

    def __init__(
        self,
        vocab: Vocab | bool = True,
        *,
        max_length: int = 10**6,
        meta: dict[str, Any] | None = None,
        create_tokenizer: Callable[[Any], Any] | None = None,
        batch_size: int = 1000,
        **kwargs: Any,
    ) -> None:
        self._config = copy_config(self.default_config)
        self._meta = dict(meta or {})
        self._path = None
        self._optimizer = None
        if vocab is True:
            vocab = _create_vocab(self.lang, self.Defaults)
        elif not isinstance(vocab, Vocab):
            raise UsageError(f"Language: vocab must be a Vocab or True, not {type(vocab).__name__}")
        self.vocab = vocab
        if self.lang is None:
            self.lang = self.vocab.lang or None
        self._components = []
        self._disabled = set()
        self._pipe_meta = {}
        self._pipe_configs = {}
        self.max_length = max_length
        # Models take thinc's current ops when they are built: make that
        # plait's fast CPU ops (unless a GPU was selected) for every pipeline.
        from ..ops import use_default_cpu_ops

        use_default_cpu_ops()
        if create_tokenizer is None:
            from ..config import resolve

            tok_cfg = {"tokenizer": self._config["nlp"]["tokenizer"]}
            create_tokenizer = resolve(tok_cfg)["tokenizer"]
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
        cfg["training"]["score_weights"] = combine_score_weights(weights, prev)
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
    # Component lookup ------------------------------------------------
    def _missing_component(self, name: str) -> str:
        names = self.component_names
        return (f"no component '{name}' in the pipeline.{did_you_mean(name, names)} "
                f"Components: {', '.join(names) or 'none'}.")

    def get_pipe(self, name: str) -> Any:
        """RETURNS (Callable): component ``name`` (enabled or disabled)."""
        for pipe_name, proc in self._components:
            if pipe_name == name:
                return proc
        raise UsageError(self._missing_component(name))

    def has_pipe(self, name: str) -> bool:
        """RETURNS (bool): whether a component called ``name`` exists."""
        return name in self.component_names

    def _link_components(self) -> None:
        # Components with listeners (tok2vec) learn which later components
        # listen to them; spaCy's protocol: listener_map + find_listeners().
        for i, (_, proc) in enumerate(self._components):
            if hasattr(proc, "find_listeners") and hasattr(proc, "listener_map"):
                proc.listener_map = {}
                for _, proc2 in self._components[i + 1:]:
                    proc.find_listeners(proc2)


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
            from ..tokens.doc import Doc

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
    from .. import attrs

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
