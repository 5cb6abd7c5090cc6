"""``Tokenizer.explain``: which rule produced each token, for debugging rules.

It reuses the tokenizer's own affix loop (so it can never disagree with it)
and labels the pieces instead of building a Doc; it bypasses the cache and
is meant for debugging, not for speed.
"""

from __future__ import annotations

import re
from typing import Any

_WS = re.compile(r"(\s+)")


def explain(tokenizer: Any, text: str) -> list[tuple[str, str]]:
    """Label every token of ``text`` with the rule that made it.

    tokenizer (Tokenizer): the tokenizer whose rules are explained.
    text (str): the text.
    RETURNS (list[tuple[str, str]]): ``(rule, token text)`` pairs.
    """
    out: list[tuple[str, str]] = []
    parts = _WS.split(text)
    for i, chunk in enumerate(parts):
        if i % 2 == 1:
            rest = chunk[1:] if chunk.startswith(" ") and parts[i - 1] else chunk
            if rest:
                out.append(("TOKEN", rest))
        elif chunk:
            out.extend(_explain_chunk(tokenizer, chunk))
    return out


def _special(tokenizer: Any, string: str) -> list[tuple[str, str]]:
    return [(f"SPECIAL-{j + 1}", piece) for j, piece in enumerate(tokenizer._specials[string][0])]


def _explain_chunk(tokenizer: Any, chunk: str) -> list[tuple[str, str]]:
    if chunk in tokenizer._specials:
        return _special(tokenizer, chunk)
    prefixes: list[str] = []
    suffixes: list[str] = []
    string = tokenizer._split_affixes(chunk, prefixes, suffixes, True)
    labeled = [("PREFIX", p) for p in prefixes]
    if string:
        if string in tokenizer._specials:
            labeled.extend(_special(tokenizer, string))
        elif string != chunk and string in tokenizer._cache:
            labeled.extend(_explain_chunk(tokenizer, string))
        elif tokenizer.token_match and tokenizer.token_match(string):
            labeled.append(("TOKEN_MATCH", string))
        elif tokenizer.url_match and tokenizer.url_match(string):
            labeled.append(("URL_MATCH", string))
        else:
            spans = {m.span() for m in tokenizer.infix_finditer(string)} if tokenizer.infix_finditer else set()
            pos = 0
            for piece in tokenizer._split_infixes(string):
                kind = "INFIX" if (pos, pos + len(piece)) in spans and pos > 0 else "TOKEN"
                labeled.append((kind, piece))
                pos += len(piece)
    labeled.extend(("SUFFIX", s) for s in reversed(suffixes))
    return _relabel_affix_specials(tokenizer, labeled)


def _relabel_affix_specials(tokenizer: Any, labeled: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Apply the special cases that span affixes, as the tokenizer does."""
    index = tokenizer._affix_specials
    pieces = tuple(p for _, p in labeled)
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(pieces):
        for seq, key in index.get(pieces[i], ()):
            if pieces[i : i + len(seq)] == seq:
                out.extend(_special(tokenizer, key))
                i += len(seq)
                break
        else:
            out.append(labeled[i])
            i += 1
    return out
