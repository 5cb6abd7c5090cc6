"""`plait evaluate --html DIR`: a sample of predicted parses and entities
beside the gold, differences marked, from a pipeline trained through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _chromium import is_blank, load, screenshot  # noqa: E402

pytestmark = pytest.mark.slow


def _plait(*args: str, cwd: Path) -> str:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env.pop("PLAIT_CONFIG_OVERRIDES", None)
    done = subprocess.run([sys.executable, "-m", "plait", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _merged(ewt_dir: Path, uner_dir: Path, n: int, dst: Path) -> Path:
    """The first `n` EWT dev sentences with UNER dev's entities, three to a Doc."""
    pytest.importorskip("plait_readers", reason="plait-readers (CoNLL-U + entities merge) is not installed")
    from plait.tokens import DocBin
    from plait_readers.merge import conllu_with_entities, read_entities_by_sent_id

    lines, count = [], 0
    with (ewt_dir / "en_ewt-ud-dev.conllu").open(encoding="utf8") as fh:
        for line in fh:
            lines.append(line)
            if not line.strip():
                count += 1
                if count >= n:
                    break
    sliced = dst.with_suffix(".conllu")
    sliced.write_text("".join(lines), encoding="utf8")
    ents = read_entities_by_sent_id(uner_dir / "en_ewt-ud-dev.iob2")
    docs = list(conllu_with_entities(sliced, ents, n_sents=3, require_all=False))
    DocBin(docs=docs).to_disk(dst)
    return dst


def test_evaluate_html_shows_predictions_beside_gold(ewt_dir, uner_dir, tmp_path):
    # ~25 s: `plait init config`, a 4-step parser+ner `plait train` and
    # `plait evaluate`, each a subprocess, then two Chromium launches.
    pytest.importorskip("plait_pipes", reason="plait-pipes (parser, ner) is not installed")
    corpus = _merged(ewt_dir, uner_dir, 90, tmp_path / "data.plait")
    _plait("init", "config", "config.cfg", "--lang", "en", "--pipeline", "parser,ner", cwd=tmp_path)
    _plait("train", "config.cfg", "--output", "out", "--paths.train", str(corpus), "--paths.dev", str(corpus),
           "--training.max_steps", "4", "--training.eval_frequency", "2", "--training.batcher.size", "300",
           cwd=tmp_path)
    stdout = _plait("evaluate", "out/model-last", str(corpus), "--html", "html", "--html-limit", "6",
                    cwd=tmp_path)
    page = tmp_path / "html" / "index.html"
    assert f"Saved predictions beside the gold to {Path('html') / 'index.html'}" in stdout
    html = page.read_text(encoding="utf8")
    assert html.count('<section class="doc"') == 6
    assert "6 of 33 documents" in html and "(dep, ent)" in html
    # A model this young gets many arcs wrong: they are marked on both sides.
    assert html.count('class="arc diff"') > 0 and html.count('class="arc missed"') > 0
    assert html.count('<div class="gold">') == html.count('<div class="predicted">') == 6
    assert '<mark class="entity' in html  # the gold entities at least
    dom, console = load(page, tmp_path)
    assert console == [] and dom.count('<section class="doc"') == 6
    pixels = screenshot(page, tmp_path / "evaluate.png", tmp_path)
    assert not is_blank(pixels)


def test_evaluate_html_limit_must_be_positive(tmp_path):
    model = tmp_path / "model"
    model.mkdir()
    data = tmp_path / "dev.plait"
    data.write_bytes(b"")
    env = dict(os.environ)
    done = subprocess.run([sys.executable, "-m", "plait", "evaluate", str(model), str(data), "--html",
                           str(tmp_path / "h"), "--html-limit", "0"], capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "--html-limit: must be >= 1, got 0" in done.stderr
