"""`plait info`: versions, installed plugin distributions and what each registers."""

from __future__ import annotations

import platform
import sys
from pathlib import Path
from typing import Any

import click


def collect_info() -> dict[str, Any]:
    """Everything `plait info` shows, as a dict (tests and --json use it)."""
    from importlib import metadata

    from ..about import __version__
    from ..plugins import _entry_points
    from ..plugins._hooks import plugin_manager

    def version(dist: str) -> str:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "not installed"

    plugin_manager()  # loads hook modules: broken ones are recorded
    plugins: dict[str, Any] = {}
    for dist_name, groups in sorted(_entry_points.distributions_with_entry_points().items()):
        plugins[dist_name] = {
            "version": version(dist_name),
            "registers": {g.removeprefix("plait_") if g != "plait" else "hooks": sorted(names)
                          for g, names in sorted(groups.items())},
        }
    # Load every registered function so import failures are found and reported.
    for group, eps in _entry_points.groups().items():
        if group == "plait":
            continue
        for dist_name, ep in eps:
            try:
                _entry_points.load(dist_name, ep)
            except Exception:  # noqa: BLE001 - recorded as broken
                pass
    broken = [
        {"distribution": b.distribution, "entry_point": b.entry_point, "group": b.group, "error": b.error}
        for b in _entry_points.broken()
    ]
    sections: dict[str, Any] = {}
    for result in plugin_manager().hook.info_sections():
        sections.update(result or {})
    from ..language._installed import pipeline_summaries

    sections.setdefault("gpu", "no GPU support installed (the plait-gpu plugin: `make install-gpu`)")
    return {
        "plait": __version__,
        "location": str(Path(__file__).resolve().parents[1]),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "thinc": version("thinc"),
        "numpy": version("numpy"),
        "plugins": plugins,
        "broken_plugins": broken,
        "sections": sections,
        "pipelines": pipeline_summaries(),
    }


def _echo_section(name: str, value: Any) -> None:
    """Print one plugin-contributed section: a value, or a dict of them (a
    list of dicts prints a line per item)."""
    if not isinstance(value, dict):
        click.echo(f"{name:<10} {value}")
        return
    click.echo(f"\n{name.upper() if len(name) <= 3 else name.capitalize()}")
    for key, item in value.items():
        if isinstance(item, list):
            for entry in item:
                text = ", ".join(f"{k} {v}" for k, v in entry.items()) if isinstance(entry, dict) else entry
                click.echo(f"  {key:<12} {text}")
        else:
            click.echo(f"  {key:<12} {item}")


def _registry_cli(name: str, as_json: bool) -> None:
    """`plait info --registry [NAME]`: the registries and their sizes, or one registry's functions."""
    import srsly

    from ..plugins._inspect import describe_registry, registry_sizes

    data: Any = describe_registry(name) if name else registry_sizes()
    if as_json:
        click.echo(srsly.json_dumps(data, indent=2))
    elif not name:
        click.echo("Registries (plait info --registry NAME lists one):")
        for reg, size in data.items():
            click.echo(f"  {reg:<14} {size:>4}")
    else:
        for row in data:
            click.echo(f"{row['name']}  [{row['distribution']}]")
            click.echo(f"    {row.get('signature') or row.get('error')}")
            if row.get("doc"):
                click.echo(f"    {row['doc']}")


def pipeline_info(path: str | Path) -> dict[str, Any]:
    """The meta.json of a saved pipeline."""
    import srsly

    from ..errors import UsageError
    from ..language._installed import installed_pipelines, not_found_message

    meta_path = Path(path) / "meta.json"
    if not Path(path).exists() and str(path) in installed_pipelines():
        import importlib.util

        spec = importlib.util.find_spec(installed_pipelines()[str(path)].value)
        if spec is not None and spec.origin:
            meta_path = Path(spec.origin).parent / "meta.json"
    elif not Path(path).exists():
        raise UsageError(not_found_message(str(path)))
    if not meta_path.exists():
        raise UsageError(f"'{path}' is not a saved plait pipeline (no meta.json).")
    return srsly.read_json(meta_path)


@click.command("info", short_help="Show versions, installed plugins and what they register.")
@click.argument("model", required=False, type=str)
@click.option("--json", "as_json", is_flag=True, default=False, help="Print JSON.")
@click.option("--registry", "registry_name", is_flag=False, flag_value="", default=None,
              help="List a registry's functions (distribution, signature, summary); alone, the registries.")
@click.option("--verbose", "-V", is_flag=True, default=False, help="Show tracebacks of errors.")
def info_cli(model: str | None, as_json: bool, registry_name: str | None, verbose: bool) -> None:
    """Show plait's versions and installed plugins, or a saved pipeline's meta (MODEL)."""
    import srsly

    if registry_name is not None:
        _registry_cli(registry_name, as_json)
        return
    data = pipeline_info(model) if model else collect_info()
    if as_json:
        click.echo(srsly.json_dumps(data, indent=2))
        return
    if model:
        for key in ("lang", "name", "version", "plait_version", "pipeline", "performance"):
            if key in data:
                click.echo(f"{key:<14} {data[key]}")
        return
    for key in ("plait", "location", "python", "platform", "thinc", "numpy"):
        click.echo(f"{key:<10} {data[key]}")
    for name, value in data["sections"].items():
        _echo_section(name, value)
    click.echo("\nInstalled pipelines (plait.load(name))")
    for row in data["pipelines"] or [{"name": "none (plait package, then pip install the package)"}]:
        detail = row.get("error") or (", ".join(row["components"]) if "components" in row else "")
        version = f" {row['version']}" if "version" in row else ""
        click.echo(f"  {row['name']}{version}" + (f": {detail}" if detail else ""))
    click.echo("\nPlugins")
    for dist_name, plugin in data["plugins"].items():
        click.echo(f"  {dist_name} {plugin['version']}")
        for group, names in plugin["registers"].items():
            click.echo(f"    {group}: {', '.join(names)}")
    if data["broken_plugins"]:
        click.echo("\nBroken plugins (other commands still work)")
        for b in data["broken_plugins"]:
            click.echo(f"  {b['distribution']} ({b['entry_point']}, group {b['group']}): {b['error']}")
