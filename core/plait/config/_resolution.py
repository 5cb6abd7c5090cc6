"""Resolving and filling configs through plait's registry, with located errors.

confection reports a failing argument relative to the function block that
failed (``x -> n``) and a missing registered name without any location; a
user needs ``[training.batcher] size: …``. Before resolving, every
``@registry = "name"`` reference is checked so a misspelled function is
reported with its section and the closest registered names; afterwards
confection's errors are mapped back to full section paths.
"""

from __future__ import annotations

import configparser
import inspect
import re
from collections.abc import Iterator, Mapping
from typing import Any

from confection import Config, ConfigValidationError

from ..errors import ConfigError, PlaitError, RegistryError, did_you_mean
from ._arguments import check_arguments


def _registry():
    from ..plugins._registry import registry

    return registry


def _walk_blocks(node: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    yield path, node
    for key, value in node.items():
        if isinstance(value, Mapping):
            yield from _walk_blocks(value, (*path, str(key)))


def _function_ref(block: Mapping[str, Any]) -> tuple[str, str] | None:
    for key, value in block.items():
        if isinstance(key, str) and key.startswith("@"):
            return key[1:], str(value)
    return None


def section_name(path: tuple[str, ...]) -> str:
    return "[" + ".".join(path) + "]" if path else "[top level]"


def check_function_names(config: Mapping[str, Any]) -> None:
    """Raise a located RegistryError for any unknown ``@registry = "name"``."""
    registry = _registry()
    for path, block in _walk_blocks(config):
        ref = _function_ref(block)
        if ref is None:
            continue
        reg_name, func_name = ref
        try:
            registry.get(reg_name, func_name)
        except RegistryError as err:
            raise RegistryError(f"{section_name(path)} @{reg_name}: {err}") from err


def _signature_params(reg_name: str, func_name: str) -> list[str]:
    try:
        func = _registry().get(reg_name, func_name)
        return [p for p in inspect.signature(func).parameters if not p.startswith("_")]
    except (PlaitError, TypeError, ValueError):
        return []


def _locate(config: Mapping[str, Any], title: str, loc: list[Any]) -> tuple[tuple[str, ...], str | None]:
    """Map confection's block-relative ``loc`` to a full section path."""
    func_name = title.split("'")[1] if title.count("'") >= 2 else None
    loc = [str(x) for x in loc]
    if func_name and loc:
        *rel, key = loc
        for path, block in _walk_blocks(config):
            ref = _function_ref(block)
            if ref and ref[1] == func_name and tuple(path[len(path) - len(rel):]) == tuple(rel):
                return path, key
        return tuple(rel), key
    if loc:
        return tuple(loc[:-1]), loc[-1]
    return (), None


def _to_config_error(err: ConfigValidationError, config: Mapping[str, Any]) -> ConfigError:
    lines = []
    errors = []
    for item in err.errors or []:
        path, key = _locate(config, err.title or "", list(item.get("loc", [])))
        msg = str(item.get("msg", "invalid value")).replace("at root: ", "")
        if msg.startswith("unexpected argument"):
            block: Any = config
            for part in path:
                block = block.get(part, {}) if isinstance(block, Mapping) else {}
            ref = _function_ref(block) if isinstance(block, Mapping) else None
            if ref and key:
                params = _signature_params(*ref)
                msg = f"'{key}' is not an argument of {ref[1]}.{did_you_mean(key, params)}"
                if params:
                    msg += f" Its arguments: {', '.join(params)}."
        elif "is not <class" in msg:
            expected = msg.split("is not <class '")[-1].rstrip("'>")
            msg = f"{msg.split(' is not')[0]} is not a valid {expected}"
        where = section_name(path)
        lines.append(f"{where} {key}: {msg}" if key else f"{where}: {msg}")
        errors.append({"loc": (*path, key) if key else path, "msg": msg})
    if not lines:
        text = " ".join(str(err).split())
        lines.append(text or "invalid config")
    return ConfigError("\n".join(lines), errors=errors)


_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_MISSING = re.compile(r"option '([^']+)' in section '([^']+)' contains an interpolation key '([^']+)'")


def _dotted_keys(config: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for key, value in config.items():
        keys.append(f"{prefix}{key}")
        if isinstance(value, Mapping):
            keys.extend(_dotted_keys(value, f"{prefix}{key}."))
    return keys


def _raw_value(config: Mapping[str, Any], dotted: str) -> Any:
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def _cycle(config: Mapping[str, Any], start: str) -> list[str]:
    """The chain of ``${...}`` references from ``start`` back to itself."""
    chain = [start]
    while True:
        raw = _raw_value(config, chain[-1])
        refs = _VARIABLE.findall(raw) if isinstance(raw, str) else []
        if not refs:
            return chain
        nxt = refs[0]
        if nxt in chain:
            return [*chain[chain.index(nxt):], nxt]
        chain.append(nxt)


def interpolate(config: Config, *, source: str = "config") -> Config:
    """Resolve ``${section.key}`` variables, with a located error.

    A variable naming a missing setting names the key that holds it and the
    closest existing settings; variables that refer to each other in a
    circle show the circle.
    """
    try:
        return config.interpolate()
    except ConfigValidationError as err:
        text = " ".join(str(err).split()).replace("Config validation error ", "")
        found = _MISSING.search(text)
        if found:
            option, section, ref = found.groups()
            raise ConfigError(
                f"{source}: [{section}] {option} = ${{{ref}}}: the config has no setting '{ref}'."
                f"{did_you_mean(ref, _dotted_keys(config))} A variable names an existing "
                "section and key, e.g. ${paths.train}.",
                errors=[{"loc": (*section.split("."), option), "msg": f"unknown variable {ref}"}],
            ) from err
        raise ConfigError(f"{source}: {text}") from err
    except configparser.InterpolationDepthError as err:
        start = f"{err.section}.{err.option}"
        chain = _cycle(config, start)
        shown = " -> ".join(f"${{{key}}}" for key in chain)
        raise ConfigError(
            f"{source}: [{err.section}] {err.option}: its variables refer to each other in a "
            f"circle ({shown}). Give one of them a value instead of a variable.",
            errors=[{"loc": (*str(err.section).split("."), err.option), "msg": "circular variables"}],
        ) from err
    except configparser.Error as err:
        raise ConfigError(f"{source}: variables cannot be resolved: {' '.join(str(err).split())}") from err


def _raise_if_type_check_crash(err: TypeError) -> None:
    """confection's type checker itself can raise on a foreign annotation
    (thinc's pydantic-v1 style ``Generator``); that is a bad value, not a bug."""
    tb = err.__traceback__
    while tb is not None:
        if "confection" in tb.tb_frame.f_code.co_filename and "typechecker" in tb.tb_frame.f_code.co_filename:
            raise ConfigError(
                "a value in the config does not match the type its registered function declares, "
                f"and the type could not be checked ({err}). Check the values of the function "
                "blocks against their documented types; `plait debug config -V` shows the traceback."
            ) from err
        tb = tb.tb_next


def resolve(config: Mapping[str, Any], *, validate: bool = True, schema: Any = None) -> dict[str, Any]:
    """Resolve registered functions in ``config`` (interpolating first).

    RETURNS (dict[str, Any]): the resolved config.
    """
    if isinstance(config, Config) and not config.is_interpolated:
        config = interpolate(config)
    check_function_names(config)
    if validate:
        config = check_arguments(config)
    kwargs: dict[str, Any] = {"validate": validate}
    if schema is not None:
        kwargs["schema"] = schema
    try:
        return _registry().resolve(config, **kwargs)
    except ConfigValidationError as err:
        raise _to_config_error(err, config) from err
    except TypeError as err:
        _raise_if_type_check_crash(err)
        raise


def fill(config: Mapping[str, Any], *, validate: bool = True, schema: Any = None) -> Config:
    """Fill every default of the registered functions in ``config``."""
    check_function_names(config)
    if validate:
        config = check_arguments(config)
    kwargs: dict[str, Any] = {"validate": validate}
    if schema is not None:
        kwargs["schema"] = schema
    try:
        return _registry().fill(config, **kwargs)
    except ConfigValidationError as err:
        raise _to_config_error(err, config) from err
    except TypeError as err:
        _raise_if_type_check_crash(err)
        raise
