"""Turning a training config into an initialized pipeline, ready to train.

``init_nlp`` is what ``plait train`` (and ``plait init labels``) run before
the loop: seed the RNGs, create the nlp (its ``nlp.*`` callbacks run in
``Language.from_config``), resolve ``[training]`` and the corpora it names,
keep the weights of sourced components and initialize the rest from the
train data or ``[initialize]``. The train corpus is read once here and the
Examples are handed on to the loop, so alignments are computed once per run.
A streamed train corpus (``max_epochs = -1``, possibly endless) is never read
whole: components initialize from its first ``INIT_SAMPLE_SIZE`` examples.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

from confection import Config
from thinc.api import fix_random_seed, set_gpu_allocator

from ..config import resolve, validate_config
from ..errors import ConfigError, DataError, did_you_mean
from ..ops import setup_device
from .corpus import _PATH_HINT, FILE_TYPE
from .data_checks import check_examples, check_frozen_labels, checked_stream, read_corpus
from .optimizer import fuse_optimizer


@dataclass
class Initialized:
    """What initialization produced: the nlp, the resolved [training] section,
    the corpus readers and, when the train corpus is not streamed, its Examples."""

    nlp: Any
    training: dict[str, Any]
    train_corpus: Any
    dev_corpus: Any
    train_examples: list[Any] | None
    optimizer: Any


def _dot_sections(config: Any) -> list[str]:
    names: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        for key, value in node.items():
            if isinstance(value, dict):
                names.append(f"{prefix}{key}")
                walk(value, f"{prefix}{key}.")

    walk(config, "")
    return names


# A streamed train corpus (max_epochs = -1) can be endless: components
# initialize (shape inference, labels found in the data) from its first
# INIT_SAMPLE_SIZE examples, read once.
INIT_SAMPLE_SIZE = 1000
# Seconds between progress lines while a corpus is read into memory.
PROGRESS_EVERY_S = 5.0


def _resolve_block(config: Config, parts: list[str]) -> Any:
    nested: dict[str, Any] = {}
    cursor = nested
    for part in parts[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[parts[-1]] = config_node(config, parts)
    resolved: Any = resolve(Config(nested))
    for part in parts:
        resolved = resolved[part]
    return resolved


def config_node(config: Any, parts: list[str]) -> Any:
    """RETURNS (Any): the value at a path of keys in a (nested dict) config."""
    node = config
    for part in parts:
        node = node[part]
    return node


def resolve_dot_names(config: Config, training_key: str, dot_name: Any,
                      cache: dict[str, Any] | None = None) -> Any:
    """Resolve the config section a ``[training] train_corpus``-style key names.

    The section may also lie inside the result of a registered function
    higher up: ``[corpora]`` with ``@readers = "my_corpora.v1"`` returning
    ``{"train": ..., "dev": ...}`` serves ``corpora.train`` and ``corpora.dev``
    (the function is called once per `cache`).

    config (Config): the interpolated config.
    training_key (str): the key in [training], for the error message.
    dot_name (str): e.g. "corpora.train".
    cache (Optional[dict]): resolved function blocks by dotted name, shared
        between the calls of one run.
    RETURNS (Any): the resolved object (a corpus reader).
    """
    if not isinstance(dot_name, str) or not dot_name:
        raise ConfigError(
            f"[training] {training_key}: expected the dotted name of a config section such as "
            f"'corpora.train', got {dot_name!r}."
        )
    node: Any = config
    parts = dot_name.split(".")
    for i, part in enumerate(parts):
        if i and isinstance(node, dict) and any(str(k).startswith("@") for k in node):
            return _from_function_block(config, training_key, parts, i, cache)
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(
                f"[training] {training_key}: no section [{dot_name}] in the config."
                f"{did_you_mean(dot_name, _dot_sections(config))}"
            )
        node = node[part]
    return _resolve_block(config, parts)


def _from_function_block(config: Config, training_key: str, parts: list[str], i: int,
                         cache: dict[str, Any] | None) -> Any:
    # parts[:i] names a registered function's block: resolve it (once) and
    # look the rest of the name up in what it returned.
    block = ".".join(parts[:i])
    if cache is not None and block in cache:
        found = cache[block]
    else:
        found = _resolve_block(config, parts[:i])
        if cache is not None:
            cache[block] = found
    for depth, part in enumerate(parts[i:], i):
        if not isinstance(found, dict) or part not in found:
            have = f"a dict with the keys {sorted(map(str, found))}" if isinstance(found, dict) \
                else f"a {type(found).__name__}"
            func = next((v for k, v in config_node(config, parts[:i]).items() if str(k).startswith("@")), "?")
            raise ConfigError(
                f"[training] {training_key} = {'.'.join(parts)!r}: [{block}] is the function {func!r}, "
                f"which returned {have}; there is no '{'.'.join(parts[i:depth + 1])}' in it. Name one of "
                f"its corpora, or make the function return a dict keyed by corpus name."
            )
        found = found[part]
    return found


def _corpus_path_hint(raw_config: Config, interpolated: Config, dot_name: str) -> str:
    """'paths.train = x' (or the section's own path) for empty-corpus errors."""
    raw: Any = raw_config
    done: Any = interpolated
    for part in dot_name.split("."):
        raw = raw.get(part, {}) if isinstance(raw, dict) else {}
        done = done.get(part, {}) if isinstance(done, dict) else {}
    raw_path = raw.get("path") if isinstance(raw, dict) else None
    value = done.get("path") if isinstance(done, dict) else None
    if isinstance(raw_path, str) and raw_path.startswith("${") and raw_path.endswith("}"):
        return f"{raw_path[2:-1]} = {value!r}"
    return f"[{dot_name}] path = {value!r}"


def _with_progress(corpus: Any, dot_name: str, out: IO, note: str) -> Callable[[Any], Iterator[Any]]:
    """The same reader, writing a line to `out` every PROGRESS_EVERY_S seconds
    while it is read (an endless reader read into memory otherwise looks hung)."""

    def read(nlp: Any) -> Iterator[Any]:
        start = last = time.monotonic()
        n = 0
        for n, eg in enumerate(corpus(nlp), 1):  # noqa: B007 - n is read after the loop
            yield eg
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY_S:
                out.write(f"Reading {dot_name} into memory: {n:,} examples so far ({now - start:.0f} s). {note}\n")
                out.flush()
                last = now
        if last != start:
            out.write(f"Read {dot_name}: {n:,} examples.\n")

    read.path = getattr(corpus, "path", None)  # type: ignore[attr-defined]  # named in errors
    return read


def read_examples(
    nlp: Any, corpus: Any, dot_name: str, raw_config: Config, interpolated: Config,
    *, progress: IO | None = None, max_epochs: int | None = None,
) -> list[Any]:
    """Materialise a corpus and check its annotation, failing clearly when it
    is empty or bad (errors name the corpus, document index and text).

    nlp (Language): passed to the reader.
    corpus (Callable[[Language], Iterable[Example]]): the reader.
    dot_name (str): its config section, e.g. "corpora.train".
    raw_config (Config), interpolated (Config): the config, for messages.
    progress (Optional[IO]): where to report progress of a slow read.
    max_epochs (Optional[int]): [training] max_epochs when this is the train
        corpus (named in the progress message).
    RETURNS (list[Example]): the Examples.
    """
    if progress is not None:
        note = (f"[training] max_epochs = {max_epochs} reads the whole train corpus before training; "
                "for an endless reader set max_epochs = -1 to stream it.") if max_epochs is not None \
            else "The dev corpus is read whole before training; its reader must end."
        corpus = _with_progress(corpus, dot_name, progress, note)
    examples = read_corpus(nlp, corpus, dot_name)
    if not examples:
        raise DataError(
            f"{dot_name} produced no examples: check "
            f"{_corpus_path_hint(raw_config, interpolated, dot_name)}. "
            f"The file is empty, the folder has no {FILE_TYPE} files, or every document was filtered "
            f"out (limit, max_length). Convert your data with `plait convert` and point "
            f"[{dot_name}] at it."
        )
    check_examples(examples, dot_name, getattr(corpus, "path", None))
    return examples


def resolve_corpus(
    config: Config, training_key: str, dot_name: Any, raw_config: Config | None = None,
    *, cache: dict[str, Any] | None = None,
) -> Any:
    """``resolve_dot_names`` for ``train_corpus`` / ``dev_corpus``: a reader that
    cannot be created (no path, a path that does not exist) names the corpus.

    config (Config): the interpolated config.
    training_key (str): "train_corpus" or "dev_corpus".
    dot_name (Any): the section it names.
    raw_config (Optional[Config]): the config before interpolation, to show
        which ``[paths]`` variable set the path.
    cache (Optional[dict]): shared with the other corpus of the run, so a
        ``[corpora]`` function is called once.
    RETURNS (Any): the corpus reader.
    """
    try:
        return resolve_dot_names(config, training_key, dot_name, cache)
    except DataError as err:
        hint = _corpus_path_hint(raw_config if raw_config is not None else config, config, dot_name)
        reason = str(err).replace(_PATH_HINT, "").strip()
        var = hint.split(" = ", 1)[0]
        if var.startswith("paths."):
            short = var[len("paths."):]
            fix = f"Set [paths] {short} in the config or pass --paths.{short} ./{short}.plait."
        else:
            fix = f"Set path in [{dot_name}]."
        if training_key == "dev_corpus":
            fix += (" `plait train` needs a dev corpus: it evaluates on it every eval_frequency steps "
                    "to pick model-best (a small held-out slice of your data will do).")
        raise DataError(
            f"[training] {training_key} = {dot_name!r}: [{dot_name}] cannot be read ({hint}): "
            f"{reason} {fix}"
        ) from err


def _sourced_components(config: Config) -> list[str]:
    components = config.get("components", {}) or {}
    return [name for name, cfg in components.items() if isinstance(cfg, dict) and "source" in cfg]


def prepare(config: Config, *, use_gpu: int = -1) -> tuple[Any, Config]:
    """Seed, pick the device and create the nlp (not initialized).

    RETURNS (tuple[Language, Config]): the nlp and its interpolated config.
    """
    from ..language import Language, get_lang_class

    if not config.get("training"):
        raise ConfigError("the config has no [training] section; `plait train` needs one.")
    # Every value is checked before anything is built or any data is read.
    validate_config(config, source=getattr(config, "source", "config"))
    interpolated = config.interpolate() if not getattr(config, "is_interpolated", True) else config
    training = interpolated.get("training") or {}
    setup_device(use_gpu)
    allocator = training.get("gpu_allocator")
    if use_gpu >= 0 and allocator:
        set_gpu_allocator(allocator)
    if training.get("seed") is not None:
        fix_random_seed(int(training["seed"]))
    lang = (interpolated.get("nlp") or {}).get("lang")
    lang_cls = get_lang_class(lang) if lang else Language
    nlp = lang_cls.from_config(config, auto_fill=True)
    return nlp, nlp.config.interpolate()


def resolve_training(interpolated: Config) -> dict[str, Any]:
    """Resolve ``[training]`` (with located errors). RETURNS (dict): the section.

    The spec's ``[training] batch_size`` (an int or a ``@schedules`` block) is
    the batcher's size: it replaces ``[training.batcher] size``.
    """
    section = dict(interpolated["training"])
    if "batch_size" in section:
        size = section.pop("batch_size")
        batcher = section.get("batcher")
        if not isinstance(batcher, dict) or not any(str(k).startswith("@") for k in batcher):
            raise ConfigError(
                "[training] batch_size: sets the size of [training.batcher], but the config has "
                "no batcher block. Add [training.batcher] with @batchers = \"plait.batch_by_words.v1\"."
            )
        section["batcher"] = {**batcher, "size": size}
    resolved = resolve(Config({"training": section}))["training"]
    if "optimizer" in resolved:
        resolved["optimizer"] = fuse_optimizer(resolved["optimizer"])
    return resolved


def initialize_pipeline(config: Config, *, use_gpu: int = -1, progress: IO | None = None,
                        need_dev: bool = True) -> Initialized:
    """Create and initialize the pipeline described by a training config.

    config (Config): the training config (not interpolated; overrides applied).
    use_gpu (int): GPU id, or -1 for the CPU.
    progress (Optional[IO]): where to report reading progress and notes
        (default: stderr).
    need_dev (bool): the dev corpus must be readable (`plait train`); without
        it (`plait init labels`, which reads only the training data) an
        unreadable dev corpus gives ``dev_corpus = None``.
    RETURNS (Initialized): the nlp, the resolved [training] and the corpora.
    """
    progress = progress if progress is not None else sys.stderr
    nlp, interpolated = prepare(config, use_gpu=use_gpu)
    T = resolve_training(interpolated)
    resolved: dict[str, Any] = {}
    train_corpus = resolve_corpus(interpolated, "train_corpus", T["train_corpus"], nlp.config, cache=resolved)
    try:
        dev_corpus = resolve_corpus(interpolated, "dev_corpus", T["dev_corpus"], nlp.config, cache=resolved)
    except DataError:
        if need_dev:
            raise
        dev_corpus = None
    optimizer = T["optimizer"]
    frozen = list(T["frozen_components"])
    for key in ("frozen_components", "annotating_components"):
        for name in T[key]:
            if name not in nlp.component_names:
                raise ConfigError(
                    f"[training] {key}: '{name}' is not in the pipeline."
                    f"{did_you_mean(name, nlp.component_names)} Pipeline: {', '.join(nlp.pipe_names)}."
                )
    sourced = _sourced_components(config)
    for name in frozen:
        proc = nlp.get_pipe(name)
        if name not in sourced and hasattr(proc, "update") and getattr(proc, "model", None) is not None:
            # Frozen components are neither initialized nor updated: one built
            # from its factory would run with no labels and random weights
            # (it failed at the first evaluation, asking for nlp.initialize()).
            raise ConfigError(
                f"[training] frozen_components: '{name}' is created from its factory "
                f"([components.{name}] has no `source`), so it would never be initialized or "
                f"trained. Freeze only components sourced from a trained pipeline "
                f"(source = \"path/to/pipeline\"), or remove '{name}' from frozen_components."
            )
    resume_components = [p for p in sourced if p not in frozen]
    if resume_components:
        with nlp.select_pipes(enable=resume_components):
            nlp.resume_training(sgd=optimizer)
    nlp._link_components()
    train_examples: list[Any] | None = None
    if T["max_epochs"] >= 0:
        train_examples = read_examples(nlp, train_corpus, T["train_corpus"], nlp.config, interpolated,
                                       progress=progress, max_epochs=T["max_epochs"])

        def get_examples() -> Any:
            return iter(train_examples)
    else:
        # A streamed corpus may never end: components see a bounded sample,
        # read once (a reader of random variants gives each the same data).
        stream = checked_stream(train_corpus, T["train_corpus"])
        sample = list(islice(stream(nlp), INIT_SAMPLE_SIZE))
        if not sample:
            raise DataError(
                f"{T['train_corpus']} produced no examples: check "
                f"{_corpus_path_hint(nlp.config, interpolated, T['train_corpus'])}."
            )
        if len(sample) == INIT_SAMPLE_SIZE:
            progress.write(
                f"{T['train_corpus']} is streamed (max_epochs = -1): components initialize from its "
                f"first {INIT_SAMPLE_SIZE} examples, and those that find their labels in the data see "
                f"only these. List the labels in [initialize.components.NAME.labels] if some are rarer.\n"
            )

        def get_examples() -> Any:
            return iter(sample)
    # Reading the corpus (and first imports) may draw random numbers; seed
    # again so the initial weights depend on the seed alone.
    if T["seed"] is not None:
        fix_random_seed(int(T["seed"]))
    with nlp.select_pipes(disable=[*frozen, *resume_components]):
        nlp.initialize(get_examples, sgd=optimizer)
    check_frozen_labels(nlp, frozen, train_examples, T["train_corpus"], getattr(train_corpus, "path", None))
    return Initialized(nlp, T, train_corpus, dev_corpus, train_examples, optimizer)


def init_nlp(config: Config, *, use_gpu: int = -1, progress: IO | None = None, need_dev: bool = True) -> Any:
    """Create the nlp of a training config and initialize it (spaCy's init_nlp).

    config (Config): the training config.
    use_gpu (int): GPU id, or -1 for the CPU.
    progress (Optional[IO]): where to report reading progress (default: stderr).
    need_dev (bool): fail when the dev corpus cannot be read (see initialize_pipeline).
    RETURNS (Language): the initialized pipeline.
    """
    return initialize_pipeline(config, use_gpu=use_gpu, progress=progress, need_dev=need_dev).nlp

