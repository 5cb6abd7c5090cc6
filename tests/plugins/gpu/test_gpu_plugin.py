"""plait-gpu on a machine without CuPy or a GPU: it installs, `plait info`
names it, and `--gpu-id` says exactly what is missing (issue 16).

The plugin is pip-installed (without its CuPy dependency) into a folder put
on PYTHONPATH, as a user's `pip install --no-deps` would; the device checks
are unit-tested against a stand-in for CuPy's runtime API.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = ROOT / "plugins" / "gpu"


@pytest.fixture(scope="module")
def gpu_site(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("site")
    source = shutil.copytree(PLUGIN, target.parent / f"{target.name}-src" / "gpu",
                             ignore=shutil.ignore_patterns("*.egg-info", "build"))
    cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
           "--no-cache-dir", "--target", str(target), str(source)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"pip install of plugins/gpu failed:\n{proc.stdout}\n{proc.stderr}")
    return target


def _plait(site: Path | None, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "plait", *args], env=env, capture_output=True,
                          text=True, timeout=120)


def _cupy_importable() -> bool:
    try:
        import cupy  # noqa: F401
    except ImportError:
        return False
    return True


pytestmark = pytest.mark.skipif(_cupy_importable(), reason="CuPy is installed: these tests check its absence")


def test_info_names_the_plugin_and_why_the_gpu_is_unusable(gpu_site):
    result = _plait(gpu_site, "info", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["plugins"]["plait-gpu"]["registers"] == {"hooks": ["gpu"]}
    assert "CuPy cannot be imported" in data["sections"]["gpu"]["error"]
    text = _plait(gpu_site, "info")
    assert "plait-gpu 0.1.0" in text.stdout and "CuPy cannot be imported" in text.stdout


def test_gpu_id_without_cupy_is_a_clear_error(gpu_site, tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "dev.plait").write_bytes(b"")
    result = _plait(gpu_site, "evaluate", str(tmp_path / "model"), str(tmp_path / "dev.plait"), "--gpu-id", "0")
    assert result.returncode != 0
    assert "plait-gpu is installed but CuPy cannot be imported" in result.stderr
    assert "cupy-cuda12x" in result.stderr and "Traceback" not in result.stderr


def test_gpu_id_without_the_plugin_names_it(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "dev.plait").write_bytes(b"")
    result = _plait(None, "evaluate", str(tmp_path / "model"), str(tmp_path / "dev.plait"), "--gpu-id", "0")
    assert result.returncode != 0
    assert "plait-gpu plugin" in result.stderr and "make install-gpu" in result.stderr
    assert "Traceback" not in result.stderr
    info = json.loads(_plait(None, "info", "--json").stdout)
    assert "plait-gpu" in info["sections"]["gpu"]


def test_prefer_gpu_falls_back_to_the_cpu():
    import plait

    assert plait.prefer_gpu(0) is False
    from thinc.api import get_current_ops

    assert get_current_ops().device_type == "cpu"


# The device checks, against a stand-in for CuPy's runtime API ---------------------


@pytest.fixture()
def device_module(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN))
    import plait_gpu.device as device

    return device


def _fake_cupy(n_devices: int) -> types.SimpleNamespace:
    runtime = types.SimpleNamespace(
        getDeviceCount=lambda: n_devices,
        runtimeGetVersion=lambda: 12040,
        getDeviceProperties=lambda i: {"name": b"NVIDIA H200", "totalGlobalMem": 141 * 2**30},
    )
    return types.SimpleNamespace(__version__="13.4.0", cuda=types.SimpleNamespace(runtime=runtime))


def test_no_cuda_device_is_named(device_module, monkeypatch):
    from plait.errors import UsageError

    monkeypatch.setattr(device_module, "_import_cupy", lambda: _fake_cupy(0))
    with pytest.raises(UsageError, match="sees no CUDA device"):
        device_module.activate(0)
    assert device_module.gpu_info()["error"].startswith("CuPy sees no CUDA device")


def test_a_device_number_out_of_range_is_named(device_module, monkeypatch):
    from plait.errors import UsageError

    monkeypatch.setattr(device_module, "_import_cupy", lambda: _fake_cupy(2))
    with pytest.raises(UsageError, match=r"--gpu-id 3: this machine has 2 GPU\(s\), numbered 0 to 1"):
        device_module.activate(3)


def test_info_describes_each_device(device_module, monkeypatch):
    monkeypatch.setattr(device_module, "_import_cupy", lambda: _fake_cupy(1))
    info = device_module.gpu_info()
    assert info == {"cupy": "13.4.0", "cuda_runtime": "12.4",
                    "devices": [{"id": 0, "name": "NVIDIA H200", "memory_gib": 141.0}]}
