"""Saving and loading pipelines: ``nlp.to_disk`` / ``from_disk`` / bytes, ``plait.load``.

A pipeline folder holds ``config.cfg``, ``meta.json``, ``vocab/``,
``tokenizer``, one folder per component (whatever the component's
``to_disk`` writes: for a TrainablePipe, ``cfg`` as msgpack and ``model`` as
thinc bytes) and ``checksums.sha256`` (``_checksums.py``: a damaged file is
refused at load, not read). ``to_disk`` builds the folder beside the target and swaps it
in (``plait.fs``), so a crash never leaves a half-written pipeline. Loading
never unpickles anything and runs no code: code files bundled in the
pipeline's own ``code/`` folder (``plait package --code`` puts them there) are
imported only when the caller trusts the pipeline (``trust_code=True``, as an
installed package's ``load()`` does); ``plait.load`` itself is in
``_create.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import srsly
from confection import Config

from .. import fs
from ..errors import SerializationError
from ._checksums import verify_checksums, write_checksums
from ._names import check_component_name, component_path
from ._state import LanguageState

if TYPE_CHECKING:
    from typing_extensions import Self

CODE_DIR = "code"


class SerializationPart(LanguageState):
    """to_disk / from_disk / to_bytes / from_bytes of ``Language``."""

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the pipeline into folder ``path``, atomically.

        path (str | Path): the folder; an existing one is replaced only once
            the new one is complete.
        exclude (Iterable[str]): names not to save ("vocab", "tokenizer",
            component names).
        """
        exclude = set([exclude] if isinstance(exclude, str) else exclude)
        path = Path(path)
        # Every name is checked before anything is written (component_path
        # below checks again where each name becomes a folder).
        for name in self.component_names:
            check_component_name(name, "nlp.to_disk")
        with fs.atomic_directory(path) as tmp:
            if "tokenizer" not in exclude and hasattr(self.tokenizer, "to_disk"):
                self.tokenizer.to_disk(tmp / "tokenizer", exclude=["vocab"])
            for name, proc in self._components:
                if name in exclude or not hasattr(proc, "to_disk"):
                    continue
                proc.to_disk(component_path(tmp, name, where="nlp.to_disk"), exclude=["vocab"])
            vectors = self.vocab.vectors
            if vectors.shape[0]:  # spaCy's meta entry for the vectors in vocab/vectors
                self.meta["vectors"] = {"width": vectors.shape[1], "vectors": vectors.shape[0],
                                        "keys": vectors.n_keys, "name": vectors.name, "mode": vectors.mode}
            fs.write_json(tmp / "meta.json", self.meta)
            fs.write_text(tmp / "config.cfg", self.config.to_str())
            # Last: components may have added strings while saving.
            if "vocab" not in exclude:
                self.vocab.to_disk(tmp / "vocab")
            _copy_code(self, tmp)
            write_checksums(tmp)  # last: covers every data file written above
        self._path = path

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = (),
                  overrides: dict[str, Any] | None = None) -> Self:
        """Load the state saved by ``to_disk`` into this pipeline, whose
        components must already exist (``plait.load`` creates them from the
        saved config first).

        RETURNS (Language): self.
        """
        exclude = set([exclude] if isinstance(exclude, str) else exclude)
        path = Path(path)
        if not path.is_dir():
            raise SerializationError(f"{path}: not a pipeline folder")
        _refuse_links(path)
        verify_checksums(path, exclude)
        if "config.cfg" not in exclude and (path / "config.cfg").exists():
            self._config = Config().from_disk(path / "config.cfg", interpolate=False)
        if "meta.json" not in exclude and (path / "meta.json").exists():
            self._meta.update(read_meta(path))
        if "vocab" not in exclude and (path / "vocab").exists():
            self.vocab.from_disk(path / "vocab")
        if "tokenizer" not in exclude and (path / "tokenizer").exists() and hasattr(self.tokenizer, "from_disk"):
            self.tokenizer.from_disk(path / "tokenizer", exclude=["vocab"])
        for name, proc in self._components:
            if name in exclude or not hasattr(proc, "from_disk"):
                continue
            folder = component_path(path, name, where=f"{path}: nlp.from_disk")
            if not folder.exists():
                if getattr(proc, "is_trainable", False):
                    raise SerializationError(
                        f"{path}: no folder for component '{name}'; the pipeline is incomplete"
                    )
                continue
            proc.from_disk(folder, exclude=["vocab"])
        self._path = path
        self._link_components()
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """RETURNS (bytes): the whole pipeline state as msgpack."""
        exclude = set([exclude] if isinstance(exclude, str) else exclude)
        msg: dict[str, Any] = {"config.cfg": self.config.to_str(), "meta.json": srsly.json_dumps(self.meta)}
        if "tokenizer" not in exclude and hasattr(self.tokenizer, "to_bytes"):
            msg["tokenizer"] = self.tokenizer.to_bytes(exclude=["vocab"])
        msg["components"] = {
            name: proc.to_bytes(exclude=["vocab"])
            for name, proc in self._components
            if name not in exclude and hasattr(proc, "to_bytes")
        }
        if "vocab" not in exclude:
            msg["vocab"] = self.vocab.to_bytes()
        return srsly.msgpack_dumps(msg)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = ()) -> Self:
        """Load the state written by ``to_bytes``. RETURNS (Language): self."""
        exclude = set([exclude] if isinstance(exclude, str) else exclude)
        try:
            msg = srsly.msgpack_loads(bytes_data)
        except Exception as err:  # msgpack raises several unrelated types
            raise SerializationError(f"Language.from_bytes: not plait pipeline data ({err})") from err
        if not isinstance(msg, dict) or "config.cfg" not in msg:
            raise SerializationError("Language.from_bytes: not plait pipeline data (no config.cfg)")
        self._config = Config().from_str(msg["config.cfg"], interpolate=False)
        self._meta.update(json.loads(msg["meta.json"]))
        if "vocab" not in exclude and "vocab" in msg:
            self.vocab.from_bytes(msg["vocab"])
        if "tokenizer" not in exclude and "tokenizer" in msg and hasattr(self.tokenizer, "from_bytes"):
            self.tokenizer.from_bytes(msg["tokenizer"], exclude=["vocab"])
        for name, proc in self._components:
            if name in exclude or name not in msg.get("components", {}) or not hasattr(proc, "from_bytes"):
                continue
            proc.from_bytes(msg["components"][name], exclude=["vocab"])
        self._link_components()
        return self


