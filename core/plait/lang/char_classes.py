"""Character classes for the tokenizer's regular expressions.

Python's ``re`` has no ``\\p{Lu}``-style classes, so the letter and symbol
ranges are computed once, at import, from the running interpreter's Unicode
tables (one pass over the code points, ~30 ms) and written as ``[...]``
class bodies. Every constant here is a *fragment* meant to be placed inside
square brackets (``ALPHA``…) or an alternation (``LIST_*``, ``CURRENCY``…).
"""

from __future__ import annotations

import sys
import unicodedata

# Planes 0-2 hold every cased letter and every symbol the rules care about;
# scanning the supplementary planes beyond would only cost import time.
_LAST_CODE_POINT = min(0x2FFFF, sys.maxunicode)


def _ranges(code_points: list[int]) -> str:
    """Collapse sorted code points into an escaped ``a-zµ…`` class body."""
    parts: list[str] = []
    start = prev = None
    for cp in code_points:
        if start is None:
            start = prev = cp
        elif cp == prev + 1:
            prev = cp
        else:
            parts.append(_span(start, prev))
            start = prev = cp
    if start is not None:
        parts.append(_span(start, prev))
    return "".join(parts)


def _esc(cp: int) -> str:
    return f"\\U{cp:08X}" if cp > 0xFFFF else f"\\u{cp:04X}"


def _span(start: int, end: int) -> str:
    if start == end:
        return _esc(start)
    return f"{_esc(start)}-{_esc(end)}"


def _scan() -> tuple[str, str, str, str]:
    category = unicodedata.category
    lower: list[int] = []
    upper: list[int] = []
    other_alpha: list[int] = []
    symbols: list[int] = []
    for cp in range(0x80, _LAST_CODE_POINT + 1):
        ch = chr(cp)
        if ch.isalpha():
            if ch.islower():
                lower.append(cp)
            elif ch.isupper():
                upper.append(cp)
            else:
                other_alpha.append(cp)
        elif category(ch) == "So":
            symbols.append(cp)
    lower_body = "a-z" + _ranges(lower)
    upper_body = "A-Z" + _ranges(upper)
    # Letters without case (CJK, Arabic, Devanagari…) and combining marks
    # belong inside words too.
    marks = "\\u0300-\\u036F\\u0483-\\u0489\\u0591-\\u05BD\\u0610-\\u061A\\u064B-\\u065F\\u0900-\\u0903\\u093A-\\u094F"
    alpha_body = lower_body + upper_body + _ranges(other_alpha) + marks
    return lower_body, upper_body, alpha_body, _ranges(symbols)


ALPHA_LOWER, ALPHA_UPPER, ALPHA, _SYMBOLS = _scan()

# Emoji, pictographs and other "Symbol, other" characters: split off as their
# own tokens. The degree sign stays out so that "°C" is kept together.
ICONS = "[" + _SYMBOLS.replace("\\u00B0", "") + "]"
LIST_ICONS = [ICONS]


def _split(chars: str) -> list[str]:
    return [c.strip() for c in chars.strip().split(" ") if c.strip()]


def _group(chars: str) -> str:
    return "|".join(_split(chars))


# Alternation bodies (used as "(?:{q})").
_QUOTES = r"\' \" ” “ ` ‘ ´ ’ ‚ , „ » « 「 」 『 』 （ ） 〔 〕 【 】 《 》 〈 〉 ⟦ ⟧"
_PUNCT = r"… …… , : ; \! \? ¿ ؟ ¡ \( \) \[ \] \{ \} < > _ # \* & 。 ？ ！ ， 、 ； ： ～ · । ، ۔ ؛ ٪"
_HYPHENS = r"- – — -- --- —— ~"
_CURRENCY = r"\$ £ € ¥ ฿ US\$ C\$ A\$ ₽ ﷼ ₴ ₠ ₡ ₢ ₣ ₤ ₥ ₦ ₧ ₨ ₩ ₪ ₫ € ₭ ₮ ₯ ₰ ₱ ₲ ₳ ₵ ₶ ₷ ₸ ₹ ₺ ₼ ₾ ₿"
_UNITS = (
    "km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft "
    "kg g mg µg t lb oz m/s km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb "
    "TB T G M K % км км² км³ м м² м³ дм дм² дм³ см см² см³ мм мм² мм³ нм "
    "кг г мг м/с км/ч кПа Па мбар Кб КБ кб Мб МБ мб Гб ГБ гб Тб ТБ тб "
    "كم كم² كم³ م م² م³ سم سم² سم³ مم مم² مم³ كم غرام جرام جم كغ ملغ كوب اكواب"
)

LIST_QUOTES = _split(_QUOTES)
LIST_PUNCT = _split(_PUNCT)
LIST_HYPHENS = _split(_HYPHENS)
LIST_CURRENCY = _split(_CURRENCY)
LIST_ELLIPSES = [r"\.\.+", "…"]

QUOTES = _group(_QUOTES)
PUNCT = _group(_PUNCT)
HYPHENS = _group(_HYPHENS)
CURRENCY = _group(_CURRENCY)
UNITS = _group(_UNITS)

# Characters that may be glued to others inside one token ("'" and '"').
CONCAT_QUOTES = "'\"”“`‘´’‚„»«"
BRACKETS = "()[]{}<>"
