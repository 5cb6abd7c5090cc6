"""English affix rules and ``token_match``, tuned on UD English EWT train.

Over the neutral base: runs of the same punctuation ("!!!", "???", "*****",
"=====", "____") stay one token, as in the Penn/UD conventions; phone
numbers, ZIP+4 codes, dashed dates and words with a bound prefix ("e-mail",
"non-profit", "re-elect", "anti-war") are kept whole by ``token_match``.
"""

from __future__ import annotations

import re

from ..punctuation import TOKENIZER_INFIXES, TOKENIZER_PREFIXES, TOKENIZER_SUFFIXES

# Repeated punctuation; listed first so an anchored prefix prefers the run.
_RUNS = [r"[.:]?[!?]{2,}\.?", r"[.:][!?]", r"\*{2,}", r"={2,}", r"_{2,}", r"-{2,}", r"<{2,}", r">{2,}", r"\${2,}", r"#{2,}", r"~{2,}"]

# A leading hyphen is a token ("-5" -> "-" "5", "-Page"), as is a trailing
# one after a letter ("PS-").
TOKENIZER_PREFIXES_EN: list[str] = _RUNS + TOKENIZER_PREFIXES + ["-"]
TOKENIZER_SUFFIXES_EN: list[str] = _RUNS + TOKENIZER_SUFFIXES + [r"(?<=[^\W\d_])-"]
TOKENIZER_INFIXES_EN: list[str] = list(TOKENIZER_INFIXES)

_BOUND_PREFIXES = (
    "e|non|mid|pre|anti|re|post|co|multi|pro|sub|ex|un|semi|inter|counter|mis|neo|quasi|"
    "ultra|micro|macro|bi|tri|over|meh|de|hyper|infra|intra|extra|pseudo|trans"
)
TOKEN_MATCH_PATTERN = (
    r"^(?:"
    r"(?:\d-)?\d{3}-\d{3}-\d{4}"            # 1-800-555-1234, 713-853-5620
    r"|\d{3}-\d{4}"                         # 853-3242
    r"|\d{5}-\d{4}"                         # ZIP+4
    r"|\d{1,2}-\d{1,2}-\d{2,4}"             # 12-31-2001
    r"|\d{1,2}-[A-Za-z]{3}-\d{2,4}"         # 01-Feb-02
    r"|['’]\d\d"                            # '67 (the year)
    rf"|(?i:{_BOUND_PREFIXES})-[^\W\d_]+"   # e-mail, non-Microsoft
    r")$"
)
TOKEN_MATCH = re.compile(TOKEN_MATCH_PATTERN).match
