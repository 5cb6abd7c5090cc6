"""SpanGroup and SpanGroups: named, possibly overlapping span lists (``doc.spans``).

``doc.spans`` is a dict of SpanGroup; assigning a plain list converts it.
Spans are stored as views of the doc, so groups are cheap to build.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..errors import UsageError

if TYPE_CHECKING:
    from .doc import Doc
    from .span import Span


class SpanGroup:
    """A named list of Spans of one Doc.

    doc (Doc): the doc. name (str): the key in ``doc.spans``.
    attrs (dict | None): free-form attributes. spans (Iterable[Span]): initial spans.
    """

    def __init__(
        self, doc: Doc, *, name: str = "", attrs: dict | None = None, spans: Iterable[Span] = ()
    ) -> None:
        self.doc = doc
        self.name = name
        self.attrs = dict(attrs or {})
        self._spans: list[Span] = []
        for span in spans:
            self.append(span)

    def _check(self, span: Span) -> Span:
        if span.doc is not self.doc:
            raise UsageError(f"SpanGroup {self.name!r}: span {span!r} belongs to another Doc")
        return span

    def append(self, span: Span) -> None:
        self._spans.append(self._check(span))

    def extend(self, spans: Iterable[Span]) -> None:
        for span in spans:
            self.append(span)

    def __len__(self) -> int:
        return len(self._spans)

    def __iter__(self) -> Iterator[Span]:
        return iter(self._spans)

    def __getitem__(self, i: int) -> Span:
        return self._spans[i]

    def __setitem__(self, i: int, span: Span) -> None:
        self._spans[i] = self._check(span)

    def __delitem__(self, i: int) -> None:
        del self._spans[i]

    def __bool__(self) -> bool:
        return bool(self._spans)

    def __repr__(self) -> str:
        return repr(self._spans)

    @property
    def has_overlap(self) -> bool:
        ordered = sorted((s.start, s.end) for s in self._spans)
        return any(b[0] < a[1] for a, b in zip(ordered, ordered[1:], strict=False))

    def copy(self, doc: Doc | None = None) -> SpanGroup:
        from .span import Span

        doc = doc or self.doc
        spans = [
            Span(doc, s.start, s.end, label=s.label, kb_id=s.kb_id, span_id=s.id)
            for s in self._spans
        ]
        return SpanGroup(doc, name=self.name, attrs=self.attrs, spans=spans)


class SpanGroups(dict):
    """``doc.spans``: a dict of SpanGroup that converts assigned lists."""

    def __init__(self, doc: Doc) -> None:
        super().__init__()
        self.doc = doc

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(value, SpanGroup):
            value = SpanGroup(self.doc, name=key, spans=value)
        super().__setitem__(key, value)

    def setdefault(self, key: str, default: Any = None) -> SpanGroup:
        if key not in self:
            self[key] = default if default is not None else []
        return self[key]
