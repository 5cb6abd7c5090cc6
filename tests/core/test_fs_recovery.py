"""plait.fs: a process killed at any step of a folder swap leaves a recoverable state.

Each test forks a child that saves and is killed (``os._exit``: no cleanup,
no ``finally``) right after a named step; the parent then checks what a
kill there leaves and that ``recover_directory`` (or the next save) repairs it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
import srsly
from plait import fs
from plait.errors import SerializationError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork to kill a saving process")

KILLED = 77


def run_killed_at(point: str, occurrence: int, action: Callable[[], None]) -> bool:
    """Run `action` in a child killed right after the `occurrence`-th (1-based)
    `point`. RETURNS (bool): whether the child was killed there (False: it
    finished without reaching that point)."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 0
        try:
            seen = {"n": 0}

            def hook(name: str) -> None:
                if name == point:
                    seen["n"] += 1
                    if seen["n"] == occurrence:
                        os._exit(KILLED)

            fs.fault_hook = hook
            action()
        except BaseException:  # noqa: BLE001 - any failure is reported by the exit code
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, KILLED), f"the saving child failed (exit code {code})"
    return code == KILLED


def record_points(action: Callable[[], None]) -> list[str]:
    """RETURNS (list[str]): the fault points `action` passes, in order."""
    seen: list[str] = []
    fs.fault_hook = seen.append
    try:
        action()
    finally:
        fs.fault_hook = None
    return seen


def write_folder(tmp: Path, tag: str, n_files: int = 3) -> None:
    for i in range(n_files):
        fs.write_text(tmp / f"f{i}.txt", f"{tag}-{i}")
    (tmp / "sub").mkdir()
    (tmp / "sub" / "plain.txt").write_text(tag)  # a component's own open(): synced at the swap


def folder_tag(path: Path) -> str:
    """The single tag all files of a folder carry; fails on a mixed or partial folder."""
    tags = {(path / f"f{i}.txt").read_text() .rsplit("-", 1)[0] for i in range(3)}
    tags.add((path / "sub" / "plain.txt").read_text())
    assert len(tags) == 1, f"{path} mixes {tags}"
    return tags.pop()


def save(dest: Path, tag: str) -> Callable[[], None]:
    def action() -> None:
        with fs.atomic_directory(dest) as tmp:
            write_folder(tmp, tag)

    return action


@pytest.mark.parametrize("existing", [False, True], ids=["first-save", "replace"])
def test_a_kill_after_each_step_of_a_swap_is_recovered(tmp_path, existing):
    probe = tmp_path / "probe" / "model-last"
    if existing:
        save(probe, "old")()
    points = record_points(save(probe, "new"))
    assert {"swap:synced", "swap:journal", "swap:new-in", "swap:journal-removed", "swap:old-removed"} <= set(points)
    assert ("swap:old-aside" in points) == existing
    counts: dict[str, int] = {}
    for point in points:
        counts[point] = counts.get(point, 0) + 1
        run = tmp_path / f"{point}-{counts[point]}"
        dest = run / "model-last"
        if existing:
            save(dest, "old")()
        assert run_killed_at(point, counts[point], save(dest, "new"))
        before = sorted(p.name for p in run.iterdir())
        done = fs.recover_directory(dest, clean=True)
        # Whatever the step, the folder is complete: old before the journal, new after.
        journaled = point.startswith("swap:") and point != "swap:synced"
        expected = "new" if journaled else ("old" if existing else None)
        if expected is None:
            assert not dest.exists(), (point, before)
        else:
            assert folder_tag(dest) == expected, (point, before)
        assert (done is not None) == (fs.journal_path(dest).name in before), (point, before)
        assert sorted(p.name for p in run.iterdir()) == (["model-last"] if expected else []), (point, before)
        # And the next save works normally.
        save(dest, "next")()
        assert folder_tag(dest) == "next"
        assert sorted(p.name for p in run.iterdir()) == ["model-last"]


def test_the_next_save_finishes_a_half_done_swap_itself(tmp_path):
    dest = tmp_path / "model-best"
    save(dest, "old")()
    assert run_killed_at("swap:old-aside", 1, save(dest, "new"))
    assert not dest.exists()  # between the renames: only the journal knows where both are
    assert fs.journal_path(dest).exists()
    # A save (no explicit recovery) first rolls the interrupted swap forward.
    with fs.atomic_directory(dest) as tmp:
        assert folder_tag(dest) == "new"
        write_folder(tmp, "third")
    assert folder_tag(dest) == "third"
    assert not fs.journal_path(dest).exists()


def test_an_old_copy_left_by_an_unjournaled_swap_is_restored(tmp_path):
    # plait before the journal renamed the old folder aside and could be
    # killed before renaming the new one in.
    dest = tmp_path / "model-last"
    save(dest, "old")()
    os.replace(dest, tmp_path / ".model-last.old-abc123")
    (tmp_path / ".model-last.tmp-xyz").mkdir()
    assert fs.recover_directory(dest, clean=True) == "restored"
    assert folder_tag(dest) == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-last"]


def test_a_damaged_journal_is_a_serialization_error_naming_the_folders(tmp_path):
    dest = tmp_path / "model-last"
    save(dest, "old")()
    fs.journal_path(dest).write_text("{not json")
    with pytest.raises(SerializationError, match=r"swap journal of .*model-last.*\.model-last\.tmp-"):
        fs.recover_directory(dest)


def test_a_failed_rename_rolls_back_and_leaves_no_journal(tmp_path, monkeypatch):
    dest = tmp_path / "m"
    save(dest, "old")()
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst) == dest and ".tmp-" in Path(src).name:
            raise PermissionError("no")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(PermissionError):
        save(dest, "new")()
    monkeypatch.setattr(os, "replace", real_replace)
    assert folder_tag(dest) == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_journal_names_are_relative(tmp_path):
    # The output folder may be moved between the kill and the recovery.
    dest = tmp_path / "a" / "model-last"
    assert run_killed_at("swap:journal", 1, save(dest, "new"))
    entry = srsly.read_json(fs.journal_path(dest))
    assert not os.path.isabs(entry["new"]) and "/" not in entry["old"]
    os.replace(tmp_path / "a", tmp_path / "b")
    fs.recover_directory(tmp_path / "b" / "model-last", clean=True)
    assert folder_tag(tmp_path / "b" / "model-last") == "new"


def test_loading_a_pipeline_finishes_a_swap_killed_between_its_renames(tmp_path):
    import plait

    nlp = plait.blank("en")
    dest = tmp_path / "model-last"
    nlp.meta["name"] = "old"
    nlp.to_disk(dest)

    def save_new() -> None:
        nlp.meta["name"] = "new"
        nlp.to_disk(dest)

    assert run_killed_at("swap:old-aside", 1, save_new)
    assert not dest.exists()
    assert plait.load(dest).meta["name"] == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-last"]
