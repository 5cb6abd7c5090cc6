"""`plait package`: turn a trained pipeline into an installable Python package.

The package folder ``OUTPUT_DIR/{lang}_{name}-{version}/`` holds a
``pyproject.toml`` (setuptools), a README made from the meta, and the module
``{lang}_{name}/`` whose ``__init__.py`` exposes ``load(**overrides)`` and
``__version__``. The pipeline itself is copied into
``{lang}_{name}/{lang}_{name}-{version}/``; ``--code`` files go into that
pipeline folder's ``code/`` and are listed in its meta.json ``"code"``, the
only code ``plait.load`` ever imports, so custom functions and components
are registered both by ``import pkg; pkg.load()`` and by
``plait.load(path)``. The whole folder is built beside its target and
renamed into place (``plait.fs``), so a failure never leaves half a package.
"""

from __future__ import annotations

import json
import keyword
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click

from ._options import verbose_option

BUILD_CHOICES = ("none", "sdist", "wheel")
# PEP 440 public versions (what pip accepts for a distribution).
_VERSION_RE = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")
_SPEC_RE = re.compile(r"^\s*(>=|<=|==|!=|~=|>|<)")


def package(input_dir: str | Path, output_dir: str | Path, *, code_paths: Iterable[str | Path] = (),
            name: str | None = None, version: str | None = None, meta_path: str | Path | None = None,
            build: str = "none", force: bool = False) -> Path:
    """Write an installable Python package of the pipeline at ``input_dir``.

    input_dir (str | Path): a pipeline folder saved by ``nlp.to_disk`` or
        ``plait train`` (``model-best``).
    output_dir (str | Path): the folder the package folder is created in.
    code_paths (Iterable[str | Path]): Python files with the custom
        functions the pipeline needs; bundled and imported when it loads.
    name (str | None): the pipeline name (default: meta.json "name"); the
        package is called ``{lang}_{name}``.
    version (str | None): the package version (default: meta.json "version").
    meta_path (str | Path | None): a JSON file whose keys override meta.json.
    build (str): "none", or "sdist", "wheel" or "sdist,wheel": also build
        these archives into the package folder's ``dist/``.
    force (bool): replace an existing package folder.
    RETURNS (Path): the package folder.
    """
    from .. import fs
    from ..config import import_code
    from ..errors import UsageError

    input_dir, output_dir = Path(input_dir), Path(output_dir)
    builds = _parse_build(build)
    meta = _read_pipeline_meta(input_dir)
    _refuse_links(input_dir)
    if meta_path is not None:
        meta.update(_read_meta_override(Path(meta_path)))
    if name is not None:
        meta["name"] = name
    if version is not None:
        meta["version"] = version
    lang = str(meta.get("lang") or "")
    pkg = f"{lang}_{meta.get('name') or ''}"
    if not lang or not meta.get("name") or not pkg.isidentifier() or keyword.iskeyword(pkg):
        raise UsageError(
            f"package name '{pkg}' (from lang '{lang}' and name '{meta.get('name', '')}') is not a valid "
            "Python identifier: use --name with letters, digits and underscores only, e.g. --name core_sm."
        )
    version = str(meta.get("version") or "")
    if not _VERSION_RE.match(version):
        raise UsageError(
            f"package version '{version}' is not a valid version: use --version like 1.0.0 (PEP 440)."
        )
    code_files = [Path(p) for p in code_paths]
    # Same checks and messages as every --code option (exists, .py, compiles,
    # imports): a broken file fails here, not when a user loads the package.
    import_code(code_files)
    code_names = [p.name for p in code_files]
    duplicates = sorted({n for n in code_names if code_names.count(n) > 1})
    if duplicates:
        raise UsageError(f"--code files share the name {', '.join(duplicates)}: rename one, each is bundled "
                         "by file name into the pipeline's code/ folder.")

    if input_dir.resolve() == output_dir.resolve() or input_dir.resolve() in output_dir.resolve().parents:
        raise UsageError(f"output folder '{output_dir}' is inside the pipeline folder '{input_dir}': "
                         "choose a folder outside it (e.g. ./packages).")
    target = output_dir / f"{pkg}-{version}"
    if target.exists() and not force:
        raise UsageError(f"package folder '{target}' already exists: use --force to replace it.")
    if not output_dir.exists():
        output_dir.mkdir(parents=True)
    requirements = _requirements(input_dir, meta)
    meta["requirements"] = requirements
    data_name = f"{pkg}-{version}"
    with fs.atomic_directory(target) as tmp:
        data_dir = tmp / pkg / data_name
        # symlinks=True: a link made after the check above is copied as a
        # link, never followed (its target's content stays out of the package).
        shutil.copytree(input_dir, data_dir, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        meta["code"] = _bundle_code(data_dir, meta.get("code"), code_files)
        if not meta["code"]:
            del meta["code"]
        fs.write_json(data_dir / "meta.json", meta)
        fs.write_json(tmp / pkg / "meta.json", meta)
        fs.write_text(tmp / pkg / "__init__.py", _init_py(pkg, version, data_name))
        fs.write_text(tmp / "pyproject.toml", _pyproject(pkg, version, meta, requirements))
        fs.write_text(tmp / "MANIFEST.in", f"include meta.json README.md\nrecursive-include {pkg} *\n"
                                           "global-exclude *.pyc __pycache__\n")
        fs.write_text(tmp / "README.md", _readme(pkg, version, meta))
        fs.write_json(tmp / "meta.json", meta)
    for kind in builds:
        _build_archive(target, kind)
    return target


def _parse_build(build: str) -> list[str]:
    from ..errors import UsageError

    kinds = [k.strip() for k in str(build).split(",") if k.strip()]
    bad = [k for k in kinds if k not in BUILD_CHOICES]
    if bad or not kinds or ("none" in kinds and len(kinds) > 1):
        raise UsageError(f"--build '{build}': expected none, sdist, wheel or sdist,wheel.")
    return [k for k in kinds if k != "none"]


def _read_pipeline_meta(input_dir: Path) -> dict[str, Any]:
    from ..errors import SerializationError, UsageError

    if not input_dir.is_dir():
        raise UsageError(f"'{input_dir}' is not a folder: give the folder of a saved plait pipeline "
                         "(e.g. training/model-best).")
    missing = [f for f in ("meta.json", "config.cfg") if not (input_dir / f).is_file()]
    if missing:
        raise UsageError(f"'{input_dir}' is not a saved plait pipeline (no {' or '.join(missing)}): "
                         "give the folder written by nlp.to_disk() or plait train (e.g. training/model-best).")
    try:
        meta = json.loads((input_dir / "meta.json").read_text(encoding="utf8"))
    except ValueError as err:
        raise SerializationError(f"{input_dir / 'meta.json'}: not valid JSON ({err})") from err
    if not isinstance(meta, dict):
        raise SerializationError(f"{input_dir / 'meta.json'}: expected a JSON object")
    return meta


def _refuse_links(input_dir: Path) -> None:
    """Refuse a pipeline folder containing symbolic links (or anything but
    files and folders), naming each one.

    Following a link would copy whatever it points to (a key file, a home
    folder) into a package meant to be shared; copying the link itself
    would ship a path of the building machine that is broken or means
    something else where the package is installed. A saved pipeline never
    contains links, so one is either a mistake or an attack.
    """
    from ..errors import UsageError
    from ..language._io import find_links

    odd = find_links(input_dir)
    if odd:
        shown = "; ".join(odd[:5]) + (f"; and {len(odd) - 5} more" if len(odd) > 5 else "")
        raise UsageError(
            f"'{input_dir}' contains symbolic links or special files, which plait package does not "
            f"copy: {shown}. Replace each link by a copy of the file it points to (if it belongs in "
            f"the package) or remove it, then package again."
        )


def _read_meta_override(path: Path) -> dict[str, Any]:
    from ..errors import UsageError

    if not path.is_file():
        raise UsageError(f"--meta-path file '{path}' not found.")
    try:
        data = json.loads(path.read_text(encoding="utf8"))
    except ValueError as err:
        raise UsageError(f"--meta-path file '{path}': not valid JSON ({err}).") from err
    if not isinstance(data, dict):
        raise UsageError(f"--meta-path file '{path}': expected a JSON object of meta.json keys.")
    return data


def _bundle_code(data_dir: Path, existing: Any, code_files: list[Path]) -> list[str]:
    """Copy the --code files into ``data_dir/code``; RETURNS the meta "code" list."""
    from .. import fs
    from ..language._io import CODE_DIR

    listed = [existing] if isinstance(existing, str) else list(existing or [])
    listed = [str(rel) for rel in listed]
    for file in code_files:
        rel = f"{CODE_DIR}/{file.name}"
        fs.write_bytes(data_dir / rel, file.read_bytes())
        if rel not in listed:
            listed.append(rel)
    return listed


def _requirements(input_dir: Path, meta: dict[str, Any]) -> list[str]:
    """``plait`` plus the installed distributions providing the config's
    factories and registered functions, each at least at its installed version."""
    from importlib import metadata

    from ..about import __version__
    from ..config import load_config
    from ..plugins import _entry_points

    spec = str(meta.get("plait_version") or "")
    requirements = [f"plait{spec}" if _SPEC_RE.match(spec) else f"plait>={__version__}"]
    wanted: set[tuple[str, str]] = set()
    config = load_config(input_dir / "config.cfg", env=False)
    for comp in (config.get("components") or {}).values():
        if isinstance(comp, dict) and "factory" in comp:
            wanted.add(("plait_factories", str(comp["factory"])))
    _collect_refs(config, wanted)
    if meta.get("lang"):
        wanted.add(("plait_languages", str(meta["lang"])))
    dists: set[str] = set()
    for group, eps in _entry_points.groups().items():
        for dist_name, ep in eps:
            if (group, ep.name) in wanted:
                dists.add(dist_name)
    for dist_name in sorted(dists):
        if dist_name.lower().replace("_", "-") == _entry_points.KERNEL_DISTRIBUTION:
            continue  # already required, with the meta's version spec
        try:
            requirements.append(f"{dist_name}>={metadata.version(dist_name)}")
        except metadata.PackageNotFoundError:
            requirements.append(dist_name)
    return requirements


def _collect_refs(node: Any, wanted: set[tuple[str, str]]) -> None:
    # "@architectures" = "name" is looked up in entry-point group plait_architectures.
    if not isinstance(node, dict):
        return
    for key, value in node.items():
        if isinstance(key, str) and key.startswith("@") and isinstance(value, str):
            wanted.add((f"plait_{key[1:]}", value))
        else:
            _collect_refs(value, wanted)


def _toml_str(value: Any) -> str:
    # A JSON string is a valid TOML basic string (same escapes).
    return json.dumps(str(value), ensure_ascii=False)


def _pyproject(pkg: str, version: str, meta: dict[str, Any], requirements: list[str]) -> str:
    description = meta.get("description") or f"plait pipeline {pkg}"
    lines = [
        "[build-system]",
        'requires = ["setuptools>=64"]',
        'build-backend = "setuptools.build_meta"',
        "",
        "[project]",
        f"name = {_toml_str(pkg)}",
        f"version = {_toml_str(version)}",
        f"description = {_toml_str(' '.join(str(description).split()))}",
        'readme = "README.md"',
        'requires-python = ">=3.10"',
        "dependencies = [" + ", ".join(_toml_str(r) for r in requirements) + "]",
    ]
    author = {k: meta[m] for k, m in (("name", "author"), ("email", "email")) if meta.get(m)}
    if author:
        lines.append("authors = [{" + ", ".join(f"{k} = {_toml_str(v)}" for k, v in author.items()) + "}]")
    if meta.get("url"):
        lines += ["", "[project.urls]", f"Homepage = {_toml_str(meta['url'])}"]
    lines += [
        "",
        # plait.load("{pkg}") and `plait info` find the pipeline through this group.
        "[project.entry-points.plait_pipelines]",
        f"{pkg} = {_toml_str(pkg)}",
        "",
        "[tool.setuptools]",
        f"packages = [{_toml_str(pkg)}]",
        "include-package-data = true",
        "",
        "[tool.setuptools.package-data]",
        # The pipeline folder is data: every file under it, at any depth.
        f'{pkg} = ["*.json", "**/*"]',
        "",
    ]
    return "\n".join(lines)


def _init_py(pkg: str, version: str, data_name: str) -> str:
    return f'''"""The plait pipeline {pkg} {version}, packaged by `plait package`.

    import {pkg}
    nlp = {pkg}.load()
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__version__ = {version!r}
_DATA_DIR = Path(__file__).parent / {data_name!r}


def get_data_path() -> Path:
    """RETURNS (Path): the pipeline folder inside this package."""
    return _DATA_DIR


def load(**overrides: Any) -> Any:
    """Load the pipeline; the code files bundled with it are imported first,
    so its custom functions and components are registered.

    overrides: keyword arguments of plait.load (disable, exclude, config...).
    RETURNS (Language): the pipeline.
    """
    import plait

    # Installing this package is the act of trusting its bundled code.
    overrides.setdefault("trust_code", True)
    return plait.load(_DATA_DIR, **overrides)
'''


def _readme(pkg: str, version: str, meta: dict[str, Any]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, (list, tuple)):
            value = ", ".join(f"`{v}`" for v in value) if value else "-"
        return str(value).replace("|", "\\|").replace("\n", " ") if value not in (None, "") else "-"

    lines = [f"# {pkg}", ""]
    if meta.get("description"):
        lines += [str(meta["description"]), ""]
    rows = [
        ("Name", f"`{pkg}`"), ("Version", f"`{version}`"), ("plait", f"`{meta.get('plait_version', '')}`"),
        ("Default pipeline", meta.get("pipeline", [])), ("Components", meta.get("components", [])),
        ("Bundled code", meta.get("code", [])), ("License", meta.get("license")),
        ("Author", meta.get("author")),
    ]
    lines += ["| Feature | Description |", "| --- | --- |"]
    lines += [f"| **{key}** | {cell(value)} |" for key, value in rows]
    labels = meta.get("labels") or {}
    if any(labels.values()):
        lines += ["", "## Label scheme", "", "| Component | Labels |", "| --- | --- |"]
        lines += [f"| **`{comp}`** | {cell(list(names))} |" for comp, names in labels.items() if names]
    scores = [(k, v) for k, v in (meta.get("performance") or {}).items()
              if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if scores:
        lines += ["", "## Accuracy", "", "| Type | Score |", "| --- | --- |"]
        lines += [f"| `{key.upper()}` | {value * 100:.2f} |" if not key.endswith("_loss")
                  else f"| `{key.upper()}` | {value:.2f} |" for key, value in scores]
    lines += ["", "## Use", "", "```python", f"import {pkg}", "", f"nlp = {pkg}.load()", "```", ""]
    return "\n".join(lines)


def _build_archive(target: Path, kind: str) -> None:
    """Build an sdist or a wheel of the package folder into ``target/dist``."""
    import importlib.util

    from ..errors import UsageError

    dist = target / "dist"
    if importlib.util.find_spec("build") is not None:
        cmd = [sys.executable, "-m", "build", f"--{kind}", "--no-isolation", "--outdir", str(dist), str(target)]
    elif kind == "wheel":
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
               "--wheel-dir", str(dist), str(target)]
    else:
        raise UsageError("--build sdist needs the 'build' package: run `pip install build`.")
    scratch_dirs = [p for p in (target / "build", target / f"{target.name.rsplit('-', 1)[0]}.egg-info")
                 if not p.exists()]
    result = subprocess.run(cmd, capture_output=True, text=True)
    # setuptools' scratch folders are not part of the package.
    for scratch in scratch_dirs:
        shutil.rmtree(scratch, ignore_errors=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise UsageError(
            f"building the {kind} of '{target}' failed (`{' '.join(cmd)}`); the package folder is "
            f"complete, build it yourself once fixed. Last output:\n{tail}"
        )


@click.command("package", short_help="Turn a trained pipeline into an installable Python package.")
@click.argument("input_dir", type=click.Path(file_okay=False))
@click.argument("output_dir", type=click.Path(file_okay=False))
@click.option("--code", "-c", "code_paths", multiple=True, type=click.Path(dir_okay=False),
              help="Python file with the pipeline's custom functions, bundled and imported on load. Repeatable.")
@click.option("--name", "-n", default=None, help="Pipeline name (default: meta.json name); package is LANG_NAME.")
@click.option("--version", "-v", "version", default=None, help="Package version (default: meta.json version).")
@click.option("--meta-path", "-m", type=click.Path(dir_okay=False), default=None,
              help="JSON file whose keys override the pipeline's meta.json.")
@click.option("--build", "-b", default="none", show_default=True,
              help="Also build archives into the package's dist/: none, sdist, wheel or sdist,wheel.")
@click.option("--force", "-F", is_flag=True, default=False, help="Replace an existing package folder.")
@verbose_option
def package_cli(input_dir: str, output_dir: str, code_paths: tuple[str, ...], name: str | None,
                version: str | None, meta_path: str | None, build: str, force: bool, verbose: bool) -> None:
    """Turn the saved pipeline INPUT_DIR into an installable Python package in OUTPUT_DIR."""
    target = package(input_dir, output_dir, code_paths=code_paths, name=name, version=version,
                     meta_path=meta_path, build=build, force=force)
    pkg = target.name.rsplit("-", 1)[0]
    click.echo(f"Package written to {target}")
    click.echo(f"Install it with `pip install {target}`, then `import {pkg}; nlp = {pkg}.load()`.")
    dist = target / "dist"
    if dist.is_dir():
        for archive in sorted(dist.iterdir()):
            click.echo(f"Built {archive}")
