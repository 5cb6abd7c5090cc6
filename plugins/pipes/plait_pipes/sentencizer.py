"""The ``sentencizer`` component: rule-based sentence boundaries.

A sentence ends after a token in ``punct_chars`` (".", "!", "?" and their
equivalents in other scripts); the next token that is neither punctuation
nor in ``punct_chars`` starts the next one, so '"Hi!" she said' keeps the
closing quote in the first sentence. Computed with array ops on the ORTH
and IS_PUNCT columns, not a loop over tokens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from plait import fs
from plait.attrs import IS_PUNCT, ORTH, SENT_START
from plait.errors import SerializationError, UsageError
from plait.language import Language
from plait.pipe import Pipe

DEFAULT_PUNCT_CHARS = [
    "!", ".", "?", "։", "؟", "۔", "܀", "܁", "܂", "߹", "।", "॥", "၊", "။", "።", "፧", "፨",
    "᙮", "᜵", "᜶", "᠃", "᠉", "᥄", "᥅", "᪨", "᪩", "᪪", "᪫", "᭚", "᭛", "᭞", "᭟", "᰻", "᰼",
    "᱾", "᱿", "‼", "‽", "⁇", "⁈", "⁉", "⸮", "⸼", "꓿", "꘎", "꘏", "꛳", "꛷", "꡶", "꡷", "꣎",
    "꣏", "꤯", "꧈", "꧉", "꩝", "꩞", "꩟", "꫰", "꫱", "꯫", "﹒", "﹖", "﹗", "！", "．", "？",
    "𐩖", "𐩗", "𑁇", "𑁈", "𑂾", "𑂿", "𑃀", "𑃁", "𑅁", "𑅂", "𑅃", "𑇅", "𑇆", "𑇍", "𑇞", "𑇟",
    "𑈸", "𑈹", "𑈻", "𑈼", "𑊩", "𑑋", "𑑌", "𑗂", "𑗃", "𑗉", "𑗊", "𑗋", "𑗌", "𑗍", "𑗎",
    "𑗏", "𑗐", "𑗑", "𑗒", "𑗓", "𑗔", "𑗕", "𑗖", "𑗗", "𑙁", "𑙂", "𑜼", "𑜽", "𑜾", "𑩂",
    "𑩃", "𑪛", "𑪜", "𑱁", "𑱂", "𖩮", "𖩯", "𖫵", "𖬷", "𖬸", "𖭄", "𛲟", "𝪈", "｡", "。",
]  # fmt: skip


@Language.factory(
    "sentencizer",
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={
        "punct_chars": None,
        "overwrite": False,
        "scorer": {"@scorers": "plait.senter_scorer.v1"},
    },
    default_score_weights={"sents_f": 1.0, "sents_p": 0.0, "sents_r": 0.0},
)
def make_sentencizer(
    nlp: Any, name: str, punct_chars: list[str] | None, overwrite: bool, scorer: Callable | None
) -> Sentencizer:
    """Create a sentencizer (see :class:`Sentencizer`)."""
    return Sentencizer(name, punct_chars=punct_chars, overwrite=overwrite, scorer=scorer)


def sentence_starts(orth: np.ndarray, is_punct: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Sentence starts from the punctuation columns of one doc.

    orth (ndarray): unused beyond its length; kept for symmetry with callers.
    is_punct (ndarray[bool]): the token is punctuation.
    stop (ndarray[bool]): the token is in punct_chars.
    RETURNS (ndarray[int64]): 1 where a sentence starts, -1 elsewhere.
    """
    n = len(orth)
    idx = np.arange(n)
    word = ~is_punct & ~stop
    # For each token: the last word token and the last stop token strictly before it.
    last_word = np.maximum.accumulate(np.where(word, idx, -1))
    last_stop = np.maximum.accumulate(np.where(stop, idx, -1))
    prev_word = np.concatenate([[-1], last_word[:-1]]) if n else last_word
    prev_stop = np.concatenate([[-1], last_stop[:-1]]) if n else last_stop
    # A word starts a sentence when a stop came after the previous word.
    starts = word & (prev_stop > prev_word)
    out = np.where(starts, 1, -1).astype(np.int64)
    if n:
        out[0] = 1
    return out


class Sentencizer(Pipe):
    """Split docs into sentences at punctuation.

    name (str): the component name.
    punct_chars (list[str] | None): sentence-final characters (default: many scripts').
    overwrite (bool): replace sentence boundaries that are already set.
    scorer (Callable | None): ``scorer(examples) -> {"sents_f": ...}``.
    """

    default_punct_chars = DEFAULT_PUNCT_CHARS

    def __init__(
        self, name: str = "sentencizer", *, punct_chars: Iterable[str] | None = None,
        overwrite: bool = False, scorer: Callable | None = None,
    ) -> None:
        _check(punct_chars)
        self.name = name
        self.punct_chars = set(punct_chars) if punct_chars else set(self.default_punct_chars)
        self.overwrite = overwrite
        self.scorer = scorer
        self._hashes: tuple[int, np.ndarray] | None = None

    def _punct_hashes(self, vocab: Any) -> np.ndarray:
        key = (id(vocab), len(self.punct_chars))
        if self._hashes is None or self._hashes[0] != key:
            hashes = np.array(sorted(vocab.strings.add(c) for c in self.punct_chars), dtype=np.uint64)
            self._hashes = (key, hashes)
        return self._hashes[1]

    def __call__(self, doc: Any) -> Any:
        if not len(doc):
            return doc
        cols = doc.to_array([ORTH, IS_PUNCT])
        stop = np.isin(cols[:, 0], self._punct_hashes(doc.vocab))
        starts = sentence_starts(cols[:, 0], cols[:, 1] != 0, stop)
        if not self.overwrite:
            current = doc.to_array(SENT_START).astype(np.int64)
            starts = np.where(current != 0, current, starts)
        doc.from_array([SENT_START], starts.reshape(-1, 1))
        return doc

    def pipe(self, stream: Iterable[Any], *, batch_size: int = 128) -> Any:
        for doc in stream:
            yield self(doc)

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps({"punct_chars": sorted(self.punct_chars), "overwrite": self.overwrite})

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> Sentencizer:
        try:
            cfg = srsly.msgpack_loads(bytes_data)
        except Exception as err:
            raise SerializationError(f"sentencizer '{self.name}': not sentencizer data ({err})") from err
        self._load(cfg)
        return self

    def _load(self, cfg: Any) -> None:
        if not isinstance(cfg, dict) or "punct_chars" not in cfg:
            raise SerializationError(f"sentencizer '{self.name}': data has no punct_chars")
        self.punct_chars = set(cfg["punct_chars"])
        self.overwrite = bool(cfg.get("overwrite", self.overwrite))
        self._hashes = None

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        fs.write_json(path / "cfg.json", {"punct_chars": sorted(self.punct_chars), "overwrite": self.overwrite})

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Sentencizer:
        file = Path(path) / "cfg.json"
        if not file.exists():
            raise SerializationError(f"{file}: missing; not a saved sentencizer")
        try:
            cfg = srsly.read_json(file)
        except ValueError as err:
            raise SerializationError(f"{file}: not valid JSON ({err})") from err
        self._load(cfg)
        return self


def _check(punct_chars: Any) -> None:
    if punct_chars is not None and (isinstance(punct_chars, str) or not all(isinstance(c, str) for c in punct_chars)):
        raise UsageError("sentencizer punct_chars must be a list of strings, e.g. ['.', '!', '?']")
