"""Checking config values against annotations, constraints included.

confection checks an argument's base type only: it ignores the constraints
of ``PositiveInt`` or ``confloat(ge=0, lt=1)`` (a width of 0 reached thinc
and failed there with an ``IndexError``) and it refuses ``1`` for a plain
``bool`` (spaCy, on pydantic, coerces it). Here every value given to a
registered function is checked with pydantic against the function's own
annotation, before confection sees it, so a new registered function with a
``PositiveInt`` argument is checked for free. Third-party functions whose
signatures plait cannot annotate (thinc's optimizers) get their constraints
from :data:`EXTRA_CONSTRAINTS`.

Rules on top of pydantic: a string is never taken for a number or a bool
(``dropout = "0.1"`` is a typo that would reach the training loop as a
string), and ``0``/``1`` for a plain ``bool`` become ``False``/``True``
(``StrictBool`` refuses them).
"""

from __future__ import annotations

import collections.abc
import inspect
import json
import sys
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Annotated, Any, Union, cast, get_args, get_origin

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError

from ..errors import ConfigError, did_you_mean

_NON_NEGATIVE = Annotated[float, Field(ge=0)]
_POSITIVE = Annotated[float, Field(gt=0)]
_UNIT = Annotated[float, Field(ge=0, lt=1)]


def _or_list(annotation: Any) -> Any:
    # thinc's optimizer settings take a number, a list of numbers (one per
    # step) or a schedule block (checked once built, so not seen here).
    return Union[annotation, list[annotation]]


_ADAM = {"learn_rate": _or_list(_NON_NEGATIVE), "L2": _or_list(_NON_NEGATIVE),
         "beta1": _or_list(_UNIT), "beta2": _or_list(_UNIT), "eps": _or_list(_POSITIVE),
         "grad_clip": _or_list(_NON_NEGATIVE)}

# (registry, function) -> {argument: annotation} for registered functions
# plait does not own. Their own annotations (thinc's FloatOrSeq) let
# confection crash with a TypeError on a string or null.
EXTRA_CONSTRAINTS: dict[tuple[str, str], dict[str, Any]] = {
    ("optimizers", "Adam.v1"): _ADAM,
    ("optimizers", "RAdam.v1"): _ADAM,
    ("optimizers", "SGD.v1"): {"learn_rate": _or_list(_NON_NEGATIVE), "L2": _or_list(_NON_NEGATIVE),
                               "grad_clip": _or_list(_NON_NEGATIVE)},
    ("schedules", "compounding.v1"): {"start": _POSITIVE, "stop": _POSITIVE, "compound": _POSITIVE},
    ("schedules", "constant.v1"): {"rate": _NON_NEGATIVE},
    ("schedules", "warmup_linear.v1"): {"initial_rate": _NON_NEGATIVE},
}

_ADAPTERS: dict[Any, TypeAdapter | None] = {}
_SCALARS = (bool, int, float)


def _adapter(annotation: Any) -> TypeAdapter | None:
    try:
        return _ADAPTERS[annotation]
    except TypeError:  # unhashable annotation: build it each time
        pass
    except KeyError:
        pass
    try:
        adapter: TypeAdapter | None = TypeAdapter(annotation, config=ConfigDict(arbitrary_types_allowed=True))
    except Exception:  # noqa: BLE001 - a type pydantic cannot model is left to confection
        adapter = None
    try:
        _ADAPTERS[annotation] = adapter
    except TypeError:
        pass
    return adapter


def _branches(annotation: Any) -> tuple[Any, ...]:
    origin = get_origin(annotation)
    if origin is Union or type(annotation).__name__ == "UnionType":
        return tuple(b for arg in get_args(annotation) for b in _branches(arg))
    return (annotation,)


def _base(annotation: Any) -> Any:
    return get_args(annotation)[0] if get_origin(annotation) is Annotated else annotation


def _is_strict(annotation: Any) -> bool:
    return get_origin(annotation) is Annotated and any(
        getattr(m, "strict", False) is True for m in get_args(annotation)[1:])


def _has_constraints(annotation: Any) -> bool:
    if get_origin(annotation) is Annotated:
        return True
    return any(_has_constraints(arg) for arg in get_args(annotation) if arg is not Ellipsis)


def worth_checking(annotation: Any) -> bool:
    """Whether pydantic should check values of ``annotation`` (scalars and
    anything carrying constraints; other types are left to confection)."""
    return _has_constraints(annotation) or any(_base(b) in _SCALARS for b in _branches(annotation))


