"""Component names: one check wherever a name enters, one safe path join.

A component's name becomes a folder of the saved pipeline (``nlp.to_disk``
writes ``<pipeline>/<name>/``) and a file name (``plait init labels`` writes
``<name>.json``). A name like ``../x``, ``/etc`` or ``..`` would make saving,
loading or writing labels reach outside the folder the user gave, so every
way a name enters (``add_pipe``, ``rename_pipe``, a config's ``[nlp]
pipeline`` and ``[components]`` keys, a loaded ``meta.json``) goes through
:func:`check_component_name`, and code that turns a name into a path uses
:func:`component_path`, which checks again (a name set by other means never
reaches the file system unchecked).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import UsageError

# The pipeline folder's own entries: a component of that name would
# overwrite them (and `exclude=["vocab"]` could not tell the two apart).
RESERVED_NAMES = frozenset({"vocab", "tokenizer", "config.cfg", "meta.json", "code", "checksums.sha256"})
# Longest name: the file system's 255-byte limit less room for suffixes
# such as ".json" and the temporary names of atomic writes.
MAX_NAME_BYTES = 200
# Path separators of any platform, and ':' (a drive or stream on Windows):
# a pipeline saved on one system must stay loadable on another.
_FORBIDDEN_CHARS = frozenset("/\\:")


def name_problem(name: Any) -> str | None:
    """Why ``name`` cannot name a component, or None when it can.

    name (Any): the candidate name.
    RETURNS (str | None): the reason, phrased to follow "the name ... ".
    """
    if not isinstance(name, str):
        return f"is a {type(name).__name__}, not a string"
    if not name or not name.strip():
        return "is empty"
    if name in (".", ".."):
        return "is a relative folder reference"
    bad = sorted({c for c in name if c in _FORBIDDEN_CHARS or ord(c) < 32 or ord(c) == 127})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return f"contains {shown} (path separators, ':' and control characters are not allowed)"
    if name.lower() in RESERVED_NAMES:  # lower: case-insensitive file systems
        return f"is reserved for the pipeline folder's own '{name.lower()}' entry"
    if len(name.encode("utf8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return None


def check_component_name(name: Any, where: str, error: type[Exception] = UsageError) -> str:
    """Raise ``error`` unless ``name`` is a valid component name.

    name (Any): the candidate name.
    where (str): where the name came from, e.g. "add_pipe(name=...)" or
        "config.cfg [nlp] pipeline"; it starts the error message.
    error (type[Exception]): the plait.errors class to raise (UsageError for
        a call, ConfigError for a config, SerializationError for a saved file).
    RETURNS (str): the name.
    """
    problem = name_problem(name)
    if problem is not None:
        raise error(
            f"{where}: the component name {name!r} {problem}. A component name becomes a folder "
            f"of the saved pipeline: use letters, digits, '_', '-' or '.', e.g. 'ner' or 'ner_2'."
        )
    return name


def component_path(root: Path, name: str, suffix: str = "", *, where: str = "component") -> Path:
    """``root / (name + suffix)``, for a checked name only, and never outside ``root``.

    root (Path): the folder.
    name (str): the component name.
    suffix (str): appended to the name (e.g. ".json").
    where (str): named in the error when the name is invalid.
    RETURNS (Path): the path.
    """
    check_component_name(name, where)
    path = root / f"{name}{suffix}"
    # The name has no separator and is not "..", so this holds; checked
    # anyway because a wrong path here writes outside the user's folder.
    if path.parent != root:
        raise UsageError(f"{where}: the component name {name!r} would leave the folder {root}")
    return path
