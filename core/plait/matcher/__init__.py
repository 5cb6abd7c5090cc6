"""Rule-based matching: ``Matcher`` (token patterns) and ``PhraseMatcher`` (token sequences)."""

from __future__ import annotations

from .matcher import Matcher
from .phrasematcher import PhraseMatcher

__all__ = ["Matcher", "PhraseMatcher"]
