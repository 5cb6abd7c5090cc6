"""Example: a predicted Doc paired with its reference Doc, and their alignment.

Components train and evaluate on Examples: ``predicted`` (``x``) is what the
pipeline tokenized and annotates, ``reference`` (``y``) holds the gold
annotation. When their tokenizations differ, the ``get_aligned_*`` methods
project the gold annotation onto the predicted tokens. The alignment is
computed once, on first use, and kept: the training loop reuses each Example
for many steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy

from ..errors import DataError, UsageError
from ._example_dict import _flatten_dict, _infer_spaces, _set_entities, _set_spans, _token_kwargs
from .alignment import Alignment, map_span


class Example:
    """A training or evaluation example.

    predicted (Doc): the Doc the pipeline annotates.
    reference (Doc): the Doc with the gold-standard annotation.
    alignment (Optional[Alignment]): a precomputed alignment.
    doc_index (Optional[int]): the position in its corpus, for error messages.
    """

    def __init__(
        self,
        predicted: Any,
        reference: Any,
        *,
        alignment: Alignment | None = None,
        doc_index: int | None = None,
    ) -> None:
        _check_doc(predicted, "predicted")
        _check_doc(reference, "reference")
        self._x = predicted
        self._y = reference
        self._alignment = alignment
        self.doc_index = doc_index

    # Docs -------------------------------------------------------------------
    @property
    def predicted(self) -> Any:
        return self._x

    @predicted.setter
    def predicted(self, doc: Any) -> None:
        _check_doc(doc, "predicted")
        self._x = doc
        self._alignment = None

    @property
    def reference(self) -> Any:
        return self._y

    @reference.setter
    def reference(self, doc: Any) -> None:
        _check_doc(doc, "reference")
        self._y = doc
        self._alignment = None

    x = predicted
    y = reference

    @property
    def text(self) -> str:
        """RETURNS (str): the predicted Doc's text."""
        return self._x.text

    def __len__(self) -> int:
        return len(self._x)

    def __repr__(self) -> str:
        return f"Example({self._x.text[:40]!r}, {len(self._x)} predicted / {len(self._y)} reference tokens)"

    @property
    def alignment(self) -> Alignment:
        """RETURNS (Alignment): the token alignment, computed once and cached.

        RAISES (DataError): when the two texts differ beyond whitespace.
        """
        if self._alignment is None:
            x_words, y_words = self._x.words, self._y.words
            if x_words == y_words:
                self._alignment = Alignment.identity(len(x_words))
            else:
                self._alignment = Alignment.from_strings(
                    x_words, y_words, doc_index=self.doc_index, text=self._y.text
                )
        return self._alignment

    # Construction -------------------------------------------------------------
    @classmethod
    def from_dict(cls, predicted: Any, example_dict: dict[str, Any]) -> Example:
        """Create an Example from a predicted Doc and a dict of annotations.

        predicted (Doc): the predicted Doc (its words are the reference words
            unless ``words`` is given).
        example_dict (Dict[str, Any]): ``words``, ``spaces``, ``tags``, ``pos``,
            ``morphs``, ``lemmas``, ``heads``, ``deps``, ``sent_starts``,
            ``entities`` (BILUO/IOB tags, Spans or ``(start, end, label)``
            offsets), ``cats``, ``spans`` (``{key: [(start, end, label)]}``),
            ``links`` (ignored); or the ``to_dict()`` layout.
        RETURNS (Example): the example.
        """
        _check_doc(predicted, "predicted")
        if not isinstance(example_dict, dict):
            raise UsageError(
                f"Example.from_dict: the annotations must be a dict, got {type(example_dict).__name__}"
            )
        annots = _flatten_dict(example_dict)
        where = f"Example.from_dict ({predicted.text[:40]!r})"
        words = annots.get("words")
        if words is None:
            words = predicted.words
            spaces = annots.get("spaces", [bool(s) for s in _spaces_of(predicted)])
        else:
            words = list(words)
            spaces = annots.get("spaces")
            if spaces is None:
                spaces = _infer_spaces(words, predicted.text, where)
        token_kwargs = _token_kwargs(annots, len(words), where)
        from ..tokens import Doc

        try:
            reference = Doc(predicted.vocab, words=words, spaces=[bool(s) for s in spaces], **token_kwargs)
        except DataError as err:
            raise DataError(f"{where}: {err}") from err
        if annots.get("entities") is not None:
            _set_entities(reference, annots["entities"], where)
        if annots.get("cats"):
            reference.cats = dict(annots["cats"])
        for key, spans in (annots.get("spans") or {}).items():
            _set_spans(reference, key, spans, where)
        return cls(predicted, reference)

    def to_dict(self) -> dict[str, Any]:
        """The reference annotation in spaCy's ``Example.to_dict`` layout.

        RETURNS (Dict[str, Any]): ``doc_annotation`` (cats, BILUO entities,
            spans, links) and ``token_annotation`` (ORTH, SPACY, TAG, LEMMA,
            POS, MORPH, HEAD, DEP, SENT_START); accepted back by ``from_dict``.
        """
        from .. import attrs as A

        ref = self._y
        strings = ref.vocab.strings
        cols = ref.to_array([A.TAG, A.LEMMA, A.POS, A.MORPH, A.HEAD, A.DEP, A.SENT_START])
        cache: dict[int, str] = {0: ""}

        def as_strings(values: numpy.ndarray) -> list[str]:
            out = []
            for v in values.tolist():
                if v not in cache:
                    cache[v] = strings[v]
                out.append(cache[v])
            return out

        heads = (cols[:, 4].astype("int64") + numpy.arange(len(ref))).tolist()
        sent = cols[:, 6].astype("int64").astype("int8").tolist()
        from ..attrs import POS_NAMES

        return {
            "doc_annotation": {
                "cats": dict(ref.cats),
                "entities": _doc_biluo(ref),
                "spans": {
                    key: [(s.start_char, s.end_char, s.label_, s.kb_id_) for s in group]
                    for key, group in ref.spans.items()
                },
                "links": {},
            },
            "token_annotation": {
                "ORTH": ref.words,
                "SPACY": [bool(s) for s in _spaces_of(ref)],
                "TAG": as_strings(cols[:, 0]),
                "LEMMA": as_strings(cols[:, 1]),
                "POS": [POS_NAMES.get(int(p), "") for p in cols[:, 2].tolist()],
                "MORPH": as_strings(cols[:, 3]),
                "HEAD": heads,
                "DEP": as_strings(cols[:, 5]),
                "SENT_START": [1 if s == 1 else (0 if s == -1 else None) for s in sent],
            },
        }

    def copy(self) -> Example:
        """RETURNS (Example): copies of both Docs, sharing the (immutable) alignment."""
        return Example(self._x.copy(), self._y.copy(), alignment=self._alignment, doc_index=self.doc_index)

    # Aligned annotation -------------------------------------------------------
    def get_aligned(self, field: str | int, as_string: bool = False) -> list[Any]:
        """The reference values of a token attribute, on the predicted tokens.

        A predicted token aligned to several reference tokens gets their value
        if they agree, else None; an unaligned token gets None.

        field (Union[str, int]): the attribute (``"TAG"``, ``DEP``…).
        as_string (bool): return strings instead of hashes.
        RETURNS (List[Any]): one value per predicted token.
        """
        from .. import attrs as A

        attr = A.attr_id(field) if isinstance(field, str) else field
        gold = numpy.asarray(self._y.to_array(attr)).reshape(-1)
        x2y = self.alignment.x2y
        if x2y.is_one_to_one() and len(x2y) == len(gold):
            values = gold[x2y.data].tolist()
            ok = None
        else:
            values, ok = _reduce_aligned(gold, x2y)
        if as_string and attr not in (A.ENT_IOB, A.SENT_START, A.HEAD):
            strings = self._y.vocab.strings
            if attr == A.POS:
                values = [A.POS_NAMES.get(int(v), "") for v in values]
            else:
                values = [strings[int(v)] for v in values]
        if ok is not None:
            values = [v if good else None for v, good in zip(values, ok.tolist(), strict=False)]
        return values

    def get_aligned_parse(self, projectivize: bool = True) -> tuple[list[int | None], list[str | None]]:
        """Reference heads and labels on the predicted tokens.

        A predicted token that covers several reference tokens takes the head
        and label of their subtree root; a reference token split into several
        predicted tokens gives its arc to the last piece (others are missing).
        Missing annotation is None.

        projectivize (bool): lift non-projective arcs as the transition parser
            is trained (``plait.training.nonproj.projectivize``: lifted arcs,
            labels decorated ``label||headlabel``); False returns the arcs as
            annotated.
        RETURNS (Tuple[List[Optional[int]], List[Optional[str]]]): heads and labels.
        RAISES (DataError): with `projectivize`, for a gold tree with a cycle.
        """
        from .. import attrs as A
        from .nonproj import projectivize as lift

        ref = self._y
        cols = ref.to_array([A.HEAD, A.DEP])
        n_y = len(ref)
        heads = cols[:, 0].astype("int64") + numpy.arange(n_y)
        has_dep = cols[:, 1] != 0
        strings = ref.vocab.strings
        dep_cache: dict[int, str] = {}
        deps = []
        for v in cols[:, 1].tolist():
            if v not in dep_cache:
                dep_cache[v] = strings[v]
            deps.append(dep_cache[v])
        align = self.alignment
        x2y, y2x = align.x2y, align.y2x
        if x2y.is_one_to_one() and len(x2y) == n_y and y2x.is_one_to_one():
            fast_heads = [h if d else None for h, d in zip(heads.tolist(), has_dep.tolist(), strict=False)]
            fast_deps = [d if d else None for d in deps]
            return lift(fast_heads, fast_deps) if projectivize else (fast_heads, fast_deps)
        # rep[y]: the predicted token that carries y's arc (-1 if none).
        rep = numpy.full(n_y, -1, dtype="int64")
        nonempty = y2x.lengths > 0
        rep[nonempty] = y2x.data[y2x.starts[1:][nonempty] - 1]
        out_heads: list[int | None] = []
        out_deps: list[str | None] = []
        for i in range(len(x2y)):
            ys = x2y[i]
            if len(ys) == 1:
                y = int(ys[0])
                root = y if rep[y] == i else -1
            elif len(ys) > 1:
                group = set(ys.tolist())
                roots = [int(y) for y in ys if int(heads[y]) not in group or heads[y] == y]
                root = roots[0] if len(roots) == 1 else -1
            else:
                root = -1
            if root < 0 or not has_dep[root]:
                out_heads.append(None)
                out_deps.append(None)
                continue
            head_y = int(heads[root])
            head_x = i if head_y == root else int(rep[head_y])
            if head_x < 0 or (head_x == i and head_y != root):
                out_heads.append(None)
                out_deps.append(None)
            else:
                out_heads.append(head_x)
                out_deps.append(deps[root])
        return lift(out_heads, out_deps) if projectivize else (out_heads, out_deps)

    def get_aligned_sent_starts(self) -> list[bool | None]:
        """Sentence starts of the reference on the predicted tokens.

        RETURNS (List[Optional[bool]]): True at the first predicted token of
            each reference sentence, False elsewhere; all None when the
            reference has no sentence annotation.
        """
        from .. import attrs as A

        n_x = len(self._x)
        if not self._y.has_annotation("SENT_START"):
            return [None] * n_x
        col = numpy.asarray(self._y.to_array(A.SENT_START)).astype("int64").astype("int8")
        y_starts = numpy.flatnonzero(col == 1)
        if len(col) and col[0] != 1:
            y_starts = numpy.concatenate(([0], y_starts))
        y2x = self.alignment.y2x
        out = numpy.zeros(n_x, dtype=bool)
        # The first predicted token of a sentence is the first one aligned to
        # any token of it (the sentence's first token may be whitespace).
        bounds = numpy.append(y_starts, len(col))
        for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=False):
            xs = y2x.data[y2x.starts[s] : y2x.starts[e]]
            if len(xs):
                out[int(xs.min())] = True
        return out.tolist()

    def get_aligned_spans_x2y(self, x_spans: Iterable[Any], allow_overlap: bool = False) -> list[Any]:
        """Project predicted spans onto the reference tokens.

        x_spans (Iterable[Span]): spans of the predicted Doc.
        allow_overlap (bool): keep spans overlapping an earlier one.
        RETURNS (List[Span]): spans of the reference Doc (misaligned ones dropped).
        """
        align = self.alignment
        return _aligned_spans(self._y, x_spans, align.x2y, align.y2x, allow_overlap)

    def get_aligned_spans_y2x(self, y_spans: Iterable[Any], allow_overlap: bool = False) -> list[Any]:
        """Project reference spans onto the predicted tokens.

        y_spans (Iterable[Span]): spans of the reference Doc.
        allow_overlap (bool): keep spans overlapping an earlier one.
        RETURNS (List[Span]): spans of the predicted Doc (misaligned ones dropped).
        """
        align = self.alignment
        return _aligned_spans(self._x, y_spans, align.y2x, align.x2y, allow_overlap)

    def get_aligned_ner(self) -> list[str | None]:
        """Reference entities as BILUO tags over the predicted tokens.

        Entities whose boundaries do not match predicted tokens become None
        (missing); tokens the reference marks outside every entity are "O".

        RETURNS (List[Optional[str]]): one tag per predicted token, all None
            when the reference has no entity annotation.
        """
        from .. import attrs as A

        x = self._x
        if not self._y.has_annotation("ENT_IOB"):
            return [None] * len(x)
        if self.alignment.is_identity and len(x) == len(self._y):
            # The usual case, the same tokenization: no spans to map.
            return _identity_ner(self._y)
        x_ents = self.get_aligned_spans_y2x(self._y.ents, allow_overlap=False)
        tags: list[Any] = [None] * len(x)
        for span in x_ents:
            label = span.label_
            if span.end - span.start == 1:
                tags[span.start] = f"U-{label}"
            else:
                tags[span.start] = f"B-{label}"
                for i in range(span.start + 1, span.end - 1):
                    tags[i] = f"I-{label}"
                tags[span.end - 1] = f"L-{label}"
        iob = self.get_aligned(A.ENT_IOB)
        words = x.words
        for i, value in enumerate(iob):
            if tags[i] is None and (value == 2 or words[i].isspace()):
                tags[i] = "O"
        return tags

    def get_matching_ents(self, check_label: bool = True) -> list[Any]:
        """Predicted entities that match a reference entity exactly.

        check_label (bool): require the labels to match too.
        RETURNS (List[Span]): the matching predicted entities.
        """
        gold = {(s.start, s.end, s.label_ if check_label else "") for s in self._y.ents}
        out = []
        for span in self._x.ents:
            mapped = self.get_aligned_spans_x2y([span])
            if mapped and (mapped[0].start, mapped[0].end, span.label_ if check_label else "") in gold:
                out.append(span)
        return out

    def split_sents(self) -> list[Example]:
        """Split into one Example per reference sentence.

        RETURNS (List[Example]): the sentence examples ([self] when the
            reference has no sentence annotation).
        """
        if not self._y.has_annotation("SENT_START"):
            return [self]
        y2x = self.alignment.y2x
        seen = numpy.zeros(len(self._x), dtype=bool)
        out = []
        for sent in self._y.sents:
            xs = y2x.data[y2x.starts[sent.start] : y2x.starts[sent.end]]
            xs = xs[~seen[xs]]
            if len(xs):
                a, b = int(xs.min()), int(xs.max()) + 1
                seen[a:b] = True
                out.append(Example(self._x[a:b].as_doc(), sent.as_doc()))
        return out