def find_links(folder: Path) -> list[str]:
    """Symbolic links and special files (FIFOs, devices…) under ``folder``.

    folder (Path): the folder (itself possibly a link: the caller chose it).
    RETURNS (list[str]): "path -> target" or "path (not a regular file or folder)".
    """
    import os

    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        for entry in [*dirs, *files]:
            item = Path(root) / entry
            if item.is_symlink():
                found.append(f"{item} -> {os.readlink(item)}")
            elif not (item.is_dir() or item.is_file()):
                found.append(f"{item} (not a regular file or folder)")
    return found


def _refuse_links(path: Path) -> None:
    # nlp.to_disk never writes links; one inside a pipeline folder would
    # make loading read outside it (a `model` linked to /dev/zero or a key).
    odd = find_links(path)
    if odd:
        shown = "; ".join(odd[:5]) + (f"; and {len(odd) - 5} more" if len(odd) > 5 else "")
        raise SerializationError(
            f"{path}: the pipeline folder contains symbolic links or special files, which loading "
            f"does not follow: {shown}. Replace each link by the file it points to, or remove it."
        )


def read_meta(path: Path) -> dict[str, Any]:
    file = path / "meta.json"
    try:
        meta = srsly.read_json(file)
    except ValueError as err:
        raise SerializationError(f"{file}: not valid JSON ({err})") from err
    if not isinstance(meta, dict):
        raise SerializationError(f"{file}: expected a JSON object")
    # meta.json's names are not used as paths (the config's are), but a
    # pipeline whose meta.json names a path-like component is not one plait
    # wrote: refuse it here rather than let the name travel further.
    for key in ("pipeline", "components", "disabled"):
        names = meta.get(key)
        if names is None:
            continue
        if not isinstance(names, list):
            raise SerializationError(f"{file} {key}: expected a list of component names")
        for name in names:
            check_component_name(name, f"{file} {key}", SerializationError)
    return meta


def _copy_code(nlp: Any, dest: Path) -> None:
    # A pipeline loaded with bundled code keeps it when saved again. The
    # meta's list is checked like at load (files inside the source's code/
    # folder, links resolved): a meta.json read by from_disk, or edited in
    # memory, must not make saving read or write outside the two folders.
    src = nlp._path
    if not nlp._meta.get("code") or src is None:
        return
    src = Path(src)
    code_dir = (src / CODE_DIR).resolve()
    for file in bundled_code_files(src, nlp._meta):
        fs.write_bytes(dest / CODE_DIR / file.relative_to(code_dir), file.read_bytes())


def bundled_code_files(path: Path, meta: dict[str, Any]) -> list[Path]:
    """The code files meta.json lists, checked to lie in the pipeline's code/ folder."""
    code = meta.get("code") or []
    if isinstance(code, str):
        code = [code]
    if not isinstance(code, list):
        raise SerializationError(f"{path / 'meta.json'} code: expected a list of files under {CODE_DIR}/")
    code_dir = (path / CODE_DIR).resolve()
    files = []
    for rel in code:
        file = (path / str(rel)).resolve()
        # Only files inside the pipeline's own code/ folder: a meta.json
        # must not make plait.load run arbitrary files elsewhere.
        if code_dir not in file.parents or file.suffix != ".py":
            raise SerializationError(
                f"{path / 'meta.json'} code: '{rel}' is not a .py file inside the pipeline's "
                f"{CODE_DIR}/ folder; plait.load only imports code bundled with the pipeline."
            )
        if not file.is_file():
            raise SerializationError(f"{path / 'meta.json'} code: '{rel}' is missing from the pipeline folder")
        files.append(file)
    return files


def import_bundled_code(path: Path, meta: dict[str, Any]) -> None:
    """Import the pipeline's bundled code files (only with trust_code=True)."""
    files = bundled_code_files(path, meta)
    if files:
        from ..config import import_code

        import_code(files)
