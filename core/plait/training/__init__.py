"""Training data and the training loop: ``from plait.training import Example``.

Mirrors ``spacy.training``. Names are imported lazily so that importing one
piece (the Example, a batcher) does not import the whole training machinery.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_LAZY = {
    "Example": "example",
    "Alignment": "alignment",
    "Corpus": "corpus",
    "create_docbin_reader": "corpus",
    "read_json_file": "corpus",
    "read_jsonl_file": "corpus",
    "require_examples": "corpus",
    "offsets_to_biluo_tags": "iob_utils",
    "biluo_tags_to_offsets": "iob_utils",
    "biluo_tags_to_spans": "iob_utils",
    "iob_to_biluo": "iob_utils",
    "biluo_to_iob": "iob_utils",
    "tags_to_entities": "iob_utils",
    "remove_bilu_prefix": "iob_utils",
    "doc_to_biluo_tags": "iob_utils",
    "minibatch": "batchers",
    "minibatch_by_words": "batchers",
    "minibatch_by_padded_size": "batchers",
    "train": "loop",
    "train_while_improving": "loop",
    "create_train_batches": "loop",
    "create_evaluation_callback": "loop",
    "init_nlp": "initialize",
    "resume_paths": "train",
    "recover_output": "train",
    "refuse_unfinished_run": "train",
    "console_logger": "loggers",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'plait.training' has no attribute '{name}'")
    value = getattr(import_module(f"plait.training.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
