"""The language-neutral prefix, suffix and infix rules of the tokenizer.

Each list holds regular-expression *pieces*; the tokenizer compiles them
with ``compile_prefix_regex`` (anchored at the start), ``compile_suffix_regex``
(anchored at the end) and ``compile_infix_regex``. They are plain lists so a
user can edit them (``suffixes.remove("\\\\[")``) before compiling.
"""

from __future__ import annotations

from .char_classes import (
    ALPHA,
    ALPHA_LOWER,
    ALPHA_UPPER,
    CONCAT_QUOTES,
    CURRENCY,
    HYPHENS,
    LIST_CURRENCY,
    LIST_ELLIPSES,
    LIST_ICONS,
    LIST_PUNCT,
    LIST_QUOTES,
    PUNCT,
    UNITS,
)

# Split off at the start of a chunk: "(hello" -> "(" "hello", "$5" -> "$" "5".
TOKENIZER_PREFIXES: list[str] = (
    ["§", "%", "=", "—", "–", r"\+(?![0-9])"]
    + LIST_PUNCT
    + LIST_ELLIPSES
    + LIST_QUOTES
    + LIST_CURRENCY
    + LIST_ICONS
)

# Split off at the end: "hello)." -> "hello" ")" ".", "10km" -> "10" "km".
TOKENIZER_SUFFIXES: list[str] = (
    LIST_PUNCT
    + LIST_ELLIPSES
    + LIST_QUOTES
    + LIST_ICONS
    + ["'s", "'S", "’s", "’S", "—", "–"]
    + [
        r"(?<=[0-9])\+",
        r"(?<=°[FfCcKk])\.",
        rf"(?<=[0-9])(?:{CURRENCY})",
        rf"(?<=[0-9])(?:{UNITS})",
        # A final period after a lowercase letter, a digit, a symbol or a
        # quote ends the sentence; after one capital it may be an initial.
        rf"(?<=[0-9{ALPHA_LOWER}%²\-\+°(?:{CONCAT_QUOTES})])\.",
        rf"(?<=[{ALPHA_UPPER}][{ALPHA_UPPER}])\.",
    ]
)

# Split inside a chunk: "well-known" -> "well" "-" "known", "2+3" -> "2" "+" "3".
TOKENIZER_INFIXES: list[str] = (
    LIST_ELLIPSES
    + LIST_ICONS
    + [
        r"(?<=[0-9])[+\-\*^](?=[0-9-])",
        rf"(?<=[{ALPHA_LOWER}{CONCAT_QUOTES}])\.(?=[{ALPHA_UPPER}{CONCAT_QUOTES}])",
        rf"(?<=[{ALPHA}]),(?=[{ALPHA}])",
        rf"(?<=[{ALPHA}0-9])(?:{HYPHENS})(?=[{ALPHA}])",
        rf"(?<=[{ALPHA}0-9])[:<>=/](?=[{ALPHA}])",
    ]
)

__all__ = ["TOKENIZER_PREFIXES", "TOKENIZER_SUFFIXES", "TOKENIZER_INFIXES", "PUNCT"]
