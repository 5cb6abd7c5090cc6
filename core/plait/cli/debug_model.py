"""`plait debug model`: one component's thinc model, layer by layer.

Builds the pipeline a config describes, initializes the component (and the
components before it) on a few sample sentences, prints the layer tree with
its dimensions and parameter counts, then runs one forward and one backward
pass and says what came out and which parameters received a gradient. The
sample is the first sentences of the config's train corpus when its path
exists, else 20 built-in English sentences. Without gold labels a component
is initialized with a placeholder output width (``nO``), as spaCy's
``debug model`` does, so the shapes are real but the labels are not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click

from ._options import CONFIG_COMMAND_SETTINGS, code_option, config_overrides, verbose_option

SAMPLE_SENTENCES = (
    "The river rose overnight and closed the road to the village.",
    "Maria bought three oranges at the market on Tuesday.",
    "Can you send me the report before the meeting starts?",
    "Our train was delayed by forty minutes near Leeds.",
    "He plays the cello in a small orchestra.",
    "The committee approved the budget after a long debate.",
    "I have never seen so many stars in the sky.",
    "Please turn off the lights when you leave.",
    "The new library opens in March with 20,000 books.",
    "She wrote her first novel at the age of nineteen.",
    "Prices for coffee went up again this year.",
    "Why did the printer stop working yesterday?",
    "A small dog chased the ball across the park.",
    "The engineers tested the bridge with heavy trucks.",
    "We moved to Lisbon in 2019 and never looked back.",
    "Tom forgot his umbrella, so he got wet.",
    "The museum is closed on Mondays.",
    "They planted tomatoes, beans and lettuce in the garden.",
    "Dr. Okafor will give a talk about sleep and memory.",
    "It was cold, but the children played outside anyway.",
)
PLACEHOLDER_NO = 7  # output width for a component initialized without labels
STEPS = (
    "step 0: before initialization",
    "step 1: after initialization",
    "step 2: after the forward pass",
    "step 3: after the backward pass",
)


def _unique_layers(model: Any) -> Iterator[tuple[int, Any]]:
    """(depth, layer) in tree order; a layer shared twice is listed once."""
    seen: set[int] = set()

    def visit(node: Any, depth: int) -> Iterator[tuple[int, Any]]:
        if node.id in seen:
            return
        seen.add(node.id)
        yield depth, node
        for child in node.layers:
            yield from visit(child, depth + 1)

    yield from visit(model, 0)


def _own_params(layer: Any) -> dict[str, Any]:
    return {name: layer.get_param(name) for name in layer.param_names if layer.has_param(name)}


def count_parameters(model: Any) -> int:
    """The number of weights of a model, each shared layer counted once.

    model (Model): a thinc model (initialized; unallocated weights count 0).
    RETURNS (int): the total.
    """
    return sum(int(p.size) for _, layer in _unique_layers(model) for p in _own_params(layer).values())


def _dim(layer: Any, name: str) -> str:
    if layer.has_dim(name) is False:
        return ""
    value = layer.maybe_get_dim(name)
    return f"{name}={'?' if value is None else value}"


def _stats(array: Any) -> str:
    data = array.ravel()
    if data.size == 0:
        return "empty"
    return (f"mean {float(data.mean()):.3g}, std {float(data.std()):.3g}, "
            f"|max| {float(abs(data).max()):.3g}")


def format_layers(model: Any, *, layer_ids: set[int] | None = None, dimensions: bool = False,
                  parameters: bool = False, gradients: bool = False, attributes: bool = False) -> str:
    """The layer tree: one line per layer with its id, name, nI/nO and weights.

    model (Model): the thinc model.
    layer_ids (set[int] | None): show details only for these layer ids.
    dimensions (bool): every dimension, not just nI and nO.
    parameters (bool): each parameter's shape and statistics.
    gradients (bool): each gradient's statistics (after a backward pass).
    attributes (bool): the layer's attrs.
    RETURNS (str): the text.
    """
    lines = []
    for depth, layer in _unique_layers(model):
        params = _own_params(layer)
        names = layer.dim_names if dimensions else [n for n in ("nI", "nO") if n in layer.dim_names]
        dims = " ".join(d for d in (_dim(layer, n) for n in names) if d)
        count = sum(int(p.size) for p in params.values())
        label = layer.name if len(layer.name) <= 60 else layer.name[:57] + "..."
        lines.append(f"{'  ' * depth}#{layer.id} {label}  {dims}"
                     + (f"  params={count:,}" if count else ""))
        if layer_ids is not None and layer.id not in layer_ids:
            continue
        pad = "  " * (depth + 1) + "  "
        if parameters:
            for name, value in params.items():
                lines.append(f"{pad}param {name} {tuple(value.shape)}: {_stats(value)}")
        if gradients:
            for name in layer.param_names:
                if layer.has_grad(name):
                    grad = layer.get_grad(name)
                    lines.append(f"{pad}grad {name} {tuple(grad.shape)}: {_stats(grad)}")
        if attributes and layer.attrs:
            for key, value in layer.attrs.items():
                shown = repr(value)
                lines.append(f"{pad}attr {key} = {shown if len(shown) <= 80 else shown[:77] + '...'}")
    return "\n".join(lines)


def _sample_examples(nlp: Any, config: Any, limit: int, log: Callable[[str], None]) -> list[Any]:
    """The first sentences of the train corpus when its path exists, else the built-in ones."""
    from ..config import interpolate
    from ..training import Corpus, Example

    train: Any = {}
    try:
        train = (interpolate(config).get("corpora") or {}).get("train") or {}
    except Exception:  # noqa: BLE001 - a broken variable only means no corpus sample
        pass
    path = train.get("path") if isinstance(train, dict) else None
    if isinstance(path, str) and path and Path(path).exists():
        examples = []
        for example in Corpus(path, limit=limit)(nlp):
            examples.append(example)
            if len(examples) >= limit:
                break
        if examples:
            log(f"Sample: the first {len(examples)} documents of {path}.")
            return examples
    log(f"Sample: {min(limit, len(SAMPLE_SENTENCES))} built-in English sentences"
        + (" (the train corpus path does not exist)." if path else "."))
    return [Example(nlp.make_doc(text), nlp.make_doc(text)) for text in SAMPLE_SENTENCES[:limit]]


def _initialize(nlp: Any, names: list[str], examples: list[Any], log: Callable[[str], None]) -> list[str]:
    """Initialize the components before the target (the last name) and the
    target on the examples. The target gets a placeholder output width when
    the sample has no labels for it; an upstream component that cannot be
    initialized is left out.

    RETURNS (list[str]): the upstream components that were initialized.
    """
    from ..errors import PlaitError

    docs = [eg.predicted for eg in examples]
    *upstream, target = names
    ready = []
    for name in upstream:
        proc = nlp.get_pipe(name)
        try:
            if hasattr(proc, "initialize"):
                proc.initialize(lambda: examples, nlp=nlp)
            ready.append(name)
        except PlaitError:
            pass  # it does not feed the target unless it is a tok2vec, which needs no labels
    skipped = [name for name in upstream if name not in ready]
    if skipped:
        log(f"Upstream components not run (the sample has no labels for them): {', '.join(skipped)}.")
    proc = nlp.get_pipe(target)
    try:
        proc.initialize(lambda: examples, nlp=nlp)
    except PlaitError as err:
        log(f"Note: {err}\n  '{target}' is initialized without labels: placeholder output width "
            f"nO={PLACEHOLDER_NO}.")
        _set_placeholder_width(proc.model)
        proc.model.initialize(X=docs)
    return ready


def _set_placeholder_width(model: Any) -> None:
    for layer in (model, model.get_ref("output_layer") if model.has_ref("output_layer") else None):
        if layer is not None and layer.has_dim("nO") is None:
            layer.set_dim("nO", PLACEHOLDER_NO)


def _zero_output_weights(model: Any) -> bool:
    """Whether an output layer (thinc's Softmax starts with W = 0) has all-zero weights."""
    layers = [layer for _, layer in _unique_layers(model) if layer.name == "softmax"]
    if model.has_ref("output_layer"):
        layers.append(model.get_ref("output_layer"))
    return any(layer.has_param("W") and not model.ops.xp.any(layer.get_param("W")) for layer in layers)


def _describe_output(value: Any) -> str:
    from thinc.types import Padded, Ragged

    if hasattr(value, "shape"):
        return f"{type(value).__name__} {tuple(value.shape)}"
    if isinstance(value, Ragged):
        return f"Ragged data {tuple(value.dataXd.shape)}, {len(value.lengths)} sequences"
    if isinstance(value, Padded):
        return f"Padded data {tuple(value.data.shape)}"
    if isinstance(value, (list, tuple)) and value and all(hasattr(v, "shape") for v in value):
        shapes = [tuple(v.shape) for v in value]
        shown = ", ".join(str(s) for s in shapes[:3]) + (", ..." if len(shapes) > 3 else "")
        return f"list of {len(value)} arrays: {shown}"
    return type(value).__name__


def _output_gradient(ops: Any, value: Any) -> Any | None:
    """A gradient of the output's shape (small random values), or None when
    the output is not made of arrays (e.g. a parser's step model)."""
    from thinc.types import Ragged

    def like(array: Any) -> Any:
        return ops.asarray(ops.xp.random.uniform(-1.0, 1.0, array.shape).astype(array.dtype))

    if hasattr(value, "shape"):
        return like(value)
    if isinstance(value, Ragged):
        return Ragged(like(value.dataXd), value.lengths)
    if isinstance(value, list) and value and all(hasattr(v, "shape") for v in value):
        return [like(v) for v in value]
    return None


def debug_model(config_path: str, component: str, *, overrides: dict[str, Any] | None = None,
                code_paths: tuple[str, ...] | list[str] = (), layer_ids: set[int] | None = None,
                dimensions: bool = False, parameters: bool = False, gradients: bool = False,
                attributes: bool = False, print_steps: tuple[int, ...] = (), n_samples: int = 8,
                echo: Callable[[str], None] = print) -> dict[str, Any]:
    """Build, initialize and run one component's model, printing what happens.

    config_path (str): the config ("-" for stdin).
    component (str): the component's name in [nlp] pipeline.
    overrides (dict): ``{"section.key": value}`` overrides.
    code_paths (list[str]): Python files to import first.
    layer_ids (set[int] | None): detail only these layer ids.
    dimensions, parameters, gradients, attributes (bool): what to show per layer.
    print_steps (tuple[int, ...]): also print the layer tree at these steps
        (0 before initialization, 1 after it, 2 after forward, 3 after backward).
    n_samples (int): how many sample documents to use.
    echo (Callable[[str], None]): receives the printed text.
    RETURNS (dict): "parameters" (int), "output" (str), "backward" (bool),
        "gradients" ({"#id name.param": bool non-zero}).
    """
    from thinc.api import fix_random_seed

    from ..config import import_code, load_config
    from ..errors import UsageError, did_you_mean
    from ..language import Language, get_lang_class

    import_code(list(code_paths))
    config = load_config(config_path, overrides or {})
    seed = (config.get("system") or {}).get("seed")
    # The same weights and sample gradient on every run of one config.
    fix_random_seed(seed if isinstance(seed, int) else 0)
    lang = (config.get("nlp") or {}).get("lang")
    nlp = (get_lang_class(lang) if lang else Language).from_config(config, auto_fill=True)
    if component not in nlp.pipe_names:
        raise UsageError(
            f"{config_path}: no component '{component}' in [nlp] pipeline."
            f"{did_you_mean(component, nlp.pipe_names)} Components: {', '.join(nlp.pipe_names) or '(none)'}."
        )
    proc = nlp.get_pipe(component)
    model = getattr(proc, "model", None)
    if model is None or not hasattr(model, "walk"):
        raise UsageError(
            f"component '{component}' ({type(proc).__name__}) has no thinc model to debug: it is "
            "rule-based. Choose a trainable component of the pipeline."
        )
    show: dict[str, Any] = dict(layer_ids=layer_ids, dimensions=dimensions, parameters=parameters,
                gradients=gradients, attributes=attributes)

    def step(index: int) -> None:
        if index in print_steps:
            echo(f"\n== {STEPS[index]}\n{format_layers(model, **show)}")

    step(0)
    examples = _sample_examples(nlp, config, n_samples, echo)
    position = nlp.pipe_names.index(component)
    ready = _initialize(nlp, nlp.pipe_names[: position + 1], examples, echo)
    docs = [eg.predicted for eg in examples]
    for name in ready:
        # Upstream components (a shared tok2vec) annotate the docs the model reads.
        upstream = nlp.get_pipe(name)
        docs = list(upstream.pipe(docs)) if hasattr(upstream, "pipe") else [upstream(doc) for doc in docs]
    step(1)
    total = count_parameters(model)
    summary = []
    output, backprop = model(docs, is_train=True)
    described = _describe_output(output)
    summary.append(f"Forward pass on {len(docs)} docs ({sum(len(d) for d in docs)} tokens): {described}.")
    step(2)
    d_output = _output_gradient(model.ops, output)
    found: dict[str, bool] = {}
    if d_output is None:
        summary.append(f"Backward pass: skipped, the output ({described}) is not an array; "
                       "the component's own update computes its gradient.")
    else:
        backprop(d_output)
        for _, layer in _unique_layers(model):
            for name in layer.param_names:
                if layer.has_grad(name):
                    found[f"#{layer.id} {layer.name}.{name}"] = bool(model.ops.xp.any(layer.get_grad(name)))
        nonzero = sum(found.values())
        summary.append(f"Backward pass: {nonzero} of {len(found)} parameters received a non-zero gradient.")
        summary += [f"  zero gradient: {key}" for key, ok in found.items() if not ok]
        if nonzero < len(found) and _zero_output_weights(model):
            summary.append("  (expected on the first step: the output layer's weights start at zero, "
                           "so it passes no gradient to the layers below it yet)")
    step(3)
    if not print_steps:
        # After the backward pass, so --gradients has something to show.
        echo(f"\nModel of '{component}' ({model.name[:80]}):\n{format_layers(model, **show)}")
    echo(f"\nParameters: {total:,} in {sum(1 for _ in _unique_layers(model))} layers.")
    echo("\n".join(summary))
    return {"parameters": total, "output": described, "backward": d_output is not None, "gradients": found}


def _parse_ids(value: str) -> set[int] | None:
    if not value:
        return None
    try:
        return {int(part) for part in value.replace(" ", "").split(",") if part}
    except ValueError:
        raise click.BadParameter(f"expected layer ids separated by commas, e.g. 0,3,5, not '{value}'.") from None


@click.command("model", context_settings=CONFIG_COMMAND_SETTINGS,
               short_help="A component's layer tree, shapes and parameters; one forward/backward pass.")
@click.argument("config_path", type=str)
@click.argument("component", type=str)
@click.option("--layers", "-l", default="", help="Comma-separated layer ids (#N in the tree) to detail; all by default.")
@click.option("--dimensions", "-DIM", is_flag=True, default=False, help="Show every dimension of each layer.")
@click.option("--parameters", "-PAR", is_flag=True, default=False, help="Show each parameter's shape and statistics.")
@click.option("--gradients", "-GRAD", is_flag=True, default=False, help="Show each gradient's statistics.")
@click.option("--attributes", "-ATTR", is_flag=True, default=False, help="Show each layer's attributes.")
@click.option("--print-step0", "-P0", is_flag=True, default=False, help="Print the model before initialization.")
@click.option("--print-step1", "-P1", is_flag=True, default=False, help="Print the model after initialization.")
@click.option("--print-step2", "-P2", is_flag=True, default=False, help="Print the model after the forward pass.")
@click.option("--print-step3", "-P3", is_flag=True, default=False, help="Print the model after the backward pass.")
@click.option("--samples", "-n", "n_samples", type=click.IntRange(1, 1000), default=8, show_default=True,
              help="Number of sample documents.")
@code_option
@verbose_option
@click.pass_context
def debug_model_cli(ctx: click.Context, config_path: str, component: str, layers: str, dimensions: bool,
                    parameters: bool, gradients: bool, attributes: bool, print_step0: bool,
                    print_step1: bool, print_step2: bool, print_step3: bool, n_samples: int,
                    code_paths: tuple[str, ...], verbose: bool) -> None:
    """Show COMPONENT's model from CONFIG_PATH ('-' for stdin): layer tree, shapes,
    parameter counts, then one forward and one backward pass on sample data (the
    train corpus when its path exists, else built-in sentences)."""
    steps = tuple(i for i, flag in enumerate((print_step0, print_step1, print_step2, print_step3)) if flag)
    debug_model(config_path, component, overrides=config_overrides(ctx), code_paths=code_paths,
                layer_ids=_parse_ids(layers), dimensions=dimensions, parameters=parameters,
                gradients=gradients, attributes=attributes, print_steps=steps, n_samples=n_samples,
                echo=click.echo)
