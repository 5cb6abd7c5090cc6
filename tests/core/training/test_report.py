"""training-report.html: written at each evaluation, atomically, and true to meta.json.

A small real tagger trains on an EWT slice (in process, about a second);
the report is read back from its embedded data and its markup, and opened in
a real headless Chromium (tests/core/visualize/_chromium.py).
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import srsly

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "visualize"))
import plait  # noqa: E402
from _chromium import is_blank, load, screenshot  # noqa: E402
from _train_setup import CODE, make_corpora, write_config  # noqa: E402
from plait.config import import_code  # noqa: E402
from plait.training.report import REPORT_NAME, TrainingReport, read_report_data  # noqa: E402
from plait.training.train import train  # noqa: E402

KILL_CODE = '''
import os
import signal

import plait


@plait.registry.callbacks("report_test.kill_at.v1")
def kill_at():
    stop = int(os.environ.get("PLAIT_TEST_KILL_AT", "0"))

    def before_update(nlp, info):
        if stop and info["step"] == stop:
            os.kill(os.getpid(), signal.SIGKILL)

    return before_update
'''

KILL_SECTION = """
[training.before_update]
@callbacks = "report_test.kill_at.v1"
"""


class Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Markup()
    parser.feed(html)
    parser.close()
    return parser.elements


def curves(html: str) -> dict[str, list[dict[str, str]]]:
    """RETURNS (dict): each chart's key -> its points (circle attributes), in order."""
    out: dict[str, list[dict[str, str]]] = {}
    key = None
    for tag, attrs in elements(html):
        if tag == "svg" and "curve" in attrs.get("class", ""):
            key = attrs["data-key"]
            out[key] = []
        elif tag == "circle" and key is not None:
            out[key].append(attrs)
    return out


@pytest.fixture(scope="module")
def corpora(ewt_dir, tmp_path_factory):
    import_code([CODE])
    return make_corpora(ewt_dir, tmp_path_factory.mktemp("ewt"), n_train=150, n_dev=50)


