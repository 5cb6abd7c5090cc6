"""The data model: Doc, Token, Span, SpanGroup, MorphAnalysis and DocBin."""

from __future__ import annotations

from ..morphology import MorphAnalysis
from ._doc_batch import docs_from_array, docs_to_array
from .doc import Doc
from .docbin import DocBin
from .span import Span
from .span_group import SpanGroup
from .token import Token

__all__ = [
    "Doc", "DocBin", "MorphAnalysis", "Span", "SpanGroup", "Token", "docs_from_array", "docs_to_array",
]