def _check_doc(doc: Any, what: str) -> None:
    if doc is None or not hasattr(doc, "vocab") or not hasattr(doc, "to_array"):
        raise UsageError(
            f"Example: the {what} Doc must be a plait Doc, got {type(doc).__name__}. "
            "Create one with nlp.make_doc(text) or Doc(nlp.vocab, words=...)."
        )


def _spaces_of(doc: Any) -> list[bool]:
    from .. import attrs as A

    return numpy.asarray(doc.to_array(A.SPACY)).astype(bool).tolist()


def _doc_biluo(doc: Any) -> list[str]:
    """The reference's entities as BILUO tags, '-' where annotation is missing."""
    from .. import attrs as A

    iob = numpy.asarray(doc.to_array(A.ENT_IOB)).astype("int64")
    tags = numpy.where(iob == 0, "-", "O").astype(object)
    for span in doc.ents:
        label = span.label_
        if span.end - span.start == 1:
            tags[span.start] = f"U-{label}"
        else:
            tags[span.start] = f"B-{label}"
            tags[span.start + 1 : span.end - 1] = f"I-{label}"
            tags[span.end - 1] = f"L-{label}"
    return tags.tolist()


def _identity_ner(doc: Any) -> list[str | None]:
    """``get_aligned_ner`` when the two tokenizations are the same: the
    reference's own BILUO tags, None where its annotation is missing (except
    whitespace tokens, which are "O")."""
    from .. import attrs as A

    iob = numpy.asarray(doc.to_array(A.ENT_IOB)).astype("int64")
    tags = numpy.full(len(iob), None, dtype=object)
    tags[iob == 2] = "O"
    for span in doc.ents:
        label = span.label_
        if span.end - span.start == 1:
            tags[span.start] = f"U-{label}"
        else:
            tags[span.start] = f"B-{label}"
            tags[span.start + 1 : span.end - 1] = f"I-{label}"
            tags[span.end - 1] = f"L-{label}"
    # Missing annotation stays None, except on whitespace tokens.
    missing = numpy.flatnonzero(tags == None)  # noqa: E711 - elementwise on an object array
    if len(missing):
        words = doc.words
        for i in missing.tolist():
            if words[i].isspace():
                tags[i] = "O"
    return tags.tolist()


