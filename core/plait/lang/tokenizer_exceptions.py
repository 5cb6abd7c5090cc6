"""Language-neutral tokenizer exceptions (emoticons, symbols) and URL_MATCH.

An exception maps a whole string to the tokens it becomes, each a dict with
"ORTH" (the text; the pieces must concatenate to the key) and optionally
"NORM". ``update_exc`` merges language-specific tables over these.
"""

from __future__ import annotations

import re

from ..errors import UsageError
from .char_classes import ALPHA_LOWER

ORTH = "ORTH"
NORM = "NORM"

# URLs stay one token: scheme or "www." or a bare domain with a known
# top-level part, then an optional port, path, query and fragment. The last
# character may not be punctuation, so "see http://x.org." keeps its period.
_URL_PATTERN = (
    r"^"
    r"(?:(?:[\w\+\-\.]{2,})://)?"            # scheme
    r"(?:\S+(?::\S*)?@)?"                     # user:pass@
    r"(?:"
    r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}"          # IPv4
    r"|"
    rf"(?:(?:[{ALPHA_LOWER}0-9\-_]+)\.)+"       # host and domain labels
    rf"(?:[{ALPHA_LOWER}]{{2,63}})"             # top-level domain
    r")"
    r"(?::\d{2,5})?"                          # port
    r"(?:[/?#]\S*)?"                          # path, query, fragment
    r"(?<![\.,;:!\?\)\]\}\"'])"               # not ending in punctuation
    r"$"
)
URL_PATTERN = _URL_PATTERN
URL_MATCH = re.compile(_URL_PATTERN, re.IGNORECASE).match

_EMOTICONS = """
:) :-) :)) :-)) :))) :-))) (: (-: =) (= :] :-] [: [-: [= =] :o) (o: :} :-} 8) 8-) (-8
;) ;-) (; (-; :( :-( :(( :-(( :((( :-((( ): )-: =( >:( :') :'-) :'( :'-( :/ :-/ =/ =| :| :-|
]= =[ :1 :P :-P :p :-p :O :-O :o :-o :0 :-0 :() >:o :* :-* :3 :-3 =3 :> :-> :X :-X :x :-x
:D :-D ;D ;-D =D xD XD xDD XDD 8D 8-D ^_^ ^__^ ^___^ >.< >.> <.< ._. ;_; -_- -__- v.v V.V
v_v V_V o_o o_O O_o O_O 0_o o_0 0_0 o.O O.o O.O o.o 0.0 o.0 0.o @_@ <3 <33 <333 </3 (^_^)
(-_-) (._.) (>_<) (*_*) (¬_¬) ಠ_ಠ ಠ︵ಠ (ಠ_ಠ) ¯\\(ツ)/¯ (╯°□°）╯︵┻━┻ ><(((*> :-] :^) =^.^=
"""

BASE_EXCEPTIONS: dict[str, list[dict[str, str]]] = {}

for _orth in _EMOTICONS.split():
    BASE_EXCEPTIONS[_orth] = [{ORTH: _orth}]

# Whitespace and symbols that are tokens on their own, and abbreviations of
# single letters ("a." as in a list, "e.g." style initials).
for _orth in [" ", "\t", "\\t", "\n", "\\n", "\u2014", "\u00a0", "''", "C++", "a.", "b.", "c.", "d.",
              "e.", "f.", "g.", "h.", "i.", "j.", "k.", "l.", "m.", "n.", "o.", "p.", "q.", "r.", "s.",
              "t.", "u.", "v.", "w.", "x.", "y.", "z.", "ä.", "ö.", "ü."]:  # fmt: skip
    BASE_EXCEPTIONS[_orth] = [{ORTH: _orth}]

BASE_EXCEPTIONS["\u00a0"] = [{ORTH: "\u00a0", NORM: " "}]
BASE_EXCEPTIONS["''"] = [{ORTH: "''", NORM: '"'}]
for _orth in ["°C.", "°F.", "°K."]:
    BASE_EXCEPTIONS[_orth] = [{ORTH: _orth[:2]}, {ORTH: "."}]


def update_exc(
    base: dict[str, list[dict[str, str]]], *addition_dicts: dict[str, list[dict[str, str]]]
) -> dict[str, list[dict[str, str]]]:
    """Merge exception tables, later ones winning, checking every entry.

    base (dict): the table to start from (not modified).
    *addition_dicts (dict): tables merged over it in order.
    RETURNS (dict): the merged table.
    """
    exc = dict(base)
    for additions in addition_dicts:
        for orth, token_attrs in additions.items():
            described = "".join(str(attrs.get(ORTH, "")) for attrs in token_attrs)
            if described != orth:
                raise UsageError(
                    f"tokenizer exception {orth!r}: its ORTH pieces {described!r} do not "
                    f"spell the key. Make the pieces concatenate to {orth!r}."
                )
        exc.update(additions)
    return exc


__all__ = ["BASE_EXCEPTIONS", "URL_MATCH", "URL_PATTERN", "update_exc"]
