"""StringStore: spaCy-compatible hashes, lookups both ways, serialisation."""

from __future__ import annotations

import pytest
from plait.errors import SerializationError, UsageError
from plait.strings import StringStore, hash_string

# Computed with spaCy 3.8 (bench/.venv-spacy): StringStore().add(s).
SPACY_HASHES = {
    "apple": 8566208034543834098,
    "Apple": 6418411030699964375,
    "Case=Nom|Number=Sing": 693747241462247027,
    "ünïcödé": 13976633046634319967,
    "日本語": 1998301522555383300,
    "😀": 13900606239988879105,
    " ": 8532415787641010193,
}


@pytest.mark.parametrize("text,expected", SPACY_HASHES.items())
def test_hash_matches_spacy(text: str, expected: int) -> None:
    assert hash_string(text) == expected
    assert StringStore().add(text) == expected


def test_empty_string_is_zero() -> None:
    store = StringStore()
    assert store.add("") == 0
    assert store[""] == 0
    assert store[0] == ""
    assert "" in store
    assert len(store) == 0


def test_lookup_both_ways_and_contains() -> None:
    store = StringStore(["apple", "pear"])
    key = store["apple"]
    assert store[key] == "apple"
    assert "apple" in store and key in store
    assert "plum" not in store and hash_string("plum") not in store
    assert len(store) == 2
    assert list(store) == ["apple", "pear"]
    assert store.add("apple") == key and len(store) == 2


def test_unknown_id_names_the_fix() -> None:
    with pytest.raises(KeyError, match="add the string"):
        StringStore()[12345]


def test_add_rejects_non_strings() -> None:
    with pytest.raises(UsageError, match="expects a str, got int"):
        StringStore().add(5)  # type: ignore[arg-type]


def test_hashes_batch_maps_missing_to_zero() -> None:
    store = StringStore()
    out = store.hashes(["apple", None, "", "apple"])
    assert out.dtype.name == "uint64"
    assert out.tolist() == [SPACY_HASHES["apple"], 0, 0, SPACY_HASHES["apple"]]
    assert len(store) == 1


def test_bytes_and_disk_round_trip(tmp_path) -> None:
    store = StringStore(["a", "ü", "日本語"])
    again = StringStore().from_bytes(store.to_bytes())
    assert list(again) == list(store)
    store.to_disk(tmp_path / "strings")
    assert list(StringStore().from_disk(tmp_path / "strings")) == ["a", "ü", "日本語"]


def test_bad_bytes_raise_serialization_error(tmp_path) -> None:
    with pytest.raises(SerializationError, match="msgpack list of strings"):
        StringStore().from_bytes(b"\xc1garbage")
    path = tmp_path / "strings"
    path.write_bytes(b"\x93\x01\x02\x03")  # a msgpack list of ints
    with pytest.raises(SerializationError, match=str(path)):
        StringStore().from_disk(path)
