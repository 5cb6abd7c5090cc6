"""``plait.LookupsDataLoader.v1``: load a language's lookup tables shipped with plait.

Tables are JSON files at ``plait/lang/<lang>/lookups/<table>.json``. plait
ships none by default: a config that asks for one gets an error naming the
table, the place it was looked for and how to provide it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import srsly

from ..errors import SerializationError, UsageError

_LANG_DIR = Path(__file__).parent


def load_lookups_data(lang: str, tables: list[str]) -> dict[str, Any]:
    """Load lookup tables (e.g. "lemma_lookup") for a language.

    lang (str): the language code, e.g. "en".
    tables (list[str]): the table names.
    RETURNS (dict[str, Any]): table name -> table (a dict).
    """
    if not isinstance(lang, str) or not lang.isidentifier():
        raise UsageError(f"[plait.LookupsDataLoader.v1] lang must be a language code like 'en', got {lang!r}")
    result: dict[str, Any] = {}
    for table in tables:
        path = _LANG_DIR / lang / "lookups" / f"{table}.json"
        if not path.is_file():
            shipped = sorted(p.stem for p in (_LANG_DIR / lang / "lookups").glob("*.json"))
            raise UsageError(
                f"[plait.LookupsDataLoader.v1] no lookup table '{table}' for language '{lang}' "
                f"(looked for {path}); tables shipped: {shipped or 'none'}. Remove it from "
                f"'tables' or load your own table with a registered misc function."
            )
        try:
            result[table] = srsly.read_json(path)
        except ValueError as err:
            raise SerializationError(f"{path}: not valid JSON: {err}") from err
    return result
