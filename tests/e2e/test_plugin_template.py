"""examples/plugin-template (issue 13): built into a wheel, installed into a
fresh venv that sees the plait distributions, and each piece used there —
its logger, architecture, batcher and component train a tagger on an EWT
slice through `plait train`, its command runs, and `plait info --registry
loggers` names its logger with the template's distribution."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _fresh_venv import venv_with_wheel

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "examples" / "plugin-template"
DIST = "plait-example-plugin"


def _ewt_docs(path: Path, vocab, limit: int) -> list:
    from plait.tokens import Doc

    docs, words, tags = [], [], []
    for line in path.read_text(encoding="utf8").splitlines():
        if not line and words:
            docs.append(Doc(vocab, words=words, tags=tags))
            words, tags = [], []
            if len(docs) >= limit:
                break
        elif line and line[0].isdigit():
            cols = line.split("\t")
            if cols[0].isdigit():
                words.append(cols[1])
                tags.append(cols[4])
    return docs


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory) -> Path:
    """A venv with the template's wheel installed and the plait distributions visible."""
    tmp = tmp_path_factory.mktemp("plugin_template")
    source = tmp / "src"
    # Built from a copy: setuptools writes build/ and *.egg-info next to the sources.
    shutil.copytree(TEMPLATE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                            "--wheel-dir", str(tmp / "dist"), str(source)],
                           capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp / "dist").glob("plait_example_plugin-0.1.0-*.whl"))
    python, site = venv_with_wheel(tmp, wheel)
    assert any(site.glob("plait_example_plugin-0.1.0.dist-info"))
    return python


def _plait(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "plait", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.slow  # builds a wheel, makes a venv and trains 40 steps (~40-60 s on 2 cores)
def test_the_installed_template_trains_runs_its_command_and_is_listed(fresh_python, ewt_dir, tmp_path):
    import plait
    from plait.tokens import DocBin

    nlp = plait.blank("en")
    docs = _ewt_docs(ewt_dir / "en_ewt-ud-train.conllu", nlp.vocab, 300)
    DocBin(docs=docs[:240]).to_disk(tmp_path / "train.plait")
    DocBin(docs=docs[240:]).to_disk(tmp_path / "dev.plait")
    shutil.copy(TEMPLATE / "config.cfg", tmp_path / "config.cfg")

    trained = _plait(fresh_python, "train", "config.cfg", "--output", "out", "--paths.train", "train.plait",
                     "--paths.dev", "dev.plait", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr + trained.stdout
    # The logger: one JSON line per evaluation (at step 0, then every 20 of 40 steps),
    # and its console line; the tagger learned with the template's model and batcher.
    records = [json.loads(line) for line in (tmp_path / "training-log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [0, 20, 40], records
    assert records[-1]["score"] > records[0]["score"] + 0.1 and records[-1]["losses"]["tagger"] > 0
    assert "step 40: score" in trained.stdout
    # The architecture and the component are in the saved pipeline and work after loading.
    config = (tmp_path / "out" / "model-last" / "config.cfg").read_text()
    assert '@architectures = "plait_example.WindowTagger.v1"' in config
    assert '@batchers = "plait_example.batch_by_docs.v1"' in config
    use = subprocess.run(
        [str(fresh_python), "-c",
         "import plait\nnlp = plait.load('out/model-last')\n"
         "doc = nlp('Internationalization is hard.')\n"
         "print(doc.user_data['has_long_token'], [t.tag_ for t in doc])"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert use.returncode == 0, use.stderr
    assert use.stdout.startswith("True [") and "''" not in use.stdout

    command = _plait(fresh_python, "example-stats", "train.plait", cwd=tmp_path)
    assert command.returncode == 0, command.stderr
    n_tokens = sum(len(d) for d in docs[:240])
    assert f"train.plait: 240 documents, {n_tokens} tokens" in command.stdout

    listed = _plait(fresh_python, "info", "--registry", "loggers", "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["plait_example.JsonlLogger.v1"]["distribution"] == DIST
    assert rows["plait.ConsoleLogger.v1"]["distribution"] == "plait"
    # The template's own tests pass against the installed plugin.
    own = subprocess.run([str(fresh_python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          str(TEMPLATE / "tests")], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert own.returncode == 0, own.stdout + own.stderr
    assert "3 passed" in own.stdout
