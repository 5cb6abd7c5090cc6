"""English tokenizer exceptions: contractions, abbreviations, times.

Contractions split the way the Penn Treebank and UD do: "don't" -> "do"
"n't", "can't" -> "ca" "n't", "I'm" -> "I" "'m", with NORMs ("not", "am").
Forms are generated for both apostrophes (' and ’), for the apostrophe-less
spellings people type ("dont", "im"), and for lower, Title and UPPER case.
Abbreviations ending in a period ("Mr.", "U.S.", "Jan.") stay one token.
"""

from __future__ import annotations

from ..tokenizer_exceptions import BASE_EXCEPTIONS, NORM, ORTH, update_exc

_exc: dict[str, list[dict[str, str]]] = {}
_APOSTROPHES = ("'", "’")


def _add(orth_norms: list[tuple[str, str | None]]) -> None:
    """Add one contraction in lower, Title and UPPER case."""
    variants = {
        tuple(o for o, _ in orth_norms): orth_norms,
    }
    title = [(orth_norms[0][0].title() if i == 0 else o, n) for i, (o, n) in enumerate(orth_norms)]
    title[0] = (orth_norms[0][0][:1].upper() + orth_norms[0][0][1:], orth_norms[0][1])
    upper = [(o.upper(), n) for o, n in orth_norms]
    variants[tuple(o for o, _ in title)] = title
    variants[tuple(o for o, _ in upper)] = upper
    for pieces, entries in variants.items():
        key = "".join(pieces)
        if key.lower() == "i" or not key:
            continue
        _exc[key] = [{ORTH: o, NORM: n} if n else {ORTH: o} for o, n in entries]


# Pronoun + clitic: "I'm", "you'll", "they've", "she'd"…
_PRONOUNS = ["i", "you", "he", "she", "it", "we", "they", "who", "what", "that", "there",
             "here", "where", "when", "why", "how", "this", "these", "those"]  # fmt: skip
_CLITICS = [("ll", "will"), ("d", "'d"), ("ve", "have"), ("re", "are"), ("m", "am")]
_PRONOUN_CLITICS = {
    "i": {"ll", "d", "ve", "m"},
    "you": {"ll", "d", "ve", "re"}, "we": {"ll", "d", "ve", "re"}, "they": {"ll", "d", "ve", "re"},
    "he": {"ll", "d"}, "she": {"ll", "d"}, "it": {"ll", "d"},
    "who": {"ll", "d", "ve", "re"}, "what": {"ll", "d", "ve", "re"}, "that": {"ll", "d"},
    "there": {"ll", "d", "ve", "re"}, "here": {"ll", "d"}, "where": {"d", "ve"},
    "when": {"d"}, "why": {"d"}, "how": {"d", "ll"},
    "this": {"ll"}, "these": {"ll", "re", "ve"}, "those": {"ll", "re", "ve"},
}  # fmt: skip

for _pron, _allowed in _PRONOUN_CLITICS.items():
    _pron_norm = _pron
    _pron_orths = [_pron, "I"] if _pron == "i" else [_pron]
    for _clitic, _norm in _CLITICS:
        if _clitic not in _allowed:
            continue
        for _apos in _APOSTROPHES:
            for _p in _pron_orths:
                _add([(_p, None), (_apos + _clitic, _norm)])
                # "I'd've", "you'll've"
                if _clitic in ("d", "ll"):
                    _add([(_p, None), (_apos + _clitic, _norm), (_apos + "ve", "have")])
        # without apostrophe: "youll", "theyre", "im" — but not real words
        # ("well", "wed", "hell", "shell", "its", "were", "id", "ill", "whore").
        _bare = _pron + _clitic
        if _bare not in {"well", "wed", "hell", "shell", "ill", "id", "were", "whod", "hed", "shed",
                         "itd", "whatd", "thered", "hered", "wherere", "whore", "whyd", "howd"}:  # fmt: skip
            for _p in _pron_orths:
                _add([(_p, None), (_clitic, _norm)])

# Verb + n't: "don't" -> "do" "n't", "can't" -> "ca" "n't", "won't" -> "wo" "n't".
_NEGATED = [("ai", "am"), ("are", None), ("ca", "can"), ("could", None), ("dare", None), ("did", None),
            ("does", None), ("do", None), ("had", None), ("has", None), ("have", None), ("is", None),
            ("may", None), ("might", None), ("must", None), ("need", None), ("ought", None),
            ("sha", "shall"), ("should", None), ("was", None), ("were", None), ("wo", "will"),
            ("would", None)]  # fmt: skip
