"""The ``trainable_lemmatizer`` component: lemmas from predicted edit trees.

spaCy's ``EditTreeLemmatizer`` behaviour with plait's machinery: every
(form, lemma) pair of the training data gives an edit tree (see
``_edit_trees``); the trees seen at least ``min_tree_freq`` times are the
classes of a ``plait.Tagger.v2`` softmax. At prediction the ``top_k`` best
trees are tried in order and the first that fits the form gives the lemma;
when none fits, the ``backoff`` attribute (``orth``: the form) is used.

Speed: the batch is handled as columns. Trees are applied once per unique
(form, tree) pair of the batch (a numpy ``unique`` over combined keys), and
the results are cached across batches, so steady-state prediction does
Python work per new word type, not per token. Gold labels for the loss go
the same way: one tree lookup per new (form, lemma) pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from plait import fs
from plait.attrs import LEMMA, ORTH, attr_id
from plait.errors import ConfigError, DataError, SerializationError, UsageError
from plait.language import Language
from plait.pipe import validate_get_examples
from plait.tokens import docs_from_array, docs_to_array
from thinc.api import Model
from thinc.types import Floats2d

from ._default_models import LEMMATIZER, model_config
from ._edit_trees import EditTrees
from ._token_classifier import TokenClassifier, aligned_ids, sequence_loss

# Past this many cached (form, tree) results the cache is dropped, so a
# long-running service does not grow without bound.
_CACHE_LIMIT = 1_000_000
_MIX = np.uint64(0x9E3779B97F4A7C15)


@Language.factory(
    "trainable_lemmatizer",
    assigns=["token.lemma"],
    requires=[],
    default_config={
        "model": model_config(LEMMATIZER),
        "backoff": "orth",
        "min_tree_freq": 3,
        "overwrite": False,
        "top_k": 1,
        "scorer": {"@scorers": "plait.lemmatizer_scorer.v1"},
    },
    default_score_weights={"lemma_acc": 1.0},
)
def make_trainable_lemmatizer(
    nlp: Any,
    name: str,
    model: Model,
    backoff: str | None,
    min_tree_freq: int,
    overwrite: bool,
    top_k: int,
    scorer: Callable | None,
) -> EditTreeLemmatizer:
    """Create an edit tree lemmatizer (see :class:`EditTreeLemmatizer`)."""
    return EditTreeLemmatizer(
        nlp.vocab, model, name, backoff=backoff, min_tree_freq=min_tree_freq,
        overwrite=overwrite, top_k=top_k, scorer=scorer,
    )


def _pair_keys(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # One uint64 key per (a, b) pair; wrap-around is intended.
    with np.errstate(over="ignore"):
        return a.astype(np.uint64) * _MIX + b.astype(np.uint64)


class EditTreeLemmatizer(TokenClassifier):
    """Predict ``token.lemma_`` by classifying each token's edit tree.

    vocab (Vocab): the pipeline's vocab.
    model (Model[List[Doc], List[Floats2d]]): e.g. ``plait.Tagger.v2``.
    name (str): the component name.
    backoff (str | None): token attribute used when no predicted tree fits
        (``"orth"``, ``"lower"``, ``"norm"``), or None to leave the lemma unset.
    min_tree_freq (int): keep the trees seen at least this often in the data.
    overwrite (bool): replace lemmas that are already set.
    top_k (int): try the k most probable trees, in order.
    scorer (Callable | None): ``scorer(examples) -> {"lemma_acc": ...}``.
    """

    def __init__(
        self, vocab: Any, model: Model, name: str = "trainable_lemmatizer", *,
        backoff: str | None = "orth", min_tree_freq: int = 3, overwrite: bool = False,
        top_k: int = 1, scorer: Callable | None = None,
    ) -> None:
        if backoff is not None:
            try:
                attr_id(backoff.upper())
            except Exception:
                raise ConfigError(
                    f"[components.{name}] backoff = {backoff!r} is not a token attribute; use "
                    "\"orth\" (the form), \"lower\", \"norm\" or null (leave the lemma unset)"
                ) from None
        if not isinstance(top_k, int) or top_k < 1:
            raise ConfigError(f"[components.{name}] top_k = {top_k!r}; it must be an integer >= 1")
        if not isinstance(min_tree_freq, int) or min_tree_freq < 1:
            raise ConfigError(
                f"[components.{name}] min_tree_freq = {min_tree_freq!r}; it must be an integer >= 1"
            )
        super().__init__(
            vocab, model, name, scorer=scorer, backoff=backoff, min_tree_freq=min_tree_freq,
            overwrite=overwrite, top_k=top_k,
        )
        self.trees = EditTrees()
        self._reset_caches()

    def _reset_caches(self) -> None:
        labels = self.cfg.get("labels", [])
        self._label_trees = np.array(labels, dtype=np.int64)
        self._tree2label = {int(t): i for i, t in enumerate(labels)}
        # (ORTH, tree) key -> lemma hash (0: the tree does not fit the form).
        self._applied: dict[int, int] = {}
        # (ORTH, gold LEMMA) key -> class index (-1: tree not among the labels).
        self._gold_classes: dict[int, int] = {}

    def _labels_changed(self) -> None:
        self._reset_caches()

    @property
    def labels(self) -> tuple[int, ...]:
        """RETURNS (Tuple[int, ...]): the tree id of each class."""
        return tuple(self.cfg.get("labels", ()))

    @property
    def hide_labels(self) -> bool:
        """Tree ids mean nothing to a reader: the CLI does not print them."""
        return True

    @property
    def label_data(self) -> dict[str, Any]:
        """RETURNS (dict): ``{"trees": [...], "labels": [tree ids]}`` (spaCy's shape)."""
        return {"trees": self.trees.to_json(), "labels": list(self.labels)}

    def add_label(self, label: Any) -> int:
        raise UsageError(
            f"component '{self.name}': its labels are edit trees learned from (form, lemma) "
            "pairs; they cannot be added one by one. Call nlp.initialize() with training data "
            f"or give [initialize.components.{self.name}.labels] (from `plait init labels`)."
        )

    # Prediction ---------------------------------------------------------
    def predict(self, docs: list[Any]) -> list[np.ndarray]:
        """Pick, for each token, the first of its ``top_k`` best trees that fits it.

        RETURNS (List[numpy.ndarray]): per doc, the tree id of each token (-1: none fits).
        """
        lengths = [len(doc) for doc in docs]
        if not any(lengths):
            return [np.full(n, -1, dtype=np.int64) for n in lengths]
        self._require_labels()
        scores = self.model.predict(docs)
        ops = self.model.ops
        guesses = ops.to_numpy(ops.xp.concatenate(scores))
        k = min(int(self.cfg.get("top_k", 1)), guesses.shape[1])
        orth = docs_to_array(docs, [ORTH])[:, 0]
        chosen = self._label_trees[guesses.argmax(axis=1)]
        fits = self._apply_trees(orth, chosen) != 0
        chosen[~fits] = -1
        # Only the tokens whose best tree does not fit look further down their ranking.
        rest = np.flatnonzero(~fits)
        if k > 1 and len(rest):
            ranked = np.argsort(-guesses[rest], axis=1, kind="stable")[:, 1:k]
            for level in range(ranked.shape[1]):
                trees = self._label_trees[ranked[:, level]]
                ok = self._apply_trees(orth[rest], trees) != 0
                chosen[rest[ok]] = trees[ok]
                rest, ranked = rest[~ok], ranked[~ok]
                if not len(rest):
                    break
        chosen = chosen.astype(np.int64)
        out = []
        start = 0
        for length in lengths:  # slices: np.split costs several numpy calls per doc
            out.append(chosen[start : start + length])
            start += length
        return out

    def _apply_trees(self, orth: np.ndarray, trees: np.ndarray) -> np.ndarray:
        """Lemma hashes of forms ``orth`` rewritten by ``trees`` (0: does not fit).

        orth (numpy.ndarray[uint64]): form hashes.
        trees (numpy.ndarray[int64]): tree ids, same length.
        RETURNS (numpy.ndarray[uint64]).
        """
        keys = _pair_keys(orth, trees)
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        cache = self._applied
        if len(cache) > _CACHE_LIMIT:
            cache.clear()
        values = list(map(cache.get, uniq.tolist()))
        if None in values:
            strings = self.vocab.strings
            apply = self.trees.apply
            for j, value in enumerate(values):
                if value is not None:
                    continue
                i = first[j]
                tree = int(trees[i])
                lemma = apply(tree, strings[int(orth[i])]) if tree >= 0 else None
                # An empty lemma is no lemma: treat the tree as not fitting.
                value = strings.add(lemma) if lemma else 0
                cache[int(uniq[j])] = value
                values[j] = value
        out = np.fromiter(values, dtype=np.uint64, count=len(values))
        return out[inverse.ravel()]

    def set_annotations(self, docs: list[Any], tree_ids: list[np.ndarray]) -> None:
        """Write the lemmas of the predicted trees (or the backoff) into the docs."""
        backoff = self.cfg.get("backoff")
        overwrite = bool(self.cfg.get("overwrite"))
        pairs = [(doc, np.asarray(t, dtype=np.int64)) for doc, t in zip(docs, tree_ids, strict=True) if len(doc)]
        if not pairs:
            return
        # One tree application and one column write for the whole batch.
        docs = [doc for doc, _ in pairs]
        trees = np.concatenate([t for _, t in pairs])
        columns = [ORTH, LEMMA] + ([backoff.upper()] if backoff is not None else [])
        table = docs_to_array(docs, columns)
        orth, current = table[:, 0], table[:, 1]
        lemmas = self._apply_trees(orth, trees)
        # No fitting tree: the backoff attribute, or (None) whatever is there.
        fallback = table[:, 2] if backoff is not None else current
        lemmas = np.where(trees < 0, fallback, lemmas)
        if not overwrite:
            lemmas = np.where(current != 0, current, lemmas)
        docs_from_array(docs, [LEMMA], lemmas.reshape(-1, 1))

    # Training -----------------------------------------------------------
    def get_loss(self, examples: Iterable[Any], scores: list[Floats2d]) -> tuple[float, list[Floats2d]]:
        """Cross-entropy against the tree of each token's gold lemma. Tokens
        without a gold lemma, or whose tree is not a class, get no gradient.

        RETURNS (Tuple[float, List[Floats2d]]): the loss and d_scores for the batch.
        """
        return sequence_loss(self.model.ops, scores, self._gold(list(examples)))

    def _gold(self, examples: list[Any]) -> np.ndarray:
        if not examples:
            return np.zeros(0, dtype=np.int64)
        orth = np.concatenate([eg.predicted.to_array(ORTH) for eg in examples])
        lemma = np.concatenate([aligned_ids(eg, "LEMMA") for eg in examples])
        keys = _pair_keys(orth, lemma)
        uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        cache = self._gold_classes
        out = np.fromiter((cache.get(key, -2) for key in uniq.tolist()), dtype=np.int64, count=len(uniq))
        strings = self.vocab.strings
        for j in np.flatnonzero(out == -2).tolist():
            i = first[j]
            label = -1
            if lemma[i]:
                tree = self.trees.find(strings[int(orth[i])], strings[int(lemma[i])])
                label = self._tree2label.get(tree, -1) if tree is not None else -1
            cache[int(uniq[j])] = label
            out[j] = label
        return out[inverse.ravel()]

    # Labels and initialization ------------------------------------------
    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Any = None,
        labels: dict[str, Any] | None = None,
    ) -> None:
        """Learn the trees (from ``labels`` or the examples), size the output
        layer and initialize the model on a sample of the data.

        get_examples (Callable[[], Iterable[Example]]): the training data.
        nlp (Language | None): the pipeline (unused).
        labels (dict | None): ``{"trees": [...], "labels": [...]}`` from
            ``[initialize.components.NAME.labels]`` (``plait init labels``).
        """
        validate_get_examples(get_examples, f"{type(self).__name__}.initialize")
        if labels is not None:
            self._load_label_data(labels)
        else:
            self._learn_trees(get_examples())
        if not self.labels:
            raise DataError(
                f"component '{self.name}': no edit tree occurs at least min_tree_freq = "
                f"{self.cfg['min_tree_freq']} times in the training examples. Check that the "
                "training data has lemmas, lower [components."
                f"{self.name}] min_tree_freq, or give [initialize.components.{self.name}.labels]."
            )
        self._size_output(len(self.labels))
        sample = [eg.predicted for eg in islice(get_examples(), 10)]
        self.model.initialize(X=sample or None)

    def _learn_trees(self, examples: Iterable[Any]) -> None:
        """Keep the trees of the reference (form, lemma) pairs that occur at
        least ``min_tree_freq`` times; classes are ordered by frequency."""
        columns = [eg.reference.to_array([ORTH, LEMMA]) for eg in examples]
        pairs = np.concatenate(columns) if columns else np.zeros((0, 2), dtype=np.uint64)
        pairs = pairs[pairs[:, 1] != 0]
        uniq, counts = np.unique(pairs, axis=0, return_counts=True)
        strings = self.vocab.strings
        # Count in a scratch table so that rare trees do not enter the saved one.
        scratch = EditTrees()
        freq: dict[int, int] = {}
        example_pair: dict[int, tuple[str, str]] = {}
        for (orth, lemma), count in zip(uniq.tolist(), counts.tolist(), strict=True):
            form, lem = strings[orth], strings[lemma]
            tree = scratch.add(form, lem)
            freq[tree] = freq.get(tree, 0) + count
            example_pair.setdefault(tree, (form, lem))
        keep = sorted((t for t, n in freq.items() if n >= self.cfg["min_tree_freq"]),
                      key=lambda t: (-freq[t], t))
        self.trees = EditTrees()
        self.cfg["labels"] = [self.trees.add(*example_pair[t]) for t in keep]
        self._labels_changed()

    def _load_label_data(self, labels: Any) -> None:
        where = f"[initialize.components.{self.name}.labels]"
        if not isinstance(labels, dict) or "trees" not in labels or "labels" not in labels:
            raise DataError(
                f"{where}: expected a dict with 'trees' and 'labels' (what `plait init labels` "
                f"writes from the component's label_data), got {type(labels).__name__}"
            )
        trees = EditTrees().from_json(labels["trees"], where=f"{where}['trees']")
        ids = list(labels["labels"])
        bad = [t for t in ids if not isinstance(t, int) or not 0 <= t < len(trees)]
        if bad:
            raise DataError(
                f"{where}['labels']: {bad[:5]} do not name trees of 'trees' (0..{len(trees) - 1})"
            )
        self.trees = trees
        self.cfg["labels"] = ids
        self._labels_changed()

    def _after_cfg_loaded(self) -> None:
        bad = [t for t in self.labels if not 0 <= t < len(self.trees)]
        if bad:
            raise SerializationError(
                f"component '{self.name}': its labels name trees {bad[:5]} that the tree table "
                f"({len(self.trees)} trees) does not have; the saved files do not belong together"
            )
        super()._after_cfg_loaded()

    # Serialization: the tree table travels next to cfg and the weights. ---
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        msg = srsly.msgpack_loads(super().to_bytes(exclude=exclude))
        msg["trees"] = self.trees.to_bytes()
        return srsly.msgpack_dumps(msg)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> EditTreeLemmatizer:
        try:
            msg = srsly.msgpack_loads(bytes_data)
        except Exception as err:  # msgpack raises several unrelated types
            raise SerializationError(f"component '{self.name}': not plait component data ({err})") from err
        if not isinstance(msg, dict) or "trees" not in msg:
            raise SerializationError(
                f"component '{self.name}': no edit tree table in the data (was it saved by a "
                "trainable_lemmatizer?)"
            )
        self.trees = EditTrees().from_bytes(msg["trees"], where=f"component '{self.name}' trees")
        super().from_bytes(bytes_data, exclude=exclude)
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        super().to_disk(path, exclude=exclude)
        fs.write_bytes(Path(path) / "trees", self.trees.to_bytes())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> EditTreeLemmatizer:
        trees_path = Path(path) / "trees"
        try:
            data = trees_path.read_bytes()
        except OSError as err:
            raise SerializationError(
                f"{trees_path}: cannot read the edit tree table of component '{self.name}' ({err})"
            ) from err
        self.trees = EditTrees().from_bytes(data, where=str(trees_path))
        super().from_disk(path, exclude=exclude)
        return self
