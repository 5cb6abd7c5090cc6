"""Morphological features: normalised UD feature strings and their views.

A token's morphology is stored in the Doc as the hash of its normalised
feature string ("Case=Nom|Number=Sing": fields sorted, multiple values
sorted and joined by commas). 0 means missing; the empty analysis "_" is a
real (non-zero) annotation. ``Morphology`` parses strings once and caches
the field dicts; ``MorphAnalysis`` is the view returned by ``token.morph``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .errors import DataError

if TYPE_CHECKING:
    from .strings import StringStore

EMPTY_MORPH = "_"
FEATURE_SEP = "|"
FIELD_SEP = "="
VALUE_SEP = ","


class Morphology:
    """The vocab's table of morphological analyses.

    strings (StringStore): where feature strings are interned.
    """

    def __init__(self, strings: StringStore) -> None:
        self.strings = strings
        self._feats: dict[int, dict[str, str]] = {}
        self._normal: dict[str, int] = {}

    @staticmethod
    def feats_to_dict(feats: str) -> dict[str, str]:
        """Parse "Case=Nom|Number=Sing" into a dict (values kept as written)."""
        if not feats or feats == EMPTY_MORPH:
            return {}
        out: dict[str, str] = {}
        for feat in feats.split(FEATURE_SEP):
            field, sep, value = feat.partition(FIELD_SEP)
            if not sep or not field or not value:
                raise DataError(
                    f"invalid morphological feature {feat!r} in {feats!r}: "
                    "expected Field=Value pairs separated by '|'"
                )
            out[field] = value
        return out

    @staticmethod
    def dict_to_feats(feats: dict[str, Any]) -> str:
        """Format a feature dict as a normalised feature string."""
        parts = []
        for field in sorted(feats):
            value = feats[field]
            values = value if isinstance(value, (list, tuple)) else str(value).split(VALUE_SEP)
            parts.append(f"{field}{FIELD_SEP}{VALUE_SEP.join(sorted(values))}")
        return FEATURE_SEP.join(parts)

    def normalize(self, features: str | dict[str, Any]) -> str:
        """Return the normalised string for features given as str or dict."""
        if isinstance(features, dict):
            feats = features
        else:
            feats = self.feats_to_dict(features)
        return self.dict_to_feats(feats) if feats else EMPTY_MORPH

    def add(self, features: str | dict[str, Any] | None) -> int:
        """Intern an analysis and return its hash (0 for None = missing).

        features (str | dict | None): "Case=Nom|Number=Sing", a dict, or None.
        RETURNS (int): the hash of the normalised string.
        """
        if features is None:
            return 0
        if isinstance(features, str):
            known = self._normal.get(features)
            if known is not None:
                return known
        normal = self.normalize(features)
        key = self.strings.add(normal)
        if key not in self._feats:
            self._feats[key] = self.feats_to_dict(normal)
        if isinstance(features, str):
            self._normal[features] = key
        return key

    def get(self, key: int) -> str:
        """Return the normalised feature string for a hash ("" for missing/empty)."""
        if not key:
            return ""
        text = self.strings[key]
        return "" if text == EMPTY_MORPH else text

    def get_dict(self, key: int) -> dict[str, str]:
        """Return the feature dict for a hash."""
        if not key:
            return {}
        feats = self._feats.get(key)
        if feats is None:
            feats = self.feats_to_dict(self.strings[key])
            self._feats[key] = feats
        return feats


class MorphAnalysis:
    """A read-only view of one analysis (what ``token.morph`` returns).

    vocab (Vocab): the vocab. key (int): the analysis hash.
    """

    __slots__ = ("vocab", "key")

    def __init__(self, vocab: Any, features: str | dict[str, Any] | int | None = None) -> None:
        self.vocab = vocab
        if isinstance(features, int):
            self.key = features
        else:
            self.key = vocab.morphology.add(features) if features is not None else 0

    @classmethod
    def from_id(cls, vocab: Any, key: int) -> MorphAnalysis:
        """Create a view from an analysis hash."""
        return cls(vocab, int(key))

    def to_dict(self) -> dict[str, str]:
        """RETURNS (dict[str, str]): field -> value ("Number": "Sing")."""
        return dict(self.vocab.morphology.get_dict(self.key))

    def get(self, field: str, default: list[str] | None = None) -> list[str]:
        """Return the values of one field as a list (multi-values split on ',')."""
        value = self.vocab.morphology.get_dict(self.key).get(field)
        if value is None:
            return [] if default is None else default
        return value.split(VALUE_SEP)

    def to_json(self) -> str:
        """RETURNS (str): the normalised feature string."""
        return str(self)

    def __contains__(self, feature: str) -> bool:
        field, _, value = feature.partition(FIELD_SEP)
        return value in self.get(field)

    def __iter__(self) -> Iterator[str]:
        for field, value in self.vocab.morphology.get_dict(self.key).items():
            for v in value.split(VALUE_SEP):
                yield f"{field}{FIELD_SEP}{v}"

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __str__(self) -> str:
        return self.vocab.morphology.get(self.key)

    def __repr__(self) -> str:
        return str(self)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MorphAnalysis):
            return self.key == other.key
        if isinstance(other, str):
            return str(self) == self.vocab.morphology.get(self.vocab.morphology.add(other))
        return NotImplemented
