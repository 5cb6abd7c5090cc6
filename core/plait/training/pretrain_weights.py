"""Load ``plait pretrain`` weights (``model{epoch}.bin``) into a layer, checked first.

thinc's own ``from_bytes`` fails deep inside with "mismatched structure" or
silently accepts a parameter of another shape; here every layer of the saved
weights is compared with the target's before anything is written, and a
mismatch names the layer, its position and both shapes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import srsly

from ..errors import ConfigError, SerializationError


def load_layer_weights(model: Any, path: str | Path, *, where: str) -> None:
    """Check, then load, the weights at path into model.

    model (thinc.api.Model): the layer (an initialized tok2vec).
    path (str | Path): a file written by ``plait pretrain`` (``layer.to_bytes()``).
    where (str): names the target in errors, e.g. "component 'tok2vec'".
    RAISES (ConfigError): the file cannot be read.
    RAISES (SerializationError): not thinc weights, or weights of another shape.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"[initialize] init_tok2vec: cannot read '{path}' ({err})") from err
    try:
        msg = srsly.msgpack_loads(data)
        saved_nodes, saved_params = msg["nodes"], msg["params"]
    except (ValueError, TypeError, KeyError) as err:
        raise SerializationError(f"{path}: not weights written by `plait pretrain` ({err})") from err
    nodes = list(model.walk())
    if len(saved_nodes) != len(nodes):
        raise SerializationError(
            f"{path}: the weights are of a layer with {len(saved_nodes)} sublayers "
            f"('{saved_nodes[0]['name'] if saved_nodes else '?'}'), but {where} has {len(nodes)} "
            f"('{model.name}'); pretrain with the same [components] model and [pretraining] layer."
        )
    # Parameters first: they live in the leaf layers, whose names are short and telling.
    for i, (node, params) in enumerate(zip(nodes, saved_params, strict=True)):
        for name, value in params.items():
            if value is not None and node.has_param(name):
                mine = node.get_param(name).shape
                if tuple(mine) != tuple(value.shape):
                    raise SerializationError(
                        f"{path}: layer {i} '{_short(node.name)}' of {where}: parameter {name} has shape "
                        f"{tuple(mine)}, the pretrained weights {tuple(value.shape)}; pretrain with the "
                        f"same model settings (width, depth, embed sizes)."
                    )
    for i, (node, info) in enumerate(zip(nodes, saved_nodes, strict=True)):
        for dim, value in (info.get("dims") or {}).items():
            if value is not None and node.has_dim(dim) is True and node.get_dim(dim) != value:
                raise SerializationError(
                    f"{path}: layer {i} '{_short(node.name)}' of {where}: dimension {dim} is "
                    f"{node.get_dim(dim)}, the pretrained weights have {value}; pretrain with the same "
                    f"model settings (width, depth, embed sizes)."
                )
    try:
        model.from_bytes(data)
    except (ValueError, KeyError) as err:
        raise SerializationError(f"{path}: pretrained weights do not fit {where} ({err})") from err


def _short(name: str) -> str:
    # Combinator names spell out their whole subtree.
    return name if len(name) <= 60 else name[:57] + "..."
