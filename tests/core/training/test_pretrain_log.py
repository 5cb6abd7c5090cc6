"""plait pretrain --resume keeps one log line per epoch: the lines of epochs it
replays (killed between the log line and the saved state) are dropped."""

from __future__ import annotations

import srsly
from plait.training.pretrain import _drop_log_from


def test_replayed_epochs_leave_the_log(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_text("".join(srsly.json_dumps({"epoch": e, "loss": 1.0}) + "\n" for e in range(3))
                    + '{"epoch": 3, "lo', encoding="utf8")
    _drop_log_from(path, 2)
    assert [srsly.json_loads(line)["epoch"] for line in path.read_text().splitlines()] == [0, 1]
    _drop_log_from(tmp_path / "absent.jsonl", 0)  # a run killed before its first log line
    assert not (tmp_path / "absent.jsonl").exists()
