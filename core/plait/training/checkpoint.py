"""Resumable training checkpoints: everything needed to continue a run exactly.

Why it exists: ``plait train --resume out/`` must finish an interrupted run
with the scores an uninterrupted run gets. A checkpoint holds the pipeline
weights (``nlp.to_disk``), the optimizer state (Adam moments, averages and
per-parameter update counts, keyed by component name and node index because
thinc's node ids change between processes), the loop position (step, epoch,
words, seconds, results), the shuffle seed and the RNG states of ``random``
and ``numpy``. Schedules (learning rate, batch size, dropout) are generators,
so they are not stored: the resumed run replays them for the steps already
done, as it replays the batch stream without updating.

Layout (no pickle; msgpack and thinc's own bytes)::

    out/checkpoint/LATEST              name of the newest complete checkpoint
    out/checkpoint/step-00000200/nlp/  the pipeline, raw (not averaged) weights
    out/checkpoint/step-00000200/state.msgpack

A checkpoint folder is written under a temporary name and swapped in when
complete (``plait.fs``'s journaled replace); LATEST is replaced atomically
afterwards and older folders deleted last, so a kill at any moment leaves a
complete checkpoint that ``recover_checkpoints`` finds (it finishes a
half-done swap and repairs LATEST) when the run is resumed or restarted.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path
from typing import Any

import numpy
import srsly
from thinc.api import Model, Optimizer
from thinc.backends import get_array_ops

from .. import fs
from ..errors import SerializationError, UsageError

CHECKPOINT_DIR = "checkpoint"
LATEST = "LATEST"
STATE_FILE = "state.msgpack"
NLP_DIR = "nlp"
FORMAT_VERSION = 1


def _node_paths(nlp: Any) -> dict[int, tuple[str, int]]:
    """Map thinc node ids to (component name, index in model.walk()), stable across processes."""
    paths: dict[int, tuple[str, int]] = {}
    for name, proc in nlp.pipeline:
        model = getattr(proc, "model", None)
        if not isinstance(model, Model):
            continue
        for i, node in enumerate(model.walk()):
            paths.setdefault(node.id, (name, i))
    return paths


def _nodes_by_path(nlp: Any) -> dict[tuple[str, int], int]:
    return {path: node_id for node_id, path in _node_paths(nlp).items()}


def _array_msg(array: Any) -> dict[str, Any]:
    arr = numpy.ascontiguousarray(get_array_ops(array).to_numpy(array))
    return {"dtype": arr.dtype.str, "shape": list(arr.shape), "data": arr.tobytes()}


def _array_from_msg(msg: dict[str, Any], ops: Any) -> Any:
    arr = numpy.frombuffer(msg["data"], dtype=numpy.dtype(msg["dtype"])).reshape(msg["shape"]).copy()
    return ops.asarray(arr)


def optimizer_to_msg(nlp: Any, optimizer: Optimizer) -> dict[str, Any]:
    """Serialize thinc's Optimizer state through its public attributes.

    nlp (Language): the pipeline whose models the optimizer updates.
    optimizer (Optimizer): the optimizer.
    RETURNS (dict): msgpack-serializable state.
    """
    paths = _node_paths(nlp)
    params: list[dict[str, Any]] = []
    keys = set(optimizer.mom1) | set(optimizer.mom2) | set(optimizer.nr_update)
    if optimizer.averages is not None:
        keys |= set(optimizer.averages)
    for key in sorted(keys, key=lambda k: (paths.get(k[0], ("", -1)), k[1])):
        node_id, param = key
        if node_id not in paths:
            continue  # a model no longer in the pipeline
        name, index = paths[node_id]
        record: dict[str, Any] = {"pipe": name, "node": index, "param": param,
                                  "nr_update": int(optimizer.nr_update.get(key, 0)),
                                  "last_seen": int(optimizer.last_seen.get(key, 0))}
        if key in optimizer.mom1:
            record["mom1"] = _array_msg(optimizer.mom1[key])
        if key in optimizer.mom2:
            record["mom2"] = _array_msg(optimizer.mom2[key])
        if optimizer.averages is not None and key in optimizer.averages:
            record["averages"] = _array_msg(optimizer.averages[key])
        params.append(record)
    return {"params": params}


def optimizer_from_msg(nlp: Any, optimizer: Optimizer, msg: dict[str, Any], *, schedule_steps: int) -> None:
    """Restore the state written by ``optimizer_to_msg`` into a fresh optimizer.

    nlp (Language): the resumed pipeline (its node ids differ from the saved run).
    optimizer (Optimizer): built from the same [training.optimizer] block.
    msg (dict): the saved state.
    schedule_steps (int): how many times the run called ``step_schedules``.
    """
    by_path = _nodes_by_path(nlp)
    for record in msg.get("params", []):
        node_id = by_path.get((record["pipe"], record["node"]))
        if node_id is None:
            raise SerializationError(
                f"checkpoint: optimizer state for component '{record['pipe']}' node {record['node']} "
                f"does not match the pipeline; was the config changed since the run started?"
            )
        key = (node_id, record["param"])
        ops = nlp.get_pipe(record["pipe"]).model.ops
        optimizer.nr_update[key] = record["nr_update"]
        optimizer.last_seen[key] = record["last_seen"]
        if "mom1" in record:
            optimizer.mom1[key] = _array_from_msg(record["mom1"], ops)
        if "mom2" in record:
            optimizer.mom2[key] = _array_from_msg(record["mom2"], ops)
        if "averages" in record and optimizer.averages is not None:
            optimizer.averages[key] = _array_from_msg(record["averages"], ops)
    for _ in range(schedule_steps):
        optimizer.step_schedules()


def rng_state() -> dict[str, Any]:
    """RETURNS (dict): the states of ``random`` and ``numpy.random``, msgpack-safe."""
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = numpy.random.get_state()
    return {
        "random": [version, list(internal), gauss],
        "numpy": [name, numpy.asarray(keys, dtype="uint32").tobytes(), int(pos), int(has_gauss), float(cached)],
    }


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the states saved by ``rng_state``."""
    version, internal, gauss = state["random"]
    random.setstate((version, tuple(internal), gauss))
    name, keys, pos, has_gauss, cached = state["numpy"]
    numpy.random.set_state((name, numpy.frombuffer(keys, dtype="uint32").copy(), pos, has_gauss, cached))


