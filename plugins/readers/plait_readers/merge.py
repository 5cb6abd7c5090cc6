"""Merge an entity file into a CoNLL-U corpus by ``# sent_id``: one multi-task corpus.

Why it exists: treebanks and NER layers are often published apart over the
same sentences (UD English EWT and UNER English EWT share every ``sent_id``).
A pipeline that tags, parses and finds entities (``tagger,morphologizer,
parser,ner`` on one ``tok2vec``) wants one corpus holding all of it, so
:func:`conllu_with_entities` reads the CoNLL-U file (words, spaces, tags,
morphs, lemmas, heads, deps: the ``conllu`` converter's records) and sets the
entities of each sentence from the IOB file's sentence with the same
``sent_id`` (read by the ``iob`` converter, any of its layouts).

Tokens: when both files hold the same words (the usual case) the tags are
copied one to one. When the tokenizations differ (UNER was cut from an older
EWT release: ``can t`` where EWT now has ``ca nt``, ``#`` ``audiobooks`` for
``#audiobooks``), the words must spell the same characters, and each entity is
moved by character offsets onto the CoNLL-U words; an entity whose edge falls
inside a CoNLL-U word cannot be moved and is an error (``skip_invalid``:
reported, and that sentence's entities are left missing, not ``O``).

Python::

    from plait_readers.merge import conllu_with_entities
    docs = conllu_with_entities(Path("en_ewt-ud-dev.conllu"), Path("en_ewt-ud-dev.iob2"))
    DocBin(docs=docs).to_disk("dev.plait")
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from plait.errors import DataError

from ._records import OnInvalid, SentRecord, build_docs, default_on_invalid, source_name
from .conllu import read_conllu
from .iob import detect_scheme, read_iob


def read_entities_by_sent_id(source: str | Path | TextIO, *, scheme: str = "auto") -> dict[str, SentRecord]:
    """Read an IOB entity file into {sent_id: sentence record}.

    source (Path | str | TextIO): the IOB file (a ``# sent_id = ...`` line before
        every sentence), or its text.
    scheme (str): "auto", "iob1" or "iob2" (as the ``iob`` converter).
    RETURNS (dict[str, SentRecord]): the sentences by id, in file order.
    """
    name = source_name(source)
    if scheme == "auto":
        scheme = detect_scheme(source)
    out: dict[str, SentRecord] = {}
    for rec in read_iob(source, scheme=scheme):
        if isinstance(rec, DataError):
            raise rec
        sent_id = rec.meta.get("sent_id")
        if not sent_id:
            raise DataError(
                f"line {rec.line} of {name}: sentence without a '# sent_id = ...' line; merging "
                f"entities into a CoNLL-U corpus needs the id of every sentence"
            )
        if sent_id in out:
            raise DataError(f"line {rec.line} of {name}: sent_id {sent_id!r} occurs twice")
        out[sent_id] = rec
    return out


def align_entity_tags(words: list[str], ent_words: list[str], ent_tags: list[str]) -> list[str]:
    """Move IOB2 entity tags from one tokenization onto another of the same characters.

    words (list[str]): the target words.
    ent_words (list[str]): the words the tags belong to (same characters as `words`).
    ent_tags (list[str]): IOB2 tags ("B-PER", "I-PER", "O") of `ent_words`.
    RETURNS (list[str]): IOB2 tags of `words`.
    RAISES DataError: the words spell different characters, or an entity edge
        falls inside a target word (the message names the entity).
    """
    if words == ent_words:
        return list(ent_tags)
    if "".join(words) != "".join(ent_words):
        raise DataError(
            f"the words differ: {' '.join(words)!r} against {' '.join(ent_words)!r} in the entity file"
        )
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    pos = 0
    for i, w in enumerate(words):
        starts[pos] = i
        pos += len(w)
        ends[pos] = i
    out = ["O"] * len(words)
    pos = 0
    span: list[Any] | None = None  # [start char, end char, label, text]
    spans: list[list[Any]] = []
    for w, tag in zip(ent_words, ent_tags):
        if tag.startswith("B-") or (tag.startswith("I-") and span is None):
            span = [pos, pos + len(w), tag[2:], [w]]
            spans.append(span)
        elif tag.startswith("I-") and span is not None:
            span[1] = pos + len(w)
            span[3].append(w)
        else:
            span = None
        pos += len(w)
    for start, end, label, text in spans:
        first, last = starts.get(start), ends.get(end)
        if first is None or last is None:
            raise DataError(
                f"entity {' '.join(text)!r} ({label}) does not start and end at word boundaries "
                f"of {' '.join(words)!r}"
            )
        out[first] = f"B-{label}"
        for i in range(first + 1, last + 1):
            out[i] = f"I-{label}"
    return out


def conllu_with_entities(
    conllu: str | Path | TextIO,
    entities: str | Path | TextIO | dict[str, SentRecord],
    *,
    n_sents: int = 1,
    merge_subtokens: bool = False,
    morphology: bool = False,
    require_all: bool = True,
    skip_invalid: bool = False,
    on_invalid: OnInvalid | None = None,
    vocab: Any = None,
) -> Iterator[Any]:
    """Docs from a CoNLL-U file with the entities of an IOB file, matched by ``sent_id``.

    conllu (Path | str | TextIO): the CoNLL-U corpus (a ``# sent_id`` per sentence).
    entities (Path | str | TextIO | dict): the IOB entity file, or what
        :func:`read_entities_by_sent_id` returned for it.
    n_sents (int): sentences per Doc, as ``plait convert -n`` (``# newdoc``
        always starts a new one).
    merge_subtokens, morphology (bool): as the ``conllu`` converter.
    require_all (bool): every CoNLL-U sentence must have an entity sentence
        and the reverse; when False a sentence without one keeps its entities
        missing (not ``O``) and unused entity sentences are ignored.
    skip_invalid (bool): report (``on_invalid``) and skip a bad CoNLL-U
        sentence; an entity sentence that cannot be aligned is reported and
        its CoNLL-U sentence kept without entities.
    vocab (Vocab): the Vocab of the Docs (a new one if None).
    RETURNS (Iterator[Doc]): the documents, with tags, morphs, lemmas, heads,
        deps and entities.
    """
    ents = entities if isinstance(entities, dict) else read_entities_by_sent_id(entities)
    return build_docs(
        _merged(conllu, ents, merge_subtokens, morphology, require_all, skip_invalid,
                on_invalid or default_on_invalid),
        n_sents=n_sents, vocab=vocab,
    )


def _merged(
    conllu: str | Path | TextIO, ents: dict[str, SentRecord], merge_subtokens: bool, morphology: bool,
    require_all: bool, skip_invalid: bool, report: OnInvalid,
) -> Iterator[SentRecord]:
    name = source_name(conllu)
    used: set[str] = set()
    for rec in read_conllu(conllu, merge_subtokens=merge_subtokens, morphology=morphology):
        if isinstance(rec, DataError):
            if not skip_invalid:
                raise rec
            report(rec)
            continue
        sent_id = rec.meta.get("sent_id")
        ent = ents.get(sent_id) if sent_id else None
        if ent is None:
            if require_all:
                what = f"sent_id {sent_id!r} is not in the entity file" if sent_id else "no '# sent_id' line"
                raise DataError(
                    f"line {rec.line} of {name}: {what}; pass require_all=False to keep such "
                    f"sentences without entities"
                )
            yield rec
            continue
        used.add(sent_id)  # type: ignore[arg-type]
        try:
            rec.ents = align_entity_tags(rec.words, ent.words, ent.ents or ["O"] * len(ent.words))
        except DataError as err:
            err = DataError(f"line {rec.line} of {name} (sent_id {sent_id!r}, entity file line {ent.line}): {err}")
            if not skip_invalid:
                raise err from None
            report(err)
        yield rec
    if require_all and len(used) < len(ents):
        missing = [k for k in ents if k not in used]
        raise DataError(
            f"{len(missing)} sentence(s) of the entity file are not in {name}, e.g. sent_id "
            f"{missing[0]!r}; check that the two files are the same split"
        )
