"""``vector``, ``has_vector``, ``vector_norm`` and ``similarity()`` for Doc, Span and Token.

A mixin so the three classes share one implementation with spaCy's meaning:
a token's vector is its word's row of ``vocab.vectors`` (zeros if it has none),
a span's or doc's vector is the mean over its tokens (the zeros included),
similarity is the cosine of two vectors (0.0 when either is all zeros).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .vectors import has_vector, mean_vector, similarity


class HasVectors:
    """Vector properties over ``_vector_source()`` -> (vocab, lexeme rows)."""

    __slots__ = ()

    def _vector_source(self) -> tuple[Any, np.ndarray]:  # pragma: no cover - each class defines it
        raise NotImplementedError

    @property
    def vector(self) -> np.ndarray:
        """RETURNS (numpy.ndarray): float32 (width,); the mean for a Span or Doc."""
        vocab, rows = self._vector_source()
        return mean_vector(vocab, rows)

    @property
    def has_vector(self) -> bool:
        """RETURNS (bool): whether any token has a word vector."""
        vocab, rows = self._vector_source()
        return has_vector(vocab, rows)

    @property
    def vector_norm(self) -> float:
        """RETURNS (float): the L2 norm of ``vector``."""
        return float(np.linalg.norm(self.vector))

    def similarity(self, other: Any) -> float:
        """Cosine similarity of the two objects' vectors.

        other (Doc | Span | Token | Lexeme): the object to compare with.
        RETURNS (float): in [-1, 1]; 0.0 if either has no vector.
        """
        return similarity(self.vector, np.asarray(other.vector, dtype=np.float32))
