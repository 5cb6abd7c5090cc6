"""``example_length_flagger``: a rule-based component with one setting.

It marks documents with a token at least ``min_length`` characters long
(``doc.user_data["has_long_token"]``).
"""

from __future__ import annotations

from typing import Any

from plait.errors import ConfigError
from plait.language import Language


@Language.factory("example_length_flagger", default_config={"min_length": 12},
                  default_score_weights={})
def make_length_flagger(nlp: Language, name: str, min_length: int) -> Any:
    """Create the component.

    nlp (Language): the pipeline.
    name (str): the component's name.
    min_length (int): the token length that counts as long.
    RETURNS (Callable[[Doc], Doc]): the component.
    """
    if min_length < 1:
        raise ConfigError(f"[components.{name}] min_length: must be at least 1, not {min_length}.")

    def length_flagger(doc: Any) -> Any:
        doc.user_data["has_long_token"] = any(len(token) >= min_length for token in doc)
        return doc

    return length_flagger
