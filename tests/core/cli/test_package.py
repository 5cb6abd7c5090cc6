"""`plait package`: a pipeline with custom code becomes an installable package
whose bundled code is imported when it loads, in a fresh process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from plait.cli import package as package_mod
from plait.cli.package import package
from plait.errors import UsageError

# A custom architecture (used by the tagger's model) and a custom component:
# a fresh process can build the pipeline only once this file is imported.
FUNCTIONS = '''
from plait import registry
from plait.language import Language


@registry.architectures("test_package.TinyTagger.v1")
def tiny_tagger(width: int = 16):
    tok2vec = registry.architectures.get("plait.HashEmbedCNN.v2")(
        width=width, depth=1, embed_size=300, window_size=1, maxout_pieces=2,
        subword_features=False, pretrained_vectors=None)
    return registry.architectures.get("plait.Tagger.v2")(tok2vec, nO=None)


@Language.component("test_package_shout")
def shout(doc):
    doc.user_data["shouted"] = True
    return doc
'''

BUILD_MODEL = '''
import sys
from plait.config import import_code
import_code([sys.argv[1]])
import plait
from plait.training import Example

nlp = plait.blank("en")
nlp.add_pipe("tagger", config={"model": {"@architectures": "test_package.TinyTagger.v1", "width": 16}})
nlp.add_pipe("test_package_shout")
examples = [Example.from_dict(nlp.make_doc("I like cats"), {"tags": ["PRP", "VBP", "NNS"]}),
            Example.from_dict(nlp.make_doc("You see dogs"), {"tags": ["PRP", "VBP", "NNS"]})]
nlp.initialize(lambda: examples)
nlp.to_disk(sys.argv[2])
'''

USE_PIPELINE = '''
import sys
doc = nlp("I like dogs")
assert doc.user_data.get("shouted") is True, doc.user_data
tags = [t.tag_ for t in doc]
assert all(tag in {"PRP", "VBP", "NNS"} for tag in tags), tags
# The bundled functions.py was imported by loading, not by this script.
assert not any(m.startswith("plait_code_functions") for m in PRELOADED), PRELOADED
assert any(m.startswith("plait_code_functions") for m in sys.modules)
print("OK", nlp.pipe_names, tags)
'''


def _python(code: str, *, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=full_env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> tuple[Path, Path]:
    """A saved pipeline needing functions.py, built in a subprocess so this
    process never registers the custom functions."""
    root = tmp_path_factory.mktemp("package")
    functions = root / "functions.py"
    functions.write_text(FUNCTIONS)
    result = _python(BUILD_MODEL.replace("sys.argv[1]", repr(str(functions)))
                     .replace("sys.argv[2]", repr(str(root / "model"))), cwd=root)
    assert result.returncode == 0, result.stderr
    return root / "model", functions


@pytest.fixture(scope="module")
def packaged(model, tmp_path_factory) -> Path:
    """The package written by the real CLI."""
    model_dir, functions = model
    out = tmp_path_factory.mktemp("out")
    result = subprocess.run(
        [sys.executable, "-m", "plait", "package", str(model_dir), str(out), "--code", str(functions),
         "--name", "test_pkg", "--version", "1.0.0"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Package written to" in result.stdout
    return out / "en_test_pkg-1.0.0"


def test_package_layout_and_meta(packaged):
    data = packaged / "en_test_pkg" / "en_test_pkg-1.0.0"
    assert (data / "code" / "functions.py").is_file()
    meta = json.loads((data / "meta.json").read_text())
    assert meta["name"] == "test_pkg" and meta["version"] == "1.0.0"
    assert meta["code"] == ["code/functions.py"]
    pyproject = (packaged / "pyproject.toml").read_text()
    assert 'name = "en_test_pkg"' in pyproject and 'version = "1.0.0"' in pyproject
    # The tagger's factory comes from plait-pipes: the package depends on it.
    assert '"plait>=' in pyproject and '"plait-pipes>=' in pyproject
    readme = (packaged / "README.md").read_text()
    assert "`tagger`, `test_package_shout`" in readme and "`NNS`, `PRP`, `VBP`" in readme


def test_unpackaged_model_needs_the_code(model, tmp_path):
    # Without the bundled code a fresh process cannot build the pipeline:
    # this is what the packaged copy fixes.
    model_dir, _ = model
    result = _python(f"import plait; plait.load({str(model_dir)!r})", cwd=tmp_path)
    assert result.returncode != 0
    assert "test_package" in result.stderr


def test_plait_load_runs_bundled_code_only_when_trusted(packaged, tmp_path):
    data = packaged / "en_test_pkg" / "en_test_pkg-1.0.0"
    # Loading never runs code by itself: the error says what to do.
    refused = _python(f"import plait; plait.load({str(data)!r})", cwd=tmp_path)
    assert refused.returncode != 0
    assert "bundles code (code/functions.py)" in refused.stderr
    assert "trust_code=True" in refused.stderr
    code = ("import sys; PRELOADED = set(sys.modules)\nimport plait\n"
            f"nlp = plait.load({str(data)!r}, trust_code=True)\n" + USE_PIPELINE)
    result = _python(code, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "OK ['tagger', 'test_package_shout']" in result.stdout


def test_pip_installed_package_loads(packaged, tmp_path):
    target = tmp_path / "site"
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(packaged)],
        capture_output=True, text=True, timeout=300,
    )
    assert install.returncode == 0, install.stderr
    code = ("import sys; PRELOADED = set(sys.modules)\nimport en_test_pkg\n"
            "assert en_test_pkg.__version__ == '1.0.0'\n"
            f"assert str(en_test_pkg.get_data_path()).startswith({str(target)!r})\n"
            "nlp = en_test_pkg.load(disable=['tagger'])\nassert nlp.disabled == ['tagger']\n"
            "nlp = en_test_pkg.load()\n" + USE_PIPELINE)
    result = _python(code, cwd=tmp_path, env={"PYTHONPATH": str(target)})
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_build_wheel_bundles_pipeline_and_code(model, tmp_path):
    model_dir, functions = model
    target = package(model_dir, tmp_path, code_paths=[functions], name="wheel_pkg", version="0.2.0",
                     build="wheel")
    wheels = list((target / "dist").glob("*.whl"))
    assert [w.name for w in wheels] == ["en_wheel_pkg-0.2.0-py3-none-any.whl"]
    names = zipfile.ZipFile(wheels[0]).namelist()
    assert "en_wheel_pkg/en_wheel_pkg-0.2.0/code/functions.py" in names
    assert "en_wheel_pkg/en_wheel_pkg-0.2.0/tagger/model" in names
    assert "en_wheel_pkg/__init__.py" in names
    assert sorted(p.name for p in target.iterdir()) == [
        "MANIFEST.in", "README.md", "dist", "en_wheel_pkg", "meta.json", "pyproject.toml"]


def test_meta_path_overrides_meta(model, tmp_path):
    model_dir, functions = model
    meta_file = tmp_path / "meta.json"
    meta_file.write_text(json.dumps({"name": "from_meta", "version": "3.1.4",
                                     "description": "A tagger with a shout.", "author": "Ada"}))
    target = package(model_dir, tmp_path / "out", code_paths=[functions], meta_path=meta_file)
    assert target.name == "en_from_meta-3.1.4"
    assert "A tagger with a shout." in (target / "README.md").read_text()
    assert 'authors = [{name = "Ada"}]' in (target / "pyproject.toml").read_text()


# --- user errors -------------------------------------------------------------


def test_input_not_a_pipeline(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match=r"is not a saved plait pipeline \(no meta.json or config.cfg\)"):
        package(tmp_path / "empty", tmp_path / "out")
    with pytest.raises(UsageError, match="is not a folder"):
        package(tmp_path / "missing", tmp_path / "out")


def test_input_not_a_pipeline_cli(plait_cli, tmp_path):
    (tmp_path / "empty").mkdir()
    result = plait_cli("package", str(tmp_path / "empty"), str(tmp_path / "out"))
    assert result.returncode == 1
    assert "is not a saved plait pipeline" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_output_inside_input(model, tmp_path):
    model_dir, _ = model
    with pytest.raises(UsageError, match="is inside the pipeline folder"):
        package(model_dir, model_dir / "packages", name="x")
    assert not (model_dir / "packages").exists()


def test_missing_code_file(model, tmp_path):
    model_dir, _ = model
    with pytest.raises(UsageError, match=r"--code file '.*nope.py' not found"):
        package(model_dir, tmp_path, code_paths=[tmp_path / "nope.py"], name="x")
    assert not any(tmp_path.iterdir())


def test_code_that_does_not_compile(model, tmp_path):
    model_dir, _ = model
    bad = tmp_path / "bad.py"
    bad.write_text(textwrap.dedent("""
        x = 1
        def broken(:
            pass
    """))
    with pytest.raises(UsageError, match=r"--code file '.*bad.py' does not compile: line 3"):
        package(model_dir, tmp_path / "out", code_paths=[bad], name="x")
    assert not (tmp_path / "out").exists()


def test_two_code_files_with_one_name(model, tmp_path):
    model_dir, functions = model
    other = tmp_path / "sub" / "functions.py"
    other.parent.mkdir()
    other.write_text("X = 1\n")
    with pytest.raises(UsageError, match="share the name functions.py"):
        package(model_dir, tmp_path / "out", code_paths=[functions, other], name="x")


def test_existing_package_needs_force(model, tmp_path):
    model_dir, functions = model
    first = package(model_dir, tmp_path, code_paths=[functions], name="dup", version="1.0.0")
    (first / "marker").write_text("old")
    with pytest.raises(UsageError, match=r"already exists: use --force to replace it"):
        package(model_dir, tmp_path, code_paths=[functions], name="dup", version="1.0.0")
    assert (first / "marker").exists()
    again = package(model_dir, tmp_path, code_paths=[functions], name="dup", version="1.0.0", force=True)
    assert again == first and not (first / "marker").exists()
    assert (first / "en_dup" / "en_dup-1.0.0" / "code" / "functions.py").is_file()


def test_failure_leaves_no_partial_package(model, tmp_path, monkeypatch):
    model_dir, functions = model

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(package_mod, "_readme", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        package(model_dir, tmp_path, code_paths=[functions], name="crash", version="1.0.0")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["bad-name", "has space", "v1.0"])
def test_invalid_package_name(model, tmp_path, name):
    model_dir, _ = model
    with pytest.raises(UsageError, match=f"package name 'en_{re.escape(name)}'.*is not a valid Python identifier"):
        package(model_dir, tmp_path, name=name)


def test_invalid_version_and_build(model, tmp_path):
    model_dir, _ = model
    with pytest.raises(UsageError, match=r"version 'one' is not a valid version: use --version like 1.0.0"):
        package(model_dir, tmp_path, name="ok", version="one")
    with pytest.raises(UsageError, match=r"--build 'egg': expected none, sdist, wheel or sdist,wheel"):
        package(model_dir, tmp_path, name="ok", build="egg")
    assert list(tmp_path.iterdir()) == []


def test_bad_meta_path(model, tmp_path):
    model_dir, _ = model
    bad = tmp_path / "meta.json"
    bad.write_text("[1, 2]")
    with pytest.raises(UsageError, match="expected a JSON object of meta.json keys"):
        package(model_dir, tmp_path / "out", meta_path=bad)
    with pytest.raises(UsageError, match="--meta-path file '.*absent.json' not found"):
        package(model_dir, tmp_path / "out", meta_path=tmp_path / "absent.json")


def test_sdist_without_build_package(model, tmp_path, monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "build" else real(name, *a))
    model_dir, _ = model
    with pytest.raises(UsageError, match=r"--build sdist needs the 'build' package: run `pip install build`"):
        package(model_dir, tmp_path, name="nobuild", build="sdist")
    # The package folder itself is complete: only the archive is missing.
    assert (tmp_path / "en_nobuild-0.0.0" / "pyproject.toml").is_file()


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_loads_by_name(model, tmp_path):
    """Train -> package --code -> pip install the wheel into a fresh venv ->
    plait.load("name") in a new process gives the original predictions, the
    custom component included; plait info lists it; a typo is answered."""
    from _fresh_venv import venv_with_wheel

    model_dir, functions = model
    target = package(model_dir, tmp_path / "pkgs", code_paths=[functions], name="byname", version="1.2.0",
                     build="wheel")
    wheel = next((target / "dist").glob("*.whl"))
    python, fresh_site = venv_with_wheel(tmp_path, wheel)
    assert any(fresh_site.glob("en_byname-1.2.0.dist-info"))

    def fresh(code: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(python), "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)

    by_name = fresh("import sys; PRELOADED = set(sys.modules)\nimport json, plait\nnlp = plait.load('en_byname')\n"
                    + USE_PIPELINE + "print(json.dumps(tags))\n")
    assert by_name.returncode == 0, by_name.stderr
    data = target / "en_byname" / "en_byname-1.2.0"
    original = _python(f"import json, plait\nnlp = plait.load({str(data)!r}, trust_code=True)\n"
                       "print(json.dumps([t.tag_ for t in nlp('I like dogs')]))", cwd=tmp_path)
    assert original.returncode == 0, original.stderr
    assert json.loads(by_name.stdout.splitlines()[-1]) == json.loads(original.stdout.splitlines()[-1])
    info = subprocess.run([str(python), "-m", "plait", "info"], capture_output=True, text=True, timeout=120)
    assert "en_byname 1.2.0: tagger, test_package_shout" in info.stdout, info.stdout
    typo = fresh("import plait\nplait.load('en_bynam')")
    assert typo.returncode != 0
    assert "Did you mean 'en_byname'" in typo.stderr or "did you mean 'en_byname'" in typo.stderr.lower()
    assert "Installed pipelines: en_byname." in typo.stderr
