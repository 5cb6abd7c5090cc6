"""The ``lemmatizer`` component: rule-based (default) or lookup lemmas for English.

"rule" mode needs the universal POS of each token (``token.pos_``, e.g.
from the ``morphologizer``): per-POS exceptions, suffix rules and known
lemmas (see ``_lemma_rules``). "lookup" mode needs nothing: a form ->
lemma table. The tables (``data/en_lemma_rules.json``) are derived from
UD English EWT train by ``tools/build_lemma_rules.py`` and are CC BY-SA 4.0.

Tokens without a POS in rule mode get the lookup lemma, and a warning says
which component should set POS (spaCy's W108 behaviour): lemmas are still
written, so a pipeline keeps working, but they are less accurate (EWT dev:
0.953 vs 0.981 with gold POS).

Speed: each batch is read as ORTH and POS columns; the rules run once per
unique (form, POS) pair and the results are cached across batches, so
steady-state cost is numpy work per token and Python work per new word type.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterable, Iterator
from importlib import resources
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from plait import fs
from plait.attrs import LEMMA, ORTH, POS, POS_NAMES
from plait.errors import ConfigError, DataError, SerializationError, UsageError
from plait.language import Language
from plait.pipe import Pipe
from plait.tokens import docs_from_array, docs_to_array
from thinc.api import Model

from ._lemma_rules import LemmaRules

MODES = ("rule", "lookup")
TABLES_FILE = "en_lemma_rules.json"
_CACHE_LIMIT = 1_000_000
_MIX = np.uint64(0x9E3779B97F4A7C15)


@Language.factory(
    "lemmatizer",
    assigns=["token.lemma"],
    requires=["token.pos"],
    default_config={
        "model": None,
        "mode": "rule",
        "overwrite": False,
        "scorer": {"@scorers": "plait.lemmatizer_scorer.v1"},
    },
    default_score_weights={"lemma_acc": 1.0},
)
def make_lemmatizer(
    nlp: Any, model: Model | None, name: str, mode: str, overwrite: bool, scorer: Callable | None
) -> Lemmatizer:
    """Create a rule/lookup lemmatizer (see :class:`Lemmatizer`)."""
    return Lemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)


def load_default_tables() -> dict[str, Any]:
    """RETURNS (dict): the packaged English tables (derived from UD EWT, CC BY-SA 4.0)."""
    text = resources.files("plait_pipes").joinpath("data", TABLES_FILE).read_text(encoding="utf8")
    return json.loads(text)


class Lemmatizer(Pipe):
    """Set ``token.lemma_`` by rules over the POS ("rule") or a table ("lookup").

    vocab (Vocab): the pipeline's vocab.
    model (None): unused; accepted so spaCy configs (``model = null``) port.
    name (str): the component name.
    mode (str): "rule" (needs ``token.pos``) or "lookup".
    overwrite (bool): replace lemmas that are already set.
    scorer (Callable | None): ``scorer(examples) -> {"lemma_acc": ...}``.
    """

    def __init__(
        self, vocab: Any, model: Model | None = None, name: str = "lemmatizer", *,
        mode: str = "rule", overwrite: bool = False, scorer: Callable | None = None,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(
                f"[components.{name}] mode = {mode!r}; use \"rule\" (needs token.pos, e.g. from a "
                "morphologizer) or \"lookup\""
            )
        self.vocab = vocab
        self.model = model
        self.name = name
        self.mode = mode
        self.overwrite = overwrite
        self.scorer = scorer
        self._rules: LemmaRules | None = None
        self._custom_tables: dict[str, Any] | None = None
        self._cache: dict[int, int] = {}

    @property
    def rules(self) -> LemmaRules:
        """RETURNS (LemmaRules): the tables in use (the packaged English ones by default)."""
        if self._rules is None:
            lang = getattr(self.vocab, "lang", "") or ""
            if lang not in ("", "en"):
                raise UsageError(
                    f"component '{self.name}': the packaged lemma tables are English, but the "
                    f"pipeline's language is '{lang}'. Give tables for it with "
                    f"[initialize.components.{self.name}] tables = {{...}} (the JSON layout "
                    "written by plugins/pipes/tools/build_lemma_rules.py), or use "
                    "trainable_lemmatizer."
                )
            self._rules = LemmaRules(load_default_tables(), where=f"plait_pipes/data/{TABLES_FILE}")
        return self._rules

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Any = None,
        tables: dict[str, Any] | str | None = None,
    ) -> None:
        """Load the tables: ``tables`` (a dict, or the path of a JSON file in
        the layout of ``tools/build_lemma_rules.py``), else the packaged
        English ones.

        get_examples (Callable | None): unused (nothing is learned).
        nlp (Language | None): the pipeline (unused).
        tables (dict | str | None): from ``[initialize.components.NAME] tables``.
        """
        where = f"[initialize.components.{self.name}] tables"
        if isinstance(tables, (str, Path)):
            try:
                tables = json.loads(Path(tables).read_text(encoding="utf8"))
            except (OSError, ValueError) as err:
                raise DataError(f"{where} = {str(tables)!r}: cannot read the JSON tables ({err})") from err
        if tables is None:
            self._custom_tables = None
            self._rules = None
            _ = self.rules
        elif isinstance(tables, dict):
            self._rules = LemmaRules(tables, where=where)
            self._custom_tables = tables
        else:
            raise DataError(f"{where}: expected a dict or a JSON file path, got {type(tables).__name__}")
        self._cache = {}

    # Annotation ---------------------------------------------------------
    def __call__(self, doc: Any) -> Any:
        self._annotate([doc])
        return doc

    def pipe(self, stream: Iterable[Any], *, batch_size: int = 128) -> Iterator[Any]:
        items = iter(stream)
        while docs := list(islice(items, batch_size)):
            self._annotate(docs)
            yield from docs

    def _annotate(self, docs: list[Any]) -> None:
        docs = [doc for doc in docs if len(doc)]
        if not docs:
            return
        if self.mode == "rule":
            orth, pos = docs_to_array(docs, [ORTH, POS]).T
            if not pos.all():
                warnings.warn(
                    f"component '{self.name}' (rule mode): {int((pos == 0).sum())} of {len(pos)} "
                    "tokens have no POS, so they got lookup lemmas. Put a component that sets "
                    "token.pos (e.g. 'morphologizer') before it in the pipeline, or use "
                    "mode = \"lookup\".",
                    UserWarning,
                    stacklevel=3,
                )
        else:
            orth = docs_to_array(docs, [ORTH])[:, 0]
            pos = np.zeros_like(orth)
        lemmas = self._lemmas(orth, pos)
        if not self.overwrite:
            current = docs_to_array(docs, [LEMMA])[:, 0]
            lemmas = np.where(current != 0, current, lemmas)
        docs_from_array(docs, [LEMMA], lemmas.reshape(-1, 1))

    def _lemmas(self, orth: np.ndarray, pos: np.ndarray) -> np.ndarray:
        """Lemma hashes for (form, POS id) columns; rules run per new unique pair."""
        with np.errstate(over="ignore"):
            keys = orth * _MIX + pos
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        cache = self._cache
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        values = list(map(cache.get, uniq.tolist()))
        if None in values:
            strings = self.vocab.strings
            rules = self.rules
            lemmatize = rules.lemmatize if self.mode == "rule" else (lambda form, _pos: rules.lookup(form))
            for j, value in enumerate(values):
                if value is None:
                    i = first[j]
                    lemma = lemmatize(strings[int(orth[i])], POS_NAMES.get(int(pos[i]), ""))
                    value = strings.add(lemma)
                    cache[int(uniq[j])] = value
                    values[j] = value
        return np.fromiter(values, dtype=np.uint64, count=len(values))[inverse.ravel()]

    def lemmatize(self, form: str, pos: str = "") -> str:
        """The lemma of one word (no Doc needed).

        form (str): the word.
        pos (str): its universal POS ("" if unknown: lookup).
        RETURNS (str): the lemma.
        """
        if self.mode == "lookup":
            return self.rules.lookup(form)
        return self.rules.lemmatize(form, pos)

    # Serialization: only tables given at initialize are saved. ---------
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        import srsly

        return srsly.msgpack_dumps({"tables": self._custom_tables})

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> Lemmatizer:
        import srsly

        try:
            msg = srsly.msgpack_loads(bytes_data)
        except Exception as err:  # msgpack raises several unrelated types
            raise SerializationError(f"component '{self.name}': not lemmatizer data ({err})") from err
        if not isinstance(msg, dict):
            raise SerializationError(f"component '{self.name}': not lemmatizer data")
        self._set_saved_tables(msg.get("tables"), f"component '{self.name}'")
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self._custom_tables is not None:
            fs.write_json(path / "tables.json", self._custom_tables, indent=0)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Lemmatizer:
        tables_path = Path(path) / "tables.json"
        tables = None
        if tables_path.exists():
            try:
                tables = json.loads(tables_path.read_text(encoding="utf8"))
            except (OSError, ValueError) as err:
                raise SerializationError(f"{tables_path}: cannot read the lemma tables ({err})") from err
        self._set_saved_tables(tables, str(tables_path))
        return self

    def _set_saved_tables(self, tables: Any, where: str) -> None:
        self._cache = {}
        if tables is None:
            self._custom_tables = None
            self._rules = None
            return
        try:
            self._rules = LemmaRules(tables, where=where)
        except DataError as err:
            raise SerializationError(str(err)) from err
        self._custom_tables = tables
