"""Text classification architectures (same names and structure as spaCy's).

- ``plait.TextCatBOW.v3``: hashed n-gram counts into a sparse linear layer;
- ``plait.TextCatCNN.v2``: mean-pooled tok2vec vectors into a softmax/logistic;
- ``plait.TextCatEnsemble.v2``: a bag-of-words model and an attention-pooled
  tok2vec model side by side, then one output layer.

``exclusive_classes`` picks a softmax (one label per text) or independent
logistic outputs (multilabel).
"""

from __future__ import annotations

from typing import Any

from plait.tokens import docs_to_array
from pydantic import PositiveInt
from thinc.api import (
    Dropout,
    LayerNorm,
    Linear,
    Logistic,
    Maxout,
    Model,
    ParametricAttention,
    Softmax,
    Softmax_v2,
    SparseLinear_v2,
    chain,
    concatenate,
    list2ragged,
    reduce_mean,
    reduce_sum,
    residual,
    with_cpu,
)
from thinc.types import Floats2d

from .featurize import attr_ids


def extract_ngrams(ngram_size: int, attr: str | int = "ORTH") -> Model[list[Any], tuple]:
    """Count each doc's hashed 1..n-grams: (keys, counts, lengths) for SparseLinear.

    ngram_size (int): the longest n-gram.
    attr (str | int): the token attribute n-grams are built from.
    RETURNS (Model[List[Doc], Tuple[Ints1d, Floats1d, Ints1d]]): the layer.
    """
    column = attr_ids([attr])[0]
    return Model("extract_ngrams", _ngrams_forward, attrs={"ngram_size": ngram_size, "attr": column})


def _ngrams_forward(model: Model, docs: list[Any], is_train: bool) -> tuple[tuple, Any]:
    # The whole batch at once: n-grams over the concatenated tokens, minus the
    # ones that cross a doc boundary, then one sort by (doc, key) to count
    # each doc's distinct keys. Same output as np.unique per doc, without a
    # dozen numpy calls per (usually short) doc.
    ops = model.ops
    xp = ops.xp
    size = model.attrs["ngram_size"]
    n_docs = len(docs)
    sizes = [len(doc) for doc in docs]
    unigrams = ops.asarray(docs_to_array(docs, [model.attrs["attr"]]), dtype="uint64").ravel()
    owner = xp.repeat(xp.arange(n_docs), xp.asarray(sizes, dtype="int64"))
    ends = xp.cumsum(xp.asarray(sizes, dtype="int64"))
    keys = [unigrams]
    owners = [owner]
    for n in range(2, size + 1):
        if unigrams.shape[0] < n:
            break
        grams = ops.ngrams(n, unigrams)
        gram_owner = owner[: grams.shape[0]]
        inside = xp.arange(grams.shape[0]) + n <= ends[gram_owner]
        keys.append(grams[inside])
        owners.append(gram_owner[inside])
    all_keys = xp.concatenate(keys)
    all_owners = xp.concatenate(owners)
    order = xp.lexsort((all_keys, all_owners))
    all_keys = all_keys[order]
    all_owners = all_owners[order]
    first = xp.ones(all_keys.shape[0], dtype=bool)
    first[1:] = (all_keys[1:] != all_keys[:-1]) | (all_owners[1:] != all_owners[:-1])
    starts = xp.flatnonzero(first)
    counts = xp.diff(xp.append(starts, all_keys.shape[0]))
    lengths = xp.bincount(all_owners[starts], minlength=n_docs)
    out = (
        all_keys[starts].astype("uint64"),
        counts.astype("float32"),
        ops.asarray1i(lengths),
    )
    return out, lambda d: []


def build_bow_text_classifier_v3(
    exclusive_classes: bool,
    ngram_size: PositiveInt,
    no_output_layer: bool,
    length: PositiveInt = 262144,
    nO: int | None = None,
) -> Model[list[Any], Floats2d]:
    """Bag of hashed n-grams into a sparse linear layer.

    exclusive_classes (bool): one label per text (softmax) or several (logistic).
    ngram_size (int): the longest n-gram.
    no_output_layer (bool): return the raw linear scores.
    length (int): rows of the sparse weight table.
    nO (int | None): number of labels; set by the component.
    RETURNS (Model[List[Doc], Floats2d]): the model.
    """
    sparse_linear = SparseLinear_v2(nO=nO, length=length)
    bow = chain(extract_ngrams(ngram_size, attr="ORTH"), sparse_linear)
    # The sparse layer only has a CPU kernel; its output moves to the device.
    model = with_cpu(bow, bow.ops)
    if not no_output_layer:
        activation = _softmax_activation() if exclusive_classes else Logistic()
        model = chain(model, activation)
    model.set_ref("output_layer", sparse_linear)
    model.set_ref("sparse_linear", sparse_linear)
    model.attrs["multi_label"] = not exclusive_classes
    model.init = _init_with_label_count
    if nO is not None:
        model.set_dim("nO", nO)
    return model