def checkpoint_root(output_path: Path) -> Path:
    """RETURNS (Path): the checkpoint folder of a run's output folder."""
    return Path(output_path) / CHECKPOINT_DIR


_STEP_NAME = re.compile(r"^\.?(step-\d{8})(?:\.tmp-[^/]*)?$")


def save_checkpoint(output_path: Path, nlp: Any, optimizer: Optimizer, loop_state: dict[str, Any]) -> Path:
    """Write a complete checkpoint atomically and make it the latest.

    The step folder is built beside its final name and swapped in with
    ``plait.fs``'s journaled replace (the final checkpoint of a run can
    rewrite the folder of its last evaluation); LATEST is replaced only once
    the folder is complete, and older folders are deleted only after that,
    so a kill at any point leaves LATEST naming a complete checkpoint (after
    ``recover_checkpoints``).

    output_path (Path): the run's output folder.
    nlp (Language): the pipeline, with its raw (training) weights.
    optimizer (Optimizer): the optimizer.
    loop_state (dict): the loop position (step, epoch, words, seconds, results,
        shuffle_seed, finished, last_eval).
    RETURNS (Path): the checkpoint folder.
    """
    root = checkpoint_root(output_path)
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{int(loop_state['step']):08d}"
    final = root / name
    with fs.atomic_directory(final) as tmp:
        nlp.to_disk(tmp / NLP_DIR)
        state = {
            "version": FORMAT_VERSION,
            "loop": loop_state,
            "rng": rng_state(),
            "optimizer": optimizer_to_msg(nlp, optimizer),
        }
        fs.write_msgpack(tmp / STATE_FILE, state)
    fs.fault_point("checkpoint:saved")
    fs.write_text(root / LATEST, name + "\n")
    fs.fault_point("checkpoint:latest")
    # Older checkpoints and leftovers of killed writes are no longer needed.
    for entry in root.iterdir():
        if entry.name in (name, LATEST):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    fs.fault_point("checkpoint:cleaned")
    return final


def _is_complete(folder: Path) -> bool:
    # The pipeline folder appears whole (nlp.to_disk is atomic) and the state
    # file is written after it, so both present means the checkpoint is complete.
    return (folder / STATE_FILE).is_file() and (folder / NLP_DIR / "config.cfg").is_file()


