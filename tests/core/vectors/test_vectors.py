"""Vectors: the table API, its files (npy + msgpack, no pickle), Doc/Span/Token vectors."""

from __future__ import annotations

import numpy as np
import plait
import pytest
import srsly
from plait.errors import SerializationError, UsageError
from plait.strings import hash_string
from plait.vectors import Vectors


def _vectors() -> Vectors:
    data = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 0, 1], [0, 1, 0]], dtype=np.float32)
    return Vectors(data=data, keys=["cat", "dog", "car", "tree"])


def test_find_add_contains_and_shape() -> None:
    v = _vectors()
    assert v.shape == (4, 3) and v.n_keys == 4 and len(v) == 4 and v.is_full
    assert "cat" in v and "bird" not in v
    assert v.find(key="car") == 2
    assert v.find(keys=["tree", "bird", "cat"]).tolist() == [3, -1, 0]
    with pytest.raises(UsageError, match="full"):
        v.add("bird", vector=np.ones(3))
    v.resize((6, 3))
    assert v.add("bird", vector=np.ones(3)) == 4
    assert v["bird"].tolist() == [1, 1, 1]
    # A second key may share a row.
    v.add("kitty", row=0)
    assert v.find(row=0) == [hash_string("cat"), hash_string("kitty")]
    assert v.get_batch(["kitty", "nope"]).tolist() == [[1, 0, 0], [0, 0, 0]]


def test_resize_drops_keys_of_removed_rows() -> None:
    v = _vectors()
    v.resize((2, 3))
    assert "cat" in v and "dog" in v and "car" not in v and v.n_keys == 2


def test_most_similar_is_cosine_best_first() -> None:
    v = _vectors()
    keys, rows, scores = v.most_similar(np.array([[1, 0.05, 0]]), n=2)
    assert rows.tolist() == [[0, 1]]
    assert int(keys[0, 0]) == hash_string("cat")
    assert scores[0, 0] > scores[0, 1] > 0.9


def test_prune_maps_dropped_words_to_their_nearest_kept_row() -> None:
    data = np.array([[1, 0], [0, 1], [0.9, 0.2], [0.1, 1]], dtype=np.float32)
    v = Vectors(data=data, keys=["a", "b", "c", "d"])
    remap = v.prune(2)
    assert v.shape == (2, 2) and v.n_keys == 4
    assert v.find(key="c") == 0 and v.find(key="d") == 1
    assert len(remap) == 2 and all(score > 0.9 for _, score in remap.values())


def test_disk_round_trip_is_numpy_and_msgpack_memory_mapped(tmp_path) -> None:
    v = _vectors()
    v.to_disk(tmp_path / "vectors")
    files = sorted(p.name for p in (tmp_path / "vectors").iterdir())
    assert files == ["key2row.msgpack", "vectors.npy"]
    # A plain .npy, readable without pickle.
    assert np.load(tmp_path / "vectors" / "vectors.npy", allow_pickle=False).shape == (4, 3)
    loaded = Vectors().from_disk(tmp_path / "vectors")
    assert isinstance(loaded.data, np.memmap)
    assert np.array_equal(loaded.data, v.data) and loaded.key2row == v.key2row
    loaded["cat"] = np.zeros(3)  # copy-on-write: the file is unchanged
    assert Vectors().from_disk(tmp_path / "vectors")["cat"].tolist() == [1, 0, 0]
    again = Vectors().from_bytes(v.to_bytes())
    assert again.key2row == v.key2row and np.array_equal(again.data, v.data)


def test_a_broken_key_table_is_a_serialization_error(tmp_path) -> None:
    v = _vectors()
    v.to_disk(tmp_path)
    msg = srsly.read_msgpack(tmp_path / "key2row.msgpack")
    msg["rows"] = np.array([0, 1, 2, 9], dtype=np.int64).tobytes()
    srsly.write_msgpack(tmp_path / "key2row.msgpack", msg)
    with pytest.raises(SerializationError, match="points past the 4 rows"):
        Vectors().from_disk(tmp_path)


def test_doc_span_token_vectors_follow_spacy(tmp_path) -> None:
    nlp = plait.blank("en")
    nlp.vocab.vectors = Vectors(data=_vectors().data, keys=["cat", "dog", "car", "tree"],
                                strings=nlp.vocab.strings)
    doc = nlp("cat dog zebra")
    assert doc[0].has_vector and not doc[2].has_vector
    assert doc[2].vector.tolist() == [0, 0, 0] and doc[2].vector_norm == 0.0
    # Span and Doc: the mean over all tokens, zeros of unknown words included.
    assert np.allclose(doc[0:2].vector, [0.95, 0.05, 0])
    assert np.allclose(doc.vector, [1.9 / 3, 0.1 / 3, 0])
    assert doc[0].similarity(doc[1]) == pytest.approx(0.9939, abs=1e-3)
    assert doc[0].similarity(doc[2]) == 0.0
    assert doc.similarity(nlp("cat dog zebra")) == pytest.approx(1.0)
    # Saved with the pipeline under vocab/vectors, and loaded back.
    nlp.to_disk(tmp_path / "p")
    assert (tmp_path / "p" / "vocab" / "vectors" / "vectors.npy").exists()
    reloaded = plait.load(tmp_path / "p")
    assert np.array_equal(reloaded("cat dog")[0:2].vector, doc[0:2].vector)
    assert reloaded.vocab.vectors.n_keys == 4


def test_pipeline_without_vectors_has_empty_vectors() -> None:
    doc = plait.blank("en")("a b")
    assert doc.vocab.vectors.shape == (0, 0)
    assert not doc.has_vector and doc.vector.shape == (0,) and doc.similarity(doc) == 0.0


def test_lexeme_vectors_and_similarity_with_tokens():
    nlp = plait.blank("en")
    nlp.vocab.vectors = Vectors(shape=(2, 4))
    nlp.vocab.vectors.add("dog", vector=np.ones(4, dtype="f"))
    nlp.vocab.vectors.add("cat", vector=np.array([1, 1, 1, 0.5], dtype="f"))
    doc = nlp("dog cat")
    dog = nlp.vocab["dog"]
    assert dog.has_vector and dog.vector.tolist() == [1.0, 1.0, 1.0, 1.0]
    assert dog.similarity(doc[1]) == pytest.approx(doc[1].similarity(dog)) == pytest.approx(3.5 / (2 * 1.8027756))
    assert not nlp.vocab["zebra"].has_vector and nlp.vocab["zebra"].vector_norm == 0.0
