"""Reading a config file (or stdin) into a confection Config."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from confection import Config, ConfigValidationError

from ..errors import ConfigError
from ._overrides import apply_overrides, env_overrides
from ._resolution import interpolate
from ._sections import check_section_headers, check_sections


def load_config_from_str(
    text: str,
    overrides: Mapping[str, Any] | None = None,
    *,
    interpolate_values: bool = False,
    source: str = "<string>",
) -> Config:
    """Parse config text, apply overrides, optionally interpolate."""
    if not text.strip():
        raise ConfigError(
            f"{source}: the config is empty. Generate one with "
            "`plait init config config.cfg --lang en --pipeline tagger`."
        )
    check_section_headers(text, source=source)
    try:
        config = Config().from_str(text, interpolate=False)
    except ConfigValidationError as err:
        detail = " ".join(str(err).split())
        detail = detail.replace("Config validation error Make sure the sections and values are formatted correctly.", "").strip()
        raise ConfigError(f"{source}: the config cannot be parsed: {detail}") from err
    except Exception as err:  # configparser errors and friends
        raise ConfigError(f"{source}: the config cannot be parsed: {err}") from err
    if not config:
        raise ConfigError(f"{source}: the config is empty: it has no sections.")
    if overrides:
        apply_overrides(config, overrides)
    check_sections(config, source=source)
    if interpolate_values:
        config = interpolate(config, source=source)
    # Later checks (validate_config) name the file in their messages.
    config.source = source  # type: ignore[attr-defined]  # confection's Config allows extra attributes
    return config


def load_config(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    interpolate: bool = False,
    env: bool = True,
    log: Callable[[str], None] | None = None,
) -> Config:
    """Load a config from a file, or from stdin when ``path`` is ``"-"``.

    path (str | Path): the config file or "-".
    overrides (Mapping[str, Any]): dotted-key overrides from the command line.
    interpolate (bool): resolve ``${section.key}`` variables now.
    env (bool): also apply PLAIT_CONFIG_OVERRIDES (which wins).
    log (Callable[[str], None]): receives one line per applied override.
    RETURNS (Config): the config.
    """
    merged = dict(overrides or {})
    from_env = env_overrides() if env else {}
    merged.update(from_env)
    if str(path) == "-":
        text = sys.stdin.read()
        source = "<stdin>"
    else:
        p = Path(path)
        if not p.exists():
            raise ConfigError(f"config file '{p}' not found.")
        if p.is_dir():
            raise ConfigError(f"config path '{p}' is a directory; pass the config.cfg file inside it.")
        try:
            text = p.read_text(encoding="utf8")
        except UnicodeDecodeError as err:
            raise ConfigError(f"config file '{p}' is not UTF-8 text: {err}") from err
        source = str(p)
    if log is not None:
        for key, value in merged.items():
            origin = "environment" if key in from_env else "command line"
            log(f"override from {origin}: {key} = {value!r}")
    return load_config_from_str(text, merged, interpolate_values=interpolate, source=source)