def recover_checkpoints(output_path: Path, *, clean: bool = True) -> list[str]:
    """Repair the checkpoint folder of a run after a kill.

    Finishes every half-done swap of a step folder (``plait.fs`` journals);
    if LATEST is missing or names a folder that is not complete, points it at
    the newest complete checkpoint, adopting a complete temporary folder that
    a kill left behind (plait versions before the journal deleted the old
    folder before renaming the new one in). With ``clean``, leftovers of
    killed writes are deleted afterwards.

    output_path (Path): the run's output folder.
    clean (bool): delete temporary and superseded folders.
    RETURNS (list[str]): what was repaired, for the user.
    """
    root = checkpoint_root(output_path)
    if not root.is_dir():
        return []
    done: list[str] = []
    for journal in sorted(root.glob(f".*{fs.JOURNAL_SUFFIX}")):
        if journal.is_file():
            target = root / journal.name[1:-len(fs.JOURNAL_SUFFIX)]
            if fs.recover_directory(target):
                done.append(f"finished the interrupted save of checkpoint {target.name}")
    latest = root / LATEST
    named = latest.read_text(encoding="utf8").strip() if latest.is_file() else ""
    if not (named and _is_complete(root / named)):
        candidates: list[tuple[str, Path]] = []
        for entry in root.iterdir():
            match = _STEP_NAME.match(entry.name)
            if match and entry.is_dir() and _is_complete(entry):
                candidates.append((match.group(1), entry))
        if candidates:
            step_name, folder = max(candidates, key=lambda c: (c[0], c[1].name == c[0]))
            if folder.name != step_name:
                fs.recover_directory(root / step_name)
                if (root / step_name).exists():
                    shutil.rmtree(root / step_name)
                os.replace(folder, root / step_name)
            fs.write_text(latest, step_name + "\n")
            done.append(f"pointed {CHECKPOINT_DIR}/{LATEST} at the newest complete checkpoint, {step_name}")
    if clean:
        keep = latest.read_text(encoding="utf8").strip() if latest.is_file() else ""
        keep_complete = bool(keep) and _is_complete(root / keep)
        for entry in root.iterdir():
            if entry.name in (keep, LATEST):
                continue
            # Hidden entries are temporary files and folders of killed writes;
            # a step folder goes only once LATEST names another complete one.
            if entry.name.startswith(".") or keep_complete:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
    return done


def find_checkpoint(output_path: Path, *, repair: bool = False) -> tuple[Path, dict[str, Any]] | None:
    """The latest checkpoint of a run.

    Reading never changes anything unless `repair` is set: another process
    (a Ray worker) may read while the run's own process is saving, and must
    not race it by finishing its swap. ``plait train`` repairs a killed save
    when it starts (``recover_checkpoints``).

    output_path (Path): the run's output folder.
    repair (bool): run ``recover_checkpoints`` (without cleaning) first.
    RETURNS (Optional[tuple[Path, dict]]): the checkpoint folder and its
        state, or None when the run has no checkpoint.
    """
    root = checkpoint_root(output_path)
    if repair:
        recover_checkpoints(output_path, clean=False)
    latest = root / LATEST
    if not latest.is_file():
        return None
    folder = root / latest.read_text(encoding="utf8").strip()
    state_path = folder / STATE_FILE
    try:
        state = srsly.read_msgpack(state_path)
    except Exception as err:  # missing or corrupt file: msgpack raises several types
        if any(root.glob(f".*{fs.JOURNAL_SUFFIX}")):
            raise SerializationError(
                f"{state_path}: the checkpoint is being saved or its save was killed; "
                f"`plait train --resume {output_path}` repairs a killed save."
            ) from err
        raise SerializationError(
            f"{state_path}: unreadable checkpoint state ({err}). The run in {output_path} cannot "
            f"be resumed; start it again with --force."
        ) from err
    if not isinstance(state, dict) or state.get("version") != FORMAT_VERSION:
        raise SerializationError(f"{state_path}: not a plait checkpoint (version {FORMAT_VERSION}).")
    return folder, state


def load_checkpoint(output_path: Path, *, repair: bool = False) -> tuple[Path, dict[str, Any]]:
    """Find the latest checkpoint of a run.

    output_path (Path): the run's output folder.
    repair (bool): repair a killed save first (see ``find_checkpoint``).
    RETURNS (tuple[Path, dict]): the saved pipeline folder and the state.
    """
    found = find_checkpoint(output_path, repair=repair)
    if found is None:
        raise UsageError(
            f"{output_path}: no checkpoint to resume from ({checkpoint_root(output_path) / LATEST} "
            f"not found). Start the run without --resume."
        )
    folder, state = found
    return folder / NLP_DIR, state
