"""English lexical attributes: ``like_num`` with number words, and norms.

``like_num`` is true for digits ("10", "3.14", "1,000", "3/4"), number words
("seven", "hundred"), ordinal words ("seventh") and digit ordinals ("21st").
``norm`` maps spelling variants to one form so models see one feature.
"""

from __future__ import annotations

from ...attrs import LIKE_NUM, NORM

_NUM_WORDS = set(
    """
zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty
sixty seventy eighty ninety hundred thousand million billion trillion
quadrillion gajillion bazillion
""".split()
)

_ORDINAL_WORDS = set(
    """
first second third fourth fifth sixth seventh eighth ninth tenth eleventh
twelfth thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth
nineteenth twentieth thirtieth fortieth fiftieth sixtieth seventieth
eightieth ninetieth hundredth thousandth millionth billionth trillionth
""".split()
)

_ORDINAL_ENDINGS = ("st", "nd", "rd", "th")


def like_num(text: str) -> bool:
    """RETURNS (bool): whether ``text`` reads as a number (digits or words)."""
    if text.isalpha():  # most words: only the number-word tables can say yes
        lower = text.lower()
        return lower in _NUM_WORDS or lower in _ORDINAL_WORDS
    if text.startswith(("+", "-", "±", "~")):
        text = text[1:]
    text = text.replace(",", "").replace(".", "")
    if text.isdigit():
        return True
    if text.count("/") == 1:
        num, denom = text.split("/")
        if num.isdigit() and denom.isdigit():
            return True
    lower = text.lower()
    if lower in _NUM_WORDS or lower in _ORDINAL_WORDS:
        return True
    if lower.endswith(_ORDINAL_ENDINGS) and lower[:-2].isdigit():
        return True
    return False


# Spelling variants and informal forms mapped to one norm (British -> US,
# informal -> standard). Small on purpose: a pipeline can load a bigger table.
NORM_EXCEPTIONS: dict[str, str] = {
    "colour": "color", "colours": "colors", "favourite": "favorite", "favour": "favor",
    "honour": "honor", "labour": "labor", "neighbour": "neighbor", "centre": "center",
    "theatre": "theater", "metre": "meter", "litre": "liter", "organise": "organize",
    "organised": "organized", "realise": "realize", "realised": "realized",
    "recognise": "recognize", "analyse": "analyze", "travelling": "traveling",
    "cancelled": "canceled", "programme": "program", "defence": "defense",
    "licence": "license", "offence": "offense", "grey": "gray", "catalogue": "catalog",
    "cos": "because", "cuz": "because", "coz": "because", "u": "you", "ur": "your",
    "thx": "thanks", "pls": "please", "plz": "please", "tho": "though", "thru": "through",
    "nite": "night", "b4": "before", "gr8": "great", "n't": "not", "nt": "not",
    "'ll": "will", "’ll": "will", "'re": "are", "’re": "are", "'ve": "have", "’ve": "have",
    "'m": "am", "’m": "am", "'d": "'d", "’d": "'d", "’s": "'s",
    "“": '"', "”": '"', "‘": "'", "’": "'", "``": '"', "''": '"', "´": "'", "`": "'",
    "„": '"', "»": '"', "«": '"', "…": "...", "—": "--", "–": "-",
    "£": "$", "€": "$", "¥": "$", "₹": "$", "US$": "$", "C$": "$", "A$": "$",
}  # fmt: skip


def norm(text: str) -> str:
    """RETURNS (str): the norm of ``text``: its lowercase form, unified."""
    lower = text.lower()
    return NORM_EXCEPTIONS.get(lower, lower)


LEX_ATTRS = {LIKE_NUM: like_num, NORM: norm}
