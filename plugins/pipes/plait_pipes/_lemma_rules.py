"""The lemmatization rules of the rule/lookup ``lemmatizer``, as pure functions
of one word, over tables loaded from JSON.

Kept apart from the component so that ``tools/build_lemma_rules.py`` derives
the exceptions table with exactly the algorithm that later applies it: an
exception is recorded only where these rules get a training word wrong.

Rule mode, for a form and its universal POS:

1. forms of a POS in ``keep_case`` (PROPN) keep their case, others are
   lower-cased; the result is the *key*;
2. ``exceptions[pos][key]`` (irregular forms: went -> go, children -> child);
3. the suffix rules of the POS, in order: the first candidate that is a
   known lemma of the POS (``index``) wins;
4. the key itself if it is a known lemma;
5. the first candidate of a rule marked reliable for unknown words
   (``oov_rules``), else the key.

Without a POS, and in lookup mode, the lookup table (form -> most frequent
lemma) is used, and an unknown form is its own lemma. (Lower-casing unknown
forms instead is worse on EWT dev, 0.884 vs 0.953: most unknown capitalized
words are proper nouns, whose lemma keeps the case.)
"""

from __future__ import annotations

from typing import Any

from plait.errors import DataError


class LemmaRules:
    """English lemma tables and the rules that apply them.

    tables (dict): ``rules`` {POS: [[old_suffix, new_suffix], ...]},
        ``oov_rules`` {POS: [[old, new], ...]}, ``index`` {POS: [lemma, ...]},
        ``exceptions`` {POS: {key: lemma}}, ``lookup`` {form: lemma},
        ``keep_case`` [POS, ...].
    where (str): the tables' origin, for error messages.
    """

    def __init__(self, tables: dict[str, Any], *, where: str = "lemma tables") -> None:
        missing = [k for k in ("rules", "index", "exceptions", "lookup") if k not in tables]
        if missing:
            raise DataError(f"{where}: missing tables {missing}; rebuild them with "
                            "plugins/pipes/tools/build_lemma_rules.py")
        self.rules = {pos: [(str(a), str(b)) for a, b in rules] for pos, rules in tables["rules"].items()}
        self.oov_rules = {pos: [(str(a), str(b)) for a, b in rules]
                          for pos, rules in tables.get("oov_rules", {}).items()}
        self.index = {pos: frozenset(words) for pos, words in tables["index"].items()}
        self.exceptions: dict[str, dict[str, str]] = tables["exceptions"]
        self.lookup_table: dict[str, str] = tables["lookup"]
        self.keep_case = frozenset(tables.get("keep_case", ()))

    def key(self, form: str, pos: str) -> str:
        """RETURNS (str): the form as the rules see it (case kept only for ``keep_case``)."""
        return form if pos in self.keep_case else form.lower()

    def by_rules(self, form: str, pos: str) -> str:
        """The lemma from the suffix rules and the index only (no exceptions).

        RETURNS (str): the lemma.
        """
        key = self.key(form, pos)
        index = self.index.get(pos, frozenset())
        for old, new in self.rules.get(pos, ()):
            if key.endswith(old) and len(key) > len(old):
                cand = key[: len(key) - len(old)] + new
                if cand in index:
                    return cand
        if key in index:
            return key
        for old, new in self.oov_rules.get(pos, ()):
            if key.endswith(old) and len(key) > len(old):
                return key[: len(key) - len(old)] + new
        return key

    def lemmatize(self, form: str, pos: str) -> str:
        """The lemma of ``form`` with universal POS ``pos`` ("" if unknown).

        RETURNS (str): the lemma.
        """
        if not pos:
            return self.lookup(form)
        exc = self.exceptions.get(pos)
        if exc:
            hit = exc.get(self.key(form, pos))
            if hit is not None:
                return hit
        return self.by_rules(form, pos)

    def lookup(self, form: str) -> str:
        """Lookup mode (and no POS): the table's lemma, else the form. RETURNS (str)."""
        return self.lookup_table.get(form, form)
