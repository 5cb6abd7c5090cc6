"""Bad training data, caught once at the start of a run and named precisely.

Every error here names the corpus (``[corpora.train]`` and its file), the
document index and the first characters of the document's text, says what is
wrong (token index, offending tags or head) and how to fix it. Three layers:

- ``located`` / ``where``: wrap an error raised while a corpus is read (by
  ``Corpus``, a custom reader, ``Example.from_dict`` or an augmenter) with the
  document it came from. The ``try`` blocks sit around whole loops, which is
  free in CPython 3.11: nothing is paid per example unless something fails.
- ``read_corpus`` / ``checked_stream``: materialise or stream a corpus with
  that context, re-emitting ``DataWarning`` s (misaligned entity offsets) with
  the document index.
- ``check_examples`` / ``check_frozen_labels``: vectorised scans of the
  materialised corpus, one ``to_array`` per document and numpy over the
  concatenation: invalid BILUO/IOB sequences stored in ``.plait`` files,
  heads crossing a sentence boundary or forming cycles, and labels a frozen
  component cannot predict.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy

from ...errors import DataError, DataWarning
from ...tokens._doc_parse import roots_of
from ._trees import cycle_from, describe_tokens, interleaved_root

PREFIX_CHARS = 40




def text_prefix(text: str, n: int = PREFIX_CHARS) -> str:
    """RETURNS (str): the first `n` characters of `text`, quoted, '…' if cut."""
    return repr(text[:n] + ("…" if len(text) > n else ""))


def where(corpus: str | None, path: Any, index: int | None, text: str | None = None) -> str:
    """The place of a document in a message.

    corpus (Optional[str]): the corpus section, e.g. "corpora.train".
    path (Any): its file or folder.
    index (Optional[int]): the document index in the file (or reader output).
    text (Optional[str]): the document's text.
    RETURNS (str): e.g. "[corpora.train] 'train.plait', document 12 ('The…')".
    """
    parts = []
    if corpus:
        parts.append(f"[{corpus}]")
    if path is not None:
        parts.append(f"'{path}'")
    head = " ".join(parts)
    if index is not None:
        head = f"{head}, document {index}" if head else f"document {index}"
    if text is not None:
        head += f" ({text_prefix(text)})"
    return head


def located(err: BaseException, place: str, corpus: str | None = None) -> BaseException:
    """Add the document's place to an error raised while reading it.

    A DataError becomes a new DataError "place: message"; any other exception
    (a bug in a custom reader or augmenter) keeps its type and gets a note.
    An error that already names its document (raised by ``Corpus``) only gets
    the corpus section added in front.

    err (BaseException): the error. place (str): from ``where``.
    corpus (Optional[str]): the corpus section ``place`` names, if any.
    RETURNS (BaseException): the error to raise.
    """
    if getattr(err, "plait_located", False):
        if corpus is None or getattr(err, "plait_corpus", None) or not isinstance(err, DataError):
            return err
        message = f"[{corpus}] {err}"
    elif isinstance(err, DataError):
        message = f"{place}: {err}"
    else:
        if hasattr(err, "add_note"):  # Python >= 3.11; 3.10 keeps the bare error
            err.add_note(f"while reading {place}")
        err.plait_located = True  # type: ignore[attr-defined]
        return err
    new = DataError(message)
    new.plait_located = True  # type: ignore[attr-defined]
    new.plait_corpus = corpus  # type: ignore[attr-defined]
    new.__cause__ = err.__cause__ if getattr(err, "plait_located", False) else err
    return new


def _example_place(eg: Any, corpus: str | None, path: Any, position: int) -> str:
    index = getattr(eg, "doc_index", None)
    source = getattr(eg, "doc_source", None)
    return where(corpus, source if source is not None else path,
                 index if index is not None else position, eg.reference.text)  # fmt: skip


def read_corpus(nlp: Any, corpus: Callable[[Any], Iterable[Any]], name: str) -> list[Any]:
    """Materialise a corpus, naming the document in every error and warning.

    nlp (Language): passed to the reader.
    corpus (Callable[[Language], Iterable[Example]]): the reader.
    name (str): its config section, e.g. "corpora.train".
    RETURNS (list[Example]): the examples.
    RAISES (DataError): what the reader raised, with the document's place.
    """
    path = getattr(corpus, "path", None)
    examples: list[Any] = []
    append = examples.append
    # Warnings raised while reading are held and re-emitted after the loop
    # with the document named (emitting inside catch_warnings would record them again).
    pending: list[tuple[str, warnings.WarningMessage]] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", DataWarning)
            for eg in corpus(nlp):
                append(eg)
                if caught:  # rare
                    place = _example_place(eg, name, path, len(examples) - 1)
                    pending.extend((place, w) for w in caught)
                    caught.clear()
            pending.extend(("", w) for w in caught)
    except Exception as err:
        place = where(name, path, len(examples))
        if examples:
            place += f" (the one after {text_prefix(examples[-1].reference.text)})"
        _reemit(pending)
        raise located(err, place, name)  # noqa: B904 - located() chains the original
    _reemit(pending)
    return examples


def _reemit(pending: list[tuple[str, warnings.WarningMessage]]) -> None:
    for place, w in pending:
        if place and issubclass(w.category, DataWarning):
            warnings.warn(f"{place}: {w.message}", DataWarning, stacklevel=4)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def checked_stream(
    corpus: Callable[[Any], Iterable[Any]], name: str
) -> Callable[[Any], Iterator[Any]]:
    """Wrap a streamed corpus so that errors name the document they came from.

    corpus (Callable[[Language], Iterable[Example]]): the reader.
    name (str): its config section.
    RETURNS (Callable[[Language], Iterator[Example]]): the same stream.
    """
    path = getattr(corpus, "path", None)

    def stream(nlp: Any) -> Iterator[Any]:
        n = 0
        try:
            for n, eg in enumerate(corpus(nlp), 1):  # noqa: B007 - n is read in except
                yield eg
        except Exception as err:
            raise located(err, where(name, path, n), name)  # noqa: B904 - located() chains the original

    stream.path = path  # type: ignore[attr-defined]
    return stream


# Vectorised checks of the materialised corpus ---------------------------------
_IOB_I, _IOB_O, _IOB_B = 1, 2, 3


def check_examples(examples: list[Any], name: str, path: Any = None) -> None:
    """Check the reference annotation of every example, vectorised.

    - entity tags (ENT_IOB / ENT_TYPE): an I token must continue an open entity
      of the same label; B and I tokens need a label. ``Doc.ents`` and
      ``Example.from_dict`` only write valid sequences, but ``Doc.from_array``
      and ``.plait`` files written by other tools can hold anything.
    - heads: every annotated head must be in the token's sentence (SENT_START)
      and every token must reach a root (no cycles).

    examples (list[Example]): the corpus.
    name (str): its config section, e.g. "corpora.train".
    path (Any): its path, for the message.
    RAISES (DataError): naming the first bad document.
    """
    from ... import attrs as A

    if not examples:
        return
    cols = [A.ENT_IOB, A.ENT_TYPE, A.HEAD, A.DEP, A.SENT_START]
    arrays = [eg.reference.to_array(cols) for eg in examples]
    lengths = numpy.fromiter((len(a) for a in arrays), dtype=numpy.int64, count=len(arrays))
    if not lengths.sum():
        return
    data = numpy.concatenate(arrays).view(numpy.int64)
    n = len(data)
    starts = numpy.cumsum(lengths) - lengths
    first = numpy.zeros(n, dtype=bool)
    first[starts[lengths > 0]] = True
    doc_of = numpy.repeat(numpy.arange(len(examples)), lengths)
    _check_ents(examples, data[:, 0], data[:, 1], first, doc_of, starts, name, path)
    if data[:, 3].any():
        _check_heads(
            examples, data[:, 2], data[:, 3] != 0, data[:, 4], first, doc_of, starts, name, path
        )


def _check_ents(
    examples: list[Any],
    iob: numpy.ndarray,
    types: numpy.ndarray,
    first: numpy.ndarray,
    doc_of: numpy.ndarray,
    starts: numpy.ndarray,
    name: str,
    path: Any,
) -> None:
    if not iob.any():
        return
    prev_iob = numpy.roll(iob, 1)
    prev_type = numpy.roll(types, 1)
    prev_iob[first] = _IOB_O
    open_before = (prev_iob == _IOB_B) | (prev_iob == _IOB_I)
    bad_i = (iob == _IOB_I) & (~open_before | (prev_type != types))
    unlabelled = ((iob == _IOB_I) | (iob == _IOB_B)) & (types == 0)
    bad = numpy.flatnonzero(bad_i | unlabelled)
    if not len(bad):
        return
    pos = int(bad[0])
    d = int(doc_of[pos])
    eg = examples[d]
    i = pos - int(starts[d])
    tags = _biluo_window(eg.reference, i)
    if unlabelled[pos]:
        why = f"token {i} is inside an entity with no label"
    else:
        why = f"token {i} continues an entity that is not open (I- without a B- before it, or a different label)"
    raise DataError(
        f"{_example_place(eg, name, path, d)}: invalid entity annotation: {why}. Entity tags of tokens "
        f"{max(0, i - 3)}..{i}: {tags}. Each entity must start with B- and continue with I- of the same "
        "label; fix the tags where this file was written (set doc.ents, or use iob_to_biluo() for "
        "IOB1 data) and convert it again."
    )


def _biluo_window(doc: Any, i: int) -> list[str]:
    """IOB-style tags of tokens i-3..i straight from the columns (for messages)."""
    from ... import attrs as A

    cols = doc.to_array([A.ENT_IOB, A.ENT_TYPE])
    strings = doc.vocab.strings
    out = []
    for code, label in cols[max(0, i - 3) : i + 1].tolist():
        if code in (_IOB_B, _IOB_I):
            out.append(("B-" if code == _IOB_B else "I-") + (strings[int(label)] if label else ""))
        else:
            out.append("O" if code == _IOB_O else "-")
    return out


def _check_heads(
    examples: list[Any],
    rel: numpy.ndarray,
    has_dep: numpy.ndarray,
    sent: numpy.ndarray,
    first: numpy.ndarray,
    doc_of: numpy.ndarray,
    starts: numpy.ndarray,
    name: str,
    path: Any,
) -> None:
    n = len(rel)
    idx = numpy.arange(n, dtype=numpy.int64)
    heads = idx + rel
    doc_start = starts[doc_of]
    doc_end = doc_start + numpy.diff(numpy.append(starts, n))[doc_of]
    outside = (heads < doc_start) | (heads >= doc_end)
    if outside.any():  # Doc refuses these; kept for docs built by other means
        pos = int(numpy.flatnonzero(outside)[0])
        _raise_head(
            examples, pos, doc_of, starts, int(heads[pos]), "is outside the document", name, path
        )
    # Cycles first: a cycle also breaks the sentence starts derived from the
    # tree, and would otherwise be reported as a head "in another sentence".
    root = roots_of(heads)
    cyclic = has_dep & (heads[root] != root)
    if cyclic.any():
        pos = int(numpy.flatnonzero(cyclic)[0])
        d = int(doc_of[pos])
        s = int(starts[d])
        eg = examples[d]
        cycle = [p - s for p in cycle_from(heads, pos)]
        lead = f" (token {pos - s} leads into it)" if pos - s not in cycle else ""
        raise DataError(
            f"{_example_place(eg, name, path, d)}: the heads of "
            f"{describe_tokens(eg.reference.words, cycle)} -> token {cycle[0]} form a cycle: "
            f"these tokens never reach a root{lead}. Every sentence needs "
            f"one root token whose head is itself; fix the heads where this data was written."
        )
    # Sentence ids over the whole corpus: a new id at every doc and SENT_START.
    sent_id = numpy.cumsum(first | (sent == 1))
    crossing = has_dep & (sent_id[heads] != sent_id)
    if crossing.any():
        pos = int(numpy.flatnonzero(crossing)[0])
        d = int(doc_of[pos])
        s = int(starts[d])
        other = interleaved_root(root, has_dep, pos, s, int(doc_end[pos]))
        if other is not None:
            eg = examples[d]
            words = eg.reference.words
            r = int(root[pos])
            raise DataError(
                f"{_example_place(eg, name, path, d)}: one sentence has two roots whose trees "
                f"interleave: {describe_tokens(words, [r - s])} and {describe_tokens(words, [other - s])} "
                f"are both their own head, and token {pos - s} ({words[pos - s]!r}, head token "
                f"{int(heads[pos]) - s}) of the first tree lies across the second. A sentence has "
                f"one root: attach one root to a token of the other tree (or split the sentence)."
            )
        _raise_head(
            examples,
            pos,
            doc_of,
            starts,
            int(heads[pos]),
            "is in another sentence",
            name,
            path,
            fix="The sentence starts (sent_starts / is_sent_start) disagree with the parse: drop "
            "them (the parse defines the sentences) or fix the head.",
        )


def _raise_head(
    examples: list[Any],
    pos: int,
    doc_of: numpy.ndarray,
    starts: numpy.ndarray,
    head: int,
    why: str,
    name: str,
    path: Any,
    fix: str = "Heads are absolute token indices.",
) -> None:
    d = int(doc_of[pos])
    eg = examples[d]
    i = pos - int(starts[d])
    h = head - int(starts[d])
    words = eg.reference.words
    word = words[i] if i < len(words) else "?"
    head_word = f" {words[h]!r}" if 0 <= h < len(words) else ""
    raise DataError(
        f"{_example_place(eg, name, path, d)}: the head of token {i} ({word!r}) is token {h}{head_word}, "
        f"which {why}. {fix}"
    )


def check_frozen_labels(
    nlp: Any, frozen: Iterable[str], examples: list[Any] | None, name: str, path: Any = None
) -> None:
    """Refuse training data with labels a frozen component does not know.

    A frozen component is never updated, so it can never predict such a
    label: its scores are computed against annotation it cannot produce, and
    the data most likely use another label scheme or were meant to train it.
    The labels found are read with the component's own
    ``labels_from_examples`` (one vectorised pass); the slow search for the
    first document runs only when something is wrong.

    nlp (Language): the initialized pipeline.
    frozen (Iterable[str]): ``[training] frozen_components``.
    examples (Optional[list[Example]]): the materialised train corpus (a
        streamed corpus is not scanned).
    name (str): the corpus section.
    path (Any): its path, for the message.
    RAISES (DataError): naming the component, the label and the document.
    """
    if not examples:
        return
    for comp in frozen:
        proc = nlp.get_pipe(comp)
        known = set(getattr(proc, "labels", ()) or ())
        finder = getattr(proc, "labels_from_examples", None)
        if not known or finder is None:
            continue
        unknown = sorted(set(finder(examples)) - known)
        if not unknown:
            continue
        # The error path only: find the first document with an unknown label.
        d, eg, here = next(
            (
                (d, eg, h)
                for d, eg in enumerate(examples)
                if (h := sorted(set(finder([eg])) - known))
            ),
            (0, examples[0], unknown),
        )
        label = here[0]
        token = _token_with_label(eg.reference, label)
        at = f" at token {token}" if token is not None else ""
        more = (
            f" ({len(unknown)} unknown labels in all: {unknown[:10]})" if len(unknown) > 1 else ""
        )
        raise DataError(
            f"{_example_place(eg, name, path, d)}: label {label!r}{at} is not "
            f"a label of the frozen component '{comp}'{more}. A frozen component is not updated, so it "
            f"can never predict it. Remove '{comp}' from [training] frozen_components to train it on "
            f"these labels (a sourced component resumes from its weights), or remove or map the "
            f"'{comp}' annotation in the training data to its labels: {sorted(known)[:20]}."
        )


def _token_with_label(doc: Any, label: str) -> int | None:
    """The first token whose TAG, DEP, ENT_TYPE or LEMMA is `label` (for messages)."""
    from ... import attrs as A

    strings = doc.vocab.strings
    if label not in strings:
        return None
    key = strings[label]
    hits = numpy.flatnonzero((doc.to_array([A.TAG, A.DEP, A.ENT_TYPE, A.LEMMA]) == key).any(axis=1))
    return int(hits[0]) if len(hits) else None
