"""What every visualizer page shares: escaping, label colours, the page frame."""

from __future__ import annotations

import html
import zlib
from typing import Any

# Colours people know from displacy's defaults for the common entity labels;
# other labels get a stable pastel from their name.
DEFAULT_COLORS = {
    "ORG": "#7aecec", "PRODUCT": "#bfeeb7", "GPE": "#feca74", "LOC": "#ff9561",
    "PERSON": "#aa9cfc", "PER": "#aa9cfc", "NORP": "#c887fb", "FAC": "#9cc9cc",
    "EVENT": "#ffeb80", "LAW": "#ff8197", "LANGUAGE": "#ff8197", "WORK_OF_ART": "#f0d0ff",
    "DATE": "#bfe1d9", "TIME": "#bfe1d9", "MONEY": "#e4e7d2", "QUANTITY": "#e4e7d2",
    "ORDINAL": "#e4e7d2", "CARDINAL": "#e4e7d2", "PERCENT": "#e4e7d2", "MISC": "#e0e0e0",
}


def esc(text: Any) -> str:
    """RETURNS (str): `text` escaped for HTML text and attribute values."""
    return html.escape(str(text), quote=True)


def label_color(label: str, colors: dict[str, str] | None = None) -> str:
    """RETURNS (str): the CSS colour of an entity label (user colours first)."""
    if colors and label in colors:
        return colors[label]
    if label in DEFAULT_COLORS:
        return DEFAULT_COLORS[label]
    hue = zlib.crc32(label.encode("utf8")) % 360
    return f"hsl({hue}, 70%, 82%)"


CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:20px auto;max-width:1400px;
padding:0 16px;color:#1d232b;background:#fff}
.doc{margin:0 0 24px}.doc h2{font-size:14px;color:#5b6673;margin:0 0 6px;font-weight:500}
svg.dep{display:block;overflow:visible;margin-bottom:8px}
svg.dep .word{font-size:15px;fill:#1d232b;text-anchor:middle}
svg.dep .tag{font-size:11px;fill:#5b6673;text-anchor:middle}
svg.dep .arc path{fill:none;stroke:#334155;stroke-width:1.6}
svg.dep .arc .head{fill:#334155;stroke:none}
svg.dep .arc text{font-size:11px;fill:#334155;text-anchor:middle}
svg.dep .arc.diff path{stroke:#dc2626;stroke-width:2.2}svg.dep .arc.diff .head{fill:#dc2626}
svg.dep .arc.diff text{fill:#dc2626;font-weight:700}
svg.dep .arc.missed path{stroke:#d97706;stroke-dasharray:5 3}svg.dep .arc.missed .head{fill:#d97706}
svg.dep .arc.missed text{fill:#b45309;font-weight:700}
.ents{line-height:2.5;white-space:pre-wrap}
mark.entity{padding:.2em .35em;border-radius:.35em;margin:0 .1em;color:#1d232b}
mark.entity .label{font-size:.68em;font-weight:700;text-transform:uppercase;margin-left:.4em;
vertical-align:middle;letter-spacing:.02em}
mark.entity.diff{outline:2.5px solid #dc2626}mark.entity.missed{outline:2.5px dashed #d97706}
.compare{display:grid;grid-template-columns:1fr 1fr;gap:16px;border-top:1px solid #dde2e8;padding-top:8px}
.compare > div{overflow-x:auto}.compare h3{font-size:13px;margin:0 0 4px;color:#5b6673}
.legend span{margin-right:16px}.legend .d{color:#dc2626}.legend .m{color:#b45309}
"""


def page(body: str, title: str = "plait visualize", extra_css: str = "") -> str:
    """Wrap markup in a standalone HTML page.

    body (str): the markup (already escaped).
    title (str): the page title (escaped here).
    extra_css (str): CSS appended to the shared style sheet.
    RETURNS (str): the whole page.
    """
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}{extra_css}</style></head>\n"
        f"<body>\n{body}\n</body></html>\n"
    )
