"""Config overrides from the command line and the environment.

``--paths.train ./train.plait --training.max_steps=100`` becomes
``{"paths.train": "./train.plait", "training.max_steps": 100}``; values are
JSON when they parse as JSON, strings otherwise. ``PLAIT_CONFIG_OVERRIDES``
uses the same syntax and wins over the command line. Overrides apply before
interpolation, and only to sections and keys that already exist.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping, Sequence
from typing import Any

import srsly

from ..errors import ConfigError, UsageError, did_you_mean

ENV_VAR = "PLAIT_CONFIG_OVERRIDES"


def _parse_value(raw: str) -> Any:
    try:
        return srsly.json_loads(raw)
    except ValueError:
        return raw


def parse_cli_overrides(args: Sequence[str], *, source: str = "command line") -> dict[str, Any]:
    """Parse ``--section.key value`` pairs left over by click.

    args (Sequence[str]): the extra arguments.
    source (str): where they came from, for error messages.
    RETURNS (dict[str, Any]): dotted key -> value.
    """
    result: dict[str, Any] = {}
    args = list(args)
    while args:
        opt = args.pop(0)
        if not opt.startswith("--") or len(opt) <= 2:
            raise UsageError(
                f"{source}: unexpected argument '{opt}'. Config overrides look like "
                "`--section.key value`, e.g. `--paths.train ./train.plait`."
            )
        name, eq, value = opt[2:].partition("=")
        if "." not in name:
            raise UsageError(
                f"{source}: '--{name}' is not an option of this command and not a config "
                "override (those name a section and a key: `--training.max_steps 100`)."
            )
        name = name.replace("-", "_") if "." not in name.split(".", 1)[0] else name
        if eq:
            result[name] = _parse_value(value)
        elif not args or args[0].startswith("--"):
            result[name] = True  # a bare flag
        else:
            result[name] = _parse_value(args.pop(0))
    return result


def env_overrides() -> dict[str, Any]:
    """Overrides from ``PLAIT_CONFIG_OVERRIDES`` (empty when unset)."""
    raw = os.environ.get(ENV_VAR, "").strip()
    if not raw:
        return {}
    return parse_cli_overrides(shlex.split(raw), source=f"environment variable {ENV_VAR}")


def _all_keys(config: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        keys.append(dotted)
        if isinstance(value, Mapping):
            keys.extend(_all_keys(value, dotted + "."))
    return keys


def check_overrides(config: Mapping[str, Any], overrides: Mapping[str, Any]) -> None:
    """Raise ConfigError for any override naming a missing section or key."""
    valid = _all_keys(config)
    for dotted in overrides:
        node: Any = config
        parts = dotted.split(".")
        for i, part in enumerate(parts):
            if not isinstance(node, Mapping) or part not in node:
                where = ".".join(parts[:i]) or "(top level)"
                what = "section" if i < len(parts) - 1 else "key"
                raise ConfigError(
                    f"cannot override '{dotted}': the config has no {what} '{part}' in "
                    f"[{where}]. Only existing settings can be overridden."
                    f"{did_you_mean(dotted, valid)}",
                    errors=[{"loc": tuple(parts), "msg": "not found"}],
                )
            node = node[part]


def apply_overrides(config: Any, overrides: Mapping[str, Any]) -> Any:
    """Set overrides on an *uninterpolated* config in place and return it."""
    check_overrides(config, overrides)
    for dotted, value in overrides.items():
        *path, key = dotted.split(".")
        node = config
        for part in path:
            node = node[part]
        node[key] = value
    return config
