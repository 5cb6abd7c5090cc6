"""plait.visualize: dependency arcs and entity spans as HTML, checked in the
markup and in a real headless Chromium; the local server; the gold/predicted page."""

from __future__ import annotations

import html as html_lib
import re
import sys
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from plait import visualize
from plait.errors import UsageError

sys.path.insert(0, str(Path(__file__).parent))
from _chromium import is_blank, load, read_png, screenshot  # noqa: E402


class Elements(HTMLParser):
    """Counts elements by tag and class and collects the text (the page must parse)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def with_class(self, tag: str, cls: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and cls in a.get("class", "").split()]


def parse(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    parser.close()
    return parser


def non_root(doc) -> int:
    return sum(t.head.i != t.i for t in doc)


def test_dep_has_one_arc_per_non_root_token(parsed_docs):
    html = visualize.render(parsed_docs, style="dep")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    page = parse(html)
    arcs = page.with_class("g", "arc")
    assert len(arcs) == sum(non_root(d) for d in parsed_docs) > 100
    # One SVG per sentence, each arc pointing from the gold head to the dependent.
    assert len(page.with_class("svg", "dep")) == sum(len(list(d.sents)) for d in parsed_docs)
    first = parsed_docs[0]
    gold = {(t.i, t.head.i, t.dep_) for t in first if t.head.i != t.i}
    drawn = {(int(a["data-child"]), int(a["data-head"]), a["data-dep"])
             for a in parse(visualize.render(first, style="dep")).with_class("g", "arc")}
    assert drawn == gold
    # Embeddable markup without the page frame.
    assert not visualize.render(first, style="dep", page=False).startswith("<!DOCTYPE")


def test_ent_highlights_every_span_in_its_label_colour(ent_docs):
    html = visualize.render(ent_docs, style="ent", options={"colors": {"PER": "#123456"}})
    marks = parse(html).with_class("mark", "entity")
    ents = [e for d in ent_docs for e in d.ents]
    assert [m["data-label"] for m in marks] == [e.label_ for e in ents]
    assert all("background:#123456" in m["style"] for m in marks if m["data-label"] == "PER")
    colours = {m["data-label"]: m["style"] for m in marks}
    assert len(set(colours.values())) == len(colours)  # one colour per label
    # The text around the spans is all there.
    for doc in ent_docs[:5]:
        markup = visualize.render(doc, style="ent", page=False)
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", re.sub(r'<span class="label">.*?</span>', "", markup)))
        assert text == doc.text
    label = ents[0].label_
    only = parse(visualize.render(ent_docs, style="ent", options={"ents": [label]})).with_class("mark", "entity")
    assert len(only) == sum(e.label_ == label for e in ents) and {m["data-label"] for m in only} == {label}


def _hostile_doc():
    import plait
    from plait.tokens import Doc

    nlp = plait.blank("en")
    words = ["<script>", "console.error('x')", "</script>", "<img src=x onerror=console.error(1)>", "&amp;", '"q"']
    return Doc(nlp.vocab, words=words, heads=[1, 1, 1, 1, 1, 1], deps=["<b>", "ROOT", "x", "y", "z", "w"],
               pos=["X"] * 6, ents=["B-<i>", "O", "O", "B-ORG", "O", "O"])


def test_all_text_is_escaped():
    doc = _hostile_doc()
    for style in ("dep", "ent"):
        html = visualize.render(doc, style=style)
        assert "<script>" not in html and "<img" not in html and "<b>" not in html and "<i>" not in html
        assert "&lt;script&gt;" in html
        text = "".join(parse(html).text)
        assert "<script>" in text  # stays text once parsed


def test_bad_input_is_a_usage_error(parsed_docs):
    with pytest.raises(UsageError, match="style must be one of dep, ent"):
        visualize.render(parsed_docs[0], style="tree")
    with pytest.raises(UsageError, match="expected a Doc or a list of Docs"):
        visualize.render("some text")
    with pytest.raises(UsageError, match="not a loopback address"):
        visualize.serve(parsed_docs, host="0.0.0.0", port=0, block=False)


def test_serve_answers_on_loopback_and_shuts_down(parsed_docs, capsys):
    server = visualize.serve(parsed_docs[:2], style="dep", port=0, block=False)
    try:
        host, port = server.server_address[:2]
        assert host == "127.0.0.1"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            body = response.read().decode("utf8")
            assert response.headers["Content-Type"].startswith("text/html")
            assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        assert body == visualize.render(parsed_docs[:2], style="dep")
        assert f"http://127.0.0.1:{port}" in capsys.readouterr().out
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def test_comparison_marks_differences():
    import plait
    from plait.tokens import Doc
    from plait.training import Example

    nlp = plait.blank("en")
    words = ["Ann", "likes", "green", "apples", "."]
    gold = Doc(nlp.vocab, words=words, heads=[1, 1, 3, 1, 1], deps=["nsubj", "ROOT", "amod", "obj", "punct"],
               ents=["B-PER", "O", "O", "O", "O"])
    pred = Doc(nlp.vocab, words=words, heads=[1, 1, 1, 1, 1], deps=["nsubj", "ROOT", "obj", "obj", "punct"],
               ents=["O", "O", "B-ORG", "O", "O"])
    html = visualize.render_comparison([Example(pred, gold), Example(gold.copy(), gold)])
    page = parse(html)
    sections = page.with_class("section", "doc")
    assert [int(s["data-differences"]) for s in sections] == [4, 0]
    # 'green' got the wrong head: red in the prediction, dashed in the gold.
    assert [a["data-child"] for a in page.with_class("g", "diff")] == ["2"]
    assert [a["data-child"] for a in page.with_class("g", "missed")] == ["2"]
    assert [m["data-label"] for m in page.with_class("mark", "diff")] == ["ORG"]
    assert [m["data-label"] for m in page.with_class("mark", "missed")] == ["PER"]


@pytest.mark.slow
def test_pages_render_in_chromium(parsed_docs, ent_docs, tmp_path):
    # ~10 s: three Chromium launches (one DOM dump, two screenshots).
    dep_markup = visualize.render(parsed_docs, style="dep", page=False)
    ent_markup = visualize.render(ent_docs, style="ent", page=False)
    hostile = visualize.render(_hostile_doc(), style="dep", page=False) + \
        visualize.render(_hostile_doc(), style="ent", page=False)
    both = tmp_path / "all.html"
    both.write_text(visualize.render([], style="dep").replace(
        "<body>\n", f"<body>\n{dep_markup}{ent_markup}<div id='hostile'>{hostile}</div>"), encoding="utf8")
    dom, console = load(both, tmp_path)
    assert console == []
    # The browser's DOM has one arc group per non-root token, as the markup does.
    assert len(re.findall(r'<g class="arc"', dom)) == sum(non_root(d) for d in parsed_docs) + non_root(_hostile_doc())
    assert dom.count('<mark class="entity"') == sum(len(d.ents) for d in ent_docs) + len(_hostile_doc().ents)
    assert "<script>" not in dom.split("<body>")[1] and "<img" not in dom
    for style, docs in (("dep", parsed_docs), ("ent", ent_docs)):
        page = tmp_path / f"{style}.html"
        page.write_text(visualize.render(docs, style=style), encoding="utf8")
        pixels = screenshot(page, tmp_path / f"{style}.png", tmp_path)
        assert not is_blank(pixels), f"{page.name}: the screenshot is blank"
        # Dark text on the white page: both ends of the range are there.
        assert pixels.min() < 80 and pixels.max() > 240


@pytest.mark.slow
def test_the_browser_checks_can_fail(tmp_path):
    # A page that logs to the console and a page with nothing on it: the
    # checks above would catch both.
    noisy = tmp_path / "noisy.html"
    noisy.write_text("<html><body><p>x</p><script>console.error('boom')</script></body></html>", encoding="utf8")
    _, console = load(noisy, tmp_path)
    assert any("boom" in line for line in console)
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>", encoding="utf8")
    assert is_blank(screenshot(empty, tmp_path / "empty.png", tmp_path))
    assert read_png(tmp_path / "empty.png", max_rows=10).shape[:2] == (10, 1000)
