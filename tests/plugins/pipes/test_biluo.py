"""The BILUO transition system: validity, preset entities, the exact oracle,
batch = per-state processing, and the oracle on the real UNER and WNUT data."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plait.errors import DataError
from plait.tokens import Doc, Span
from plait.training import Example
from plait.vocab import Vocab
from plait_pipes.transition.biluo import INVALID_COST, BiluoNer

DATA = (Path(__file__).resolve().parents[3] / ".." / "shared" / "data").resolve()
LABELS = ["A", "B"]
UNKNOWN = "Z"  # a label the system does not know
VOCAB = Vocab()


# Random documents ----------------------------------------------------------------
def random_gold(rng: random.Random, n: int) -> list[str | None]:
    """A valid BILUO sequence with missing (None) stretches and unknown labels."""
    tags: list[str | None] = []
    while len(tags) < n:
        r = rng.random()
        if r < 0.35:
            tags.append("O")
        elif r < 0.5:
            tags.append(None)
        else:
            size = min(rng.choice([1, 1, 2, 2, 3]), n - len(tags))
            label = rng.choice(LABELS + LABELS + [UNKNOWN])
            tags += [f"U-{label}"] if size == 1 else (
                [f"B-{label}"] + [f"I-{label}"] * (size - 2) + [f"L-{label}"])
    return tags


def random_presets(rng: random.Random, n: int) -> tuple[list[tuple[int, int, str]], list[int], list[int]]:
    """Preset entities (start, end, label), blocked tokens and missing tokens."""
    ents, blocked, missing = [], [], []
    i = 0
    while i < n:
        r = rng.random()
        if r < 0.15:
            size = min(rng.choice([1, 2, 3]), n - i)
            ents.append((i, i + size, rng.choice(LABELS + [UNKNOWN])))
            i += size
        elif r < 0.2:
            blocked.append(i)
            i += 1
        elif r < 0.35:
            missing.append(i)
            i += 1
        else:
            i += 1
    return ents, blocked, missing


def make_pred(words: list[str], presets) -> Doc:
    ents, blocked, missing = presets
    doc = Doc(VOCAB, words)
    if ents or blocked or missing:
        doc.set_ents(
            [Span(doc, s, e, label=lab) for s, e, lab in ents],
            blocked=[Span(doc, b, b + 1) for b in blocked],
            missing=[Span(doc, m, m + 1) for m in missing],
            default="outside",
        )
    return doc


def make_example(rng: random.Random, n: int, with_presets: bool = True) -> tuple[Example, tuple]:
    words = [f"w{j}" for j in range(n)]
    presets = random_presets(rng, n) if with_presets else ([], [], [])
    pred = make_pred(words, presets)
    ref = Doc(VOCAB, words, ents=random_gold(rng, n))
    return Example(pred, ref), presets


def offsets_of(docs) -> np.ndarray:
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    return np.cumsum(lengths) - lengths


# A brute-force reference ------------------------------------------------------------
def forced_moves(n: int, presets) -> list[str | None]:
    ents, blocked, _ = presets
    forced: list[str | None] = [None] * n
    for b in blocked:
        forced[b] = "O"
    for s, e, lab in ents:
        if lab not in LABELS:
            forced[s:e] = ["O"] * (e - s)
        elif e - s == 1:
            forced[s] = f"U-{lab}"
        else:
            forced[s:e] = [f"B-{lab}"] + [f"I-{lab}"] * (e - s - 2) + [f"L-{lab}"]
    return forced


def all_sequences(n: int, forced: list[str | None]) -> list[tuple[str, ...]]:
    """Every complete BILUO move sequence that reproduces the forced moves."""
    out: list[tuple[str, ...]] = []

    def extend(prefix: tuple[str, ...], open_label: str | None) -> None:
        j = len(prefix)
        if j == n:
            if open_label is None:
                out.append(prefix)
            return
        if open_label is None:
            options = ["O"] + [f"{p}-{lab}" for p in "BU" for lab in LABELS]
        else:
            options = [f"I-{open_label}", f"L-{open_label}"]
        for move in options:
            if forced[j] is not None and move != forced[j]:
                continue
            nxt = move[2:] if move[0] in "BI" else None
            extend(prefix + (move,), nxt)

    extend((), None)
    return out


def entities(tags) -> set[tuple[int, int, str]]:
    ents, start = set(), None
    for j, tag in enumerate(tags):
        if tag is None or tag == "O":
            continue
        if tag[0] == "B":
            start = j
        elif tag[0] == "U":
            ents.add((j, j + 1, tag[2:]))
        elif tag[0] == "L":
            ents.add((start, j + 1, tag[2:]))
    return ents


def loss(seq, gold_tags, incorrect=frozenset()) -> int:
    """Gold entities missed + predicted entities that are false, where an
    entity touching a token with missing (or unknown-label) gold is not false
    unless it is a known-incorrect span."""
    known = [t if t is None or t == "O" or t[2:] in LABELS else None for t in gold_tags]
    gold = entities(known)
    pred = entities(seq)
    missing = {j for j, t in enumerate(known) if t is None}
    false = sum(
        1 for s, e, lab in pred - gold
        if (s, e, lab) in incorrect or not missing.intersection(range(s, e))
    )
    return len(gold - pred) + false


# Exactness of the oracle by brute force -------------------------------------------
def check_exact(examples: list[Example], presets: list, incorrect=None) -> int:
    """Walk every reachable prefix, level by level (all states of a level in
    one batch), comparing valid moves and costs with brute force."""
    system = BiluoNer(LABELS, incorrect_spans_key="wrong" if incorrect else None)
    docs = [eg.predicted for eg in examples]
    offsets = offsets_of(docs)
    gold = system.gold(examples, offsets)
    states = system.init_states(docs, offsets)
    names = system.move_names
    refs = []
    for k, eg in enumerate(examples):
        n = len(eg.predicted)
        seqs = all_sequences(n, forced_moves(n, presets[k]))
        tags = [t if t is None or t == "O" else t for t in eg.get_aligned_ner()]
        inc = frozenset(incorrect[k]) if incorrect else frozenset()
        best: dict[tuple[str, ...], int] = {}
        for seq in seqs:
            value = loss(seq, tags, inc)
            for j in range(n + 1):
                key = seq[:j]
                best[key] = min(best.get(key, value), value)
        refs.append(best)
    prefixes = [() for _ in examples]
    doc_of = list(range(len(examples)))
    checked = 0
    while len(prefixes):
        rows = np.arange(len(prefixes))
        valid = system.valid(states, rows)
        costs = system.costs(states, rows, gold)
        live = ~system.is_final(states)
        next_rows, next_moves, next_prefixes, next_docs = [], [], [], []
        for r, (prefix, k) in enumerate(zip(prefixes, doc_of)):
            best = refs[k]
            expect_valid = {m for m, name in enumerate(names) if prefix + (name,) in best}
            assert set(np.flatnonzero(valid[r]).tolist()) == expect_valid, (k, prefix)
            assert bool(live[r]) == bool(expect_valid)
            for m in expect_valid:
                want = best[prefix + (names[m],)] - best[prefix]
                assert costs[r, m] == want, (k, prefix, names[m], costs[r, m], want)
                checked += 1
                next_rows.append(r)
                next_moves.append(m)
                next_prefixes.append(prefix + (names[m],))
                next_docs.append(k)
            assert (costs[r][~valid[r]] == INVALID_COST).all()
        if not next_rows:
            break
        states = system.take(states, np.array(next_rows))
        system.apply(states, np.arange(len(next_rows)), np.array(next_moves))
        prefixes, doc_of = next_prefixes, next_docs
    return checked


def test_oracle_is_exact_by_brute_force() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(40):
        pairs = [make_example(rng, rng.randint(0, 6)) for _ in range(rng.randint(1, 4))]
        checked += check_exact([p[0] for p in pairs], [p[1] for p in pairs])
    assert checked > 10000


def test_oracle_is_exact_without_presets() -> None:
    rng = random.Random(11)
    pairs = [make_example(rng, rng.randint(1, 7), with_presets=False) for _ in range(12)]
    assert check_exact([p[0] for p in pairs], [p[1] for p in pairs]) > 1000


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_oracle_exact_property(seed: int) -> None:
    rng = random.Random(seed)
    pairs = [make_example(rng, rng.randint(1, 6)) for _ in range(2)]
    check_exact([p[0] for p in pairs], [p[1] for p in pairs])


def test_textbook_costs() -> None:
    system = BiluoNer(["PER", "LOC"])
    words = "Alice met Bob Smith in New York".split()
    ref = Doc(VOCAB, words, ents=["U-PER", "O", "B-PER", "L-PER", "O", "B-LOC", "L-LOC"])
    eg = Example(Doc(VOCAB, words), ref)
    gold = system.gold([eg], np.array([0]))
    states = system.init_states([eg.predicted], np.array([0]))
    row = np.array([0])
    c = dict(zip(system.move_names, system.costs(states, row, gold)[0].tolist()))
    # gold U-PER at 0: O loses it; U-LOC loses it and adds a false one.
    assert (c["U-PER"], c["O"], c["U-LOC"], c["B-PER"]) == (0, 1, 2, 2)
    system.apply(states, row, np.array([system.move_names.index("U-PER")]))
    system.apply(states, row, np.array([0]))
    system.apply(states, row, np.array([system.move_names.index("B-PER")]))
    c = dict(zip(system.move_names, system.costs(states, row, gold)[0].tolist()))
    # continuing past Smith loses the gold entity and makes a false one
    assert (c["L-PER"], c["I-PER"]) == (0, 2)
    assert c["O"] == INVALID_COST and c["L-LOC"] == INVALID_COST


def test_wrong_open_entity_prefers_closing_before_a_gold_start() -> None:
    system = BiluoNer(["PER", "LOC"])
    words = "the big Paris".split()
    ref = Doc(VOCAB, words, ents=["O", "O", "U-LOC"])
    eg = Example(Doc(VOCAB, words), ref)
    gold = system.gold([eg], np.array([0]))
    states = system.init_states([eg.predicted], np.array([0]))
    row = np.array([0])
    system.apply(states, row, np.array([system.move_names.index("B-PER")]))
    c = dict(zip(system.move_names, system.costs(states, row, gold)[0].tolist()))
    # the false entity is certain either way; continuing also swallows Paris
    assert c["L-PER"] == 0 and c["I-PER"] == 1


def test_missing_annotation_costs_nothing() -> None:
    system = BiluoNer(["PER"])
    words = "a b c d e".split()
    ref = Doc(VOCAB, words, ents=[None, None, None, "U-PER", "O"])
    eg = Example(Doc(VOCAB, words), ref)
    gold = system.gold([eg], np.array([0]))
    states = system.init_states([eg.predicted], np.array([0]))
    row = np.array([0])
    c = system.costs(states, row, gold)[0]
    assert (c[system.valid(states, row)[0]] == 0).all()  # at a missing token every move is free
    # an entity over missing tokens is fine; one swallowing token 3 is not.
    names = system.move_names
    system.apply(states, row, np.array([names.index("B-PER")]))
    c = dict(zip(names, system.costs(states, row, gold)[0].tolist()))
    assert c["L-PER"] == 0 and c["I-PER"] == 0
    system.apply(states, row, np.array([names.index("I-PER")]))
    c = dict(zip(names, system.costs(states, row, gold)[0].tolist()))
    assert c["L-PER"] == 0 and c["I-PER"] == 1  # gold U-PER at 3 would be lost


def test_unknown_gold_labels_are_missing_and_reported() -> None:
    system = BiluoNer(["PER"])
    words = "Bo went to Oslo".split()
    ref = Doc(VOCAB, words, ents=["U-PER", "O", "O", "U-GPE"])
    eg = Example(Doc(VOCAB, words), ref)
    gold = system.gold([eg], np.array([0]))
    assert gold.kind.tolist() == [4, 0, 0, -1]
    assert system.unknown_labels([eg]) == {"GPE": (0, 3)}
    assert BiluoNer.collect_labels([eg, eg]) == {"GPE": 2, "PER": 2}


def test_incorrect_spans_cost_one() -> None:
    system = BiluoNer(["PER"], incorrect_spans_key="wrong")
    words = "a b c d".split()
    ref = Doc(VOCAB, words)  # no entity annotation at all: everything missing
    ref.spans["wrong"] = [Span(ref, 1, 3, label="PER"), Span(ref, 0, 1, label="PER")]
    eg = Example(Doc(VOCAB, words), ref)
    gold = system.gold([eg], np.array([0]))
    states = system.init_states([eg.predicted], np.array([0]))
    row = np.array([0])
    names = system.move_names
    c = dict(zip(names, system.costs(states, row, gold)[0].tolist()))
    assert c["U-PER"] == 1 and c["O"] == 0 and c["B-PER"] == 0
    system.apply(states, row, np.array([0]))
    system.apply(states, row, np.array([names.index("B-PER")]))
    c = dict(zip(names, system.costs(states, row, gold)[0].tolist()))
    assert c["L-PER"] == 1 and c["I-PER"] == 0
    # without the key the same moves are free
    plain = BiluoNer(["PER"])
    g2 = plain.gold([eg], np.array([0]))
    assert (plain.costs(states, row, g2)[0][plain.valid(states, row)[0]] == 0).all()


def test_incorrect_spans_oracle_is_exact_by_brute_force() -> None:
    rng = random.Random(3)
    for _ in range(15):
        examples, presets, incorrect = [], [], []
        for _ in range(3):
            eg, pre = make_example(rng, rng.randint(1, 6))
            n = len(eg.predicted)
            spans = set()
            for _ in range(rng.randint(0, 4)):
                s = rng.randrange(n)
                spans.add((s, rng.randint(s + 1, min(n, s + 3)), rng.choice(LABELS)))
            eg.reference.spans["wrong"] = [Span(eg.reference, s, e, label=lab) for s, e, lab in spans]
            examples.append(eg)
            presets.append(pre)
            incorrect.append(spans)
        check_exact(examples, presets, incorrect)


# Presets ---------------------------------------------------------------------------
def test_entity_ruler_style_doc_keeps_presets_and_finds_others() -> None:
    system = BiluoNer(["PER", "LOC"])
    words = "Ann saw New York and Bob".split()
    pred = Doc(VOCAB, words)
    pred.ents = [Span(pred, 2, 4, label="LOC")]  # an entity_ruler: O everywhere else
    ref = Doc(VOCAB, words, ents=["U-PER", "O", "B-LOC", "L-LOC", "O", "U-PER"])
    eg = Example(pred, ref)
    offsets = np.array([0])
    states = system.init_states([pred], offsets)
    gold = system.gold([eg], offsets)
    row = np.array([0])
    names = system.move_names
    while not system.is_final(states)[0]:
        valid = system.valid(states, row)[0]
        if states.i[0] == 1:
            # B at "saw" would run into the preset entity
            assert not valid[names.index("B-PER")]
        if states.i[0] in (2, 3):
            assert valid.sum() == 1
        costs = system.costs(states, row, gold)[0]
        move = int(np.flatnonzero(valid & (costs == 0))[0])
        system.apply(states, row, np.array([move]))
    system.set_annotations([pred], states, row)
    assert [(e.start, e.end, e.label_) for e in pred.ents] == [(0, 1, "PER"), (2, 4, "LOC"), (5, 6, "PER")]


def test_preset_with_unknown_label_and_blocked_tokens_survive() -> None:
    system = BiluoNer(["PER"])
    words = "x y z w".split()
    pred = Doc(VOCAB, words)
    pred.set_ents([Span(pred, 0, 2, label="GPE")], blocked=[Span(pred, 3, 4)], default="missing")
    states = system.init_states([pred], np.array([0]))
    row = np.array([0])
    u = system.move_names.index("U-PER")
    for expect in (["O"], ["O"], None, ["O"]):
        valid = system.valid(states, row)[0]
        if expect is not None:
            assert [system.move_names[m] for m in np.flatnonzero(valid)] == expect
        system.apply(states, row, np.array([u if expect is None else 0]))
    system.set_annotations([pred], states, row)
    assert [(e.start, e.end, e.label_) for e in pred.ents] == [(0, 2, "GPE"), (2, 3, "PER")]
    assert pred.to_array(["ENT_IOB"]).reshape(-1).tolist() == [3, 1, 3, 3]  # blocked kept


def test_real_entity_ruler_output_is_kept(uner_dir: Path) -> None:
    import plait

    nlp = plait.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([
        {"label": "LOC", "pattern": "Washington", "id": "dc"},
        {"label": "FAC", "pattern": [{"LOWER": "central"}, {"LOWER": "park"}]},  # unknown to the ner
    ])
    texts = [eg.text for eg in corpus_examples(uner_dir / "en_ewt-ud-dev.iob2")[:300]]
    texts += ["Ann met Bob in Washington near Central Park ."] * 3
    docs = list(nlp.pipe(texts))
    before = [[(e.start, e.end, e.label_, e.kb_id_) for e in d.ents] for d in docs]
    assert sum(map(len, before)) >= 6
    system = BiluoNer(["PER", "LOC", "ORG"])
    states = random_walk(system, docs, np.random.default_rng(0))
    system.set_annotations(docs, states, np.arange(len(docs)))
    n_new = 0
    for doc, old in zip(docs, before):
        got = [(e.start, e.end, e.label_, e.kb_id_) for e in doc.ents]
        assert set(old) <= set(got)
        n_new += len(got) - len(old)
    assert n_new > 0  # the ner still finds entities on the ruler's O tokens


def random_walk(system: BiluoNer, docs, rng: np.random.Generator):
    offsets = offsets_of(docs)
    states = system.init_states(docs, offsets)
    rows = np.arange(len(docs))
    steps = 0
    while True:
        live = rows[~system.is_final(states)]
        if not len(live):
            break
        valid = system.valid(states, live)
        assert valid.any(axis=1).all()
        scores = rng.random(valid.shape) + valid * 2
        system.apply(states, live, scores.argmax(axis=1))
        steps += 1
    assert steps == max((len(d) for d in docs), default=0)
    return states


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 12))
def test_random_moves_give_valid_entities_keeping_presets(seed: int, n_docs: int) -> None:
    rng = random.Random(seed)
    system = BiluoNer(LABELS)
    docs, presets = [], []
    for _ in range(n_docs):
        n = rng.randint(0, 12)
        pre = random_presets(rng, n)
        docs.append(make_pred([f"t{j}" for j in range(n)], pre))
        presets.append(pre)
    states = random_walk(system, docs, np.random.default_rng(seed))
    system.set_annotations(docs, states, np.arange(len(docs)))
    for doc, (ents, blocked, _) in zip(docs, presets):
        iob = doc.to_array(["ENT_IOB", "ENT_TYPE"])
        # a valid IOB column: every I continues a B/I of its label
        for j in range(len(doc)):
            if iob[j, 0] == 1 and iob[j, 1]:
                assert j > 0 and iob[j - 1, 0] in (1, 3) and iob[j - 1, 1] == iob[j, 1]
            assert iob[j, 0] in (1, 2, 3)  # nothing left missing
        got = [(e.start, e.end, e.label_) for e in doc.ents]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(got))
        for ent in ents:
            assert ent in got
        for b in blocked:
            assert iob[b, 0] == 3 and iob[b, 1] == 0
        for s, e, lab in got:
            assert lab in LABELS or (s, e, lab) in ents


# Batch = per state ---------------------------------------------------------------------
def test_batch_equals_per_state() -> None:
    rng = random.Random(5)
    pairs = [make_example(rng, rng.randint(0, 10)) for _ in range(30)]
    examples = [p[0] for p in pairs]
    docs = [eg.predicted for eg in examples]
    system = BiluoNer(LABELS)
    offsets = offsets_of(docs)
    gold = system.gold(examples, offsets)
    batch = system.init_states(docs, offsets)
    singles = [system.take(batch, np.array([k])) for k in range(len(docs))]
    nrng = np.random.default_rng(0)
    rows = np.arange(len(docs))
    while True:
        live = rows[~system.is_final(batch)]
        if not len(live):
            break
        feats = system.features(batch, live, 6)
        valid = system.valid(batch, live)
        costs = system.costs(batch, live, gold)
        moves = (nrng.random(valid.shape) + valid * 2).argmax(axis=1)
        for r, k in enumerate(live.tolist()):
            one = np.array([0])
            assert (system.features(singles[k], one, 6)[0] == feats[r]).all()
            assert (system.valid(singles[k], one)[0] == valid[r]).all()
            assert (system.costs(singles[k], one, gold)[0] == costs[r]).all()
            system.apply(singles[k], one, moves[r : r + 1])
        system.apply(batch, live, moves)
    for k in range(len(docs)):
        assert (singles[k].tag_iob[0] == batch.tag_iob[k, : singles[k].tag_iob.shape[1]]).all()


def test_take_copies() -> None:
    system = BiluoNer(LABELS)
    docs = [Doc(VOCAB, ["a", "b", "c"])]
    states = system.init_states(docs, np.array([0]))
    copy = system.take(states, np.array([0, 0]))
    system.apply(copy, np.array([0]), np.array([system.move_names.index("B-A")]))
    assert states.i[0] == 0 and copy.i.tolist() == [1, 0] and copy.tag_iob[1, 0] == 0


def test_features() -> None:
    system = BiluoNer(LABELS)
    docs = [Doc(VOCAB, ["a", "b"]), Doc(VOCAB, ["c", "d", "e", "f"])]
    states = system.init_states(docs, np.array([0, 2]))
    rows = np.array([0, 1])
    assert system.n_features(False) == 3 and system.n_features(True) == 6
    assert system.features(states, rows, 3).tolist() == [[0, -1, -1], [2, -1, -1]]
    b = system.move_names.index("B-A")
    system.apply(states, rows, np.array([0, 0]))
    system.apply(states, np.array([1]), np.array([b]))
    # doc 0 at its last token; doc 1 at token 2 with an entity open at token 1
    assert system.features(states, rows, 6).tolist() == [
        [1, -1, 0, -1, -1, -1],
        [4, 3, 3, 5, 2, 2],
    ]


# Errors --------------------------------------------------------------------------------
def test_invalid_reference_sequence_names_example_and_token() -> None:
    words = ["I", "met", "Ann", "Lee"]
    ref = Doc(VOCAB, words)
    from plait import attrs as A

    per = VOCAB.strings.add("PER")
    ref.from_array([A.ENT_IOB, A.ENT_TYPE], np.array([[2, 0], [2, 0], [1, per], [1, per]], dtype=np.uint64))
    ok = Example(Doc(VOCAB, ["x"]), Doc(VOCAB, ["x"], ents=["O"]))
    bad = Example(Doc(VOCAB, words), ref)
    system = BiluoNer(["PER"])
    with pytest.raises(DataError, match=r"example 1 'I met Ann Lee ', reference token 2 'Ann'.*I-PER after an O"):
        system.gold([ok, bad], np.array([0, 1]))


def _tags(system: BiluoNer, eg: Example):
    from plait_pipes.transition._biluo_gold import _example_tags

    return _example_tags(eg, 0, system.labels, dict(zip(system.labels, range(99))), None)


def test_gold_is_cached_per_example() -> None:
    system = BiluoNer(["PER"])
    eg = Example(Doc(VOCAB, ["Ann"]), Doc(VOCAB, ["Ann"], ents=["U-PER"]))
    first = _tags(system, eg)
    assert _tags(system, eg) is first
    eg.predicted = Doc(VOCAB, ["Ann"])  # a new predicted doc is recomputed
    assert _tags(system, eg) is not first
    assert _tags(BiluoNer(["PER", "LOC"]), eg) is not first


# The oracle on real data -----------------------------------------------------------------
def corpus_examples(path: Path) -> list[Example]:
    from plait_readers.iob import iob_to_docs

    if not path.exists():
        pytest.skip(f"corpus absent at {path}")
    refs = list(iob_to_docs(path, n_sents=1))
    return [Example(Doc(r.vocab, r.words, [bool(t.whitespace_) for t in r]), r) for r in refs]


def follow_oracle(system: BiluoNer, examples: list[Example], rng: np.random.Generator) -> list:
    docs = [eg.predicted for eg in examples]
    offsets = offsets_of(docs)
    gold = system.gold(examples, offsets)
    states = system.init_states(docs, offsets)
    rows = np.arange(len(docs))
    while True:
        live = rows[~system.is_final(states)]
        if not len(live):
            break
        zero = system.valid(states, live) & (system.costs(states, live, gold) == 0)
        assert zero.any(axis=1).all()
        # a random zero-cost move: any of them must keep the gold reachable
        system.apply(states, live, (rng.random(zero.shape) * zero).argmax(axis=1))
    system.set_annotations(docs, states, rows)
    return docs


@pytest.mark.parametrize("corpus", ["uner-english-ewt/en_ewt-ud-dev.iob2", "wnut17/emerging.dev.conll"])
def test_zero_cost_moves_reproduce_gold(corpus: str) -> None:
    examples = corpus_examples(DATA / corpus)
    labels = list(BiluoNer.collect_labels(examples))
    system = BiluoNer(labels)
    docs = follow_oracle(system, examples, np.random.default_rng(0))
    n_ents = 0
    for doc, eg in zip(docs, examples):
        want = [(e.start, e.end, e.label_) for e in eg.reference.ents]
        assert [(e.start, e.end, e.label_) for e in doc.ents] == want
        n_ents += len(want)
    assert n_ents > 800


def test_zero_cost_moves_with_an_unknown_label_skip_only_it(uner_dir: Path) -> None:
    examples = corpus_examples(uner_dir / "en_ewt-ud-dev.iob2")[:400]
    system = BiluoNer(["PER", "LOC"])  # ORG unknown: its entities are missing annotation
    docs = follow_oracle(system, examples, np.random.default_rng(1))
    for doc, eg in zip(docs, examples):
        want = {(e.start, e.end, e.label_) for e in eg.reference.ents if e.label_ != "ORG"}
        got = {(e.start, e.end, e.label_) for e in doc.ents}
        assert want <= got
        assert all(lab != "ORG" for _, _, lab in got)


def test_mismatched_offsets_and_gold_are_usage_errors() -> None:
    from plait.errors import UsageError

    system = BiluoNer(["PER"])
    docs = [Doc(VOCAB, ["a", "b"]), Doc(VOCAB, ["c"])]
    with pytest.raises(DataError, match="concatenated in order"):
        system.init_states(docs, np.array([0, 3]))
    states = system.init_states(docs, np.array([0, 2]))
    eg = Example(Doc(VOCAB, ["a"]), Doc(VOCAB, ["a"], ents=["O"]))
    gold = system.gold([eg], np.array([0]))
    with pytest.raises(UsageError, match="gold covers 1 tokens"):
        system.costs(states, np.array([0, 1]), gold)


# The ner's greedy walk = the general system -------------------------------------------
def _table_rows(feats: np.ndarray, n_tokens: int, slot_base: np.ndarray) -> np.ndarray:
    return np.where(feats < 0, n_tokens, feats) + slot_base


@pytest.mark.parametrize("n_features", [3, 6])
@pytest.mark.parametrize("incorrect", [False, True])
def test_walk_equals_system(n_features: int, incorrect: bool) -> None:
    """BiluoWalk's feature rows, valid moves, costs and final states equal
    BiluoNer.features / valid / costs / apply along random walks, from
    states advanced to different tokens (as oracle cuts leave them), with
    presets, blocked, missing and unknown-label tokens."""
    from plait_pipes.transition._biluo_walk import BiluoWalk

    rng = random.Random(3)
    nrng = np.random.default_rng(3)
    system = BiluoNer(LABELS, incorrect_spans_key="wrong" if incorrect else None)
    checked = 0
    for _ in range(25):
        pairs = [make_example(rng, rng.randint(0, 12)) for _ in range(rng.randint(1, 8))]
        examples = [p[0] for p in pairs]
        if incorrect:
            for eg in examples:
                n = len(eg.reference)
                spans = [(s, min(n, s + rng.randint(1, 2)), rng.choice(LABELS)) for s in range(0, n, 3)]
                eg.reference.spans["wrong"] = [Span(eg.reference, s, e, label=lab) for s, e, lab in spans]
        docs = [eg.predicted for eg in examples]
        offsets = offsets_of(docs)
        gold = system.gold(examples, offsets)
        states = system.init_states(docs, offsets)
        # Some docs get several states (as oracle cuts give them), advanced
        # along random valid moves first to different tokens.
        states = system.take(states, np.repeat(np.arange(len(docs)), [rng.randint(1, 2) for _ in docs]))
        rows = np.arange(len(states))
        for _ in range(rng.randint(0, 4)):
            live = rows[~system.is_final(states)]
            live = live[nrng.random(len(live)) < 0.6]
            if len(live):
                valid = system.valid(states, live)
                system.apply(states, live, (nrng.random(valid.shape) + valid * 2).argmax(axis=1))
        ref = system.take(states, rows)
        n_tokens = int(sum(len(d) for d in docs))
        base = np.arange(n_features, dtype=np.int64) * (n_tokens + 1)
        max_steps = rng.choice([0, 0, 3])  # an oracle cut stops the walk early
        walk = BiluoWalk(system, states, n_features, base, n_tokens, gold, max_steps=max_steps)
        while walk.n_live and (not max_steps or walk.step < max_steps):
            live = rows[~system.is_final(ref)]
            order = live[np.argsort((ref.length - ref.i)[live], kind="stable")]
            assert walk.n_live == len(order)
            feats = system.features(ref, order, n_features)
            assert (walk.rows() == _table_rows(feats, n_tokens, base)).all()
            valid = system.valid(ref, order)
            assert (walk.valid() == valid).all()
            assert (walk.costs() == system.costs(ref, order, gold)).all()
            moves = (nrng.random(valid.shape) + valid * 2).argmax(axis=1)
            walk.apply(moves)
            system.apply(ref, order, moves)
            checked += len(order)
        walk.finish()
        for name in ("i", "ent_start", "ent_label", "tag_iob", "tag_label"):
            assert (getattr(states, name) == getattr(ref, name)).all(), name
    assert checked > 500