def _accepts_str(annotation: Any) -> bool:
    for branch in _branches(annotation):
        base = _base(branch)
        if base in _SCALARS or base is type(None):
            continue
        if get_origin(base) is typing.Literal and not any(isinstance(a, str) for a in get_args(base)):
            continue
        if get_origin(base) in (list, tuple, dict) or base in (list, tuple, dict):
            continue
        return True
    return False


def _bound_text(meta: Any) -> list[str]:
    if isinstance(getattr(meta, "metadata", None), list):  # pydantic's Field(ge=0)
        return [t for m in meta.metadata for t in _bound_text(m)]
    parts = []
    for attr, op in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        bound = getattr(meta, attr, None)
        if bound is not None:
            parts.append(f"{op} {bound}")
    return parts


def describe(annotation: Any) -> str:
    """A short English description of what ``annotation`` accepts."""
    names = []
    for branch in _branches(annotation):
        base = _base(branch)
        bounds = [t for m in (get_args(branch)[1:] if base is not branch else ()) for t in _bound_text(m)]
        name = {bool: "true or false", int: "a whole number", float: "a number",
                str: "a string", type(None): "null"}.get(base)
        if name is None:
            origin = get_origin(base)
            if origin in (list, tuple, collections.abc.Sequence) or base in (list, tuple):
                inner = get_args(base)
                name = f"a list whose items are each {describe(inner[0])}" if inner else "a list"
            elif origin is typing.Literal:
                name = "one of " + ", ".join(_show(a) for a in get_args(base))
            elif origin is dict or base is dict:
                name = "a dict"
            elif origin in (collections.abc.Iterator, collections.abc.Callable):
                name = "a schedule"
            else:
                name = getattr(base, "__name__", str(base))
        if bounds:
            name += " " + " and ".join(bounds)
        if base is bool and _is_strict(branch):
            name = "true or false (not 0 or 1)"
        names.append(name)
    return " or ".join(dict.fromkeys(names))


def _most_telling(err: ValidationError) -> dict[str, Any]:
    """Of a union's errors, one about a constraint ("greater than 0") rather
    than about a branch of another type ("a valid list")."""
    errors = err.errors()
    for item in errors:
        kind = str(item.get("type", ""))
        if not kind.endswith("_type") and kind not in ("is_instance_of", "callable_type", "iteration_error"):
            return dict(item)
    return dict(errors[0])


def check_value(value: Any, annotation: Any) -> tuple[Any, str | None]:
    """Check one value. RETURNS (tuple[Any, str | None]): the value to use
    (``1`` becomes ``True`` for a plain bool) and an error message or None."""
    adapter = _adapter(annotation)
    if adapter is None:
        return value, None
    expected = describe(annotation)
    if isinstance(value, str) and not _accepts_str(annotation):
        return value, f"expected {expected}, got the string {value!r}"
    try:
        adapter.validate_python(value, strict=True)
        return value, None
    except ValidationError as err:
        first = _most_telling(err)
    if type(value) is int and value in (0, 1) and any(
            _base(b) is bool and not _is_strict(b) for b in _branches(annotation)):
        return bool(value), None
    if not isinstance(value, str):
        try:
            adapter.validate_python(value)
            return value, None
        except ValidationError as err:
            first = _most_telling(err)
    loc = "".join(f"[{p!r}]" if isinstance(p, str) else f"[{p}]"
                  for p in first.get("loc", ()) if isinstance(p, int) or isinstance(value, Mapping))
    msg = str(first.get("msg", "invalid value"))
    msg = msg[0].lower() + msg[1:]
    return value, f"{_show(value)} is not valid{' at ' + loc if loc else ''}: {msg} (expected {expected})"


