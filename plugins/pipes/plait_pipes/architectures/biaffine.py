"""``plait.BiaffineParser.v1``: a graph-based dependency parser model
(Dozat & Manning 2017) for the ``parser`` component.

    tok2vec -> X (N, d)  [-> ``depth`` residual window-CNN layers, optional]
    one Linear d -> 2a + 2l + 1, ReLU on the first 2a + 2l columns F:
        arc_dep, arc_head (N, a), lab_dep, lab_head (N, l), sent_start (N,)
    arc score   s[i, j] = arc_dep_i U arc_head_j + u . arc_head_j
                          + arc_dep_i . W_dist[:, b(i, j)] + arc_head_j . H_dist[:, b(i, j)] + b_dist[b(i, j)]
    label score y[i, c] = lab_dep_i W_c lab_head_h + V [lab_dep_i; lab_head_h] + b_c + L_dist[b(i, h), c]
                          + (ReLU([X_i; X_h] M_in + M_dist[b(i, h)]) M_out)_c      (``label_mlp`` > 0)
    sentence start of i = sent_start_i + w_start . F_i

``b(i, j)`` is the bucket of the signed distance ``j - i`` (``DIST_EDGES``;
the root has its own bucket). A CNN tok2vec carries no position, so without
these terms two like words at different distances get the same score: they
are what lets a CNN-fed biaffine parser beat the transition parser (see
bench/README.md, "Graph parser and CRF ner").

Head ``j`` ranges over the tokens of ``i``'s sentence plus a learned root
vector. The arc scores of a batch are one batched matrix product over the
sentences, padded to the longest (``GraphParserOutput.arc_scores``); the
label scores are computed for the heads the component chooses (gold heads
in training, decoded ones at inference) in one product over the tokens.
The sentence-start score is what the component uses when a doc arrives
without sentence boundaries.

The label MLP reads the tok2vec vectors ``X`` of the dependent and the head
themselves, not only their 64-unit ReLU features: on EWT those features
confused amod with compound where the words' own vectors tell them apart
(600 steps, 2 seeds: LAS +0.4). Its labels also join the head choice
(``joint_heads``, ``joint_weight``; the component's ``predict``): each
token's best few heads gain ``joint_weight`` times their best label's
log-probability, so a head the labeler finds no fitting label for loses
(LAS +0.7 on top).

The model's output is a ``GraphParserOutput``: the component asks it for
scores and hands it their gradients; the model's backprop callback then
runs one backward for everything recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import NonNegativeFloat, NonNegativeInt, PositiveInt
from thinc.api import Linear, Model, chain, glorot_uniform_init, list2array
from thinc.types import Floats2d

from .tok2vec import build_maxout_window_encoder

# A large negative score for impossible arcs (padding, self loops): finite,
# so softmax gradients stay free of NaN.
MASKED = -1e4
# Signed head - dependent distance buckets: |d| in [edge_k, edge_k+1), one
# set for heads on the left, one for the right, and one bucket for the root.
DIST_EDGES = np.array([1, 2, 3, 4, 5, 6, 8, 11, 15, 20, 30], dtype=np.int64)
N_BUCKETS = 2 * len(DIST_EDGES) + 1


def bucket_of(offset: np.ndarray, root: np.ndarray | bool = False) -> np.ndarray:
    """The distance bucket of arcs.

    offset (numpy.ndarray[int]): head index minus dependent index.
    root (numpy.ndarray[bool] | bool): arcs from the root (offset ignored).
    RETURNS (numpy.ndarray[int64]): bucket indices, the shape of ``offset``.
    """
    n_abs = len(DIST_EDGES)
    b = np.clip(np.searchsorted(DIST_EDGES, np.abs(offset), side="right") - 1, 0, n_abs - 1)
    return np.where(root, 2 * n_abs, b + n_abs * (offset > 0)).astype(np.int64)


def distance_buckets(L: int) -> np.ndarray:
    """RETURNS (numpy.ndarray[int64]): (L, L + 1) bucket of each arc
    (dependent ``i``, column ``c``: 0 the root, ``j + 1`` token ``j``)."""
    offset = np.arange(-1, L)[None, :] - np.arange(L)[:, None]
    root = np.zeros((L, L + 1), dtype=bool)
    root[:, 0] = True
    return bucket_of(offset, root)


def build_biaffine_parser(
    tok2vec: Model[list[Any], list[Floats2d]],
    arc_hidden: PositiveInt = 256,
    label_hidden: PositiveInt = 64,
    dropout: NonNegativeFloat = 0.0,
    mst: bool = True,
    depth: NonNegativeInt = 0,
    window_size: PositiveInt = 1,
    distance: bool = True,
    label_mlp: NonNegativeInt = 128,
    joint_heads: NonNegativeInt = 5,
    joint_weight: NonNegativeFloat = 2.0,
    label_smoothing: NonNegativeFloat = 0.1,
    nO: int | None = None,
) -> Model:
    """The biaffine graph-based parser model.

    tok2vec (Model[List[Doc], List[Floats2d]]): the token-to-vector layer (or a listener).
    arc_hidden (int): width of the arc MLPs (dependent and head).
    label_hidden (int): width of the label MLPs.
    dropout (float): dropout on the MLP outputs in training.
    mst (bool): decode with Chu-Liu-Edmonds (non-projective trees); false:
        Eisner (projective trees). Both always give one valid tree per sentence.
    depth (int): residual maxout window-CNN layers of the parser's own on
        top of the tok2vec (a wider receptive field; 0: none).
    window_size (int): tokens on each side each of those layers sees.
    distance (bool): add the signed head-dependent distance scores to the
        arc and label scores.
    label_mlp (int): hidden units of the label MLP over the dependent's and
        the head's tok2vec vectors (0: bilinear label scores only).
    joint_heads (int): how many of each token's best-scoring heads have
        their label scores join the head choice at prediction (0: heads
        from the arc scores alone).
    joint_weight (float): the weight of the best label's log-probability
        added to those heads' arc log-probabilities.
    label_smoothing (float): the share of each token's arc and label
        training target spread evenly over its possible heads and over the
        labels (0: the gold one-hot targets).
    nO (int | None): number of labels; the component sets it.
    RETURNS (Model): ``model(docs) -> GraphParserOutput``.
    """
    from plait.errors import ConfigError

    if not 0.0 <= float(dropout) < 1.0:
        raise ConfigError(f"[plait.BiaffineParser.v1] dropout: must be in [0, 1), got {dropout}.")
    if not 0.0 <= float(label_smoothing) < 1.0:
        raise ConfigError(
            f"[plait.BiaffineParser.v1] label_smoothing: must be in [0, 1), got {label_smoothing}.")
    t2v_width = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else None
    width = 2 * arc_hidden + 2 * label_hidden + 1
    mlp = Linear(width, t2v_width, init_W=_half_glorot)
    if depth:
        if t2v_width is None:
            raise ConfigError("[plait.BiaffineParser.v1] depth > 0 needs a tok2vec with a known width (nO).")
        context = build_maxout_window_encoder(t2v_width, window_size, 3, depth)
        encode = chain(tok2vec, context, list2array())
    else:
        encode = chain(tok2vec, list2array())
    model: Model = Model(
        "biaffine_parser",
        forward,
        init=init,
        layers=[encode, mlp],
        refs={"tok2vec": tok2vec, "mlp": mlp},
        dims={"nO": nO, "nA": arc_hidden, "nL": label_hidden, "nB": N_BUCKETS if distance else 0,
              "nM": int(label_mlp)},
        params={"U": None, "u": None, "root": None, "w_start": None, "W_lab": None, "V_lab": None, "b_lab": None,
                **({"W_dist": None, "H_dist": None, "b_dist": None, "L_dist": None} if distance else {}),
                **({"M_in": None, "M_out": None, "root_x": None} if label_mlp else {}),
                **({"M_dist": None} if label_mlp and distance else {})},
        attrs={"graph_parser": True, "mst": bool(mst), "mlp_dropout": float(dropout),
               "joint_heads": int(joint_heads), "joint_weight": float(joint_weight),
               "label_smoothing": float(label_smoothing)},
    )
    return model


def _half_glorot(ops: Any, shape: tuple[int, ...]) -> Any:
    """Glorot-uniform weights at half their usual scale, for the Linear under
    the arc, label and sentence-start features. With label smoothing, on EWT
    (600 steps, seeds 0-3): dev/test LAS 67.22/67.23 at the usual scale,
    68.04/68.05 at half, 67.95/68.08 at 0.3; 1.4 times the usual: -0.8 LAS."""
    return glorot_uniform_init(ops, shape) * 0.5


def init(model: Model, X: Any = None, Y: Any = None) -> Model:
    encode, mlp = model.layers
    if X is not None and not mlp.has_dim("nI"):
        mlp.set_dim("nI", encode.predict(X).shape[1])
    encode.initialize(X=X)
    mlp.initialize()
    _init_params(model)
    return model


def _init_params(model: Model) -> None:
    """(Re)create the biaffine weights; the label ones only once nO is known."""
    ops = model.ops
    nA, nL = model.get_dim("nA"), model.get_dim("nL")
    rng = np.random.default_rng(int(np.random.randint(0, 2**31)))
    if not model.has_param("U") or model.get_param("U") is None:
        # Zero arc weights: an untrained parser scores every head alike.
        model.set_param("U", ops.alloc2f(nA, nA))
        model.set_param("u", ops.alloc1f(nA))
        root = rng.normal(scale=0.1, size=(nA + nL,)).astype("float32")
        model.set_param("root", ops.asarray1f(root))
    if not model.has_param("w_start") or model.get_param("w_start") is None:
        model.set_param("w_start", ops.alloc1f(2 * nA + 2 * nL))
    nB = model.get_dim("nB")
    if nB and (not model.has_param("W_dist") or model.get_param("W_dist") is None):
        model.set_param("W_dist", ops.alloc2f(nA, nB))
        model.set_param("H_dist", ops.alloc2f(nA, nB))
        model.set_param("b_dist", ops.alloc1f(nB))
    nO = model.get_dim("nO") if model.has_dim("nO") else None
    if nO and (not model.has_param("W_lab") or model.get_param("W_lab") is None):
        model.set_param("W_lab", ops.alloc2f(nL, nO * nL))
        model.set_param("V_lab", ops.alloc2f(2 * nL, nO))
        model.set_param("b_lab", ops.alloc1f(nO))
    if nB and nO and (not model.has_param("L_dist") or model.get_param("L_dist") is None):
        model.set_param("L_dist", ops.alloc2f(nB, nO))
    nM = model.get_dim("nM")
    if nM and nO and (not model.has_param("M_in") or model.get_param("M_in") is None):
        d = model.layers[1].get_dim("nI")
        # He-style input weights, zero output weights: the MLP starts silent.
        model.set_param("M_in", ops.asarray2f(rng.normal(scale=(1.0 / (2 * d)) ** 0.5, size=(2 * d, nM)).astype("float32")))
        model.set_param("root_x", ops.asarray1f(rng.normal(scale=0.1, size=(d,)).astype("float32")))
        model.set_param("M_out", ops.alloc2f(nM, nO))
        if nB:
            model.set_param("M_dist", ops.alloc2f(nB, nM))


def set_n_labels(model: Model, nO: int, source: list[int] | None = None) -> None:
    """Size the label scorer for ``nO`` labels, keeping trained rows.

    model (Model): the biaffine parser model.
    nO (int): the new number of labels.
    source (List[int] | None): for each new label, its old row (-1: new, zero).
    """
    old = model.get_dim("nO") if model.has_dim("nO") else None
    if old == nO and source is None:
        return
    trained = model.has_param("W_lab") and model.get_param("W_lab") is not None
    model.set_dim("nO", nO, force=True)
    if not trained:
        return
    ops = model.ops
    nL = model.get_dim("nL")
    W = model.get_param("W_lab").reshape(nL, old, nL)
    V, b = model.get_param("V_lab"), model.get_param("b_lab")
    new_W = ops.alloc3f(nL, nO, nL)
    new_V = ops.alloc2f(2 * nL, nO)
    new_b = ops.alloc1f(nO)
    src = list(range(min(old, nO))) if source is None else source
    new_rows = [i for i, j in enumerate(src) if j >= 0]
    old_rows = [j for j in src if j >= 0]
    resized = [("W_lab", new_W.reshape(nL, nO * nL)), ("V_lab", new_V), ("b_lab", new_b)]
    if new_rows:
        new_W[:, new_rows] = W[:, old_rows]
        new_V[:, new_rows] = V[:, old_rows]
        new_b[new_rows] = b[old_rows]
    # Weights with one column per label: the old columns move with their labels.
    for name in ("L_dist", "M_out"):
        if model.has_param(name) and model.get_param(name) is not None:
            old_value = model.get_param(name)
            new_value = ops.alloc2f(old_value.shape[0], nO)
            if new_rows:
                new_value[:, new_rows] = old_value[:, old_rows]
            resized.append((name, new_value))
    for name, value in resized:
        model.set_param(name, value)
        if model.has_grad(name):
            # A gradient of the old shape would not add up with the new one.
            model.set_grad(name, ops.alloc(value.shape))


def forward(model: Model, docs: list[Any], is_train: bool) -> tuple[GraphParserOutput, Callable]:
    encode, mlp = model.layers
    X, bp_encode = encode(docs, is_train)
    H, bp_mlp = mlp(X, is_train)
    out = GraphParserOutput(model, docs, X, H, is_train)

    def backprop(result: GraphParserOutput) -> Any:
        dH = result.backprop_all()
        if dH is None:
            return []
        dX = bp_mlp(dH)
        if result.dX is not None:
            dX = dX + result.dX
        return bp_encode(dX)

    return out, backprop


class GraphParserOutput:
    """The MLP features of one batch, and the score functions over them.

    model (Model): the biaffine model.
    docs (List[Doc]): the batch; token rows are the docs' tokens in order.
    X (Floats2d): the tok2vec output (N, d), which the label MLP reads.
    H (Floats2d): the Linear's output (N, 2a + 2l + 1).
    is_train (bool): apply dropout and record for the backward.
    """

    def __init__(self, model: Model, docs: list[Any], X: Any, H: Any, is_train: bool) -> None:
        self.model = model
        self.ops = ops = model.ops
        self.is_train = is_train
        self.lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        self.n_tokens = int(self.lengths.sum())
        nA, nL = model.get_dim("nA"), model.get_dim("nL")
        self.nA, self.nL = nA, nL
        self.X, self.H = X, H
        self.nM = model.get_dim("nM")
        self.dX = ops.alloc2f(*X.shape) if is_train and self.nM else None
        feats = H[:, : 2 * nA + 2 * nL]
        self.relu_mask = feats > 0
        F = feats * self.relu_mask
        drop = float(model.attrs.get("mlp_dropout") or 0.0) if is_train else 0.0
        self.drop_mask = ops.get_dropout_mask(F.shape, drop) if drop else None
        if self.drop_mask is not None:
            F = F * self.drop_mask
        self.F = F
        self.dF = ops.alloc2f(*F.shape) if is_train else None
        self.d_root = ops.alloc1f(nA + nL) if is_train else None
        self.d_start = ops.alloc1f(self.n_tokens) if is_train else None
        self._arc_cache: list[Any] = []
        self._label_cache: list[Any] = []

    # Sentence starts ---------------------------------------------------------
    def start_scores(self) -> Any:
        """RETURNS (Floats1d): the per-token "sentence start" logits (N,), on the device."""
        # A linear column plus the (nonlinear) MLP features: a linear
        # function of the tok2vec alone finds too few boundaries.
        return self.H[:, -1] + self.F @ self.model.get_param("w_start")

    def add_start_grad(self, d: Any) -> None:
        """Add the gradient of the sentence-start logits (N,)."""
        self.d_start += self.ops.asarray1f(d)

    # Arcs ------------------------------------------------------------------
    def arc_scores(self, starts: np.ndarray, lengths: np.ndarray) -> Any:
        """Arc scores of sentences, padded: one batched matrix product.

        starts (numpy.ndarray[int]): (S,) first token row of each sentence.
        lengths (numpy.ndarray[int]): (S,) their lengths.
        RETURNS (Floats3d): (S, L, L + 1): ``[s, i, 0]`` the root's score as
            head of token ``i``, ``[s, i, j + 1]`` token ``j``'s; impossible
            arcs (padding, self loops) score ``MASKED``.
        """
        ops, xp, nA = self.ops, self.ops.xp, self.nA
        starts = np.asarray(starts, dtype=np.int64)
        lengths = np.asarray(lengths, dtype=np.int64)
        S, L = len(starts), int(lengths.max()) if len(lengths) else 0
        pos = np.arange(L)
        valid = pos[None, :] < lengths[:, None]  # (S, L)
        rows = np.where(valid, starts[:, None] + pos[None, :], self.n_tokens)  # pad -> row N
        U, u, root = (self.model.get_param(n) for n in ("U", "u", "root"))
        table = xp.concatenate([self.F[:, : 2 * nA], ops.alloc2f(1, 2 * nA)])
        idx = ops.xp.asarray(rows.reshape(-1))
        G = table[idx]
        D = G[:, :nA].reshape(S, L, nA)
        Hh = xp.concatenate(
            [xp.broadcast_to(root[:nA], (S, 1, nA)), G[:, nA:].reshape(S, L, nA)], axis=1
        )  # (S, L + 1, nA)
        A = ops.gemm(D.reshape(S * L, nA), U).reshape(S, L, nA)
        scores = xp.matmul(A, Hh.transpose(0, 2, 1))
        scores += (Hh * u).sum(axis=2)[:, None, :]
        nB = self.model.get_dim("nB")
        buckets = None
        if nB:
            # The dependent's own preference over head distances: a CNN
            # encoder carries no position, so without it two like words at
            # different distances score the same.
            buckets = ops.xp.asarray(distance_buckets(L))
            P = ops.gemm(D.reshape(S * L, nA), self.model.get_param("W_dist")).reshape(S, L, nB)
            P += self.model.get_param("b_dist")
            scores += P[:, xp.arange(L)[:, None], buckets]
            Q = ops.gemm(Hh.reshape(S * (L + 1), nA), self.model.get_param("H_dist")).reshape(S, L + 1, nB)
            scores += Q[:, xp.arange(L + 1)[None, :], buckets]
        mask = np.ones((S, L, L + 1), dtype=bool)
        mask &= valid[:, :, None]
        mask[:, :, 1:] &= valid[:, None, :]
        mask[:, pos, pos + 1] = False
        mask_dev = ops.xp.asarray(mask)
        scores = xp.where(mask_dev, scores, ops.xp.asarray(np.float32(MASKED)))
        if self.is_train:
            self._arc_cache.append((idx, D, Hh, A, mask_dev, S, L, buckets))
        return scores

    def add_arc_grad(self, d_scores: Any, call: int = -1) -> None:
        """Backpropagate the gradient of one ``arc_scores`` call into the
        features (the batched backward of the biaffine product)."""
        ops, xp, nA = self.ops, self.ops.xp, self.nA
        idx, D, Hh, A, mask, S, L, buckets = self._arc_cache[call]
        dS = xp.where(mask, ops.asarray3f(d_scores), ops.xp.asarray(np.float32(0.0)))
        U, u = self.model.get_param("U"), self.model.get_param("u")
        col = dS.sum(axis=1)  # (S, L + 1): gradient reaching each head's bias term
        dA = xp.matmul(dS, Hh)  # (S, L, nA)
        dHh = xp.matmul(dS.transpose(0, 2, 1), A) + col[:, :, None] * u[None, None, :]
        self.model.inc_grad("u", (Hh * col[:, :, None]).reshape(-1, nA).sum(axis=0))
        self.model.inc_grad("U", ops.gemm(D.reshape(S * L, nA), dA.reshape(S * L, nA), trans1=True))
        dD = ops.gemm(dA.reshape(S * L, nA), U, trans2=True)
        if buckets is not None:
            nB = self.model.get_dim("nB")
            # dP[s, i, b] = sum of dS[s, i, c] over the columns c in bucket b:
            # one batched product with a one-hot (L, L + 1, nB) table.
            onehot = (buckets[:, :, None] == xp.arange(nB)[None, None, :]).astype("float32")
            dP = xp.matmul(dS.transpose(1, 0, 2), onehot).transpose(1, 0, 2).reshape(S * L, nB)
            self.model.inc_grad("b_dist", dP.sum(axis=0))
            self.model.inc_grad("W_dist", ops.gemm(D.reshape(S * L, nA), dP, trans1=True))
            dD += ops.gemm(dP, self.model.get_param("W_dist"), trans2=True)
            # dQ[s, c, b]: the same, summed over dependents for head column c.
            dQ = xp.matmul(dS.transpose(2, 0, 1), onehot.transpose(1, 0, 2)).transpose(1, 0, 2)
            dQ = dQ.reshape(S * (L + 1), nB)
            self.model.inc_grad("H_dist", ops.gemm(Hh.reshape(S * (L + 1), nA), dQ, trans1=True))
            dHh = dHh + ops.gemm(dQ, self.model.get_param("H_dist"), trans2=True).reshape(S, L + 1, nA)
        d_root = self.ops.alloc1f(self.nA + self.nL)
        d_root[:nA] = dHh[:, 0].sum(axis=0)
        self.d_root += d_root
        dG = xp.concatenate([dD, dHh[:, 1:].reshape(S * L, nA)], axis=1)
        d_table = ops.alloc2f(self.n_tokens + 1, 2 * nA)
        # Each token is one padded row (its sentence), so this is a plain
        # assignment-by-index; scatter_add keeps it device-neutral.
        ops.scatter_add(d_table, idx.astype("int32"), dG)
        self.dF[:, : 2 * nA] += d_table[: self.n_tokens]

    # Labels ----------------------------------------------------------------
    def _label_inputs(self, dep_rows: np.ndarray, head_rows: np.ndarray) -> tuple[Any, ...]:
        """What ``label_scores`` and ``candidate_label_scores`` both gather:
        the dependents' and heads' rows (the root: row N) and label features.

        RETURNS (tuple): dep_idx, head_np (host; -1 the root), head_idx, Ld, Lh.
        """
        xp, nA, nL = self.ops.xp, self.nA, self.nL
        root = self.model.get_param("root")
        lab = self.F[:, 2 * nA :]
        heads_table = xp.concatenate([lab[:, nL:], root[nA:].reshape(1, nL)])
        dep_idx = xp.asarray(np.asarray(dep_rows, dtype=np.int64))
        head_np = np.asarray(head_rows, dtype=np.int64)
        head_idx = xp.asarray(np.where(head_np < 0, self.n_tokens, head_np))
        return dep_idx, head_np, head_idx, lab[dep_idx, :nL], heads_table[head_idx]

    def _x_table(self) -> Any:
        """RETURNS (Floats2d): the tok2vec rows and the root's learned vector (row N)."""
        return self.ops.xp.concatenate([self.X, self.model.get_param("root_x").reshape(1, -1)])

    def label_scores(self, dep_rows: np.ndarray, head_rows: np.ndarray) -> Any:
        """Label scores of arcs ``head -> dep`` (global token rows; -1: the root).

        RETURNS (Floats2d): (n, nO).
        """
        ops, xp, nL = self.ops, self.ops.xp, self.nL
        nO = self.model.get_dim("nO")
        W, V, b = (self.model.get_param(n) for n in ("W_lab", "V_lab", "b_lab"))
        dep_idx, head_np, head_idx, Ld, Lh = self._label_inputs(dep_rows, head_rows)
        n = Ld.shape[0]
        T = ops.gemm(Lh, W).reshape(n, nO, nL)
        # A batched matrix-vector product: no (n, nO, nL) temporary (the
        # elementwise product and sum were a third of the inference time).
        scores = xp.matmul(T, Ld[:, :, None])[:, :, 0]
        scores += ops.gemm(xp.concatenate([Ld, Lh], axis=1), V)
        scores += b
        lab_buckets = None
        if self.model.get_dim("nB"):
            # Direction and distance tell many labels apart (nsubj / obj).
            dep_np = np.asarray(dep_rows, dtype=np.int64)
            lab_buckets = xp.asarray(bucket_of(head_np - dep_np, head_np < 0))
            scores += self.model.get_param("L_dist")[lab_buckets]
        mlp_cache = None
        if self.nM:
            # The label MLP over the dependent's and the head's own vectors.
            XdXh = xp.concatenate([self.X[dep_idx], self._x_table()[head_idx]], axis=1)
            Z = ops.gemm(XdXh, self.model.get_param("M_in"))
            if lab_buckets is not None:
                Z += self.model.get_param("M_dist")[lab_buckets]
            Z *= Z > 0
            scores += ops.gemm(Z, self.model.get_param("M_out"))
            mlp_cache = (XdXh, Z)
        if self.is_train:
            self._label_cache.append((dep_idx, head_idx, Ld, Lh, T, lab_buckets, mlp_cache))
        return scores

    def candidate_label_scores(self, dep_rows: np.ndarray, head_rows: np.ndarray) -> Any:
        """Label scores of several candidate heads per dependent (prediction
        only: nothing is recorded for a backward).

        The same scores as ``label_scores`` on each (dependent, head) pair, at
        a fraction of the cost: the products that depend on the dependent
        alone (its side of the bilinear form and of the MLP) run once per
        dependent, those of the heads once per token, and each candidate
        adds only a small matrix-vector product.

        dep_rows (numpy.ndarray[int]): (T,) global token rows.
        head_rows (numpy.ndarray[int]): (T, K) candidate heads (-1: the root).
        RETURNS (Floats3d): (T, K, nO).
        """
        ops, xp, nL = self.ops, self.ops.xp, self.nL
        nO = self.model.get_dim("nO")
        W, V, b = (self.model.get_param(n) for n in ("W_lab", "V_lab", "b_lab"))
        T, K = head_rows.shape
        dep_idx, head_np, head_idx, Ld, Lh = self._label_inputs(dep_rows, head_rows)  # Ld (T, nL), Lh (T, K, nL)
        # dep_i W_c head_h = (W_c^T dep_i) . head_h: W_c^T dep_i once per dependent.
        W_dep = xp.ascontiguousarray(W.reshape(nL, nO, nL).transpose(2, 1, 0)).reshape(nL, nO * nL)
        R = ops.gemm(Ld, W_dep).reshape(T, nO, nL)
        scores = xp.matmul(Lh, R.transpose(0, 2, 1))  # (T, K, nO)
        scores += ops.gemm(Ld, V[:nL])[:, None, :]
        scores += ops.gemm(Lh.reshape(T * K, nL), V[nL:]).reshape(T, K, nO)
        scores += b
        buckets = None
        if self.model.get_dim("nB"):
            buckets = xp.asarray(bucket_of(head_np - np.asarray(dep_rows, dtype=np.int64)[:, None], head_np < 0))
            scores += self.model.get_param("L_dist")[buckets]
        if self.nM:
            M_in = self.model.get_param("M_in")
            d = self.X.shape[1]
            Z = ops.gemm(self._x_table(), M_in[d:])[head_idx]  # the heads' side, once per token
            Z += ops.gemm(self.X[dep_idx], M_in[:d])[:, None, :]
            if buckets is not None:
                Z += self.model.get_param("M_dist")[buckets]
            Z *= Z > 0
            scores += ops.gemm(Z.reshape(T * K, -1), self.model.get_param("M_out")).reshape(T, K, nO)
        return scores

    def add_label_grad(self, d_scores: Any, call: int = -1) -> None:
        """Backpropagate the gradient of one ``label_scores`` call."""
        ops, xp, nA, nL = self.ops, self.ops.xp, self.nA, self.nL
        dep_idx, head_idx, Ld, Lh, T, lab_buckets, mlp_cache = self._label_cache[call]
        dY = ops.asarray2f(d_scores)
        n, nO = dY.shape
        if lab_buckets is not None:
            d_dist = ops.alloc2f(self.model.get_dim("nB"), nO)
            ops.scatter_add(d_dist, lab_buckets.astype("int32"), dY)
            self.model.inc_grad("L_dist", d_dist)
        if mlp_cache is not None:
            self._label_mlp_backward(dY, dep_idx, head_idx, lab_buckets, *mlp_cache)
        W, V = self.model.get_param("W_lab"), self.model.get_param("V_lab")
        self.model.inc_grad("b_lab", dY.sum(axis=0))
        LdLh = xp.concatenate([Ld, Lh], axis=1)
        self.model.inc_grad("V_lab", ops.gemm(LdLh, dY, trans1=True))
        dLdLh = ops.gemm(dY, V, trans2=True)
        dT = (dY[:, :, None] * Ld[:, None, :]).reshape(n, nO * nL)
        dLd = xp.matmul(dY[:, None, :], T)[:, 0, :] + dLdLh[:, :nL]
        self.model.inc_grad("W_lab", ops.gemm(Lh, dT, trans1=True))
        dLh = ops.gemm(dT, W, trans2=True) + dLdLh[:, nL:]
        d_dep = ops.alloc2f(self.n_tokens, nL)
        ops.scatter_add(d_dep, dep_idx.astype("int32"), dLd)
        d_head = ops.alloc2f(self.n_tokens + 1, nL)
        ops.scatter_add(d_head, head_idx.astype("int32"), dLh)
        self.dF[:, 2 * nA : 2 * nA + nL] += d_dep
        self.dF[:, 2 * nA + nL :] += d_head[: self.n_tokens]
        d_root = ops.alloc1f(nA + nL)
        d_root[nA:] = d_head[self.n_tokens]
        self.d_root += d_root

    def _label_mlp_backward(self, dY: Any, dep_idx: Any, head_idx: Any, lab_buckets: Any, XdXh: Any,
                            Z: Any) -> None:
        ops = self.ops
        self.model.inc_grad("M_out", ops.gemm(Z, dY, trans1=True))
        dZ = ops.gemm(dY, self.model.get_param("M_out"), trans2=True) * (Z > 0)
        self.model.inc_grad("M_in", ops.gemm(XdXh, dZ, trans1=True))
        if lab_buckets is not None:
            d_dist = ops.alloc2f(*self.model.get_param("M_dist").shape)
            ops.scatter_add(d_dist, lab_buckets.astype("int32"), dZ)
            self.model.inc_grad("M_dist", d_dist)
        dXdXh = ops.gemm(dZ, self.model.get_param("M_in"), trans2=True)
        d = self.X.shape[1]
        dX = ops.alloc2f(self.n_tokens + 1, d)  # the last row: the root's vector
        # Contiguous halves: thinc's fast scatter_add takes only those.
        ops.scatter_add(dX, dep_idx.astype("int32"), ops.xp.ascontiguousarray(dXdXh[:, :d]))
        ops.scatter_add(dX, head_idx.astype("int32"), ops.xp.ascontiguousarray(dXdXh[:, d:]))
        self.dX += dX[: self.n_tokens]
        self.model.inc_grad("root_x", dX[self.n_tokens])

    # Backward ----------------------------------------------------------------
    def backprop_all(self) -> Any:
        """RETURNS (Floats2d | None): the gradient of the Linear's output, from
        everything recorded (None when nothing was)."""
        if self.dF is None:
            return None
        self.model.inc_grad("root", self.d_root)
        w_start = self.model.get_param("w_start")
        self.model.inc_grad("w_start", self.F.T @ self.d_start)
        dF = self.dF + self.d_start[:, None] * w_start[None, :]
        if self.drop_mask is not None:
            dF = dF * self.drop_mask
        dF = dF * self.relu_mask
        return self.ops.xp.concatenate([dF, self.d_start.reshape(-1, 1)], axis=1)
