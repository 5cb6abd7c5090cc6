"""checksums.sha256: a saved pipeline's damaged or missing data file is refused at load, naming it."""

from __future__ import annotations

import hashlib
import shutil

import plait
import pytest
from language_components import cap_examples
from plait.errors import SerializationError
from plait.language._checksums import CHECKSUM_FILE


@pytest.fixture(scope="module")
def saved(ewt_train_words, tmp_path_factory):
    nlp = plait.blank("en")
    nlp.add_pipe("test_cap_tagger", name="cap")
    examples = cap_examples(nlp, ewt_train_words[:40])
    nlp.initialize(lambda: examples)
    path = tmp_path_factory.mktemp("checksums") / "pipeline"
    nlp.to_disk(path)
    return path


@pytest.fixture
def copy(saved, tmp_path):
    target = tmp_path / "p"
    shutil.copytree(saved, target)
    return target


def _weights(folder):
    files = [p for p in (folder / "cap").rglob("*") if p.is_file()]
    return max(files, key=lambda p: p.stat().st_size)


def test_lists_every_data_file_in_sha256sum_format(saved):
    lines = (saved / CHECKSUM_FILE).read_text(encoding="utf8").splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
    data = {p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()}
    assert set(listed) == data - {"config.cfg", "meta.json", CHECKSUM_FILE}
    assert any(name.startswith("cap/") for name in listed) and any(name.startswith("vocab/") for name in listed)
    for name, digest in listed.items():
        assert hashlib.sha256((saved / name).read_bytes()).hexdigest() == digest


def test_a_flipped_byte_mid_weights_is_refused_naming_the_file(copy):
    weights = _weights(copy)
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0x40  # still decodes: same msgpack structure, one float changed
    weights.write_bytes(bytes(data))
    with pytest.raises(SerializationError, match=f"{weights.name}.*differs from what was saved"):
        plait.load(copy)


def test_a_missing_data_file_is_refused(copy):
    weights = _weights(copy)
    weights.unlink()
    with pytest.raises(SerializationError, match="missing, but checksums.sha256 lists it"):
        plait.load(copy)


def test_hand_edited_text_files_and_old_folders_still_load(copy):
    meta = copy / "meta.json"
    meta.write_text(meta.read_text(encoding="utf8").replace('"name"', '"name"', 1) + "\n", encoding="utf8")
    config = copy / "config.cfg"
    config.write_text(config.read_text(encoding="utf8") + "\n# edited by hand\n", encoding="utf8")
    assert plait.load(copy).pipe_names == ["cap"]
    (copy / CHECKSUM_FILE).unlink()  # a folder saved before checksums existed
    assert plait.load(copy).pipe_names == ["cap"]


def test_excluded_parts_are_not_checked(copy):
    weights = _weights(copy)
    weights.write_bytes(b"damaged")
    nlp = plait.blank("en")
    nlp.add_pipe("test_cap_tagger", name="cap")
    nlp.from_disk(copy, exclude=["cap"])  # the damaged component is not read, so not checked


@pytest.mark.parametrize("line", ["nonsense", f"{'0' * 64}  ../outside", f"{'0' * 64}  /etc/passwd"])
def test_a_malformed_listing_is_refused(copy, line):
    (copy / CHECKSUM_FILE).write_text(line + "\n", encoding="utf8")
    with pytest.raises(SerializationError, match=r"checksums.sha256, line 1"):
        plait.load(copy)


def test_a_component_cannot_be_named_like_the_checksum_file():
    nlp = plait.blank("en")
    with pytest.raises(Exception, match="reserved for the pipeline folder's own 'checksums.sha256'"):
        nlp.add_pipe("test_cap_tagger", name="Checksums.sha256")
