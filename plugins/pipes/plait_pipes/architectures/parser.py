"""``plait.TransitionBasedParser.v2``: the model behind ``parser`` and ``ner``.

A transition-based parser scores the moves of many parse states, one step
at a time. The features of a state are ``nF`` context tokens (stack and
buffer positions; ``-1`` where a slot is empty). The model is spaCy's:

    tok2vec -> Linear(hidden_width) -> per-token vectors X (N, nI)
    lower:  h = maxout_P(sum_f W_f @ X[ids[f]] + b)   (pad_f for empty slots)
    upper:  scores = W_up @ h + b_up                   (zero-initialised)

The lower layer is *precomputable*: ``W_f @ X[t]`` does not depend on the
state, so it is computed for every token and slot once per batch (``nF``
gemms), and a step is a gather-and-sum of ``nF`` rows per state. In
training nothing is backpropagated per step: each step records its inputs
and, once the component has set them, its score gradients; ``backprop``
then runs the whole batch's backward with one gemm per weight matrix, one
maxout backward and one scatter-add per slot (PERFORMANCE.md, item 2: spaCy
runs a thin lower-layer backward per step, about half its training time).

The precomputed table is slot-major, ``P[f, t]`` (``nF, N + 1, nH * nP``),
row ``N`` holding the learned padding of slot ``f``: a state's slot-``f``
feature indexes ``P[f]``, and the scatter-add of the backward writes into one
contiguous slab per slot (measured 40% faster than a token-major layout).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import PositiveInt
from thinc.api import Linear, Model, chain, list2array, zero_init
from thinc.types import Floats2d

# Context tokens per state (must match the transition systems' n_features).
N_FEATURES = {("parser", False): 8, ("parser", True): 13, ("ner", False): 3, ("ner", True): 6}


def build_tb_parser_model(
    tok2vec: Model[list[Any], list[Floats2d]],
    state_type: str,
    extra_state_tokens: bool,
    hidden_width: PositiveInt,
    maxout_pieces: PositiveInt,
    use_upper: bool = True,
    nO: int | None = None,
) -> Model:
    """The transition-based parser model (spaCy's ``TransitionBasedParser.v2``).

    tok2vec (Model[List[Doc], List[Floats2d]]): the token-to-vector layer (or a listener).
    state_type (str): "parser" or "ner": selects the number of feature tokens.
    extra_state_tokens (bool): use more context tokens (parser 13 instead of 8,
        ner 6 instead of 3).
    hidden_width (int): width of the hidden (maxout) layer.
    maxout_pieces (int): pieces of each maxout unit (1: a plain affine layer).
    use_upper (bool): put a linear output layer over the hidden layer; without
        it the lower layer outputs the move scores (hidden width = nO).
    nO (int | None): number of moves; the component sets it from its labels.
    RETURNS (Model): ``model(docs) -> ParserStepModel``.
    """
    from plait.errors import ConfigError

    key = (state_type, bool(extra_state_tokens))
    if key not in N_FEATURES:
        raise ConfigError(
            f"[plait.TransitionBasedParser.v2] state_type: {state_type!r} is not a state type; "
            "use \"parser\" or \"ner\"."
        )
    if maxout_pieces < 1 or hidden_width < 1:
        raise ConfigError(
            "[plait.TransitionBasedParser.v2] hidden_width and maxout_pieces must be at least 1 "
            f"(got {hidden_width} and {maxout_pieces})."
        )
    nF = N_FEATURES[key]
    t2v_width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    # spaCy projects the tok2vec output to the hidden width first; kept, so
    # the network (and its parameter count) is the same as spaCy's.
    projected = chain(tok2vec, list2array(), Linear(hidden_width, t2v_width))
    projected.set_dim("nO", hidden_width)
    lower = build_precomputable_affine(
        nO=hidden_width if use_upper else nO, nF=nF, nI=hidden_width, nP=maxout_pieces
    )
    layers: list[Model] = [projected, lower]
    # "tok2vec" names the projected chain, as in spaCy; a reference to the
    # inner tok2vec itself would not survive replace_listeners swapping it.
    refs: dict[str, Model] = {"tok2vec": projected, "lower": lower}
    if use_upper:
        upper = Linear(nO=nO, nI=hidden_width, init_W=zero_init)
        layers.append(upper)
        refs["upper"] = upper
        refs["output_layer"] = upper
    else:
        refs["output_layer"] = lower
    model: Model = Model(
        "parser_model",
        forward,
        init=init,
        layers=layers,
        refs=refs,
        dims={"nO": nO, "nF": nF, "nH": hidden_width, "nP": maxout_pieces},
        attrs={
            "state_type": state_type,
            "extra_state_tokens": bool(extra_state_tokens),
            "has_upper": bool(use_upper),
            "dropout_rate": 0.0,
        },
    )
    return model


def build_precomputable_affine(nO: int | None, nF: int, nI: int | None, nP: int) -> Model:
    """The lower layer: ``X (N, nI) -> P (nF, N + 1, nO * nP)``.

    ``P[f, t] = W_f @ X[t]``; ``P[f, N]`` is slot ``f``'s learned padding.
    The bias ``b`` is added per state by the step model, not here.

    nO (int | None): hidden units. nF (int): feature slots.
    nI (int | None): input width. nP (int): maxout pieces.
    RETURNS (Model[Floats2d, Floats3d]): the layer.
    """
    return Model(
        "precomputable_affine",
        _forward_precomputable,
        init=_init_precomputable,
        dims={"nO": nO, "nI": nI, "nF": nF, "nP": nP},
        params={"W": None, "b": None, "pad": None},
    )


def _forward_precomputable(model: Model, X: Floats2d, is_train: bool) -> tuple[Any, Callable]:
    ops = model.ops
    nF, nO, nP, nI = (model.get_dim(d) for d in ("nF", "nO", "nP", "nI"))
    W = model.get_param("W").reshape(nF, nO * nP, nI)
    pad = model.get_param("pad").reshape(nF, nO * nP)
    N = X.shape[0]
    P = ops.alloc3f(nF, N + 1, nO * nP)
    for f in range(nF):
        # One gemm per slot straight into its slab: no transposed copy.
        if N:
            ops.gemm(X, W[f], trans2=True, out=P[f, :N])
        P[f, N] = pad[f]

    def backprop(dP: Any) -> Floats2d:
        dW = ops.alloc3f(nF, nO * nP, nI)
        dX = ops.alloc2f(N, nI)
        for f in range(nF):
            if N:
                ops.gemm(dP[f, :N], X, trans1=True, out=dW[f])
                dX += ops.gemm(dP[f, :N], W[f])
        model.inc_grad("W", dW.reshape(nF, nO, nP, nI))
        model.inc_grad("pad", dP[:, N].reshape(1, nF, nO, nP))
        return dX

    return P, backprop


def _init_precomputable(model: Model, X: Any = None, Y: Any = None) -> Model:
    if model.has_param("W") and model.get_param("W") is not None:
        return model
    if X is not None and model.get_dim("nI") is None:
        model.set_dim("nI", X.shape[1])
    nF, nO, nP, nI = (model.get_dim(d) for d in ("nF", "nO", "nP", "nI"))
    ops = model.ops
    rng = np.random.default_rng(int(np.random.randint(0, 2**31)))
    # Fan-in scaling; _whiten then fixes the scale empirically (maxout
    # outputs of unit-normal inputs get mean 0 and variance 1, as spaCy's
    # initializer aims for).
    W = rng.normal(scale=1.0 / np.sqrt(nF * nI), size=(nF, nO, nP, nI)).astype("float32")
    pad = rng.normal(scale=1.0 / np.sqrt(nF), size=(1, nF, nO, nP)).astype("float32")
    b = np.zeros((nO, nP), dtype="float32")
    W, b, pad = _whiten(W, b, pad, rng)
    model.set_param("W", ops.asarray4f(W))
    model.set_param("b", ops.asarray2f(b))
    model.set_param("pad", ops.asarray4f(pad))
    return model


def _whiten(
    W: np.ndarray, b: np.ndarray, pad: np.ndarray, rng: np.random.Generator, n: int = 2000
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rescale the lower layer so its maxout outputs on unit-normal inputs
    (with a fifth of the slots empty) have mean 0 and variance 1 per unit."""
    nF, nO, nP, nI = W.shape
    X = rng.normal(size=(n, nI)).astype("float32")
    ids = rng.integers(0, n, size=(n, nF))
    empty = rng.random(size=(n, nF)) < 0.2
    for _ in range(5):
        pre = np.zeros((n, nO, nP), dtype="float32")
        for f in range(nF):
            contrib = (X @ W[f].reshape(nO * nP, nI).T).reshape(n, nO, nP)
            pre += np.where(empty[:, f, None, None], pad[0, f], contrib[ids[:, f]])
        pre += b
        hidden = pre.max(axis=-1)
        mean = hidden.mean(axis=0)
        std = hidden.std(axis=0) + 1e-6
        if np.all(np.abs(mean) < 0.05) and np.all(np.abs(std - 1.0) < 0.05):
            break
        # The scale applies to every contribution and the bias alike; the
        # shift moves all pieces of a unit together so the argmax is kept.
        W = W / std[None, :, None, None]
        pad = pad / std[None, None, :, None]
        b = (b - mean[:, None]) / std[:, None]
    return W.astype("float32"), b.astype("float32"), pad.astype("float32")


def init(model: Model, X: Any = None, Y: Any = None) -> Model:
    projected = model.get_ref("tok2vec")
    lower = model.get_ref("lower")
    projected.initialize(X=X)
    lower.set_dim("nI", projected.get_dim("nO"))
    nO = model.get_dim("nO") if model.has_dim("nO") else None
    if model.attrs["has_upper"]:
        upper = model.get_ref("upper")
        if nO is not None and upper.has_dim("nO") is None:
            upper.set_dim("nO", nO)
        if not upper.has_dim("nO"):
            raise ValueError(
                "plait.TransitionBasedParser.v2: nO (the number of moves) is not set; the "
                "parser/ner component sets it from its labels before initializing the model."
            )
        lower.initialize()
        upper.initialize()
        model.set_dim("nO", upper.get_dim("nO"), force=True)
    else:
        if nO is not None and lower.has_dim("nO") is None:
            lower.set_dim("nO", nO)
        if not lower.has_dim("nO"):
            raise ValueError(
                "plait.TransitionBasedParser.v2: nO (the number of moves) is not set; the "
                "parser/ner component sets it from its labels before initializing the model."
            )
        lower.initialize()
        model.set_dim("nO", lower.get_dim("nO"), force=True)
    return model


def set_n_moves(model: Model, nO: int, source_rows: Any = None) -> None:
    """Size the output for ``nO`` moves: set the dimension before
    initialization, or resize an initialized output layer. Output ``j`` of
    the resized layer takes the weights of the old output ``source_rows[j]``
    (new moves, ``-1``, start at zero, so existing predictions are kept
    whatever the new move numbering).

    model (Model): a ``plait.TransitionBasedParser.v2`` model.
    nO (int): the number of moves.
    source_rows (Sequence[int] | None): per new output, its old output or -1;
        None keeps outputs ``0 .. min(old, nO) - 1`` in place.
    """
    out = model.get_ref("output_layer")
    has_upper = model.attrs["has_upper"]
    initialized = out.has_param("W") and out.get_param("W") is not None
    if not initialized:
        out.set_dim("nO", nO, force=True)
        model.set_dim("nO", nO, force=True)
        return
    old = out.get_dim("nO")
    if source_rows is None:
        source_rows = [j if j < old else -1 for j in range(nO)]
    source = np.asarray(source_rows, dtype=np.int64)
    if len(source) != nO or (source >= old).any():
        raise ValueError(f"set_n_moves: source_rows must give {nO} rows in -1..{old - 1}")
    if old == nO and (source == np.arange(nO)).all():
        return
    new_rows = np.flatnonzero(source >= 0)
    old_rows = source[new_rows]
    # thinc refuses to change the dimension of a layer with weights: build a
    # new layer of the new size, copy the weights that stay, swap it in.
    ops = model.ops
    if has_upper:
        W, b = out.get_param("W"), out.get_param("b")
        new = Linear(nO=nO, nI=W.shape[1], init_W=zero_init)
        new_W = ops.alloc2f(nO, W.shape[1])
        new_b = ops.alloc1f(nO)
        new_W[new_rows] = W[old_rows]
        new_b[new_rows] = b[old_rows]
        new.set_param("W", new_W)
        new.set_param("b", new_b)
        refs = ("upper", "output_layer")
    else:
        W, b, pad = out.get_param("W"), out.get_param("b"), out.get_param("pad")
        nF, _, nP, nI = W.shape
        new = build_precomputable_affine(nO=nO, nF=nF, nI=nI, nP=nP)
        new_W = ops.alloc4f(nF, nO, nP, nI)
        new_b = ops.alloc2f(nO, nP)
        new_pad = ops.alloc4f(1, nF, nO, nP)
        new_W[:, new_rows] = W[:, old_rows]
        new_b[new_rows] = b[old_rows]
        new_pad[:, :, new_rows] = pad[:, :, old_rows]
        new.set_param("W", new_W)
        new.set_param("b", new_b)
        new.set_param("pad", new_pad)
        refs = ("lower", "output_layer")
    new.ops = ops
    model.layers[model.layers.index(out)] = new
    for ref in refs:
        model.set_ref(ref, new)
    model.set_dim("nO", nO, force=True)


def forward(model: Model, docs: list[Any], is_train: bool) -> tuple[ParserStepModel, Callable]:
    projected = model.get_ref("tok2vec")
    lower = model.get_ref("lower")
    if not is_train:
        folded = _predict_folded(projected, lower, docs)
        if folded is not None:
            P, b = folded
            return ParserStepModel(model, docs, P, is_train, b=b), _no_backprop
    X, bp_X = projected(docs, is_train)
    P, bp_P = lower(X, is_train)
    step_model = ParserStepModel(model, docs, P, is_train)

    def backprop(step: ParserStepModel) -> list:
        dP = step.backprop_steps()
        if dP is None:
            return []
        return bp_X(bp_P(dP))

    return step_model, backprop


def _no_backprop(step: Any) -> list:
    raise ValueError("plait.TransitionBasedParser.v2: the model was run for prediction, not training")


def _fold_cost(nT: int, nH: int, nF: int, nOP: int) -> tuple[int, int]:
    """Multiply-adds per token of the lower layer: (unfolded, folded)."""
    return nT * nH + nH * nF * nOP, nT * nF * nOP


def _predict_folded(projected: Model, lower: Model, docs: list[Any]) -> tuple[Any, Any] | None:
    """The precomputed table at inference with the projection folded in.

    The lower layer only ever sees the projection's output ``Wp @ x + bp``,
    so ``W_f @ (Wp @ x + bp) = (W_f @ Wp) @ x + W_f @ bp``: one gemm per slot
    over the tok2vec width instead of a projection gemm plus one per slot over
    the hidden width (the parser's 96 -> 128 -> 8 x 384: 27% fewer
    multiply-adds). The constant ``c_f = W_f @ bp`` moves out of the table:
    it is added to the bias once and taken off each slot's padding, so
    ``sum_f P[f, ids_f] + b`` is unchanged up to float rounding. The folded
    weights are recomputed per call (a few hundred microseconds), so they can
    never go stale when the parameters change.

    RETURNS (Tuple[Floats3d, Floats1d] | None): the table ``P`` and the bias
        to add per state; None when folding would not save work (e.g. the
        ner's hidden width 64 is narrower than the tok2vec's 96) or the
        projection is not the Linear this module built.
    """
    layers = projected.layers
    if len(layers) != 3 or layers[-1].name != "linear" or not layers[-1].has_param("W"):
        return None
    linear = layers[-1]
    Wp, bp = linear.get_param("W"), linear.get_param("b")  # (nH, nT), (nH,)
    nH, nT = Wp.shape
    nF, nO, nP = (lower.get_dim(d) for d in ("nF", "nO", "nP"))
    unfolded, folded = _fold_cost(nT, nH, nF, nO * nP)
    if folded >= unfolded:
        return None
    ops = lower.ops
    X = layers[1].predict(layers[0].predict(docs))  # tok2vec, list2array
    W = lower.get_param("W").reshape(nF * nO * nP, nH)
    W_fold = ops.gemm(W, Wp).reshape(nF, nO * nP, nT)
    c = ops.gemm(W, bp.reshape(nH, 1)).reshape(nF, nO * nP)
    pad = lower.get_param("pad").reshape(nF, nO * nP) - c
    b = lower.get_param("b").reshape(-1) + c.sum(axis=0)
    N = X.shape[0]
    P = ops.alloc3f(nF, N + 1, nO * nP, zeros=False)
    for f in range(nF):
        if N:
            ops.gemm(X, W_fold[f], trans2=True, out=P[f, :N])
        P[f, N] = pad[f]
    return P, b


class ParserStepModel:
    """Scores parse states for one batch of docs (the output of the parser model).

    model (Model): the ``plait.TransitionBasedParser.v2`` model.
    docs (List[Doc]): the batch; doc ``k``'s tokens are rows
        ``offsets[k] .. offsets[k] + len(docs[k]) - 1`` of the token table.
    P (Floats3d): the precomputed lower layer ``(nF, N + 1, nH * nP)``.
    is_train (bool): record each step for the batched backward.
    b (Floats1d | None): the lower layer's bias to add per state (None: the
        layer's own; the folded inference table brings its own).

    ``predict_step(ids)`` scores the states whose context tokens are ``ids``;
    in training, ``record(d_scores)`` gives a step its score gradient (at
    once, as greedy training does, or later by step number, as beam search
    does), and the model's backprop callback runs the backward of every
    recorded step at once.
    """

    def __init__(self, model: Model, docs: list[Any], P: Any, is_train: bool, b: Any = None) -> None:
        self.ops = model.ops
        self.is_train = is_train
        lengths = np.fromiter((len(doc) for doc in docs), dtype=np.int64, count=len(docs))
        self.lengths = lengths
        self.offsets = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64) if len(docs) else lengths
        self.n_tokens = int(lengths.sum())
        lower = model.get_ref("lower")
        self.nF = lower.get_dim("nF")
        self.nP = lower.get_dim("nP")
        self.nH = lower.get_dim("nO")
        self.lower = lower
        self.upper = model.get_ref("upper") if model.attrs["has_upper"] else None
        # A flat view: state slot f of token t is row f * (N + 1) + t.
        self.P = P.reshape(self.nF * (self.n_tokens + 1), self.nH * self.nP)
        self._slot_base = np.arange(self.nF, dtype=np.int64) * (self.n_tokens + 1)
        self.b = lower.get_param("b").reshape(-1) if b is None else b
        if self.upper is not None:
            self.W_up = self.upper.get_param("W")
            self.b_up = self.upper.get_param("b")
            # A contiguous W_up.T (the weights do not change during one
            # batch): BLAS runs the thin per-step gemm ~2x faster than
            # through the transposed view.
            self.W_up_T = model.ops.xp.ascontiguousarray(self.W_up.T)
        drop = float(model.attrs.get("dropout_rate") or 0.0)
        self.drop = drop if is_train and self.upper is not None else 0.0
        self._gpu = model.ops.device_type != "cpu"
        self._rng: np.random.Generator | None = None
        # Dropout masks are cut from a pool drawn for many steps at once
        # (one draw per ~2 * n_tokens state-steps instead of one per step).
        self._pool: Any = None
        self._pool_at = 0
        # Per step, in training: (rows, which, hidden, mask); gradients by step.
        self._steps: list[tuple[Any, Any, Any, Any]] = []
        self._grads: dict[int, Any] = {}

    def _dropout_mask(self, shape: tuple[int, ...]) -> Any:
        if self._gpu:
            return self.ops.get_dropout_mask(shape, self.drop)
        # float32 draws from a Generator: half the time of thinc's mask,
        # and seeded from numpy's global state (fix_random_seed holds).
        if self._rng is None:
            self._rng = np.random.default_rng(np.random.randint(0, 2**31))
        n, width = shape
        if self._pool is None or self._pool_at + n > len(self._pool) or self._pool.shape[1] != width:
            size = max(n, 2 * self.n_tokens)
            keep = self._rng.random((size, width), dtype=np.float32) >= self.drop
            self._pool = keep * np.float32(1.0 / (1.0 - self.drop))
            self._pool_at = 0
        mask = self._pool[self._pool_at : self._pool_at + n]
        self._pool_at += n
        return mask

    @property
    def slot_base(self) -> np.ndarray:
        """RETURNS (numpy.ndarray[int64]): per feature slot, the first row of
        its slab in the flat table (row ``slot_base[f] + n_tokens`` is the padding)."""
        return self._slot_base

    @property
    def n_steps(self) -> int:
        """RETURNS (int): how many steps were scored (and recorded) so far."""
        return len(self._steps)

    def rows_for(self, ids: np.ndarray) -> np.ndarray:
        """The rows of the flat table for the feature tokens ``ids`` (-1 empty),
        as int32 (what ``ops.gather_add`` and ``ops.scatter_add`` take)."""
        ids = np.asarray(ids, dtype=np.int64)
        return (np.where(ids < 0, self.n_tokens, ids) + self._slot_base).astype(np.int32)

    def predict_step(self, ids: np.ndarray) -> np.ndarray:
        """Score the moves of the states with feature tokens ``ids``.

        ids (numpy.ndarray[int]): (n_states, nF) global token rows, -1 for empty slots.
        RETURNS (numpy.ndarray[float32]): (n_states, nO) scores, on the CPU.
        """
        return self.predict_rows(self.rows_for(ids))

    def predict_rows(self, rows: np.ndarray) -> np.ndarray:
        """``predict_step`` for feature rows already in the flat table's
        numbering (``rows_for``): the ner's greedy loops keep them per token.

        rows (numpy.ndarray[int32]): (n_states, nF) rows of the flat table.
        RETURNS (numpy.ndarray[float32]): (n_states, nO) scores, on the CPU.
        """
        n = rows.shape[0]
        if self._gpu:
            rows = self.ops.asarray(rows)
        # The sum of the states' nF table rows without materialising
        # (n, nF, nH * nP): 1.2-1.7x faster for 8-64 states, and the same
        # sum, bit for bit, as take + sum over the slots.
        pre = self.ops.gather_add(self.P, rows)
        pre += self.b
        if self.nP > 1:
            hidden, which = self.ops.maxout(pre.reshape(n, self.nH, self.nP))
        else:
            hidden, which = pre, None
        mask = None
        if self.upper is not None:
            if self.drop:
                mask = self._dropout_mask(hidden.shape)
                hidden *= mask  # hidden is this step's own array
            scores = self.ops.gemm(hidden, self.W_up_T)
            scores += self.b_up
        else:
            scores = hidden
        if self.is_train:
            self._steps.append((rows, which, hidden if self.upper is not None else None, mask))
        return self.ops.to_numpy(scores) if self._gpu else scores

    def record(self, d_scores: np.ndarray, step: int = -1) -> None:
        """Give a scored step its gradient (training only).

        d_scores (numpy.ndarray): (n_states, nO), the gradient of the loss
            with respect to the scores that step returned.
        step (int): the step's number (``-1``: the last one scored).
        """
        if not self.is_train:
            raise ValueError("ParserStepModel.record: the model was not run in training mode")
        if step < 0:
            step += len(self._steps)
        self._grads[step] = d_scores

    def backprop_steps(self) -> Any:
        """The batched backward of every recorded step: upper-layer and bias
        gradients are added to the model; RETURNS the gradient of the
        precomputed table P (``nF, N + 1, nH * nP``), None if nothing was recorded."""
        steps = sorted(self._grads)
        if not steps:
            return None
        ops = self.ops
        xp = ops.xp
        d_scores = xp.concatenate([ops.asarray2f(self._grads[s]) for s in steps])
        rows = xp.concatenate([self._steps[s][0] for s in steps])
        if self.upper is not None:
            hidden = xp.concatenate([self._steps[s][2] for s in steps])
            self.upper.inc_grad("W", ops.gemm(d_scores, hidden, trans1=True))
            self.upper.inc_grad("b", d_scores.sum(axis=0))
            d_hidden = ops.gemm(d_scores, self.W_up)
            if self.drop:
                d_hidden *= xp.concatenate([self._steps[s][3] for s in steps])
        else:
            d_hidden = d_scores
        if self.nP > 1:
            which = xp.concatenate([self._steps[s][1] for s in steps])
            d_pre = ops.backprop_maxout(d_hidden, which, self.nP).reshape(d_hidden.shape[0], -1)
        else:
            d_pre = d_hidden
        self.lower.inc_grad("b", d_pre.sum(axis=0).reshape(self.nH, self.nP))
        dP = ops.alloc2f(*self.P.shape)
        # One scatter-add per slot, each into its own contiguous slab.
        for f in range(self.nF):
            ops.scatter_add(dP, xp.ascontiguousarray(rows[:, f]), d_pre)
        self._steps = []
        self._grads = {}
        return dP.reshape(self.nF, self.n_tokens + 1, -1)
