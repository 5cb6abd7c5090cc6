"""Bad input tried as a new user would: one paragraph naming the place, exit
code 1, no traceback (unless --verbose)."""

from __future__ import annotations

import pytest

GOOD = """
[paths]
train = null
dev = null

[nlp]
lang = "en"
pipeline = []

[components]

[training]
max_steps = 10

[training.batcher]
@batchers = "plait.batch_by_words.v1"
size = 100
"""


def _fill(plait_cli, tmp_path, text, *extra, env=None):
    cfg = tmp_path / "config.cfg"
    cfg.write_text(text)
    return plait_cli("init", "fill-config", str(cfg), str(tmp_path / "out.cfg"), *extra, env=env)


def _assert_user_error(result, *fragments):
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def test_good_config_fills(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD)
    assert result.returncode == 0, result.stderr
    filled = (tmp_path / "out.cfg").read_text()
    assert "tolerance = 0.2" in filled and "[corpora.train]" in filled


def test_misspelled_section(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD.replace("[training]", "[trainig]"))
    _assert_user_error(result, "unknown section [trainig]", "Did you mean [training]?")


def test_misspelled_key(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD.replace("max_steps", "max_step"))
    _assert_user_error(result, "[training] max_step: unknown setting", "Did you mean 'max_steps'?")


def test_wrong_type(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD.replace("size = 100", 'size = 100\ntolerance = "lots"'))
    _assert_user_error(result, "[training.batcher] tolerance:")


def test_unknown_registered_name(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD.replace("plait.batch_by_words.v1", "batch_by_wrds.v1"))
    _assert_user_error(
        result, "[training.batcher] @batchers: no function 'batch_by_wrds.v1'",
        "Did you mean 'plait.batch_by_words.v1'?",
    )


def test_override_of_missing_key(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD, "--training.max_stepz", "5")
    _assert_user_error(result, "cannot override 'training.max_stepz'", "Did you mean 'training.max_steps'?")


def test_bad_override_from_env(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD, env={"PLAIT_CONFIG_OVERRIDES": "--paths.tain x"})
    _assert_user_error(result, "cannot override 'paths.tain'", "Did you mean 'paths.train'?")


@pytest.mark.parametrize("text", ["", "\n\n# nothing here\n"])
def test_empty_config(plait_cli, tmp_path, text):
    _assert_user_error(_fill(plait_cli, tmp_path, text), "the config is empty")


def test_syntax_error(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD.replace("[components]", "[components"))
    _assert_user_error(result, "cannot be parsed", "line")


def test_missing_config_file(plait_cli, tmp_path):
    result = plait_cli("init", "fill-config", str(tmp_path / "nope.cfg"), "-")
    _assert_user_error(result, "nope.cfg' not found")


def test_missing_code_file(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD, "--code", str(tmp_path / "functions.py"))
    _assert_user_error(result, "--code file", "functions.py' not found")


def test_code_file_that_does_not_compile(plait_cli, tmp_path):
    code = tmp_path / "functions.py"
    code.write_text("import plait\n\ndef broken(:\n    pass\n")
    result = _fill(plait_cli, tmp_path, GOOD, "--code", str(code))
    _assert_user_error(result, "functions.py' does not compile: line 3")


def test_code_file_that_raises(plait_cli, tmp_path):
    code = tmp_path / "functions.py"
    code.write_text("raise RuntimeError('boom')\n")
    result = _fill(plait_cli, tmp_path, GOOD, "--code", str(code))
    _assert_user_error(result, "failed while importing: RuntimeError: boom")


def test_verbose_shows_traceback(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD.replace("max_steps", "max_step"), "--verbose")
    assert result.returncode == 1
    assert "Traceback" in result.stderr and "max_step" in result.stderr


def test_two_code_files_register_both(plait_cli, tmp_path):
    (tmp_path / "a.py").write_text(
        "import plait\n@plait.registry.misc('test.a.v1')\ndef a(x: int = 1):\n    return x\n")
    (tmp_path / "b.py").write_text(
        "import plait\n@plait.registry.misc('test.b.v1')\ndef b(y: int = 2):\n    return y\n")
    text = GOOD + '\n[paths.extra_a]\n@misc = "test.a.v1"\n\n[paths.extra_b]\n@misc = "test.b.v1"\n'
    result = _fill(plait_cli, tmp_path, text, "--code", str(tmp_path / "a.py"), "--code", str(tmp_path / "b.py"))
    assert result.returncode == 0, result.stderr
    filled = (tmp_path / "out.cfg").read_text()
    assert "x = 1" in filled and "y = 2" in filled


def test_unknown_language(plait_cli):
    result = plait_cli("init", "config", "-", "--lang", "ex", "--pipeline", "tagger")
    _assert_user_error(result, "--lang 'ex'", "Did you mean 'en'")


def test_unknown_component(plait_cli):
    result = plait_cli("init", "config", "-", "--pipeline", "tagger,parsr")
    _assert_user_error(result, "no installed plugin provides component 'parsr'")


def test_verbose_lists_applied_overrides(plait_cli, tmp_path):
    result = _fill(plait_cli, tmp_path, GOOD, "--training.max_steps", "5", "--verbose",
                   env={"PLAIT_CONFIG_OVERRIDES": "--paths.train corpus/train.plait"})
    assert result.returncode == 0, result.stderr
    assert "override from command line: training.max_steps = 5" in result.stderr
    assert "override from environment: paths.train = 'corpus/train.plait'" in result.stderr
    assert "max_steps = 5" in (tmp_path / "out.cfg").read_text()


def test_gpu_without_cupy_is_a_clear_error(plait_cli, tmp_path):
    pytest.importorskip("numpy")
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed here")
    except ImportError:
        pass
    cfg = tmp_path / "config.cfg"
    cfg.write_text(GOOD)
    result = plait_cli("train", str(cfg), "--gpu-id", "0", "--output", str(tmp_path / "out"))
    _assert_user_error(result, "cannot use GPU 0", "CuPy")
