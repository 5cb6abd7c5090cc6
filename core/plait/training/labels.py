"""``plait.read_labels.v1``: read a component's label data written by
``plait init labels``, so initialization skips the pass over the corpus."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import srsly

from ..errors import DataWarning, SerializationError, UsageError


def read_labels(path: Path, *, require: bool = False) -> Any:
    """Read a JSON file of labels (the format is the component's `label_data`).

    path (Path): the file, e.g. ``corpus/labels/ner.json``.
    require (bool): raise when the file is missing instead of returning None
        (None makes the component read its labels off the training data).
    RETURNS (Any): the label data, or None (with a DataWarning) when the file
        is absent and not required.
    """
    path = Path(path)
    if not path.exists():
        if require:
            raise UsageError(
                f"{path}: label file not found. Create it with `plait init labels "
                f"config.cfg {path.parent}` or set require = false."
            )
        # Said aloud: a mistyped path (the spec's own example lacks its
        # closing quote) silently fell back to the slower pass over the data.
        warnings.warn(
            f"{path}: label file not found; the component reads its labels off the training "
            f"data instead. Create it with `plait init labels config.cfg {path.parent}`, fix the "
            f"path, or set require = true to make this an error.",
            DataWarning,
            stacklevel=2,
        )
        return None
    try:
        return srsly.read_json(path)
    except (ValueError, json.JSONDecodeError) as err:
        raise SerializationError(f"{path}: not a JSON label file ({err}).") from err
