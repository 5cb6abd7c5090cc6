"""Reading an offline W&B run file (``run-<id>.wandb``) back for the tests.

wandb >= 0.19 writes the file from its Go core and no longer ships a Python
reader, but the format is stable: a 7-byte header (``:W&B``, magic 0xBEE1,
version 0) then a LevelDB log (32 KiB blocks of chunks with a 7-byte header:
crc32, length, type) whose records are ``wandb_internal_pb2.Record`` protobufs.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

BLOCK = 32768
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def iter_records(path: Path) -> Iterator[Any]:
    """YIELDS (wandb_internal_pb2.Record): the records of the run file, in order."""
    from wandb.proto import wandb_internal_pb2 as pb

    data = path.read_bytes()
    assert data[:4] == b":W&B", f"{path} is not a W&B run file"
    pos = HEADER
    pending = b""
    while pos + HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < HEADER:  # a block's tail too small for a chunk header is padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos:pos + HEADER])
        if kind == 0 and length == 0:
            pos += left
            continue
        chunk = data[pos + HEADER:pos + HEADER + length]
        pos += HEADER + length
        if kind == FULL:
            pending = chunk
        elif kind == FIRST:
            pending = chunk
            continue
        elif kind == MIDDLE:
            pending += chunk
            continue
        else:
            pending += chunk
        record = pb.Record()
        record.ParseFromString(pending)
        pending = b""
        yield record


def read_run(run_dir: Path) -> dict[str, Any]:
    """RETURNS (dict): ``config`` (key -> value), ``history`` (one dict per log
    call), ``artifacts`` (name, type, metadata, paths) and ``run`` (name, project)."""
    files = sorted(run_dir.glob("run-*.wandb"))
    assert files, f"no run-*.wandb file in {run_dir}"
    out: dict[str, Any] = {"config": {}, "history": [], "artifacts": [], "run": {}}
    for rec in iter_records(files[0]):
        kind = rec.WhichOneof("record_type")
        if kind == "history":
            row = {}
            for item in rec.history.item:
                key = item.key or "/".join(item.nested_key)
                row[key] = json.loads(item.value_json)
            out["history"].append(row)
        elif kind == "config":
            for item in rec.config.update:
                key = item.key or "/".join(item.nested_key)
                out["config"][key] = json.loads(item.value_json)
        elif kind == "artifact":
            art = rec.artifact
            out["artifacts"].append({
                "name": art.name, "type": art.type,
                "metadata": json.loads(art.metadata) if art.metadata else {},
                "paths": [entry.path for entry in art.manifest.contents],
                "aliases": list(art.aliases),
            })
        elif kind == "run":
            out["run"] = {"name": rec.run.display_name, "project": rec.run.project,
                          "entity": rec.run.entity}
            # wandb.init(config=...) arrives inside the run record.
            for item in rec.run.config.update:
                key = item.key or "/".join(item.nested_key)
                out["config"][key] = json.loads(item.value_json)
    return out