@pytest.fixture(scope="module")
def trained(corpora, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    cfg = write_config(tmp, *corpora, max_steps=6, eval_frequency=2)
    train(cfg, tmp / "out", stdout=io.StringIO(), stderr=io.StringIO())
    return tmp / "out"


def test_report_has_a_point_per_evaluation_and_the_best_of_meta_json(trained):
    html = (trained / REPORT_NAME).read_text(encoding="utf8")
    data = read_report_data(trained / REPORT_NAME)
    assert [e["step"] for e in data["history"]] == [0, 2, 4, 6]
    charts = curves(html)
    assert set(charts) == {"score", "tag_acc", "loss_tagger"}
    for key, points in charts.items():
        assert [int(p["data-step"]) for p in points] == [0, 2, 4, 6], key
    assert [float(p["data-value"]) for p in charts["tag_acc"]] == [e["scores"]["tag_acc"] for e in data["history"]]
    # The best checkpoint is marked on every chart, and its numbers are model-best's.
    meta = srsly.read_json(trained / "model-best" / "meta.json")["performance"]
    best = {a["data-key"]: float(a["data-value"]) for t, a in elements(html) if t == "tr" and "data-key" in a}
    # meta.json keeps 10 decimals (srsly's JSON); the report the full float.
    assert {k: v for k, v in best.items() if k != "score"} == pytest.approx(meta, rel=1e-9, abs=1e-9)
    best_step = next(int(a["data-step"]) for t, a in elements(html) if a.get("id") == "best")
    assert best["score"] == max(e["score"] for e in data["history"])
    assert best["tag_acc"] == max(e["scores"]["tag_acc"] for e in data["history"])
    for points in charts.values():
        assert [int(p["data-step"]) for p in points if "best" in p["class"].split()] == [best_step]
    assert html.count('class="best-marker"') == len(charts)
    # Config, words/s and the per-label table are there.
    assert "[components.tagger]" in html and "Words/s" in html
    assert all(e["seconds"] > 0 and e["words"] > 0 for e in data["history"][1:])
    assert not list(trained.glob(f".{REPORT_NAME}.tmp-*"))  # the atomic writes left no temp file


def test_report_escapes_text_and_resume_keeps_the_earlier_evaluations(tmp_path):
    nlp = plait.blank("en")
    nlp.config["training"]["score_weights"] = {"ents_f": 1.0}

    def info(step: int, score: float) -> dict:
        return {"step": step, "epoch": 0, "score": score, "words": 100 * (step + 1), "seconds": step,
                "losses": {}, "other_scores": {"ents_f": score,
                                               "ents_per_type": {"</script><b>": {"p": 1.0, "r": 0.5, "f": 0.6}}}}

    report = TrainingReport(tmp_path, nlp)
    for step, score in ((0, 0.1), (10, 0.5), (20, 0.3)):
        report.update(info(step, score), is_best=score == 0.5)
    html = (tmp_path / REPORT_NAME).read_text(encoding="utf8")
    assert "<b>" not in html and "&lt;/script&gt;&lt;b&gt;" in html
    assert html.count("</script>") == 1  # the data block's own end only
    assert read_report_data(tmp_path / REPORT_NAME)["per_label"]["ents_per_type"]["</script><b>"]["f"] == 0.6
    assert report.best()["step"] == 10
    # A run resumed from the checkpoint of step 10 continues the curve from there.
    resumed = TrainingReport(tmp_path, nlp, resume_step=11)
    assert [e["step"] for e in resumed.history] == [0, 10]
    resumed.update(info(30, 0.7), is_best=True)
    assert [e["step"] for e in read_report_data(tmp_path / REPORT_NAME)["history"]] == [0, 10, 30]
    assert [int(p["data-step"]) for p in curves(resumed.render())["ents_f"]] == [0, 10, 30]
    # A fresh run (no resume) starts a fresh report.
    assert TrainingReport(tmp_path, nlp).history == []


@pytest.mark.slow
def test_sigkill_leaves_the_last_complete_report_and_resume_continues_it(corpora, tmp_path):
    # ~8 s: a `plait train` subprocess killed by SIGKILL at step 5, then resumed.
    kill_code = tmp_path / "kill.py"
    kill_code.write_text(KILL_CODE, encoding="utf8")
    cfg = write_config(tmp_path, *corpora, max_steps=6, eval_frequency=2, extra=KILL_SECTION)
    out = tmp_path / "out"
    env = dict(os.environ, PLAIT_TEST_KILL_AT="5")
    env.pop("PLAIT_CONFIG_OVERRIDES", None)
    done = subprocess.run([sys.executable, "-m", "plait", "train", str(cfg), "--output", str(out),
                           "--code", str(CODE), "--code", str(kill_code)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == -9, done.stderr[-2000:]
    html = (out / REPORT_NAME).read_text(encoding="utf8")
    assert html.rstrip().endswith("</html>")
    assert [e["step"] for e in read_report_data(out / REPORT_NAME)["history"]] == [0, 2, 4]
    import_code([kill_code])
    train(None, out, resume=True, stdout=io.StringIO(), stderr=io.StringIO())
    data = read_report_data(out / REPORT_NAME)
    assert [e["step"] for e in data["history"]] == [0, 2, 4, 6]
    meta = srsly.read_json(out / "model-best" / "meta.json")["performance"]
    best = [e for e in data["history"] if e["best"]][-1]
    assert best["scores"]["tag_acc"] == pytest.approx(meta["tag_acc"], abs=1e-9)


@pytest.mark.slow
def test_report_renders_in_chromium(trained, tmp_path):
    # ~5 s: two Chromium launches.
    page = trained / REPORT_NAME
    dom, console = load(page, tmp_path)
    assert console == []
    # After layout, every curve still has one point per evaluation.
    charts = curves(dom)
    assert charts and all(len(points) == 4 for points in charts.values())
    pixels = screenshot(page, tmp_path / "report.png", tmp_path)
    assert not is_blank(pixels)
    assert pixels.min() < 80 and pixels.max() > 240
