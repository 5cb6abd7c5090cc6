"""The ``morphologizer`` component: universal POS and morphological features.

Each class is one combined analysis, "POS=NOUN|Number=Sing" (spaCy's
scheme), so one softmax predicts both ``token.pos_`` and ``token.morph``.
Each class's POS id and feature hash are precomputed, so writing the
predictions is two array columns per doc.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

import numpy as np
from plait.attrs import MORPH, POS, POS_IDS, POS_NAMES
from plait.errors import DataError
from plait.language import Language
from plait.tokens import docs_from_array, docs_to_array
from pydantic import Field
from thinc.api import Model

from ._default_models import MORPHOLOGIZER, model_config
from ._token_classifier import LabelIndex, TokenClassifier, aligned_ids

POS_FIELD = "POS"


# Label smoothing takes this share of the gold mass: 1 would leave none.
UnitFloat = Annotated[float, Field(ge=0, lt=1)]


@Language.factory(
    "morphologizer",
    assigns=["token.morph", "token.pos"],
    default_config={
        "model": model_config(MORPHOLOGIZER),
        "overwrite": True,
        "extend": False,
        "scorer": {"@scorers": "plait.morphologizer_scorer.v1"},
        "label_smoothing": 0.0,
    },
    default_score_weights={"pos_acc": 0.5, "morph_acc": 0.5, "morph_per_feat": None},
)
def make_morphologizer(
    nlp: Any,
    model: Model,
    name: str,
    overwrite: bool,
    extend: bool,
    label_smoothing: UnitFloat,
    scorer: Callable | None,
) -> Morphologizer:
    """Create a morphologizer (see :class:`Morphologizer`)."""
    return Morphologizer(
        nlp.vocab, model, name, overwrite=overwrite, extend=extend,
        label_smoothing=label_smoothing, scorer=scorer,
    )


def _pair_keys(pos: np.ndarray, morph: np.ndarray) -> np.ndarray:
    # One uint64 key per (POS id, feature hash) pair; wrap-around is intended.
    with np.errstate(over="ignore"):
        return morph.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + pos.astype(np.uint64)


class Morphologizer(TokenClassifier):
    """Predict ``token.pos_`` and ``token.morph``.

    vocab (Vocab): the pipeline's vocab.
    model (Model[List[Doc], List[Floats2d]]): e.g. ``plait.Tagger.v2``.
    name (str): the component name.
    overwrite (bool): replace existing POS and features.
    extend (bool): keep existing features the prediction does not set.
    label_smoothing (float): label smoothing of the loss.
    scorer (Callable | None): ``scorer(examples) -> {"pos_acc": ..., "morph_acc": ...}``.
    """

    def __init__(
        self, vocab: Any, model: Model, name: str = "morphologizer", *, overwrite: bool = True,
        extend: bool = False, label_smoothing: float = 0.0, scorer: Callable | None = None,
    ) -> None:
        super().__init__(
            vocab, model, name, scorer=scorer, overwrite=overwrite, extend=extend,
            label_smoothing=label_smoothing,
        )
        self._cache: tuple[np.ndarray, np.ndarray, LabelIndex] | None = None

    def _labels_changed(self) -> None:
        self._cache = None

    def split_label(self, label: str) -> tuple[str, str]:
        """Split "POS=NOUN|Number=Sing" into ("NOUN", "Number=Sing").

        RETURNS (Tuple[str, str]): the POS name and the normalised features.
        """
        feats = self.vocab.morphology.feats_to_dict(label)
        pos = feats.pop(POS_FIELD, "")
        return pos, self.vocab.morphology.normalize(feats)

    def _tables(self) -> tuple[np.ndarray, np.ndarray, LabelIndex]:
        if self._cache is None:
            pos_ids, morphs = [], []
            for label in self.labels:
                pos, feats = self.split_label(label)
                pos_ids.append(POS_IDS.get(pos, 0))
                morphs.append(self.vocab.morphology.add(feats))
            pos_arr = np.array(pos_ids, dtype=np.uint64)
            morph_arr = np.array(morphs, dtype=np.uint64)
            self._cache = (pos_arr, morph_arr, LabelIndex(_pair_keys(pos_arr, morph_arr)))
        return self._cache

    def _write(self, docs: list[Any], classes: np.ndarray) -> None:
        pos_arr, morph_arr, _ = self._tables()
        pos = pos_arr[classes]
        morph = morph_arr[classes]
        extend = self.cfg.get("extend")
        overwrite = self.cfg.get("overwrite")
        if extend or not overwrite:  # the defaults need no read-back
            current = docs_to_array(docs, [POS, MORPH])
            if extend:
                morph = self._extend(current[:, 1], morph)
            if not overwrite:
                pos = np.where(current[:, 0] != 0, current[:, 0], pos)
                morph = np.where(current[:, 1] != 0, current[:, 1], morph)
        docs_from_array(docs, [POS, MORPH], np.stack([pos, morph], axis=1))

    def _extend(self, current: np.ndarray, predicted: np.ndarray) -> np.ndarray:
        """Merge predicted features into existing ones (existing values win)."""
        morphology = self.vocab.morphology
        out = predicted.copy()
        for i in np.flatnonzero(current != 0):
            merged = dict(morphology.get_dict(int(predicted[i])))
            merged.update(morphology.get_dict(int(current[i])))
            out[i] = morphology.add(merged)
        return out

    def _gold(self, examples: list[Any]) -> tuple[np.ndarray, None]:
        if not examples:
            return np.zeros(0, dtype=np.int64), None
        _, _, index = self._tables()
        pos = np.concatenate([aligned_ids(eg, "POS") for eg in examples])
        morph = np.concatenate([aligned_ids(eg, "MORPH") for eg in examples])
        gold = index.lookup(_pair_keys(pos, morph))
        # Missing POS or features: no gradient for the token.
        gold[(pos == 0) | (morph == 0)] = -1
        return gold, None

    def labels_from_examples(self, examples: Iterable[Any]) -> list[str]:
        pairs = [eg.reference.to_array([POS, MORPH]) for eg in examples]
        if not pairs:
            return []
        found = np.unique(np.concatenate(pairs), axis=0)
        labels = set()
        morphology = self.vocab.morphology
        for pos_id, morph in found.tolist():
            if not pos_id and not morph:
                continue
            feats = dict(morphology.get_dict(int(morph)))
            if pos_id:
                feats[POS_FIELD] = POS_NAMES.get(int(pos_id), "")
            labels.add(morphology.normalize(feats) if feats else morphology.normalize({}))
        return sorted(labels)

    @property
    def label_data(self) -> dict[str, dict[str, Any]]:
        """RETURNS (dict): spaCy's shape: {"morph": {label: feats}, "pos": {label: pos_id}}."""
        morph, pos = {}, {}
        for label in self.labels:
            pos_name, feats = self.split_label(label)
            morph[label] = feats
            pos[label] = POS_IDS.get(pos_name, 0)
        return {"morph": morph, "pos": pos}

    def _labels_from_data(self, labels: Any) -> list[str]:
        if isinstance(labels, dict):
            if "morph" not in labels:
                raise DataError(
                    f"[initialize.components.{self.name}.labels]: expected a dict with 'morph' and "
                    "'pos' (from `plait init labels`) or a list of labels like 'POS=NOUN|Number=Sing'"
                )
            return list(labels["morph"])
        return list(labels)
