"""`plait pretrain`: train a tok2vec layer on raw text (the ``[pretraining]`` section).

The layer ``[pretraining] component`` (and ``layer``, if named) of the
pipeline the config describes is chained with the objective's head and
trained to predict the words' characters or vectors. After each epoch its
weights go to ``OUTPUT_DIR/model{epoch}.bin`` (thinc ``to_bytes``: msgpack),
which ``[initialize] init_tok2vec`` loads before training.

Resuming: after every epoch (and every ``n_save_every`` batches) the whole
run state — the weights of tok2vec and head, the optimizer's moments, the
RNG states, the epoch and the batch position in it — is written atomically
to ``OUTPUT_DIR/pretrain-state.msgpack``; ``--resume`` continues from it and
replays the same batches, so a killed run ends with the weights an
unkilled run would have. ``--resume-path model{N}.bin`` (spaCy's option)
instead loads weights into the layer and starts counting at epoch N + 1.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import IO, Any

import srsly
from thinc.api import Model, Optimizer, set_dropout_rate

from .. import fs
from ..errors import ConfigError, DataError, UsageError
from .checkpoint import _array_from_msg, _array_msg, rng_state, set_rng_state
from .optimizer import fuse_optimizer

STATE_FILE = "pretrain-state.msgpack"
LOG_FILE = "log.jsonl"


def _layer(nlp: Any, P: dict[str, Any]) -> Model:
    component, layer = P["component"], P["layer"]
    if component not in nlp.component_names:
        raise ConfigError(f"[pretraining] component: no component '{component}' in the pipeline "
                          f"({', '.join(nlp.component_names)}).")
    model = nlp.get_pipe(component).model
    if layer:
        if not model.has_ref(layer):
            raise ConfigError(f"[pretraining] layer: component '{component}' has no layer '{layer}'; its "
                              f"layers: {', '.join(model.ref_names) or 'none'}.")
        model = model.get_ref(layer)
    return model


def _optimizer_msg(model: Model, optimizer: Optimizer) -> dict[str, Any]:
    # Node ids differ between processes; the node's index in walk() does not.
    index = {node.id: i for i, node in enumerate(model.walk())}
    records = []
    for key in sorted(set(optimizer.mom1) | set(optimizer.mom2) | set(optimizer.nr_update)):
        if key[0] not in index:
            continue
        rec: dict[str, Any] = {"node": index[key[0]], "param": key[1],
                               "nr_update": int(optimizer.nr_update.get(key, 0)),
                               "last_seen": int(optimizer.last_seen.get(key, 0))}
        for name in ("mom1", "mom2", "averages"):
            table = getattr(optimizer, name)
            if table is not None and key in table:
                rec[name] = _array_msg(table[key])
        records.append(rec)
    return {"params": records}


def _set_optimizer(model: Model, optimizer: Optimizer, msg: dict[str, Any]) -> None:
    nodes = list(model.walk())
    for rec in msg["params"]:
        key = (nodes[rec["node"]].id, rec["param"])
        optimizer.nr_update[key] = rec["nr_update"]
        optimizer.last_seen[key] = rec["last_seen"]
        for name in ("mom1", "mom2", "averages"):
            table = getattr(optimizer, name)
            if name in rec and table is not None:
                table[key] = _array_from_msg(rec[name], model.ops)


def _save_state(output_dir: Path, model: Model, optimizer: Optimizer, epoch: int, position: int,
                extra: dict[str, Any]) -> None:
    fs.write_msgpack(output_dir / STATE_FILE, {
        "version": 1, "epoch": epoch, "position": position, "weights": model.to_bytes(),
        "optimizer": _optimizer_msg(model, optimizer), "rng": rng_state(), **extra,
    })


def _drop_log_from(path: Path, epoch: int) -> None:
    """Keep the log lines of epochs before `epoch`: a kill between an epoch's
    log line and its saved state replays that epoch, which logs it again."""
    if not path.exists():
        return
    kept = []
    for line in path.read_text(encoding="utf8").splitlines():
        try:
            record = srsly.json_loads(line)
        except ValueError:
            continue  # a line cut short by the kill
        if isinstance(record, dict) and isinstance(record.get("epoch"), int) and record["epoch"] < epoch:
            kept.append(line + "\n")
    fs.write_text(path, "".join(kept))


def _epoch_of(path: Path) -> int | None:
    match = re.search(r"model(\d+)", path.name)
    return int(match.group(1)) if match else None


def pretrain(config_path: str | Path, output_dir: str | Path, *, overrides: dict[str, Any] | None = None,
             resume: bool = False, resume_path: str | Path | None = None, epoch_resume: int | None = None,
             use_gpu: int = -1, stdout: IO = sys.stdout) -> Path:
    """Run pretraining as the config's [pretraining] section says.

    config_path (str | Path): the config.
    output_dir (str | Path): where model{epoch}.bin, log.jsonl and the run state go.
    overrides (dict | None): dotted-key config overrides.
    resume (bool): continue a killed run exactly from OUTPUT_DIR's state.
    resume_path (str | Path | None): weights (model{N}.bin) to start from.
    epoch_resume (int | None): the first epoch with resume_path (default N + 1).
    use_gpu (int): GPU id, -1 for the CPU.
    RETURNS (Path): the last weights file written.
    """
    from ..config import load_config, resolve
    from ..vectors_init import load_vectors_into
    from .initialize import config_node, prepare
    from .pretrain_config import fill_pretraining
    from .pretrain_weights import load_layer_weights

    output_dir = Path(output_dir)
    state_file = output_dir / STATE_FILE
    if resume and resume_path:
        raise UsageError("--resume continues the run in OUTPUT_DIR; --resume-path starts a new one from "
                         "weights. Give one of them.")
    if resume and not state_file.exists():
        raise UsageError(f"--resume: {output_dir} holds no pretraining run ({STATE_FILE} is missing).")
    if not resume and state_file.exists():
        raise UsageError(f"{output_dir} holds a pretraining run; pass --resume to continue it, or choose "
                         f"another OUTPUT_DIR.")
    config = load_config(config_path, overrides or {})
    P = fill_pretraining(config)
    nlp, interpolated = prepare(config, use_gpu=use_gpu)
    P = resolve({"pretraining": dict(interpolated["pretraining"])})["pretraining"]
    vectors = (interpolated.get("initialize") or {}).get("vectors")
    if vectors:
        load_vectors_into(nlp, vectors)
    corpus_name = P["corpus"]
    try:
        node = config_node(interpolated, corpus_name.split("."))
    except (KeyError, TypeError):
        raise ConfigError(f"[pretraining] corpus: no section [{corpus_name}] in the config.") from None
    try:
        corpus = resolve({"corpus": node})["corpus"]
    except DataError as err:
        raise DataError(f"[pretraining] corpus = {corpus_name!r}: {err} Set [paths] raw_text (or "
                        f"--paths.raw_text text.jsonl).") from err
    tok2vec = _layer(nlp, P)
    model = P["objective"](nlp.vocab, tok2vec)
    optimizer = fuse_optimizer(P["optimizer"])
    batcher = P["batcher"]
    sample = []
    for eg in corpus(nlp):
        sample.append(eg.predicted)
        if len(sample) >= 16:
            break
    if not sample:
        raise DataError(f"[pretraining] corpus = {corpus_name!r}: the corpus yields no texts.")
    model.initialize(X=sample)
    output_dir.mkdir(parents=True, exist_ok=True)
    start_epoch, position = 0, 0
    if resume:
        state = srsly.read_msgpack(state_file)
        model.from_bytes(state["weights"])
        _set_optimizer(model, optimizer, state["optimizer"])
        set_rng_state(state["rng"])
        start_epoch, position = int(state["epoch"]), int(state["position"])
        stdout.write(f"Resuming pretraining at epoch {start_epoch}, batch {position}\n")
        _drop_log_from(output_dir / LOG_FILE, start_epoch)
    elif resume_path:
        load_layer_weights(tok2vec, resume_path, where=f"[pretraining] component '{P['component']}'")
        start_epoch = epoch_resume if epoch_resume is not None else (_epoch_of(Path(resume_path)) or -1) + 1
        stdout.write(f"Starting from {resume_path} at epoch {start_epoch}\n")
    set_dropout_rate(model, P["dropout"])
    loss_fn = model.attrs["loss"]
    last = output_dir / f"model{max(start_epoch - 1, 0)}.bin"
    n_save_every = P["n_save_every"]
    for epoch in range(start_epoch, P["max_epochs"]):
        start = time.perf_counter()
        epoch_loss, n_words = 0.0, 0
        for batch_id, batch in enumerate(batcher(corpus(nlp))):
            if batch_id < position:
                continue  # replayed: done before the resume point
            docs = [eg.predicted for eg in batch]
            docs = [doc for doc in docs if len(doc)]
            if not docs:
                continue
            prediction, backprop = model.begin_update(docs)
            loss, d_pred = loss_fn(model, docs, prediction)
            backprop(d_pred)
            model.finish_update(optimizer)
            epoch_loss += loss
            n_words += sum(len(doc) for doc in docs)
            if n_save_every and (batch_id + 1) % n_save_every == 0:
                fs.write_bytes(output_dir / f"model{epoch}.temp.bin", tok2vec.to_bytes())
                _save_state(output_dir, model, optimizer, epoch, batch_id + 1, {})
        position = 0
        last = output_dir / f"model{epoch}.bin"
        if not P["n_save_epoch"] or epoch % P["n_save_epoch"] == 0 or epoch == P["max_epochs"] - 1:
            fs.write_bytes(last, tok2vec.to_bytes())
        else:
            last = output_dir / f"model{epoch}.temp.bin"
            fs.write_bytes(last, tok2vec.to_bytes())
        record = {"epoch": epoch, "loss": epoch_loss, "words": n_words,
                  "seconds": round(time.perf_counter() - start, 3)}
        with open(output_dir / LOG_FILE, "a", encoding="utf8") as f:
            f.write(srsly.json_dumps(record) + "\n")
        # The state comes last: a kill before it replays this epoch whole.
        _save_state(output_dir, model, optimizer, epoch + 1, 0, {})
        stdout.write(f"epoch {epoch}: loss {epoch_loss:.4f} over {n_words} words -> {last.name}\n")
    return last


__all__ = ["pretrain", "STATE_FILE"]
