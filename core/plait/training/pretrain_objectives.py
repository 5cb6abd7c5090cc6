"""The pretraining objectives: ``plait.PretrainCharacters.v1`` and ``plait.PretrainVectors.v1``.

Each registered function returns a builder ``(vocab, tok2vec) -> Model``: the
tok2vec chained with a small head whose output the objective's loss compares
with a target made from the words themselves, so raw text is enough.
The model carries its loss as ``model.attrs["loss"]``:
``(model, docs, prediction) -> (loss, d_prediction)``.

- Characters (spaCy's default): predict the first and last ``n_characters``
  UTF-8 bytes of each word (a 256-way softmax per position).
- Vectors: predict each word's static vector (``vocab.vectors``), cosine or
  L2 loss; words without a vector do not count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numpy as np
from thinc.api import Linear, Maxout, Model, chain, list2array

from ..errors import ConfigError

_N_BYTES = 256


def create_pretrain_characters(maxout_pieces: int = 3, hidden_size: int = 300,
                               n_characters: int = 4) -> Callable[[Any, Model], Model]:
    """Objective: predict each word's first and last n_characters bytes.

    maxout_pieces (int): pieces of the hidden maxout layer.
    hidden_size (int): width of the hidden layer.
    n_characters (int): bytes predicted at each end of the word.
    RETURNS (Callable[[Vocab, Model], Model]): builds the pretraining model.
    """
    if n_characters < 1:
        raise ConfigError(f"[pretraining.objective] n_characters: {n_characters}; give at least 1.")

    def build(vocab: Any, tok2vec: Model) -> Model:
        head: Model = chain(
            list2array(),
            Maxout(hidden_size, nP=maxout_pieces, normalize=True, dropout=0.0),
            # Logits; the loss takes one softmax per byte position.
            Linear(_N_BYTES * 2 * n_characters, hidden_size),
        )
        model: Model = chain(tok2vec, head)
        model.set_ref("tok2vec", tok2vec)
        model.attrs["loss"] = _characters_loss
        model.attrs["n_characters"] = n_characters
        return model

    return build


def create_pretrain_vectors(maxout_pieces: int = 3, hidden_size: int = 300,
                            loss: str = "cosine") -> Callable[[Any, Model], Model]:
    """Objective: predict each word's static vector from ``vocab.vectors``.

    maxout_pieces (int): pieces of the hidden maxout layer.
    hidden_size (int): width of the hidden layer.
    loss (str): "cosine" or "L2".
    RETURNS (Callable[[Vocab, Model], Model]): builds the pretraining model.
    """
    if loss not in ("cosine", "L2"):
        raise ConfigError(f"[pretraining.objective] loss: {loss!r}; use \"cosine\" or \"L2\".")

    def build(vocab: Any, tok2vec: Model) -> Model:
        vectors = vocab.vectors
        if vectors is None or vectors.shape[0] == 0:
            raise ConfigError(
                "[pretraining.objective] plait.PretrainVectors.v1 needs word vectors: set "
                "[initialize] vectors (or --paths.vectors) to a folder made by `plait init vectors`, "
                "or use plait.PretrainCharacters.v1."
            )
        head: Model = chain(
            list2array(),
            Maxout(hidden_size, nP=maxout_pieces, normalize=True, dropout=0.0),
            Linear(vectors.shape[1], hidden_size),
        )
        model: Model = chain(tok2vec, head)
        model.set_ref("tok2vec", tok2vec)
        model.attrs["loss"] = _vectors_loss
        model.attrs["loss_name"] = loss
        return model

    return build


def _word_rows(docs: list[Any]) -> tuple[Any, np.ndarray]:
    vocab = docs[0].vocab
    return vocab, np.concatenate([doc._lex for doc in docs]) if docs else np.zeros(0, dtype=np.int64)


def char_targets(docs: list[Any], n_characters: int) -> np.ndarray:
    """The first and last n UTF-8 bytes of every token (0 where the word is shorter).

    docs (list[Doc]): the batch.
    n_characters (int): bytes at each end.
    RETURNS (numpy.ndarray): int64 (n_tokens, 2 * n_characters).
    """
    vocab, rows = _word_rows(docs)
    # One encoding per word type of the batch, then a gather for the tokens.
    types, inverse = np.unique(rows, return_inverse=True)
    texts = vocab._lex_texts
    table = np.zeros((len(types), 2 * n_characters), dtype=np.int64)
    for i, row in enumerate(types.tolist()):
        raw = texts[row].encode("utf8")
        head, tail = raw[:n_characters], raw[-n_characters:]
        table[i, : len(head)] = list(head)
        table[i, 2 * n_characters - len(tail):] = list(tail)
    return table[inverse.ravel()]


def _characters_loss(model: Model, docs: list[Any], prediction: Any) -> tuple[float, Any]:
    ops = model.ops
    n = model.attrs["n_characters"]
    codes = ops.asarray(cast(Any, char_targets(docs, n)), dtype="int64")
    xp = ops.xp
    n_tok = prediction.shape[0]
    logits = prediction.reshape(n_tok, 2 * n, _N_BYTES)
    logits = logits - logits.max(axis=2, keepdims=True)
    exp = xp.exp(logits)
    probs = exp / exp.sum(axis=2, keepdims=True)
    rows = xp.arange(n_tok)[:, None]
    cols = xp.arange(2 * n)[None, :]
    truth = probs[rows, cols, codes]
    loss = -float(xp.log(truth + 1e-8).sum()) / max(n_tok, 1)
    d = probs.copy()
    d[rows, cols, codes] -= 1.0
    return loss, (d / max(n_tok, 1)).reshape(n_tok, -1).astype("float32")


def _vectors_loss(model: Model, docs: list[Any], prediction: Any) -> tuple[float, Any]:
    from thinc.api import CosineDistance, L2Distance

    ops = model.ops
    vocab, rows = _word_rows(docs)
    target = ops.asarray2f(vocab.vectors.get_batch(vocab._cols["orth"][rows]))
    distance: CosineDistance | L2Distance
    if model.attrs["loss_name"] == "cosine":
        distance = CosineDistance(normalize=True, ignore_zeros=True)
    else:
        distance = L2Distance(normalize=True)
    d_pred, loss = distance(prediction, target)
    return float(loss), d_pred
