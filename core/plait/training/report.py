"""``training-report.html``: the curves and tables of a training run, offline.

``plait train`` rewrites the report in the output folder after every
evaluation (atomically, so a killed run leaves the last complete version):
one self-contained HTML file with inline SVG charts (the main score, each
weighted score, each component's loss, one point per evaluation, the best
checkpoint marked), the table of evaluations with words/s, the best
checkpoint's scores (the numbers ``model-best/meta.json`` holds), the last
evaluation's per-label table and the filled config. No script runs in it:
the history rides along as a JSON data block, which a resumed run reads back
to continue the curves.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from timeit import default_timer as timer
from typing import Any

from .. import fs

REPORT_NAME = "training-report.html"
_DATA_ID = "plait-report-data"
_DATA_RE = re.compile(
    r'<script type="application/json" id="' + _DATA_ID + r'">(.*?)</script>', re.DOTALL
)

# Chart geometry (px) of the viewBox; the page scales the SVG to its width.
_W, _H = 560, 200
_LEFT, _RIGHT, _TOP, _BOTTOM = 56, 16, 14, 34


class TrainingReport:
    """Collects each evaluation and rewrites ``<output>/training-report.html``.

    output_path (Path): the training output folder.
    nlp (Language): the pipeline being trained (its config, components, weights).
    resume_step (Optional[int]): when resuming, the step the run continues
        from: evaluations before it are read back from the existing report.
    """

    def __init__(self, output_path: str | Path, nlp: Any, *, resume_step: int | None = None) -> None:
        self.path = Path(output_path) / REPORT_NAME
        config = nlp.config
        self.config_text = config.to_str() if hasattr(config, "to_str") else str(config)
        training = config.get("training", {})
        frozen = set(training.get("frozen_components", []) or [])
        self.components = [
            name for name, proc in nlp.pipeline
            if name not in frozen and getattr(proc, "is_trainable", False)
        ]
        weights = dict(training.get("score_weights", {}) or {})
        self.weighted = [key for key, value in weights.items() if value is not None]
        self.history: list[dict[str, Any]] = []
        self.per_label: dict[str, Any] = {}
        if resume_step is not None:
            previous = read_report_data(self.path)
            if previous is not None:
                self.history = [e for e in previous.get("history", []) if e["step"] < resume_step]
                self.per_label = previous.get("per_label", {})
        # The loop's "seconds" are whole seconds; words/s of a short run needs
        # a finer clock, continued across a resume.
        self._start = timer()
        self._seconds_before = self.history[-1]["seconds"] if self.history else 0.0

    def update(self, info: dict[str, Any], is_best: bool) -> None:
        """Add one evaluation and rewrite the report.

        info (dict): the training loop's info after an evaluation.
        is_best (bool): whether this evaluation was saved as model-best.
        """
        other = info.get("other_scores") or {}
        scores = {
            key: float(value) for key, value in other.items()
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        }
        self.history.append({
            "step": int(info["step"]),
            "epoch": int(info["epoch"]),
            "score": float(info["score"]),
            "best": bool(is_best),
            "scores": scores,
            "losses": {k: float(v) for k, v in (info.get("losses") or {}).items()},
            "seconds": self._seconds_before + timer() - self._start,
            "words": int(info.get("words") or 0),
        })
        self.per_label = {
            key: value for key, value in other.items()
            if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values())
        }
        fs.write_text(self.path, self.render())

    def best(self) -> dict[str, Any] | None:
        """RETURNS (Optional[dict]): the evaluation saved last as model-best."""
        flagged = [entry for entry in self.history if entry["best"]]
        return flagged[-1] if flagged else None

    def render(self) -> str:
        """RETURNS (str): the whole HTML page."""
        best = self.best()
        best_step = best["step"] if best is not None else None
        charts = [_chart("Score", "score", [(e["step"], e["score"]) for e in self.history], best_step)]
        for key in self.weighted:
            points = [(e["step"], e["scores"][key]) for e in self.history if key in e["scores"]]
            if points:
                charts.append(_chart(key, key, points, best_step))
        for name in self.components:
            points = [(e["step"], e["losses"].get(name, 0.0)) for e in self.history]
            charts.append(_chart(f"Loss {name}", f"loss_{name}", points, best_step))
        data = {"history": self.history, "per_label": self.per_label, "components": self.components,
                "weighted": self.weighted}
        last = self.history[-1] if self.history else None
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            "<title>plait training report</title>",
            f"<style>{_CSS}</style></head><body>",
            "<h1>plait training report</h1>",
            _summary(last, best),
            '<h2>Curves</h2><div class="charts">' + "".join(charts) + "</div>",
            _best_table(best, self.weighted, self.components),
            _history_table(self.history, self.components),
            _per_label_table(self.per_label, last),
            f'<h2>Config</h2><pre class="config">{_esc(self.config_text)}</pre>',
            f'<script type="application/json" id="{_DATA_ID}">{_json_for_html(data)}</script>',
            "</body></html>",
        ]
        return "\n".join(parts) + "\n"


def read_report_data(path: str | Path) -> dict[str, Any] | None:
    """Read the history embedded in a report (None if absent or unreadable).

    path (str | Path): a ``training-report.html``.
    RETURNS (Optional[dict]): ``history`` (one dict per evaluation), ``per_label``…
    """
    path = Path(path)
    if not path.exists():
        return None
    match = _DATA_RE.search(path.read_text(encoding="utf8"))
    if match is None:
        return None
    try:
        data = json.loads(match.group(1))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _json_for_html(data: Any) -> str:
    # Inside <script> only "</" could end the element; escaping <, > and &
    # keeps any label or path text inert.
    text = json.dumps(data, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _fmt(value: float, key: str) -> str:
    if key == "score":  # the weighted main score, as the console table shows it
        return f"{value:.4f}"
    if key == "speed":
        return f"{value:.0f}"
    if key.startswith("loss") or key.endswith("_loss"):
        return f"{value:.2f}"
    return f"{value * 100:.2f}"


def _words_per_second(entry: dict[str, Any], previous: dict[str, Any] | None) -> float | None:
    words, seconds = entry["words"], entry["seconds"]
    if previous is not None:
        words -= previous["words"]
        seconds -= previous["seconds"]
    return words / seconds if seconds > 0 else None


def _summary(last: dict[str, Any] | None, best: dict[str, Any] | None) -> str:
    if last is None:
        return '<p class="summary">No evaluation yet.</p>'
    wps = last["words"] / last["seconds"] if last["seconds"] > 0 else None
    items = [
        ("Last step", str(last["step"])),
        ("Epoch", str(last["epoch"])),
        ("Words seen", f"{last['words']:,}"),
        ("Seconds", f"{last['seconds']:.1f}"),
        ("Words/s", f"{wps:,.0f}" if wps is not None else "n/a"),
    ]
    if best is not None:
        items.append(("Best step", str(best["step"])))
        items.append(("Best score", f"{best['score']:.4f}"))
    cells = "".join(f"<div><dt>{_esc(k)}</dt><dd>{_esc(v)}</dd></div>" for k, v in items)
    return f'<dl class="summary">{cells}</dl>'


def _best_table(best: dict[str, Any] | None, weighted: list[str], components: list[str]) -> str:
    if best is None:
        return ""
    # The same numbers (same keys) as model-best/meta.json's "performance".
    rows = [("score", best["score"])]
    rows += [(key, best["scores"].get(key, 0.0)) for key in weighted]
    rows += [(f"{name}_loss", best["losses"][name]) for name in components if name in best["losses"]]
    body = "".join(
        f'<tr data-key="{_esc(k)}" data-value="{v!r}"><th>{_esc(k)}</th><td>{_fmt(v, k)}'
        f"</td></tr>"
        for k, v in rows
    )
    return (f'<h2>Best checkpoint (step {best["step"]}, saved as model-best)</h2>'
            f'<table id="best" data-step="{best["step"]}">{body}</table>')


def _history_table(history: list[dict[str, Any]], components: list[str]) -> str:
    if not history:
        return ""
    keys = sorted({k for e in history for k in e["scores"]})
    head = "".join(f"<th>{_esc(h)}</th>" for h in
                   ["E", "#", *[f"Loss {c}" for c in components], *keys, "Score", "Words/s"])
    rows = []
    for i, entry in enumerate(history):
        wps = _words_per_second(entry, history[i - 1] if i else None)
        cells = [str(entry["epoch"]), str(entry["step"])]
        cells += [f"{entry['losses'].get(c, 0.0):.2f}" for c in components]
        cells += [_fmt(entry["scores"][k], k) if k in entry["scores"] else "" for k in keys]
        cells += [f"{entry['score']:.4f}", f"{wps:,.0f}" if wps is not None else "n/a"]
        cls = ' class="best"' if entry["best"] else ""
        rows.append(f"<tr{cls}>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>")
    return ('<h2>Evaluations</h2><table id="evaluations"><thead><tr>' + head + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _per_label_table(per_label: dict[str, Any], last: dict[str, Any] | None) -> str:
    if not per_label:
        return ""
    step = f" (step {last['step']})" if last is not None else ""
    out = [f"<h2>Per-label scores of the last evaluation{step}</h2>"]
    for key, table in per_label.items():
        cols = sorted({c for per in table.values() for c in per})
        head = "".join(f"<th>{_esc(c)}</th>" for c in ["label", *cols])
        rows = []
        for label, per in table.items():
            cells = "".join(
                f"<td>{per[c] * 100:.2f}</td>" if isinstance(per.get(c), (int, float)) else "<td>-</td>"
                for c in cols
            )
            rows.append(f"<tr><th>{_esc(label)}</th>{cells}</tr>")
        out.append(f'<h3>{_esc(key)}</h3><table class="per-label" data-key="{_esc(key)}">'
                   f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return "".join(out)


def _ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    return [lo + (hi - lo) * i / n for i in range(n + 1)]


def _chart(title: str, key: str, points: list[tuple[int, float]], best_step: int | None) -> str:
    """One line chart: a polyline and a circle per evaluation; the best step
    gets a dashed vertical line and a ringed point."""
    steps = [s for s, _ in points] or [0]
    values = [v for _, v in points] or [0.0]
    x0, x1 = min(steps), max(steps)
    y0, y1 = min(values), max(values)
    nonnegative = y0 >= 0  # scores and losses: the axis never dips below 0
    if y1 - y0 < 1e-12:  # a flat series still gets a visible band
        half = max(abs(y0) * 0.1, 0.01)
        y0, y1 = y0 - half, y1 + half
    pad = (y1 - y0) * 0.05
    y0, y1 = y0 - pad, y1 + pad
    if nonnegative:
        y0 = max(y0, 0.0)
    inner_w, inner_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM

    def sx(step: float) -> float:
        return _LEFT + (0.5 if x1 == x0 else (step - x0) / (x1 - x0)) * inner_w

    def sy(value: float) -> float:
        return _TOP + (1 - (value - y0) / (y1 - y0)) * inner_h

    label = (lambda v: f"{v:.2f}") if key.startswith("loss") or key == "speed" else (lambda v: f"{v:.3f}")
    grid = []
    for tick in _ticks(y0, y1):
        y = sy(tick)
        grid.append(f'<line class="grid" x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
                    f'<text class="ytick" x="{_LEFT - 6}" y="{y + 4:.1f}">{label(tick)}</text>')
    # Few evaluations: a tick at each; many: five evenly spaced.
    x_ticks = sorted(set(steps)) if len(set(steps)) <= 8 else sorted({int(round(t)) for t in _ticks(x0, x1)})
    for tick in x_ticks:
        grid.append(f'<text class="xtick" x="{sx(tick):.1f}" y="{_H - _BOTTOM + 16}">{tick}</text>')
    marks = []
    if best_step is not None and x0 <= best_step <= x1:
        bx = sx(best_step)
        marks.append(f'<line class="best-marker" data-step="{best_step}" x1="{bx:.1f}" x2="{bx:.1f}" '
                     f'y1="{_TOP}" y2="{_H - _BOTTOM}"/>')
    line = " ".join(f"{sx(s):.1f},{sy(v):.1f}" for s, v in points)
    circles = []
    for step, value in points:
        cls = "point best" if step == best_step else "point"
        circles.append(
            f'<circle class="{cls}" data-step="{step}" data-value="{value!r}" cx="{sx(step):.1f}" '
            f'cy="{sy(value):.1f}" r="{4.5 if step == best_step else 3}">'
            f"<title>step {step}: {_esc(label(value))}</title></circle>"
        )
    return (
        f'<figure><figcaption>{_esc(title)}</figcaption>'
        f'<svg class="curve" data-key="{_esc(key)}" viewBox="0 0 {_W} {_H}" role="img" '
        f'aria-label="{_esc(title)} by step" xmlns="http://www.w3.org/2000/svg">'
        f'<rect class="frame" x="{_LEFT}" y="{_TOP}" width="{inner_w}" height="{inner_h}"/>'
        + "".join(grid) + "".join(marks)
        + (f'<polyline class="line" points="{line}"/>' if len(points) > 1 else "")
        + "".join(circles)
        + f'<text class="xlabel" x="{_LEFT + inner_w / 2:.1f}" y="{_H - 4}">step</text>'
        + "</svg></figure>"
    )


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;
color:#1d232b;background:#fff;padding:0 16px}
h1{font-size:22px;margin:0 0 12px}h2{font-size:17px;margin:28px 0 10px}h3{font-size:14px;margin:16px 0 6px}
.summary{display:flex;flex-wrap:wrap;gap:10px 28px;margin:0}.summary div{min-width:90px}
.summary dt{color:#5b6673;font-size:12px}.summary dd{margin:0;font-size:18px;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(420px,1fr));gap:16px}
figure{margin:0;border:1px solid #dde2e8;border-radius:6px;padding:8px}
figcaption{font-weight:600;margin-bottom:4px}svg.curve{width:100%;height:auto;display:block}
.frame{fill:#fbfcfd;stroke:#c9d0d8}.grid{stroke:#e6eaee}
.ytick{font-size:11px;fill:#5b6673;text-anchor:end}.xtick,.xlabel{font-size:11px;fill:#5b6673;text-anchor:middle}
.line{fill:none;stroke:#2563eb;stroke-width:2}.point{fill:#2563eb}
.point.best{fill:#f59e0b;stroke:#92400e;stroke-width:1.5}
.best-marker{stroke:#f59e0b;stroke-width:1.5;stroke-dasharray:4 3}
table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin-bottom:8px}
th,td{border-bottom:1px solid #e6eaee;padding:3px 10px;text-align:right}
thead th{background:#f3f5f7}tbody th,#best th{text-align:left;font-weight:500}
tr.best td{background:#fff7e6;font-weight:600}
pre.config{background:#f6f8fa;border:1px solid #dde2e8;border-radius:6px;padding:12px;overflow:auto;
font-size:12px}
"""