def _reduce_aligned(gold: numpy.ndarray, x2y: Any) -> tuple[list[Any], numpy.ndarray]:
    """Per predicted token: the shared value of its reference tokens, and
    whether there is one (aligned to something and all values equal)."""
    n = len(x2y)
    values = gold[x2y.data] if len(x2y.data) else numpy.zeros(0, dtype=gold.dtype)
    nonempty = x2y.lengths > 0
    out = numpy.zeros(n, dtype=gold.dtype)
    ok = numpy.zeros(n, dtype=bool)
    if len(values):
        starts = x2y.starts[:-1][nonempty]
        lo = numpy.minimum.reduceat(values, starts)
        hi = numpy.maximum.reduceat(values, starts)
        out[nonempty] = lo
        ok[nonempty] = lo == hi
    return out.tolist(), ok


def _aligned_spans(
    target_doc: Any, spans: Iterable[Any], src2tgt: Any, tgt2src: Any, allow_overlap: bool
) -> list[Any]:
    from ..tokens import Span

    used = None if allow_overlap else numpy.zeros(len(target_doc), dtype=bool)
    out = []
    for span in spans:
        mapped = map_span(src2tgt, tgt2src, span.start, span.end)
        if mapped is None:
            continue
        a, b = mapped
        if used is not None:
            if used[a:b].any():
                continue
            used[a:b] = True
        out.append(Span(target_doc, a, b, label=span.label, kb_id=getattr(span, "kb_id", 0)))
    return out
