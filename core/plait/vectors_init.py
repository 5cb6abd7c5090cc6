"""``[initialize] vectors``: copy the vectors of a pipeline folder into a new pipeline.

The folder is what ``plait init vectors`` (or ``nlp.to_disk``) writes; only
its ``vocab/`` is read (strings and ``vocab/vectors``), so the pipeline that
holds the vectors needs no components and no config of its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import ConfigError, SerializationError


def load_vectors_into(nlp: Any, path: str | Path, *, where: str = "[initialize] vectors") -> None:
    """Replace ``nlp.vocab.vectors`` with the vectors of the pipeline at path.

    nlp (Language): the pipeline being initialized.
    path (str | Path): a pipeline folder with ``vocab/vectors``.
    where (str): the config place named in errors.
    RAISES (ConfigError): the folder is missing or holds no vectors.
    """
    from .vocab import Vocab

    folder = Path(path)
    vocab_dir = folder / "vocab"
    if not folder.exists():
        raise ConfigError(f"{where}: {folder} does not exist; give the folder `plait init vectors` wrote.")
    if not (vocab_dir / "vectors").is_dir():
        raise ConfigError(
            f"{where}: {folder} holds no word vectors (no {vocab_dir / 'vectors'}); create the folder with "
            f"`plait init vectors LANG VECTORS_FILE {folder}`."
        )
    try:
        source = Vocab().from_disk(vocab_dir)
    except SerializationError as err:
        raise ConfigError(f"{where}: cannot load the vectors of {folder} ({err})") from err
    # The key strings come along so keys print as words (most_similar etc.).
    for text in source.strings:
        nlp.vocab.strings.add(text)
    vectors = source.vectors
    vectors.strings = nlp.vocab.strings
    nlp.vocab.vectors = vectors