for _verb, _vnorm in _NEGATED:
    for _apos in _APOSTROPHES:
        _add([(_verb, _vnorm), ("n" + _apos + "t", "not")])
        _add([(_verb, _vnorm), ("n" + _apos + "t", "not"), (_apos + "ve", "have")])
    _add([(_verb, _vnorm), ("nt", "not")])

# Other clitics and informal fusions (UD splits "gonna" -> "gon" "na").
for _pieces in (
    [("gon", "going"), ("na", "to")],
    [("got", None), ("ta", "to")],
    [("wan", "want"), ("na", "to")],
    [("lem", "let"), ("me", None)],
    [("can", None), ("not", None)],
    [("let", None), ("'s", "us")],
    [("let", None), ("’s", "us")],
    [("y", "you"), ("'", None), ("all", None)],
    [("y", "you"), ("’", None), ("all", None)],
    [("ma", "madam"), ("'am", None)],
    [("a", None), ("lot", None)],
    [("that", None), ("s", "is")],
    [("what", None), ("s", "is")],
    [("Yahoo!", None)],
    [("o'clock", None)],
    [("o’clock", None)],
    [("'em", "them")],
    [("’em", "them")],
    [("ol'", "old")],
    [("'cause", "because")],
    [("'n'", "and")],
    [("'bout", "about")],
    [("'til", "until")],
    [("'till", "until")],
):
    _add(_pieces)  # type: ignore[arg-type]

# Times: "3pm" -> "3" "pm", "10a.m." -> "10" "a.m.".
for _hour in range(1, 13):
    for _period, _pnorm in (("a.m.", "a.m."), ("p.m.", "p.m."), ("am", "a.m."), ("pm", "p.m.")):
        _exc[f"{_hour}{_period}"] = [{ORTH: str(_hour)}, {ORTH: _period, NORM: _pnorm}]

# Abbreviations that end in a period and stay one token.
_ABBREVIATIONS = """
'd. a.m. Adm. Ala. Apr. Ariz. Ark. Aug. Calif. Capt. Co. Col. Colo. Conn. Corp. Cpl. D.C. Dec. Del.
Dr. Drs. Feb. Fla. Ga. Gen. Gov. Ill. Inc. Ind. Jan. Jr. Jul. Jun. Kan. Kans. Ky. La. Lt. Ltd.
Mar. Mass. Md. Messrs. Mich. Minn. Miss. Mo. Mont. Mr. Mrs. Ms. N.C. N.D. N.H. N.J. N.M. N.Y.
Neb. Nebr. Nev. Nov. Oct. Okla. Ore. Pa. Ph.D. Prof. Rep. Rev. S.C. Sen. Sep. Sept. Sgt. Sr. St.
Tenn. Va. Vt. Wash. Wis. Wyo. a.k.a. co. e.g. i.e. etc. vs. v. p.m. ca. cf. approx. appt. apt.
dept. est. min. max. misc. mr. mrs. ms. dr. no. No. nos. Nos. pp. pt. sq. st. tel. ft. in. lb. lbs.
oz. vol. vols. fig. figs. Fig. Figs. U.S. U.S.A. U.K. E.U. U.N. B.A. B.S. M.A. M.D. M.S. Mt. Ave.
Blvd. Rd. Dept. Univ. Assn. Bros. Ph.D. viz. incl. esp. Inc. Corp. Ltd. Co. Jr. Sr. mph. p. pg.
""".split()
for _abbr in _ABBREVIATIONS:
    _exc[_abbr] = [{ORTH: _abbr}]

# Single capital initials ("J. R. R. Tolkien").
for _letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
    _exc[_letter + "."] = [{ORTH: _letter + "."}]

# Strings that look like contractions but are words.
for _word in ("Hell", "hell", "Shell", "shell", "Well", "well", "Were", "were", "Its", "its", "Id", "id",
              "Ill", "ill", "Wed", "wed", "Whore", "whore"):  # fmt: skip
    _exc.pop(_word, None)

TOKENIZER_EXCEPTIONS = update_exc(BASE_EXCEPTIONS, _exc)
