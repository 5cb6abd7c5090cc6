"""The contract every transition system implements (arc-eager, BILUO).

Conventions shared by all systems and by the component that drives them:

- A batch of ``B`` docs is featurised once: the tok2vec output of all its
  tokens is one matrix whose rows are the docs' tokens concatenated in order.
  Doc ``k``'s tokens are rows ``offsets[k] .. offsets[k] + lengths[k] - 1``.
- A *state batch* holds one parse state per row (one per doc when decoding
  greedily; ``B * beam_width`` rows in beam search) as numpy arrays.
  ``take(states, rows)`` returns a new state batch made of copies of the
  given rows (beam search uses it to keep the best candidates), so states
  never share mutable arrays.
- ``features(states, rows)`` returns, for the states at ``rows``, the
  *global* token rows (into the batch token matrix) of the context tokens
  the model looks at, shape ``(len(rows), n_features)``, ``-1`` where the
  slot is empty (the model then uses a learned padding vector).
- Moves are integers ``0 .. n_moves - 1``; ``move_names[i]`` names move ``i``
  as spaCy does ("S", "D", "L-nsubj", "R-obj", plus the parser's own "A";
  "O", "B-PER", "I-PER", "L-PER", "U-PER").
- ``valid`` gives a bool mask ``(len(rows), n_moves)``; at least one move is
  valid in every state that is not final, and applying valid moves always
  ends in a final state after a bounded number of steps (arc-eager: exactly
  ``2 * length``; BILUO: exactly ``length``).
- ``costs`` is the dynamic oracle: for each valid move, how many gold arcs
  (or gold entities) it makes unreachable from that state; ``0`` for moves
  that keep the best reachable result. Missing gold annotation costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np


class TransitionSystem(Protocol):
    """What the ``parser`` / ``ner`` components need from a transition system."""

    labels: list[str]
    """The labels (dependency relations or entity types) the moves use."""

    @property
    def n_moves(self) -> int: ...

    @property
    def move_names(self) -> list[str]: ...

    def n_features(self, extra_state_tokens: bool) -> int:
        """How many context tokens ``features`` returns per state."""
        ...

    def init_states(self, docs: Sequence[Any], offsets: np.ndarray) -> Any:
        """A state batch with one fresh state per doc. Annotation the docs
        already carry that the system must respect (entities preset by an
        ``entity_ruler``) constrains ``valid``."""
        ...

    def take(self, states: Any, rows: np.ndarray) -> Any:
        """A new state batch holding copies of ``states`` at ``rows``."""
        ...

    def is_final(self, states: Any) -> np.ndarray:
        """RETURNS (numpy.ndarray[bool]): shape (n_states,)."""
        ...

    def features(self, states: Any, rows: np.ndarray, n_features: int) -> np.ndarray:
        """RETURNS (numpy.ndarray[int64]): (len(rows), n_features) global token rows, -1 empty."""
        ...

    def valid(self, states: Any, rows: np.ndarray) -> np.ndarray:
        """RETURNS (numpy.ndarray[bool]): (len(rows), n_moves)."""
        ...

    def apply(self, states: Any, rows: np.ndarray, moves: np.ndarray) -> None:
        """Apply ``moves[i]`` (valid) to the state at ``rows[i]``, in place."""
        ...

    def gold(self, examples: Sequence[Any], offsets: np.ndarray) -> Any:
        """Gold annotation of the examples aligned to their predicted tokens,
        in the form ``costs`` reads (raises ``DataError`` naming the example
        and token for invalid gold: a cycle, a head outside its sentence, an
        invalid BILUO sequence, an unknown label in a frozen component)."""
        ...

    def costs(self, states: Any, rows: np.ndarray, gold: Any) -> np.ndarray:
        """RETURNS (numpy.ndarray[float32]): (len(rows), n_moves) oracle costs."""
        ...

    def set_annotations(self, docs: Sequence[Any], states: Any, rows: np.ndarray) -> None:
        """Write the final states at ``rows`` (``rows[k]`` for ``docs[k]``) into the docs."""
        ...
