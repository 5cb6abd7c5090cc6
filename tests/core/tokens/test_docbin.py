"""DocBin: round trips on real EWT data, streaming, merge, and every bad-file case."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest
import srsly
from plait import attrs as A
from plait.errors import SerializationError, UsageError
from plait.tokens import Doc, DocBin, Span
from plait.vocab import Vocab

FIXTURES = Path(__file__).parent / "fixtures"
COLUMNS = [
    "ORTH",
    "SPACY",
    "TAG",
    "POS",
    "MORPH",
    "LEMMA",
    "HEAD",
    "DEP",
    "SENT_START",
    "ENT_IOB",
    "ENT_TYPE",
]


def test_ewt_docs_match_the_text_lines(ewt_sents: list[dict], ewt_docs) -> None:
    _, docs = ewt_docs
    assert len(docs) == 500
    for k, (sent, doc) in enumerate(zip(ewt_sents, docs, strict=True)):
        assert doc.text == sent["text"], f"sentence {k}"
    assert all(doc.has_annotation("DEP", require_complete=True) for doc in docs)


def test_ewt_round_trip_preserves_every_column(ewt_docs, tmp_path: Path) -> None:
    vocab, docs = ewt_docs
    docs[0].ents = [Span(docs[0], 0, 1, label="X")]
    docs[1].cats = {"A": 1.0, "B": 0.0}
    docs[2].spans["sc"] = [
        Span(docs[2], 0, 2, label="L", kb_id="Q42"),
        Span(docs[2], 1, 3, label="M"),
    ]
    docs[3][0].norm_ = "custom-norm"
    path = tmp_path / "dev.plait"
    DocBin(docs=docs).to_disk(path)
    assert not [p for p in tmp_path.iterdir() if p.name != "dev.plait"]  # no temp file left behind
    fresh = Vocab()
    loaded = list(DocBin().from_disk(path).get_docs(fresh))
    assert len(loaded) == len(docs)
    for k, (a, b) in enumerate(zip(docs, loaded, strict=True)):
        assert b.vocab is fresh
        assert np.array_equal(a.to_array(COLUMNS), b.to_array(COLUMNS)), f"doc {k}"
        assert a.text == b.text and a.to_json() == b.to_json()
    assert [e.label_ for e in loaded[0].ents] == ["X"]
    assert loaded[1].cats == {"A": 1.0, "B": 0.0}
    assert [(s.text, s.label_, s.kb_id_) for s in loaded[2].spans["sc"]] == [
        (docs[2][0:2].text, "L", "Q42"), (docs[2][1:3].text, "M", "")]  # fmt: skip
    assert loaded[3][0].norm_ == "custom-norm" and loaded[4][0].norm_ == docs[4][0].lower_


def test_streaming_reader_matches_get_docs(ewt_docs, tmp_path: Path, monkeypatch) -> None:
    from plait.tokens import docbin as docbin_module

    monkeypatch.setattr(docbin_module, "CHUNK_TOKENS", 500)  # force many chunks
    _, docs = ewt_docs
    path = tmp_path / "dev.plait"
    DocBin(docs=docs).to_disk(path)
    streamed = DocBin.iter_from_disk(path, Vocab())
    first = next(streamed)
    assert first.text == docs[0].text
    rest = list(streamed)
    assert [d.text for d in rest] == [d.text for d in docs[1:]]
    assert rest[-1].to_json() == docs[-1].to_json()


def test_smaller_than_one_uint64_per_cell(ewt_docs) -> None:
    _, docs = ewt_docs
    data = DocBin(docs=docs).to_bytes()
    n_tokens = sum(len(d) for d in docs)
    # spaCy stores ~ 8 bytes per cell before zlib; we aim far below 2 bytes per token.
    assert len(data) < 2 * n_tokens * 4


def test_user_data_only_when_asked(vocab: Vocab) -> None:
    doc = Doc(vocab, ["a", "b"], user_data={"source": "x.txt", ("ext", "k", None, None): [1, 2]})
    plain = next(DocBin(docs=[doc]).from_bytes(DocBin(docs=[doc]).to_bytes()).get_docs(vocab))
    assert plain.user_data == {}
    stored = DocBin(store_user_data=True, docs=[doc])
    again = next(DocBin().from_bytes(stored.to_bytes()).get_docs(vocab))
    assert again.user_data == {"source": "x.txt", ("ext", "k", None, None): [1, 2]}


def test_len_merge_strings_attrs(vocab: Vocab) -> None:
    a = DocBin(docs=[Doc(vocab, ["x", "y"], tags=["T", "U"])])
    b = DocBin(docs=[Doc(vocab, ["z"])])
    a.merge(b)
    assert len(a) == 2
    assert {"x", "y", "z", "T", "U"} <= a.strings
    assert A.ORTH in a.attrs and A.SPACY in a.attrs and A.TAG in a.attrs
    with pytest.raises(UsageError, match="attrs differ"):
        a.merge(DocBin(attrs=["ORTH"]))
    with pytest.raises(UsageError, match="cannot be stored"):
        DocBin(attrs=["SHAPE"])


def test_restricted_attrs_drop_the_rest(vocab: Vocab) -> None:
    doc = Doc(vocab, ["a", "b"], tags=["T", "U"], lemmas=["l", "m"])
    bin_ = DocBin(attrs=["ORTH", "TAG"], docs=[doc])
    again = next(DocBin().from_bytes(bin_.to_bytes()).get_docs(vocab))
    assert [t.tag_ for t in again] == ["T", "U"] and not again.has_annotation("LEMMA")


def test_hash_without_string_is_reported(vocab: Vocab) -> None:
    doc = Doc(vocab, ["a"])
    doc[0].tag = 12345
    with pytest.raises(UsageError, match="no string for id 12345"):
        DocBin(docs=[doc]).to_bytes()


def test_doc_to_bytes(vocab: Vocab) -> None:
    doc = Doc(vocab, ["a", "b"], ents=["U-X", "O"])
    doc.spans["s"] = [doc[0:2]]
    again = Doc(vocab).from_bytes(doc.to_bytes())
    assert again.to_json() == doc.to_json() and again.spans["s"][0].doc is again


@pytest.fixture()
def good_file(tmp_path: Path, vocab: Vocab) -> Path:
    path = tmp_path / "good.plait"
    docs = [Doc(vocab, ["word", str(i)], tags=["NN", "CD"]) for i in range(50)]
    DocBin(docs=docs).to_disk(path)
    return path


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda raw: b"", "the file is empty"),
        (lambda raw: (FIXTURES / "tiny.spacy").read_bytes(), r"bad header.*spaCy \.spacy file"),
        (lambda raw: b"text,with,columns\n1,2,3\n", "bad header.*text file"),
        (
            lambda raw: bytes(np.random.default_rng(0).integers(0, 256, 300, dtype=np.uint8)),
            "bad header",
        ),
        (lambda raw: raw[: len(raw) // 2], "truncated DocBin"),
        (lambda raw: raw[:-3], "truncated DocBin"),
        (lambda raw: raw[:9], "truncated DocBin: incomplete frame header"),
        (lambda raw: raw[:40] + bytes([raw[40] ^ 0xFF]) + raw[41:], "corrupt DocBin"),
        (lambda raw: raw[:7] + bytes([9]) + raw[8:], "format version 9 is newer"),
    ],
)
def test_bad_files_raise_serialization_error(good_file: Path, make, message: str) -> None:
    bad = good_file.with_name("bad.plait")
    bad.write_bytes(make(good_file.read_bytes()))
    with pytest.raises(SerializationError, match=message) as info:
        list(DocBin().from_disk(bad).get_docs(Vocab()))
    assert str(bad) in str(info.value)
    with pytest.raises(SerializationError, match=message):
        list(DocBin.iter_from_disk(bad, Vocab()))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SerializationError, match="cannot read DocBin"):
        DocBin().from_disk(tmp_path / "nope.plait")


def test_valid_frames_with_wrong_content(tmp_path: Path) -> None:
    from plait.tokens import _docbin_io as io_

    path = tmp_path / "odd.plait"
    header = io_.frame(b"H", {"attrs": [A.ORTH, A.SPACY], "store_user_data": False})
    chunk = io_.frame(b"C", {"n_docs": 1, "n_tokens": 3, "strings": ["a"], "lengths": ["|u1", b"\x02"],
                             "spaces": b"\x00", "columns": []})  # fmt: skip
    path.write_bytes(io_.HEADER + header + chunk + io_.frame(b"E", {"n_docs": 1, "n_chunks": 1}))
    with pytest.raises(SerializationError, match="lengths add up to 2, not 3"):
        DocBin().from_disk(path)
    chunk = io_.frame(b"C", {"n_docs": 1, "n_tokens": 1, "strings": ["a"], "lengths": ["|u1", b"\x01"],
                             "spaces": b"\x00", "columns": []})  # fmt: skip
    path.write_bytes(io_.HEADER + header + chunk + io_.frame(b"E", {"n_docs": 5, "n_chunks": 1}))
    with pytest.raises(SerializationError, match="no ORTH column|promises 5 docs"):
        DocBin().from_disk(path)
    raw = zlib.compress(srsly.msgpack_dumps([1, 2]))
    path.write_bytes(io_.HEADER + b"H" + len(raw).to_bytes(4, "little") + raw)
    with pytest.raises(SerializationError, match="is not a map"):
        DocBin().from_disk(path)


def test_get_docs_twice_and_without_serialising(ewt_docs) -> None:
    _, docs = ewt_docs
    expected = [d.to_json() for d in docs[:50]]
    in_memory = DocBin(docs=docs[:50])
    assert [d.to_json() for d in in_memory.get_docs(Vocab())] == expected
    loaded = DocBin().from_bytes(in_memory.to_bytes())
    for _ in range(2):  # each call fills a fresh vocab with every string it needs
        assert [d.to_json() for d in loaded.get_docs(Vocab())] == expected


def test_docs_from_a_docbin_do_not_share_memory(vocab: Vocab) -> None:
    bin_ = DocBin(docs=[Doc(vocab, ["a", "b"], tags=["X", "Y"])])
    first, second = next(bin_.get_docs(vocab)), next(bin_.get_docs(vocab))
    first[0].tag_ = "Z"
    assert second[0].tag_ == "X" and next(bin_.get_docs(vocab))[0].tag_ == "X"
    doc = Doc(vocab, ["c"], tags=["X"])
    bin_.add(doc)
    doc[0].tag_ = "Q"  # editing after add does not change the stored copy
    assert list(bin_.get_docs(vocab))[-1][0].tag_ == "X"


def test_from_bytes_replaces_content(vocab: Vocab) -> None:
    two = DocBin(docs=[Doc(vocab, ["a"]), Doc(vocab, ["b"])])
    one = DocBin(attrs=["ORTH"], docs=[Doc(vocab, ["c"])])
    two.from_bytes(one.to_bytes())
    assert len(two) == 1 and two.attrs == [A.ORTH, A.SPACY]
    assert [d.text for d in two.get_docs(vocab)] == ["c "]


def _bomb_frame(kind: bytes, prefix: dict, filler_bytes: int) -> bytes:
    # A frame whose payload is `prefix` (a msgpack map) plus one more entry:
    # a string of `filler_bytes` zero bytes, compressed piece by piece so the
    # test itself never holds it (about 1000:1, the zlib maximum).
    import struct

    head = bytearray(srsly.msgpack_dumps(prefix))
    head[0] += 1  # one more entry in the fixmap
    head += srsly.msgpack_dumps("strings") + b"\xdb" + struct.pack(">I", filler_bytes)
    comp = zlib.compressobj(9)
    body = comp.compress(bytes(head))
    block = bytes(1 << 20)
    for _ in range(filler_bytes >> 20):
        body += comp.compress(block)
    body += comp.flush()
    return kind + len(body).to_bytes(4, "little") + body


@pytest.mark.parametrize("kind", [b"C", b"H"])
def test_zlib_bomb_is_refused_with_bounded_memory(tmp_path: Path, kind: bytes) -> None:
    import tracemalloc

    from plait.tokens import _docbin_io as io_

    header = io_.frame(b"H", {"attrs": [A.ORTH, A.SPACY], "store_user_data": False})
    prefix = {"n_docs": 1, "n_tokens": 2} if kind == b"C" else {"attrs": [A.ORTH, A.SPACY]}
    bomb = _bomb_frame(kind, prefix, 96 << 20)
    path = tmp_path / "bomb.plait"
    path.write_bytes(io_.HEADER + (header if kind == b"C" else b"") + bomb)
    assert path.stat().st_size < 200_000  # ~100 kB on disk, 96 MB inflated
    tracemalloc.start()
    try:
        with pytest.raises(SerializationError, match="inflates to more than .* bytes although it") as info:
            DocBin().from_disk(path)
        with pytest.raises(SerializationError, match="zlib bomb"):
            list(DocBin.iter_from_disk(path, Vocab()))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Before the limit, the whole payload was inflated (96 MB) before any check.
    assert peak < 8 << 20, peak
    assert str(path) in str(info.value)
    if kind == b"C":
        assert "declares 2 tokens in 1 docs" in str(info.value)


def test_limits_leave_room_for_highly_compressible_real_docs(vocab: Vocab) -> None:
    # One long doc of a single repeated word compresses ~800:1, about what a
    # bomb does; its declared token count makes it legitimate.
    doc = Doc(vocab, ["the"] * 120_000, tags=["DT"] * 120_000)
    data = DocBin(docs=[doc]).to_bytes()
    assert len(data) < 4000
    (back,) = DocBin().from_bytes(data).get_docs(vocab)
    assert len(back) == 120_000 and back[-1].tag_ == "DT"


def test_msgpack_element_bomb_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    # 900,000 empty lists: under 1 MB inflated (within the size limit) but
    # ~60 MB of Python lists if decoded whole.
    import tracemalloc

    from plait.tokens import _docbin_io as io_

    header = io_.frame(b"H", {"attrs": [A.ORTH, A.SPACY], "store_user_data": False})
    bomb = io_.frame(b"C", {"n_docs": 1, "n_tokens": 2, "strings": [[]] * 900_000})
    path = tmp_path / "lists.plait"
    path.write_bytes(io_.HEADER + header + bomb)
    tracemalloc.start()
    try:
        with pytest.raises(SerializationError, match="holds more than .* list items and map entries"):
            DocBin().from_disk(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, peak


def test_budgets_leave_room_for_many_cats_and_spans(vocab: Vocab) -> None:
    labels = [f"LABEL_{i}" for i in range(300)]
    docs = []
    for i in range(200):
        doc = Doc(vocab, ["a", "b", str(i)])
        doc.cats = {label: float(j % 2) for j, label in enumerate(labels)}
        doc.spans["sc"] = [doc[0:1], doc[1:3], doc[0:3], doc[2:3]]
        docs.append(doc)
    back = list(DocBin(docs=docs).from_bytes(DocBin(docs=docs).to_bytes()).get_docs(vocab))
    assert len(back) == 200 and len(back[-1].cats) == 300 and len(back[-1].spans["sc"]) == 4
