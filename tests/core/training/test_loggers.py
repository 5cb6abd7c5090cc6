"""plait.ConsoleLogger.v1: table rows per evaluation, JSONL file, registry name."""

from __future__ import annotations

import io
import json

from plait import registry
from plait.training.loggers import RESUME_STEP, RESUMING, console_logger


class _NLP:
    pipe_names = ["tagger", "ner"]
    config = {"training": {"score_weights": {"tag_acc": 0.5, "ents_f": 0.5, "speed": None},
                           "frozen_components": ["ner"], "eval_frequency": 2}}

    class _P:
        is_trainable = True

    pipeline = [("tagger", _P()), ("ner", _P())]


INFO = {"epoch": 1, "step": 40, "score": 0.8123, "other_scores": {"tag_acc": 0.9, "ents_f": 0.7245},
        "losses": {"tagger": 12.345}, "checkpoints": [(0.5, 0), (0.8123, 40)], "seconds": 3, "words": 999}


def test_registered_under_its_name():
    assert registry.loggers.get("plait.ConsoleLogger.v1") is console_logger


def test_table_header_and_row():
    out = io.StringIO()
    log_step, finalize = console_logger()(_NLP(), out, io.StringIO())
    log_step(None)
    log_step(INFO)
    finalize()
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["E", "#", "Loss", "tagger", "tag_acc", "ents_f", "Score"]
    assert lines[2].split() == ["1", "40", "12.35", "90.00", "72.45", "0.81"]
    assert "ner" not in lines[0]  # frozen: no loss column


def test_jsonl_output_file_and_resume_appends(tmp_path):
    path = tmp_path / "logs" / "train.jsonl"
    log_step, finalize = console_logger(console_output=False, output_file=path)(_NLP(), io.StringIO(), io.StringIO())
    log_step(INFO)
    finalize()
    token = RESUMING.set(True)
    try:
        log_step, finalize = console_logger(console_output=False, output_file=path)(_NLP(), io.StringIO(), io.StringIO())
    finally:
        RESUMING.reset(token)
    log_step(dict(INFO, step=60))
    finalize()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["step"] for r in records] == [40, 60]
    assert records[0]["other_scores"]["ents_f"] == 0.7245


def test_resume_drops_lines_logged_after_the_checkpoint(tmp_path):
    """A run killed after evaluating at steps 40 and 60 but checkpointed at 40
    logs step 60 again when resumed: the file keeps one line per step."""
    path = tmp_path / "train.jsonl"
    log_step, finalize = console_logger(console_output=False, output_file=path)(_NLP(), io.StringIO(), io.StringIO())
    log_step(INFO)
    log_step(dict(INFO, step=60, score=0.1))
    finalize()
    with path.open("a", encoding="utf8") as f:
        f.write('{"epoch": 1, "step": 8')  # cut short by the kill
    tokens = RESUMING.set(True), RESUME_STEP.set(40)
    try:
        log_step, finalize = console_logger(console_output=False, output_file=path)(_NLP(), io.StringIO(), io.StringIO())
    finally:
        RESUMING.reset(tokens[0])
        RESUME_STEP.reset(tokens[1])
    log_step(dict(INFO, step=60))
    finalize()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(r["step"], r["score"]) for r in records] == [(40, 0.8123), (60, 0.8123)]


def test_console_output_off_prints_nothing():
    out = io.StringIO()
    log_step, finalize = console_logger(console_output=False)(_NLP(), out, io.StringIO())
    log_step(INFO)
    finalize()
    assert out.getvalue() == ""


class _Terminal(io.StringIO):
    """A stream that says it is a terminal (tqdm draws only on terminals)."""

    def isatty(self) -> bool:
        return True


def test_progress_bar_goes_to_stderr():
    out, err = _Terminal(), _Terminal()
    log_step, finalize = console_logger(progress_bar=True)(_NLP(), out, err)
    log_step(INFO)
    assert "0/2" in err.getvalue()  # eval_frequency = 2 steps to the next evaluation
    log_step(None)  # tqdm redraws at most every 0.1 s: the count is not asserted
    finalize()
    # The table is on stdout, the bar never is.
    assert "/2" not in out.getvalue()
    assert out.getvalue().splitlines()[2].split()[:2] == ["1", "40"]


def test_no_progress_bar_unless_asked_and_on_a_terminal():
    err = _Terminal()
    log_step, finalize = console_logger(progress_bar=False)(_NLP(), io.StringIO(), err)
    log_step(INFO)
    log_step(None)
    finalize()
    assert err.getvalue() == ""
    # Asked for, but stderr is a file or a pipe (a log): no bar in it.
    err = io.StringIO()
    log_step, finalize = console_logger(progress_bar=True)(_NLP(), io.StringIO(), err)
    log_step(INFO)
    log_step(None)
    finalize()
    assert err.getvalue() == ""
