"""Docs -> per-doc uint64 id columns: the input of every hash embedding.

This is the one place token features are read, and it reads them with one
``doc.to_array(columns)`` call per doc (numpy indexing of the vocab's lexeme
columns), never a Python loop over tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plait.errors import ConfigError
from thinc.api import Model
from thinc.types import Ints2d


def attr_ids(columns: Sequence[str | int], *, where: str = "") -> list[int]:
    """Turn attribute names ("NORM") or ids into ids, with a helpful error.

    columns (Sequence[str | int]): attribute names or ids.
    where (str): the config location named in the error.
    RETURNS (list[int]): the attribute ids.
    """
    from plait import attrs

    ids = []
    for col in columns:
        if isinstance(col, int):
            ids.append(col)
            continue
        name = str(col).upper()
        if name not in attrs.IDS:
            from plait.errors import did_you_mean

            raise ConfigError(
                f"{where}attrs: unknown token attribute '{col}'."
                f"{did_you_mean(name, list(attrs.IDS))}"
            )
        ids.append(attrs.IDS[name])
    return ids


def FeatureExtractor(columns: Sequence[str | int]) -> Model[list[Any], list[Ints2d]]:
    """Extract the attribute columns of each doc as a (n_tokens, n_cols) uint64 array.

    columns (Sequence[str | int]): attribute names or ids, e.g. ["NORM", "PREFIX"].
    RETURNS (Model[List[Doc], List[Ints2d]]): the feature layer.
    """
    ids = attr_ids(columns)
    return Model("extract_features", forward, attrs={"columns": ids})


def forward(model: Model, docs: list[Any], is_train: bool) -> tuple[list[Ints2d], Any]:
    columns = model.attrs["columns"]
    asarray = model.ops.asarray
    features = [asarray(doc.to_array(columns), dtype="uint64") for doc in docs]

    def backprop(d_features: list[Ints2d]) -> list[Any]:
        return []

    return features, backprop
