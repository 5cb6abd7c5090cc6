"""Docs -> per-doc uint64 id columns: the input of every hash embedding.

This is the one place token features are read, and it reads them for the
whole batch at once (``docs_to_array``: numpy indexing of the vocab's lexeme
columns over the batch's concatenated lexeme rows), never a Python loop over
tokens.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from plait.errors import ConfigError
from plait.tokens import docs_to_array
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
    # One read for the whole batch (one fancy-index per column, one transfer
    # to the device), then each doc's rows as a view.
    columns = model.attrs["columns"]
    table = model.ops.asarray(docs_to_array(docs, columns), dtype="uint64")
    features = []
    start = 0
    for doc in docs:
        end = start + len(doc)
        features.append(table[start:end])
        start = end

    def backprop(d_features: list[Ints2d]) -> list[Any]:
        return []

    return features, backprop
