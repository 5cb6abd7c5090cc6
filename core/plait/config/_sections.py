"""Catching misspelled sections and keys of the config's fixed blocks.

``[paths]``, ``[components]`` and function blocks take any key, but the
top-level section names and the keys of ``[nlp]``, ``[training]`` and
``[initialize]`` are fixed. A near miss (``[trainng]``, ``max_step``) is
almost always a typo that would otherwise be silently ignored.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ConfigError, did_you_mean

TOP_LEVEL = ("paths", "system", "nlp", "components", "corpora", "training", "pretraining", "initialize")
FIXED_KEY_SECTIONS = ("nlp", "training", "initialize")
# Keys the spec uses that are not in the default config: `[training]
# batch_size` (an int or a schedule section) sets the batcher's size.
OPTIONAL_KEYS = {"training": frozenset({"batch_size"}), "nlp": frozenset({"tokenizer", "vectors"})}


@lru_cache(maxsize=1)
def default_keys() -> dict[str, frozenset[str]]:
    """Keys of the fixed sections, read from plait's default config."""
    from confection import Config

    path = Path(__file__).resolve().parents[1] / "default_config.cfg"
    if not path.exists():
        return {}
    cfg = Config().from_str(path.read_text(encoding="utf8"), interpolate=False)
    return {name: frozenset(cfg.get(name, {})) for name in FIXED_KEY_SECTIONS}


_HEADER = re.compile(r"^\s*\[([^\]\n]+)\]", re.MULTILINE)


def check_section_headers(text: str, *, source: str) -> None:
    """Catch a misspelled top-level name in the raw text, before parsing.

    confection cannot even parse ``[trainig]`` + ``[training.batcher]`` (the
    subsection has no parent), so the typo must be found in the headers.
    """
    names = {header.split(".")[0].strip() for header in _HEADER.findall(text)}
    _check_top_level(names, source=source)


def _check_top_level(names: Iterable[str], *, source: str) -> None:
    for name in names:
        if name in TOP_LEVEL:
            continue
        close = difflib.get_close_matches(name, TOP_LEVEL, n=1, cutoff=0.75)
        if close:
            raise ConfigError(
                f"{source}: unknown section [{name}]. Did you mean [{close[0]}]?",
                errors=[{"loc": (name,), "msg": "unknown section"}],
            )


def check_sections(config: Mapping[str, Any], *, source: str) -> None:
    """Raise ConfigError for a top-level section or fixed key that looks misspelled."""
    _check_top_level(config, source=source)
    known = default_keys()
    for section in FIXED_KEY_SECTIONS:
        block = config.get(section)
        allowed = known.get(section)
        if not isinstance(block, Mapping) or not allowed:
            continue
        allowed = allowed | OPTIONAL_KEYS.get(section, frozenset())
        for key in block:
            if key not in allowed and not str(key).startswith("@"):
                raise ConfigError(
                    f"{source}: [{section}] {key}: unknown setting.{did_you_mean(key, allowed)}"
                    f" Valid settings: {', '.join(sorted(allowed))}.",
                    errors=[{"loc": (section, key), "msg": "unknown setting"}],
                )
