"""The ``conllu`` converter: Universal Dependencies CoNLL-U files to Docs.

Lines are parsed by the ``conllu`` package (``conllu.parser.parse_line`` /
``parse_comment_line``, one line at a time so every error names its line);
this module only splits sentences, validates them and maps the columns:

- tokens are the *syntactic words* (``do`` + ``n't``), not the surface
  tokens of multi-word-token range lines; no space falls between the words
  of a multi-word token and the range line's ``SpaceAfter=No`` applies after
  its last word, so words + spaces reproduce every ``# text`` exactly (a
  mismatch is an error naming the file and line; after a ``SpacesAfter=``
  word, such as ``SpacesAfter=\\u00A0`` in EWT test, the Doc has one plain
  space and only the whitespace runs are compared). ``merge_subtokens=True``
  instead makes each multi-word token one token (the surface form, with the
  attributes of its syntactic head word);
- empty nodes (``8.1``) are skipped;
- FORM, LEMMA, UPOS (-> pos), XPOS (-> tag), FEATS (-> morph), HEAD,
  DEPREL (-> dep); ``morphology=True`` also appends the features to the tag
  (``NN__Number=Sing``), as spaCy's converter does;
- ``# newdoc`` starts a new document; NER tags come from ``NE=`` in MISC.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from conllu.exceptions import ParseException
from conllu.parser import DEFAULT_FIELD_PARSERS, DEFAULT_FIELDS, parse_comment_line, parse_line
from plait.errors import DataError

from ._records import OnInvalid, SentRecord, build_docs, guarded, open_lines

if TYPE_CHECKING:
    from plait.plugins.protocols import Converter

# Keep FEATS and MISC as the raw strings: the Doc takes "A=B|C=D" morph
# strings as they are, and MISC is only searched for two keys. Skipping
# conllu's dict building (and its enhanced-DEPS regex) halves parse time.
_FIELD_PARSERS = dict(DEFAULT_FIELD_PARSERS)
_FIELD_PARSERS["feats"] = lambda line, i: line[i]
_FIELD_PARSERS["misc"] = lambda line, i: line[i]
_FIELD_PARSERS["deps"] = lambda line, i: line[i]
_FIELDS = list(DEFAULT_FIELDS)


def conllu_to_docs(
    source: str | Path | TextIO,
    *,
    n_sents: int = 1,
    seg_sents: bool = False,
    merge_subtokens: bool = False,
    morphology: bool = False,
    skip_invalid: bool = False,
    on_invalid: OnInvalid | None = None,
    vocab: Any = None,
    **_: Any,
) -> Iterator[Any]:
    """Convert CoNLL-U to Docs, ``n_sents`` sentences per Doc.

    source (Path | str | TextIO): a file path, the CoNLL-U text, or an open file.
    n_sents (int): sentences per Doc (``# newdoc`` always starts a new one).
    seg_sents (bool): ignored (CoNLL-U marks sentences).
    merge_subtokens (bool): one token per multi-word token.
    morphology (bool): append the features to the tag.
    skip_invalid (bool): report (``on_invalid``) and skip bad sentences.
    vocab (Vocab): the Vocab of the Docs (a new one if None).
    RETURNS (Iterator[Doc]): the documents.
    """
    records = guarded(
        read_conllu(source, merge_subtokens=merge_subtokens, morphology=morphology),
        skip_invalid=skip_invalid,
        on_invalid=on_invalid,
    )
    return build_docs(records, n_sents=n_sents, vocab=vocab)


def _blocks(lines: Iterator[str]) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, lines) for each blank-line separated block."""
    block: list[str] = []
    start = 0
    for i, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if block:
                yield start, block
                block = []
            continue
        if not block:
            start = i
        block.append(line)
    if block:
        yield start, block


def read_conllu(
    source: str | Path | TextIO, *, merge_subtokens: bool = False, morphology: bool = False
) -> Iterator[SentRecord | DataError]:
    """Parse CoNLL-U into sentence records, yielding a DataError for a bad sentence."""
    name, lines = open_lines(source)
    for start, block in _blocks(lines):
        try:
            yield _parse_sentence(name, start, block, merge_subtokens, morphology)
        except DataError as err:
            yield err


def _parse_sentence(
    name: str, start: int, block: list[str], merge_subtokens: bool, morphology: bool
) -> SentRecord:
    meta: dict[str, Any] = {}
    words: list[str] = []
    spaces: list[bool] = []
    lemmas: list[str] = []
    pos: list[str] = []
    tags: list[str] = []
    morphs: list[str] = []
    heads: list[int] = []
    deps: list[str] = []
    ents: list[str] = []
    has_ents = False
    other_spaces = False  # some word is followed by `SpacesAfter=` (not one plain space)
    head_lines: list[int] = []
    # (first word index, last word index, form, space after) per range line
    mwts: list[tuple[int, int, str, bool]] = []
    mwt_end = -1
    for offset, line in enumerate(block):
        lineno = start + offset
        if line.startswith("#"):
            try:
                for key, value in parse_comment_line(line):
                    meta[key] = value
            except ParseException as err:
                raise DataError(f"line {lineno} of {name}: bad comment line: {err}") from None
            continue
        n_cols = line.count("\t") + 1
        if n_cols != 10:
            raise DataError(
                f"line {lineno} of {name}: a CoNLL-U token line has 10 tab-separated "
                f"columns, found {n_cols}: {line!r}"
                + (
                    ". This looks like a CoNLL/IOB entity file (word and tag columns): "
                    "convert it with `--converter ner` (or `iob`)."
                    if 2 <= n_cols <= 4 else ""
                )
            )
        try:
            tok = parse_line(line, _FIELDS, _FIELD_PARSERS)
        except ParseException as err:
            raise DataError(f"line {lineno} of {name}: {err}") from None
        tid = tok["id"]
        misc = tok["misc"] or "_"
        if isinstance(tid, tuple):
            if tid[1] == "-":
                mwts.append((tid[0] - 1, tid[2] - 1, tok["form"], "SpaceAfter=No" not in misc))
                mwt_end = tid[2] - 1
            continue  # empty nodes ("8.1") are not tokens
        if tid is None or tid != len(words) + 1:
            raise DataError(
                f"line {lineno} of {name}: word id {line.split(chr(9), 1)[0]!r} out of "
                f"sequence (expected {len(words) + 1})"
            )
        idx = len(words)
        words.append(tok["form"])
        lemmas.append(tok["lemma"] if tok["lemma"] not in (None, "_") else "")
        upos = tok["upos"]
        pos.append(upos if upos not in (None, "_") else "")
        feats = tok["feats"]
        feats = "" if feats in (None, "_") else feats
        morphs.append(feats)
        xpos = tok["xpos"] or ""
        tags.append(f"{xpos}__{feats}" if morphology and feats else xpos)
        head = tok["head"]
        if head is None:
            raise DataError(f"line {lineno} of {name}: missing HEAD (column 7)")
        if head == idx + 1:
            raise DataError(
                f"line {lineno} of {name}: word {idx + 1} ({tok['form']!r}) is its own head "
                f"(HEAD {head}); a word's HEAD is another word's id, or 0 for the sentence root"
            )
        heads.append(head - 1 if head > 0 else idx)
        head_lines.append(lineno)
        deps.append(tok["deprel"] or "")
        if idx < mwt_end:
            spaces.append(False)  # inside a multi-word token
        elif idx == mwt_end:
            spaces.append(mwts[-1][3])
        else:
            spaces.append("SpaceAfter=No" not in misc)
        if "SpacesAfter=" in misc:
            other_spaces = True
        ne = _misc_value(misc, "NE")
        if ne is not None:
            has_ents = True
        ents.append(ne or "O")
    if not words:
        raise DataError(f"line {start} of {name}: sentence without word lines")
    n = len(words)
    for i, h in enumerate(heads):
        if h < 0 or h >= n:
            raise DataError(
                f"line {head_lines[i]} of {name}: HEAD {h + 1} points outside the sentence "
                f"(it has {n} words; use 0 for the root)"
            )
    _check_tree(name, words, heads, head_lines)
    text = meta.get("text")
    if text is not None:
        built = "".join(w + (" " if s else "") for w, s in zip(words, spaces)).rstrip(" ")
        expected = text.strip(" ")
        if other_spaces and built != expected:
            # `SpacesAfter=\u00A0` (EWT test) or `\s\s`: a Doc keeps one space
            # per token, so only the whitespace runs can be compared.
            built, expected = " ".join(built.split()), " ".join(expected.split())
        if built != expected:
            raise DataError(
                f"line {start} of {name}: the words and SpaceAfter=No do not reproduce "
                f"'# text': text is {text!r}, words give {built!r}"
            )
    rec = SentRecord(
        words=words, spaces=spaces, line=start, tags=tags, pos=pos, morphs=morphs,
        lemmas=lemmas, heads=heads, deps=deps, ents=_iob1_to_iob2(ents) if has_ents else None,
        new_doc="newdoc" in meta or "newdoc id" in meta, meta=meta,
    )
    if merge_subtokens and mwts:
        rec = _merge_mwts(rec, mwts)
    return rec


def _check_tree(name: str, words: list[str], heads: list[int], head_lines: list[int]) -> None:
    """Refuse a sentence whose HEADs are not one tree: no root or two roots
    (UD: exactly one word has HEAD 0), or words in a cycle that never reach
    the root (a sentence without a root always has one). Each error names the
    lines; one O(n) walk per sentence."""
    roots = [i for i, h in enumerate(heads) if h == i]
    if len(roots) > 1:
        shown = ", ".join(f"word {i + 1} ({words[i]!r}, line {head_lines[i]})" for i in roots[:4])
        raise DataError(
            f"line {head_lines[roots[1]]} of {name}: the sentence has {len(roots)} roots (HEAD 0): "
            f"{shown}. A CoNLL-U sentence has exactly one root: attach the others to a word of "
            f"the sentence, or split the sentence in two"
        )
    # state: 0 unseen, 1 on the current path, 2 known to reach the root
    state = [0] * len(heads)
    for start in range(len(heads)):
        path = []
        i = start
        while state[i] == 0 and heads[i] != i:
            state[i] = 1
            path.append(i)
            i = heads[i]
        if state[i] == 1:  # came back to a word of this path: a cycle
            cycle = path[path.index(i):]
            shown = " -> ".join(f"{j + 1} ({words[j]!r})" for j in cycle[:8])
            raise DataError(
                f"line {head_lines[cycle[0]]} of {name}: the HEADs of words {shown} -> "
                f"{cycle[0] + 1} form a cycle (lines {', '.join(str(head_lines[j]) for j in cycle[:8])}): "
                f"they never reach the root (HEAD 0). Fix the HEAD column so every word leads to the root"
            )
        for j in path:
            state[j] = 2
        state[i] = 2


def _misc_value(misc: str, key: str) -> str | None:
    if key + "=" not in misc:
        return None
    for part in misc.split("|"):
        if part.startswith(key + "="):
            return part[len(key) + 1:]
    return None


def _iob1_to_iob2(tags: list[str]) -> list[str]:
    out = []
    prev = "O"
    for tag in tags:
        if tag.startswith("I-") and (prev == "O" or prev[2:] != tag[2:]):
            tag = "B-" + tag[2:]
        out.append(tag)
        prev = tag
    return out


def _merge_mwts(rec: SentRecord, mwts: list[tuple[int, int, str, bool]]) -> SentRecord:
    """One token per multi-word token: its surface form with the attributes of
    the word whose head lies outside the range (its syntactic head)."""
    assert rec.heads is not None  # set by _parse_sentence
    n = len(rec.words)
    new_index = list(range(n))
    keep = [True] * n
    chosen: dict[int, tuple[int, str, bool]] = {}
    for a, b, form, space in mwts:
        root = next((i for i in range(a, b + 1) if not a <= rec.heads[i] <= b), a)
        if rec.heads[root] == root:  # the sentence root inside the MWT
            root = next((i for i in range(a, b + 1) if rec.heads[i] == i), a)
        chosen[a] = (root, form, space)
        for i in range(a + 1, b + 1):
            keep[i] = False
    j = -1
    for i in range(n):
        if keep[i]:
            j += 1
        new_index[i] = j
    out = SentRecord(words=[], spaces=[], line=rec.line, tags=[], pos=[], morphs=[], lemmas=[],
                     heads=[], deps=[], ents=[] if rec.ents is not None else None,
                     new_doc=rec.new_doc, meta=rec.meta)
    for i in range(n):
        if not keep[i]:
            continue
        src, form, space = chosen.get(i, (i, rec.words[i], rec.spaces[i]))
        out.words.append(form)
        out.spaces.append(space)
        for attr in ("tags", "pos", "morphs", "lemmas", "deps"):
            getattr(out, attr).append(getattr(rec, attr)[src])
        out.heads.append(new_index[rec.heads[src]])  # type: ignore[union-attr]
        if rec.ents is not None:
            out.ents.append(rec.ents[i])  # type: ignore[union-attr]
    return out


if TYPE_CHECKING:  # mypy checks each converter against the converters contract
    _conllu_to_docs: Converter = conllu_to_docs
