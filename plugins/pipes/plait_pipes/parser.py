"""The ``parser`` and ``beam_parser`` components: dependency trees.

An arc-eager transition system with a dynamic oracle
(``transition/arc_eager.py``) driven by a ``plait.TransitionBasedParser.v2``
model (see ``_transition_pipe.py``). Non-projective gold trees are trained
through pseudo-projective lifting: the moves use decorated labels
(``nsubj||obj``), and predicted trees are restored before they are written.
The parser sets ``token.head``, ``token.dep`` and, through the trees,
sentence boundaries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from plait.errors import ConfigError
from plait.language import Language
from plait.training.nonproj import decompose
from thinc.api import Model

from ._default_models import PARSER, model_config
from ._transition_pipe import TransitionPipe
from .transition._arc_eager_path import oracle_walk
from .transition.arc_eager import ArcEager

ASSIGNS = ["token.dep", "token.head", "token.is_sent_start", "doc.sents"]
SCORE_WEIGHTS = {
    "dep_uas": 0.5, "dep_las": 0.5, "dep_las_per_type": None,
    "sents_p": None, "sents_r": None, "sents_f": 0.0,
}  # fmt: skip
# The label rare arcs are trained with (spaCy's choice).
FALLBACK_LABEL = "dep"


# Settings of `parser`; `beam_parser` adds its beam settings.
def default_config(**beam: Any) -> dict[str, Any]:
    """A fresh copy of the factory settings, plus the beam ones if given."""
    return {
        "model": model_config(PARSER),
        "moves": None,
        "update_with_oracle_cut_size": 100,
        "learn_tokens": False,
        "min_action_freq": 30,
        "scorer": {"@scorers": "plait.parser_scorer.v1"},
        **beam,
    }


@Language.factory(
    "parser",
    assigns=ASSIGNS,
    default_config=default_config(),
    default_score_weights=SCORE_WEIGHTS,
)
def make_parser(
    nlp: Any,
    name: str,
    model: Model,
    moves: Any | None,
    update_with_oracle_cut_size: int,
    learn_tokens: bool,
    min_action_freq: int,
    scorer: Callable | None,
) -> DependencyParser | Any:
    """Create a greedy dependency parser (see :class:`DependencyParser`), or a
    graph-based one when the model is a ``plait.BiaffineParser.v1``
    (see ``graph_parser.py``; ``moves`` and the cut size do not apply)."""
    if isinstance(model, Model) and model.attrs.get("graph_parser"):
        from .graph_parser import GraphDependencyParser

        return GraphDependencyParser(nlp.vocab, model, name, min_action_freq=min_action_freq, scorer=scorer)
    return DependencyParser(
        nlp.vocab, model, name, moves=moves,
        update_with_oracle_cut_size=update_with_oracle_cut_size, learn_tokens=learn_tokens,
        min_action_freq=min_action_freq, scorer=scorer,
    )


@Language.factory(
    "beam_parser",
    assigns=ASSIGNS,
    default_config=default_config(beam_width=8, beam_density=0.0001, beam_update_prob=0.5),
    default_score_weights=SCORE_WEIGHTS,
)
def make_beam_parser(
    nlp: Any,
    name: str,
    model: Model,
    moves: Any | None,
    update_with_oracle_cut_size: int,
    learn_tokens: bool,
    min_action_freq: int,
    beam_width: int,
    beam_density: float,
    beam_update_prob: float,
    scorer: Callable | None,
) -> DependencyParser:
    """Create a dependency parser with beam search (see :class:`DependencyParser`)."""
    return DependencyParser(
        nlp.vocab, model, name, moves=moves,
        update_with_oracle_cut_size=update_with_oracle_cut_size, learn_tokens=learn_tokens,
        min_action_freq=min_action_freq, beam_width=beam_width, beam_density=beam_density,
        beam_update_prob=beam_update_prob, scorer=scorer,
    )


class DependencyParser(TransitionPipe):
    """Predict dependency trees with the arc-eager transition system.

    vocab (Vocab): the pipeline's vocab.
    model (Model): a ``plait.TransitionBasedParser.v2`` with state_type "parser".
    name (str): the component name.
    moves (ArcEager | None): a transition system to use as is.
    update_with_oracle_cut_size (int): segment length (moves) in training.
    learn_tokens (bool): spaCy's experimental subtoken merging: not supported,
        must be false.
    min_action_freq (int): labels seen fewer times in the training data are
        learned as "dep".
    beam_width (int): 1 for greedy decoding, more for beam search.
    beam_density (float): beam pruning threshold, relative to the best candidate.
    beam_update_prob (float): share of updates with the beam objective.
    scorer (Callable | None): ``scorer(examples) -> {"dep_uas": ...}``.
    """

    moves_per_token = 2
    state_type = "parser"

    def __init__(
        self, vocab: Any, model: Model, name: str = "parser", *, moves: Any = None,
        update_with_oracle_cut_size: int = 100, learn_tokens: bool = False,
        min_action_freq: int = 30, beam_width: int = 1, beam_density: float = 0.0,
        beam_update_prob: float = 0.0, scorer: Callable | None = None,
    ) -> None:
        if learn_tokens:
            raise ConfigError(
                f"[components.{name}] learn_tokens: plait's parser does not learn tokenization "
                "(spaCy's experimental subtoken merging); set learn_tokens = false."
            )
        super().__init__(
            vocab, model, name, moves=moves, scorer=scorer,
            update_with_oracle_cut_size=update_with_oracle_cut_size, learn_tokens=False,
            min_action_freq=min_action_freq, beam_width=beam_width, beam_density=beam_density,
            beam_update_prob=beam_update_prob,
        )
        self.cfg.setdefault("rare_labels", [])

    def _make_system(self, labels: list[str]) -> ArcEager:
        return ArcEager(labels)

    def cut_moves(self, costs: np.ndarray) -> np.ndarray:
        """As ``TransitionPipe.cut_moves``, except that where REDUCE and SHIFT
        both cost nothing the oracle path takes REDUCE.

        Why: at the end of a gold sentence its root, alone on the stack, may
        be popped now or stay under the next sentences until the buffer is
        empty (both keep every arc). Kept, the roots of all earlier sentences
        would reach the last segment's end, where REDUCE (new sentence) and
        ATTACH (same sentence) are learned, and outnumber the headless tokens
        mistakes leave there, unlike at inference.
        """
        # Among equal costs (whole numbers): REDUCE, then SHIFT, then the
        # others in move order.
        prefer = np.full(costs.shape[1], 2.0)
        prefer[:2] = [1.0, 0.0]
        return (4.0 * costs + prefer).argmin(axis=1)

    def advance_to_cuts(self, cut: Any, rows: np.ndarray, to_go: np.ndarray, gold: Any) -> None:
        """As ``TransitionPipe.advance_to_cuts``, one document at a time in
        plain Python: ``transition/_arc_eager_path.py`` walks the same moves
        as ``cut_moves`` on ``ArcEager.costs`` (~2 µs a move instead of a
        ~180 µs numpy step over the few states of a batch) and the copies'
        rows are written from its snapshots."""
        n_labels = len(self.moves.labels)
        width = cut.width
        for k in np.unique(rows[to_go > 0]).tolist():
            copies = np.flatnonzero((rows == k) & (to_go > 0))
            stops = to_go[copies]
            order = np.argsort(stops, kind="stable")
            n = int(gold.lengths[k])
            _, snaps = oracle_walk(gold.heads[k, :n].tolist(), gold.labels[k, :n].tolist(), n_labels, width,
                                   stops[order].tolist())
            for r, snap in zip(copies[order].tolist(), snaps):
                cut.b0[r] = snap.b0
                cut.depth[r] = snap.depth
                cut.stack[r] = snap.stack
                cut.heads[r] = snap.heads
                cut.labels[r] = snap.labels
                cut.children[r] = np.asarray(snap.children, dtype=np.int64).reshape(width + 1, 4)
                cut.ledge[r] = snap.ledge

    @property
    def labels(self) -> tuple[str, ...]:
        """RETURNS (Tuple[str, ...]): the dependency labels the parser predicts
        (without pseudo-projective decorations), sorted."""
        return tuple(sorted({decompose(label)[0] for label in self.cfg["labels"]}))

    @property
    def label_data(self) -> list[str]:
        """RETURNS (List[str]): the labels of the moves, decorated ones included
        (what ``[initialize.components.NAME.labels]`` takes back)."""
        return list(self.cfg["labels"])

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        """RETURNS (List[str]): the arc labels of the reference trees (without
        decorations); labels this parser learned as "dep" read "dep"."""
        rare = set(self.cfg.get("rare_labels") or ())
        found = {decompose(label)[0] for label in ArcEager.label_counts(list(examples))}
        return sorted({FALLBACK_LABEL if label in rare else label for label in found})

    def _labels_for_init(self, get_examples: Callable[[], Iterable[Any]], labels: Any) -> list[str]:
        if labels is not None:
            return list(labels)
        counts = ArcEager.label_counts(list(get_examples()))
        min_freq = int(self.cfg.get("min_action_freq") or 0)
        keep = [label for label, n in counts.most_common() if n >= min_freq]
        rare = sorted(label for label, n in counts.items() if n < min_freq)
        if rare and FALLBACK_LABEL not in keep:
            keep.append(FALLBACK_LABEL)
        self.cfg["rare_labels"] = sorted({decompose(label)[0] for label in rare} - {decompose(k)[0] for k in keep})
        return keep
