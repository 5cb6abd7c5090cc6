"""Word vectors built from EWT train text: PPMI co-occurrence + randomized SVD in numpy.

Shared by the vectors tests and bench/vectors.py. No vectors can be
downloaded here, so these play a user's own word2vec file.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np


def ewt_sentences(path: Path, limit: int = 0) -> list[list[str]]:
    """RETURNS (list[list[str]]): the word forms of each sentence of a CoNLL-U file."""
    sents: list[list[str]] = []
    cur: list[str] = []
    with open(path, encoding="utf8") as f:
        for line in f:
            if not line.strip():
                if cur:
                    sents.append(cur)
                    cur = []
                    if limit and len(sents) >= limit:
                        break
            elif not line.startswith("#"):
                cols = line.split("\t")
                if cols[0].isdigit():
                    cur.append(cols[1])
    if cur:
        sents.append(cur)
    return sents


def svd_vectors(sents: list[list[str]], *, n_words: int = 6000, n_ctx: int = 1500, width: int = 50,
                window: int = 2, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Vectors of the n_words most frequent words (frequency order, like word2vec files).

    RETURNS (tuple[list[str], numpy.ndarray]): words and a float32 (n, width) table.
    """
    counts = Counter(w for s in sents for w in s)
    words = [w for w, _ in counts.most_common(n_words)]
    index = {w: i for i, w in enumerate(words)}
    ids = [np.array([index.get(w, -1) for w in s], dtype=np.int64) for s in sents]
    flat = np.concatenate([np.append(a, -1) for a in ids])  # -1 separates sentences
    pairs = []
    for off in range(1, window + 1):
        a, b = flat[:-off], flat[off:]
        pairs.append((a, b))
        pairs.append((b, a))
    rows = np.concatenate([p[0] for p in pairs])
    cols = np.concatenate([p[1] for p in pairs])
    keep = (rows >= 0) & (cols >= 0) & (cols < n_ctx)
    C = np.bincount(rows[keep] * n_ctx + cols[keep], minlength=len(words) * n_ctx)
    C = C.reshape(len(words), n_ctx).astype(np.float64)
    total = C.sum()
    pmi = np.log(np.maximum(C * total, 1e-12) / np.outer(C.sum(1) + 1e-9, C.sum(0) + 1e-9))
    ppmi = np.where(C > 0, np.maximum(pmi, 0), 0)
    rng = np.random.default_rng(seed)
    # Randomized SVD: a projection plus two power iterations is plenty here.
    Q = _orthonormal(ppmi @ rng.standard_normal((n_ctx, width + 10)))
    for _ in range(2):
        Q = _orthonormal(ppmi @ (ppmi.T @ Q))
    U, S, _ = np.linalg.svd(Q.T @ ppmi, full_matrices=False)
    vecs = (Q @ U[:, :width]) * np.sqrt(S[:width])
    return words, vecs.astype(np.float32)


def _orthonormal(Y: np.ndarray) -> np.ndarray:
    # Through the small Gram matrix: a tall QR is slow with oversubscribed BLAS threads.
    w, V = np.linalg.eigh(Y.T @ Y)
    keep = w > w.max() * 1e-10
    return (Y @ V[:, keep]) / np.sqrt(w[keep])


def write_word2vec(path: Path, words: list[str], table: np.ndarray, *, pad_to: int = 0, seed: int = 1) -> Path:
    """Write word2vec text, padded with hashed-word random rows up to pad_to rows."""
    rng = np.random.default_rng(seed)
    n_pad = max(0, pad_to - len(words))
    pad = (rng.standard_normal((n_pad, table.shape[1])) * table.std()).astype(np.float32)
    all_words = list(words) + [f"pad{i:06d}x" for i in range(n_pad)]
    full = np.concatenate([table, pad]) if n_pad else table
    with open(path, "w", encoding="utf8") as f:
        f.write(f"{len(all_words)} {full.shape[1]}\n")
        lines = (w + " " + " ".join(f"{x:.5f}" for x in row) for w, row in zip(all_words, full.tolist(), strict=True))
        f.write("\n".join(lines) + "\n")
    return path
