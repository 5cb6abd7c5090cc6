"""Plugins found through entry points: a good one works, a broken one is named
and breaks nothing else. Both are real distributions pip-installed by the test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _pip_install_target(target: Path, *projects: Path) -> None:
    # Build from copies: setuptools writes build/ and *.egg-info next to the
    # sources, which races with any other build of the same folder.
    sources = target.parent / f"{target.name}-src"
    copies = [shutil.copytree(p, sources / p.name) for p in projects]
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
           "--no-cache-dir", "--target", str(target), *map(str, copies)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"pip install of the fixture plugins failed:\n{proc.stdout}\n{proc.stderr}")


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    _pip_install_target(target, FIXTURES / "plugin_good", FIXTURES / "plugin_broken")
    return target


def _run(site: Path, *args: str, env: dict[str, str] | None = None, code: str | None = None):
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = os.pathsep.join([str(site), full_env.get("PYTHONPATH", "")])
    full_env.update(env or {})
    argv = [sys.executable, "-c", code] if code else [sys.executable, "-m", "plait", *args]
    return subprocess.run(argv, env=full_env, capture_output=True, text=True, timeout=120)


def test_plugin_function_resolves_from_config(plugin_site):
    code = (
        "from plait.config import load_config_from_str, resolve\n"
        "cfg = load_config_from_str('[paths]\\n[paths.greeting]\\n@misc = \"good.greeting.v1\"\\nname = \"plait\"\\n')\n"
        "print(resolve(cfg)['paths']['greeting'])\n"
        "import sys; print('broken_plugin' in sys.modules)\n"
    )
    result = _run(plugin_site, code=code)
    assert result.returncode == 0, result.stderr
    # Only the plugin that provides the named function is imported.
    assert result.stdout.split() == ["hello", "plait!", "False"]


def test_plugin_command_runs(plugin_site):
    result = _run(plugin_site, "greet", "you")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "hello you!"


def test_broken_plugin_named_by_info_and_breaks_nothing(plugin_site):
    info = _run(plugin_site, "info")
    assert info.returncode == 0, info.stderr
    assert "plait-test-broken-plugin" in info.stdout
    assert "this plugin is broken on purpose" in info.stdout
    assert "a_module_that_does_not_exist" in info.stdout
    assert "plait-test-good-plugin" in info.stdout and "good.greeting.v1" in info.stdout
    # Other commands keep working.
    assert _run(plugin_site, "--help").returncode == 0
    assert _run(plugin_site, "greet", "x").stdout.strip() == "hello x!"


def test_using_the_broken_function_names_the_plugin(plugin_site):
    code = (
        "from plait import registry\n"
        "from plait.errors import PluginError\n"
        "try:\n    registry.misc.get('broken.thing.v1')\n"
        "except PluginError as e:\n    print('PLUGIN', e.plugin); print(e)\n"
    )
    result = _run(plugin_site, code=code)
    assert "PLUGIN plait-test-broken-plugin" in result.stdout, result.stderr
    assert "broken on purpose" in result.stdout


def test_disable_autoload(plugin_site):
    env = {"PLAIT_DISABLE_PLUGIN_AUTOLOAD": "1"}
    result = _run(plugin_site, "greet", "x", env=env)
    assert result.returncode != 0
    assert "No such command 'greet'" in result.stderr
    result = _run(plugin_site, "greet", "x", env={**env, "PLAIT_LOAD_PLUGINS": "plait-test-good-plugin"})
    assert result.stdout.strip() == "hello x!"


def test_plugin_recommendations_reach_init_config(plugin_site):
    result = _run(plugin_site, "init", "config", "-", "--pipeline", "good_shouter", "--optimize", "accuracy")
    assert result.returncode == 0, result.stderr
    assert "[components.good_shouter]" in result.stdout
    assert 'suffix = "!!"' in result.stdout and "min_length = 1" in result.stdout
    efficient = _run(plugin_site, "init", "config", "-", "--pipeline", "good_shouter")
    assert "min_length = 4" in efficient.stdout


def test_generated_config_for_plugin_component_trains_nothing_but_runs(plugin_site, tmp_path):
    cfg = tmp_path / "config.cfg"
    result = _run(plugin_site, "init", "config", str(cfg), "--pipeline", "good_shouter")
    assert result.returncode == 0, result.stderr
    code = (
        "import plait\nfrom plait.config import load_config\n"
        f"nlp = plait.registry.languages.get('en').from_config(load_config({str(cfg)!r}))\n"
        "print(nlp('a loud noise')._.shout if hasattr(nlp('x'), '_') and False else nlp('a loud noise').user_data['shout'])\n"
    )
    run = _run(plugin_site, code=code)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['LOUD!!', 'NOISE!!']"


def test_plugin_entry_points_extend_thincs_registries(plugin_site):
    """plait_optimizers / plait_schedules entry points resolve from a config
    (they are listed by `plait info` too) and are thinc's registry entries."""
    code = (
        "from plait.config import load_config_from_str, resolve\n"
        "cfg = load_config_from_str('[training]\\n[training.optimizer]\\n@optimizers = \"good.SGD.v1\"\\n"
        "[training.optimizer.learn_rate]\\n@schedules = \"good.constant.v1\"\\nrate = 0.125\\n')\n"
        "opt = resolve(cfg)['training']['optimizer']\n"
        "print(type(opt).__name__, opt.learn_rate)\n"
        "from plait import registry\n"
        "from thinc.api import registry as thinc_registry\n"
        "print(registry.optimizers.get('good.SGD.v1') is thinc_registry.optimizers.get('good.SGD.v1'))\n"
        "print('good.constant.v1' in registry.schedules.names())\n"
    )
    result = _run(plugin_site, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Optimizer", "0.125", "True", "True"]
    info = _run(plugin_site, "info")
    assert "good.SGD.v1" in info.stdout and "good.constant.v1" in info.stdout


def test_unknown_thinc_registry_name_suggests(plugin_site):
    code = (
        "from plait.config import load_config_from_str, resolve\n"
        "cfg = load_config_from_str('[training]\\n[training.optimizer]\\n@optimizers = \"good.SDG.v1\"\\n')\n"
        "resolve(cfg)\n"
    )
    result = _run(plugin_site, code=code)
    assert result.returncode != 0
    assert "good.SGD.v1" in result.stderr
