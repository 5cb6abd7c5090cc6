"""``plait ray train``: the options of ``plait train`` plus the Ray setup.

This module imports click only; Ray and the training machinery are imported
inside the command, so ``plait ray --help`` is as fast as ``plait --help``.
"""

from __future__ import annotations

import sys

import click

# Extra `--section.key value` arguments are config overrides, as in `plait train`.
_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}

INSTALL_HINT = (
    "`plait ray` needs Ray: install the plait-ray plugin with its dependencies from "
    "your plait checkout (`make install`, or `pip install -e plugins/ray`), "
    "or add Ray to this environment with `pip install 'ray>=2.9'`."
)


@click.group("ray", short_help="Parallel and distributed training on Ray.")
def ray_cli() -> None:
    """Parallel and distributed training on Ray (the plait-ray plugin)."""


@ray_cli.command("train", context_settings=_SETTINGS,
                 short_help="Train a pipeline from a config on Ray workers.")
@click.argument("config_path", type=str, required=False)
@click.option("--n-workers", "-n", type=int, default=1, show_default=True,
              help="Number of training workers (Ray actors), each with a shard of the data.")
@click.option("--address", "-a", type=str, default=None,
              help="Ray cluster to join ('auto' or 'ray://host:10001'); by default a local Ray "
                   "instance is started and shut down at the end.")
@click.option("--output", "-o", "output_path", type=click.Path(file_okay=False), default=None,
              help="Folder for model-last, model-best and the resumable checkpoint.")
@click.option("--resume", is_flag=True, default=False,
              help="Continue the interrupted run in --output (or CONFIG_PATH given as that folder).")
@click.option("--force", is_flag=True, default=False,
              help="Start a new run in --output although it holds an unfinished run "
                   "(whose checkpoint is replaced by the new run's first one).")
@click.option("--strategy", type=click.Choice(["async", "sync"]), default="async", show_default=True,
              help="async: owners apply gradients as they arrive, no barrier per batch; "
                   "sync: an all-reduce every step, deterministic for a fixed worker count.")
@click.option("--max-staleness", type=int, default=2, show_default=True,
              help="async: a gradient computed on a parameter more than this many versions "
                   "older than the owner's is dropped.")
@click.option("--broadcast-every", type=int, default=None,
              help="async: owners broadcast their new parameters every this many steps "
                   "(fewer, larger exchanges; peers compute on parameters up to this many "
                   "steps old). Default with async: 4 for up to 2 workers, 1 for more (staleness "
                   "grows with the worker count); 1, the only value allowed, with sync.")
@click.option("--send-every", type=int, default=None,
              help="async: workers sum the gradients of parameters other workers own over this "
                   "many steps and send the sum (fewer, cheaper messages; with --broadcast-every "
                   "equal, one message per peer per period). Default with async: 4 for up to 2 "
                   "workers, 1 for more; 1, the only value allowed, with sync.")
@click.option("--threads-per-worker", type=int, default=1, show_default=True,
              help="BLAS/OpenMP threads (and Ray CPUs) per worker.")
@click.option("--max-restarts", type=int, default=3, show_default=True,
              help="How many times Ray restarts a worker whose process died.")
@click.option("--code", "-c", "code_paths", multiple=True, type=click.Path(dir_okay=False),
              help="Python file with registered functions to import first. Repeatable.")
@click.option("--verbose", "-V", is_flag=True, default=False,
              help="Show applied overrides, Ray's own log lines and tracebacks of errors.")
@click.option("--gpu-id", "-g", type=int, default=-1, show_default=True,
              help="-1 trains on CPUs; any other value trains every worker on a GPU Ray assigns "
                   "(shared when there are fewer GPUs than workers; needs the plait-gpu plugin).")
@click.pass_context
def train_cli(ctx: click.Context, config_path: str | None, n_workers: int, address: str | None,
              output_path: str | None, resume: bool, force: bool, strategy: str, max_staleness: int,
              broadcast_every: int | None, send_every: int | None, threads_per_worker: int, max_restarts: int, code_paths: tuple[str, ...],
              verbose: bool, gpu_id: int) -> None:
    """Train a pipeline from CONFIG_PATH on N Ray workers. The options and the
    saved output are those of `plait train`; extra arguments such as
    `--paths.train ./train.plait` override config settings."""
    from plait.config import parse_cli_overrides
    from plait.errors import UsageError

    if n_workers < 1:
        raise UsageError(f"--n-workers must be at least 1, got {n_workers}.")
    if threads_per_worker < 1:
        raise UsageError(f"--threads-per-worker must be at least 1, got {threads_per_worker}.")
    if max_staleness < 0:
        raise UsageError(f"--max-staleness must be 0 or more, got {max_staleness}.")
    from .driver import RaySettings, resolve_broadcast_every, resolve_send_every

    settings = RaySettings(n_workers=n_workers, address=address, strategy=strategy,
                           max_staleness=max_staleness, broadcast_every=broadcast_every, send_every=send_every,
                           threads_per_worker=threads_per_worker, max_restarts=max_restarts,
                           verbose=verbose)
    resolve_broadcast_every(settings)  # a bad value fails before Ray is imported
    resolve_send_every(settings)
    try:
        import ray  # noqa: F401  (checked here so the message names the fix)
    except ImportError as err:
        raise UsageError(f"Ray is not installed ({err}). {INSTALL_HINT}") from None
    from plait.cli.train import check_output_dir

    from .driver import ray_train

    if output_path is not None:
        check_output_dir(output_path)

    overrides = parse_cli_overrides(ctx.args)
    if verbose and overrides:
        click.echo(f"Config overrides: {overrides}", err=True)
    ray_train(config_path, output_path, settings, overrides=overrides, code_paths=list(code_paths),
              use_gpu=gpu_id, resume=resume, force=force, stdout=sys.stdout, stderr=sys.stderr)
