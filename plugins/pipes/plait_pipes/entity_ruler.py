"""The ``entity_ruler`` component: named entities from token and phrase patterns.

Patterns are dicts like spaCy's: ``{"label": "ORG", "pattern": [{"LOWER":
"apple"}]}`` (token pattern, run by ``plait.matcher.Matcher``) or
``{"label": "GPE", "pattern": "New York", "id": "nyc"}`` (phrase pattern,
``PhraseMatcher`` on ``phrase_matcher_attr``). Overlapping matches resolve
to the longest (then earliest); existing entities win unless
``overwrite_ents``. Patterns are saved with the pipeline (patterns.jsonl)
and can be loaded from JSONL in ``[initialize.components.X] patterns``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import srsly
from plait import fs
from plait.errors import DataError, SerializationError
from plait.language import Language
from plait.matcher import Matcher, PhraseMatcher
from plait.pipe import Pipe
from plait.tokens import Span


@Language.factory(
    "entity_ruler",
    assigns=["doc.ents", "token.ent_type", "token.ent_iob"],
    default_config={
        "phrase_matcher_attr": None,
        "validate": False,
        "overwrite_ents": False,
        "ent_id_sep": "||",
        "scorer": {"@scorers": "plait.entity_ruler_scorer.v1"},
    },
    default_score_weights={"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None},
)
def make_entity_ruler(
    nlp: Any, name: str, phrase_matcher_attr: str | int | None, validate: bool,
    overwrite_ents: bool, ent_id_sep: str, scorer: Callable | None,
) -> EntityRuler:
    """Create an entity ruler (see :class:`EntityRuler`)."""
    return EntityRuler(
        nlp, name, phrase_matcher_attr=phrase_matcher_attr, validate=validate,
        overwrite_ents=overwrite_ents, ent_id_sep=ent_id_sep, scorer=scorer,
    )


class EntityRuler(Pipe):
    """Add entities from rules.

    nlp (Language): the pipeline (its tokenizer turns phrase patterns into Docs).
    name (str): the component name.
    phrase_matcher_attr (str | int | None): token attribute phrase patterns
        match on (default ORTH; "LOWER" for case-insensitive).
    validate (bool): validate token patterns.
    overwrite_ents (bool): replace overlapping existing entities.
    ent_id_sep (str): kept for spaCy compatibility.
    patterns (list[dict] | None): initial patterns.
    scorer (Callable | None): ``scorer(examples) -> {"ents_f": ...}``.
    """

    def __init__(
        self, nlp: Any, name: str = "entity_ruler", *, phrase_matcher_attr: str | int | None = None,
        validate: bool = False, overwrite_ents: bool = False, ent_id_sep: str = "||",
        patterns: list[dict[str, Any]] | None = None, scorer: Callable | None = None,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.phrase_matcher_attr = phrase_matcher_attr
        self.validate = validate
        self.overwrite = overwrite_ents
        self.ent_id_sep = ent_id_sep
        self.scorer = scorer
        self.clear()
        if patterns:
            self.add_patterns(patterns)

    def clear(self) -> None:
        """Remove every pattern."""
        vocab = self.nlp.vocab
        self._patterns: list[dict[str, Any]] = []
        self.matcher = Matcher(vocab, validate=self.validate)
        self.phrase_matcher = PhraseMatcher(vocab, attr=self.phrase_matcher_attr or "ORTH")
        # match key -> (label, id)
        self._keys: dict[int, tuple[str, str]] = {}

    def __len__(self) -> int:
        return len(self._patterns)

    @property
    def patterns(self) -> list[dict[str, Any]]:
        """RETURNS (list[dict]): the patterns, as added."""
        return [dict(p) for p in self._patterns]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(sorted({p["label"] for p in self._patterns}))

    @property
    def ent_ids(self) -> tuple[str, ...]:
        return tuple(sorted({p["id"] for p in self._patterns if p.get("id")}))

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        """Add patterns ``{"label": str, "pattern": str | list[dict], "id": str?}``.

        patterns (Iterable[dict]): the patterns.
        """
        patterns = list(patterns)
        token_patterns: dict[str, list] = {}
        phrase_texts: dict[str, list[str]] = {}
        for i, entry in enumerate(patterns):
            if not isinstance(entry, dict) or "label" not in entry or "pattern" not in entry:
                raise DataError(
                    f"entity_ruler '{self.name}': pattern {i} is {entry!r}; expected a dict "
                    "with 'label' and 'pattern' (a string or a list of token dicts)"
                )
            label, pattern, ent_id = entry["label"], entry["pattern"], entry.get("id") or ""
            key = f"{label}{self.ent_id_sep}{ent_id}" if ent_id else label
            self._keys[self.nlp.vocab.strings.add(key)] = (label, ent_id)
            if isinstance(pattern, str):
                phrase_texts.setdefault(key, []).append(pattern)
            elif isinstance(pattern, list):
                token_patterns.setdefault(key, []).append(pattern)
            else:
                raise DataError(
                    f"entity_ruler '{self.name}': pattern {i} ({label}) has a "
                    f"{type(pattern).__name__} pattern; use a string or a list of token dicts"
                )
        for key, pats in token_patterns.items():
            self.matcher.add(key, pats)
        # Phrase patterns only need tokenization, not the whole pipeline.
        for key, texts in phrase_texts.items():
            self.phrase_matcher.add(key, [self.nlp.make_doc(t) for t in texts])
        self._patterns.extend(dict(p) for p in patterns)

    def initialize(
        self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Any = None,
        patterns: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Replace the patterns with ``patterns`` (e.g. read from JSONL by
        ``[initialize.components.X.patterns]``); no training data is needed."""
        if patterns is not None:
            self.clear()
            self.add_patterns(patterns)

    def match(self, doc: Any) -> list[tuple[int, int, int]]:
        """RETURNS (list[tuple[int, int, int]]): (key, start, end), overlaps removed,
        longest first then earliest."""
        matches = list(self.matcher(doc)) + list(self.phrase_matcher(doc))
        matches = sorted(set(matches), key=lambda m: (-(m[2] - m[1]), m[1]))
        taken = bytearray(len(doc))
        result = []
        for key, start, end in matches:
            if start == end or any(taken[start:end]):
                continue
            taken[start:end] = b"\x01" * (end - start)
            result.append((key, start, end))
        return sorted(result, key=lambda m: m[1])

    def __call__(self, doc: Any) -> Any:
        matches = self.match(doc)
        if not matches:
            return doc
        existing = list(doc.ents)
        blocked = bytearray(len(doc))
        if not self.overwrite:
            for ent in existing:
                blocked[ent.start : ent.end] = b"\x01" * (ent.end - ent.start)
        new = []
        covered = bytearray(len(doc))
        for key, start, end in matches:
            if any(blocked[start:end]):
                continue
            label, ent_id = self._keys.get(key, (self.nlp.vocab.strings[key], ""))
            new.append(Span(doc, start, end, label=label, span_id=ent_id or 0))
            covered[start:end] = b"\x01" * (end - start)
        if self.overwrite:
            existing = [e for e in existing if not any(covered[e.start : e.end])]
        doc.ents = sorted(existing + new, key=lambda s: s.start)
        return doc

    # Serialization ------------------------------------------------------
    def _cfg(self) -> dict[str, Any]:
        return {"phrase_matcher_attr": self.phrase_matcher_attr, "overwrite": self.overwrite,
                "ent_id_sep": self.ent_id_sep}  # fmt: skip

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps({"cfg": self._cfg(), "patterns": self._patterns})

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> EntityRuler:
        try:
            msg = srsly.msgpack_loads(bytes_data)
        except Exception as err:
            raise SerializationError(f"entity_ruler '{self.name}': not entity ruler data ({err})") from err
        self._load(msg.get("cfg", {}), msg.get("patterns", []))
        return self

    def _load(self, cfg: dict[str, Any], patterns: list[dict[str, Any]]) -> None:
        self.phrase_matcher_attr = cfg.get("phrase_matcher_attr", self.phrase_matcher_attr)
        self.overwrite = cfg.get("overwrite", self.overwrite)
        self.ent_id_sep = cfg.get("ent_id_sep", self.ent_id_sep)
        self.clear()
        self.add_patterns(patterns)

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        fs.write_json(path / "cfg", self._cfg())
        fs.write_text(path / "patterns.jsonl", "".join(srsly.json_dumps(p) + "\n" for p in self._patterns))

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> EntityRuler:
        path = Path(path)
        file = path / "patterns.jsonl" if path.is_dir() else path
        if not file.exists():
            raise SerializationError(f"{file}: missing; not a saved entity_ruler")
        try:
            patterns = list(srsly.read_jsonl(file))
            cfg = srsly.read_json(path / "cfg") if (path / "cfg").exists() else {}
        except ValueError as err:
            raise SerializationError(f"{file}: not valid JSONL patterns ({err})") from err
        self._load(cfg, patterns)
        return self