def _show(value: Any) -> str:
    """A value as the config writes it (null, true, [1, 2])."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _type_hints(func: Callable) -> dict[str, Any]:
    # A registered class (plait.Corpus.v1) takes its arguments in __init__.
    target = cast(Any, func).__init__ if isinstance(func, type) else func
    try:
        return typing.get_type_hints(target, include_extras=True)
    except Exception:  # noqa: BLE001 - e.g. a return type imported only under TYPE_CHECKING
        pass
    # Resolve the parameters one by one: one unresolvable annotation must not
    # hide the constraints of the others.
    module = sys.modules.get(getattr(target, "__module__", "") or "")
    namespace = {**vars(typing), **(vars(module) if module else {})}
    hints: dict[str, Any] = {}
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return hints
    for param in params:
        annotation = param.annotation
        if isinstance(annotation, str):
            try:
                annotation = eval(annotation, namespace)  # noqa: S307 - the function's own annotation
            except Exception:  # noqa: BLE001
                continue
        if annotation is not inspect.Parameter.empty:
            hints[param.name] = annotation
    return hints


def _accepted_names(func: Callable) -> set[str] | None:
    """The keyword names ``func`` accepts, or None when it takes any
    (``**kwargs``) or its signature cannot be read."""
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    return {p.name for p in params if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                                  inspect.Parameter.KEYWORD_ONLY)}


def _is_promise(value: Any) -> bool:
    return isinstance(value, Mapping) and any(str(k).startswith("@") for k in value)


def _holds_unresolved(value: Any) -> bool:
    """A value still holding a function block or an uninterpolated variable."""
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, Mapping):
        return _is_promise(value) or any(_holds_unresolved(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_unresolved(v) for v in value)
    return False


def block_function(block: Mapping[str, Any], path: tuple[str, ...]) -> tuple[str, str] | None:
    """``(registry, name)`` of a function block, a ``[components.X]`` factory included."""
    for key, value in block.items():
        if isinstance(key, str) and key.startswith("@"):
            return key[1:], str(value)
    if len(path) == 2 and path[0] == "components" and isinstance(block.get("factory"), str) \
            and "source" not in block:
        return "factories", block["factory"]
    return None


def _walk(node: Mapping[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Mapping[str, Any]]]:
    yield path, node
    for key, value in node.items():
        if isinstance(value, Mapping):
            yield from _walk(value, (*path, str(key)))


def section_name(path: tuple[str, ...]) -> str:
    return "[" + ".".join(path) + "]" if path else "[top level]"


def argument_problems(config: Mapping[str, Any]) -> tuple[list[tuple[tuple[str, ...], str, str]],
                                                          dict[tuple[str, ...], Any]]:
    """Check every argument of every function block in ``config``.

    RETURNS (tuple[list, dict]): the problems as ``(section path, key,
        message)`` and the coercions as ``{full key path: new value}``.
    """
    from ..plugins._registry import registry

    problems: list[tuple[tuple[str, ...], str, str]] = []
    changes: dict[tuple[str, ...], Any] = {}
    for path, block in _walk(config):
        ref = block_function(block, path)
        if ref is None:
            continue
        try:
            func = registry.get(*ref)
        except Exception:  # noqa: BLE001 - unknown names are reported by check_function_names
            continue
        hints = _type_hints(func)
        extra = EXTRA_CONSTRAINTS.get(ref, {})
        accepted = _accepted_names(func)
        for key, value in block.items():
            if not isinstance(key, str) or key.startswith("@") or key in ("factory", "nlp", "name"):
                continue
            if accepted is not None and key not in accepted:
                # Caught here, the message names the full section; confection
                # only failed when the block was built, with a shortened one.
                params = sorted(accepted - {"nlp", "name"})
                problems.append((path, key, f"'{key}' is not an argument of {ref[1]}."
                                 f"{did_you_mean(key, params)} Its arguments: {', '.join(params) or '(none)'}"))
                continue
            if _holds_unresolved(value):
                continue
            annotation = extra.get(key, hints.get(key))
            if annotation is None or not worth_checking(annotation):
                continue
            new, problem = check_value(value, annotation)
            if problem:
                problems.append((path, key, problem))
            elif new is not value:
                changes[tuple(path) + (key,)] = new
    return problems, changes


def with_changes(config: Any, changes: Mapping[tuple[str, ...], Any]) -> Any:
    """A copy of ``config`` with the values at ``changes`` replaced; the
    sections on the way are copied (same class), everything else is shared."""
    import copy

    if not changes:
        return config
    root = copy.copy(config)
    for full, value in changes.items():
        node = root
        for part in full[:-1]:
            child = copy.copy(node[part])
            node[part] = child
            node = child
        node[full[-1]] = value
    return root


def raise_problems(problems: list[tuple[tuple[str, ...], str, str]], *, source: str = "") -> None:
    """Raise one ConfigError listing ``problems`` (nothing when empty)."""
    if not problems:
        return
    prefix = f"{source}: " if source else ""
    lines = [f"{prefix}{section_name(path)} {key}: {msg}." for path, key, msg in problems]
    raise ConfigError("\n".join(lines), errors=[{"loc": (*path, key), "msg": msg} for path, key, msg in problems])


def check_arguments(config: Any) -> Any:
    """Check (and coerce) the arguments of every function block.

    config (Config | dict): a config, interpolated or not (values still
        holding ``${...}`` are checked once interpolated).
    RETURNS (Config | dict): ``config``, or a copy with coerced values.
    """
    problems, changes = argument_problems(config)
    raise_problems(problems)
    return with_changes(config, changes)
