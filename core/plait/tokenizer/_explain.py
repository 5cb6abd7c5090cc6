"""``Tokenizer.explain``: which rule produced each token, for debugging rules.

A slow, readable re-run of the tokenizer's algorithm that labels each piece
instead of building a Doc. It is kept apart from the fast path on purpose.
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
    specials = tokenizer._specials
    prefix_search = tokenizer.prefix_search
    suffix_search = tokenizer.suffix_search
    infix_finditer = tokenizer.infix_finditer
    token_match = tokenizer.token_match
    url_match = tokenizer.url_match
    out: list[tuple[str, str]] = []
    parts = _WS.split(text)
    for i, chunk in enumerate(parts):
        if i % 2 == 1:
            rest = chunk[1:] if chunk.startswith(" ") and i > 0 and parts[i - 1] else chunk
            if rest:
                out.append(("TOKEN", rest))
            continue
        if not chunk:
            continue
        if chunk in specials:
            out.extend((f"SPECIAL-{j + 1}", piece) for j, piece in enumerate(specials[chunk][0]))
            continue
        prefixes: list[tuple[str, str]] = []
        suffixes: list[tuple[str, str]] = []
        string = chunk
        last_size = -1
        while string and len(string) != last_size:
            if token_match and token_match(string):
                break
            if string in specials:
                break
            last_size = len(string)
            if prefix_search and (m := prefix_search(string)) and m.end() > m.start():
                prefixes.append(("PREFIX", string[: m.end() - m.start()]))
                string = string[m.end() - m.start() :]
                if string in specials:
                    break
            if suffix_search and string and (m := suffix_search(string)) and m.end() > m.start():
                length = m.end() - m.start()
                if length < len(string) or not prefixes:
                    suffixes.append(("SUFFIX", string[-length:]))
                    string = string[:-length]
        out.extend(prefixes)
        if string:
            if string in specials:
                out.extend((f"SPECIAL-{j + 1}", piece) for j, piece in enumerate(specials[string][0]))
            elif token_match and token_match(string):
                out.append(("TOKEN_MATCH", string))
            elif url_match and url_match(string):
                out.append(("URL_MATCH", string))
            else:
                pieces = tokenizer._split_infixes(string)
                infixes = {m.group() for m in infix_finditer(string)} if infix_finditer else set()
                for j, piece in enumerate(pieces):
                    out.append(("INFIX" if j % 2 == 1 and piece in infixes else "TOKEN", piece))
        out.extend(reversed(suffixes))
    return out
