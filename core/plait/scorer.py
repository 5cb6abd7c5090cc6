"""spaCy-style import path of the evaluation API (``from plait.scorer import Scorer``).

Everything is defined in the :mod:`plait.scoring` package; this module only
re-exports it, so code ported from ``spacy.scorer`` keeps working.
"""

from __future__ import annotations

from .scoring import *  # noqa: F403 - the facade is exactly scoring's public names
from .scoring import __all__  # noqa: F401