def _softmax_activation() -> Model[Floats2d, Floats2d]:
    """A parameter-free softmax over the label scores (backprop passes through,
    as the loss is computed on probabilities)."""

    def forward(model: Model, X: Floats2d, is_train: bool) -> tuple[Floats2d, Any]:
        Y = model.ops.softmax(X)

        def backprop(dY: Floats2d) -> Floats2d:
            return model.ops.backprop_softmax(Y, dY)

        return Y, backprop

    return Model("softmax_activation", forward)


def build_simple_cnn_text_classifier(
    tok2vec: Model[list[Any], list[Floats2d]], exclusive_classes: bool, nO: int | None = None
) -> Model[list[Any], Floats2d]:
    """Mean of the tok2vec vectors into a softmax (exclusive) or logistic layer.

    tok2vec (Model[List[Doc], List[Floats2d]]): the token-to-vector layer.
    exclusive_classes (bool): one label per text or several.
    nO (int | None): number of labels; set by the component.
    RETURNS (Model[List[Doc], Floats2d]): the model.
    """
    width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    if exclusive_classes:
        output_layer = Softmax_v2(nO=nO, nI=width)
        fill = output_layer
    else:
        fill = Linear(nO=nO, nI=width)
        output_layer = chain(fill, Logistic())
    model = chain(tok2vec, list2ragged(), reduce_mean(), output_layer)
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("output_layer", fill)
    if nO is not None:
        model.set_dim("nO", nO)
    model.attrs["multi_label"] = not exclusive_classes
    model.init = _init_with_label_count
    return model


def build_text_classifier_v2(
    tok2vec: Model[list[Any], list[Floats2d]],
    linear_model: Model[list[Any], Floats2d],
    nO: int | None = None,
) -> Model[list[Any], Floats2d]:
    """Ensemble of a bag-of-words model and an attention-pooled tok2vec model.

    tok2vec (Model[List[Doc], List[Floats2d]]): the token-to-vector layer.
    linear_model (Model[List[Doc], Floats2d]): e.g. plait.TextCatBOW.v3; its
        exclusive_classes decides the output layer.
    nO (int | None): number of labels; set by the component.
    RETURNS (Model[List[Doc], Floats2d]): the model.
    """
    exclusive_classes = not linear_model.attrs.get("multi_label", False)
    width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    attention_layer = ParametricAttention(width)
    maxout_layer = Maxout(nO=width, nI=width, dropout=0.0, normalize=True)
    norm_layer = LayerNorm(nI=width)
    cnn_model = chain(
        tok2vec,
        list2ragged(),
        attention_layer,
        reduce_sum(),
        residual(chain(maxout_layer, norm_layer, Dropout(0.0))),
    )
    # nI (label count + tok2vec width) is inferred at init from real output.
    if exclusive_classes:
        output_layer = Softmax(nO=nO)
        fill = output_layer
    else:
        fill = Linear(nO=nO)
        output_layer = chain(fill, Logistic())
    model = chain(concatenate(linear_model, cnn_model), output_layer)
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("attention_layer", attention_layer)
    model.set_ref("maxout_layer", maxout_layer)
    model.set_ref("norm_layer", norm_layer)
    model.set_ref("output_layer", fill)
    model.attrs["multi_label"] = not exclusive_classes
    model.init = _ensemble_init
    if nO is not None:
        model.set_dim("nO", nO)
    return model


def _label_count(model: Model, Y: Any) -> int | None:
    if model.has_dim("nO") and model.get_dim("nO"):
        return model.get_dim("nO")
    if Y is not None:
        return int(Y.shape[1])
    return None


def _init_with_label_count(model: Model, X: Any = None, Y: Any = None) -> Model:
    """Give every label-sized layer its width (the label count, from the
    component's nO or from Y) before thinc's chain init; thinc only infers
    the last layer's nO, and the sparse layer may not be last."""
    from thinc.layers.chain import init as chain_init

    nO = _label_count(model, Y)
    if nO is not None:
        for ref in ("sparse_linear", "output_layer"):
            if model.has_ref(ref) and model.get_ref(ref).has_dim("nO") is None:
                model.get_ref(ref).set_dim("nO", nO)
        if model.has_dim("nO") is None:
            model.set_dim("nO", nO)
    return chain_init(model, X, Y)


def _ensemble_init(model: Model, X: Any = None, Y: Any = None) -> Model:
    """Set the label count on both halves and the output layer, initialize the
    tok2vec first (its width may be lazy), then thinc's chain init."""
    nO = _label_count(model, Y)
    linear = model.layers[0].layers[0]
    if nO is not None:
        if linear.has_dim("nO") is None:
            linear.set_dim("nO", nO)
        if linear.has_ref("sparse_linear") and linear.get_ref("sparse_linear").has_dim("nO") is None:
            linear.get_ref("sparse_linear").set_dim("nO", nO)
    tok2vec = model.get_ref("tok2vec")
    if X is not None:
        tok2vec.initialize(X=X)
    width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    if width:
        model.get_ref("attention_layer").set_dim("nO", width)
        for ref in ("maxout_layer", "norm_layer"):
            layer = model.get_ref(ref)
            if layer.has_dim("nI") is None:
                layer.set_dim("nI", width)
            if layer.has_dim("nO") is None:
                layer.set_dim("nO", width)
    return _init_with_label_count(model, X, Y)
