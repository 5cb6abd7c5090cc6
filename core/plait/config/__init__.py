"""Config loading, overrides and resolution with errors that name the place.

confection does the parsing, interpolation and validation; this package
adds what a user of the CLI needs on top: stdin (`-`), command-line and
``PLAIT_CONFIG_OVERRIDES`` overrides applied before interpolation and only
to existing keys, ``--code`` files, and every confection or registry error
turned into a :class:`plait.errors.ConfigError` that names
``[section] key`` and suggests the closest valid name.
"""

from __future__ import annotations

from confection import Config

from ._code import import_code
from ._loading import load_config, load_config_from_str
from ._overrides import ENV_VAR, apply_overrides, env_overrides, parse_cli_overrides
from ._resolution import fill, interpolate, resolve
from ._validation import validate_config

__all__ = [
    "Config", "ENV_VAR", "apply_overrides", "env_overrides", "fill", "import_code",
    "interpolate", "load_config", "load_config_from_str", "parse_cli_overrides", "resolve",
    "validate_config",
]
