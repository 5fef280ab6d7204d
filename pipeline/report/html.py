"""``report.html``: one self-contained page (inline CSS, inline SVG plots), rendered from ``report.json`` alone.

Plots are drawn by matplotlib as SVG and inlined; nothing on the page refers to a URL, so it opens offline and
can be attached to a CI run as is. Rendering is deterministic: same report, same bytes.
"""

from __future__ import annotations

import io
import json
import re
import warnings
from typing import Any

import jinja2
import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, NullFormatter, NullLocator  # noqa: E402

from pipeline.gate.render import drift_rows  # noqa: E402
from pipeline.readiness.measures import totals_over_splits  # noqa: E402
from pipeline.readiness.next_steps import next_steps  # noqa: E402
from pipeline.readiness.wording import quote  # noqa: E402
from pipeline.report.markdown import rule_text  # noqa: E402

SPLIT_COLOURS = {"train": "#4C72B0", "val": "#DD8452", "test": "#55A868"}
MAX_LABELS_PLOTTED = 40
OWN_SECTIONS = {"lengths", "languages", "overlap", "learning_curve", "label_noise", "diversity", "labels", "checks",
                "counts", "split", "verdict", "task", "field_mapping", "ftprep_version", "drift", "next_steps",
                "skipped_analyses", "timings"}

# text.parse_math off: labels are data, and a label like "$\foo$" is not TeX for matplotlib to parse (and fail on)
plt.rcParams.update({"svg.hashsalt": "ftprep", "svg.fonttype": "none", "font.size": 9, "text.parse_math": False})
_ENV = jinja2.Environment(loader=jinja2.PackageLoader("pipeline.report", "templates"), autoescape=True,
                          trim_blocks=True, lstrip_blocks=True)
_ENV.filters["tojson_pretty"] = lambda value: json.dumps(value, ensure_ascii=False, indent=2)


def render_html(report: dict[str, Any]) -> str:
    """The whole page for one report: the decision first (verdict, what to do next, failed and warned checks),
    passed checks folded, then the figures."""
    plots = {name: svg for name, svg in _plots(report).items() if svg}
    others = {k: v for k, v in report.items() if k not in OWN_SECTIONS and v}
    checks = report["checks"]
    groups = {
        "acting": sorted((c for c in checks if c["status"] in ("fail", "warn")), key=lambda c: c["status"] != "fail"),
        "notes": [c for c in checks if c["status"] == "info"],
        "quiet": [c for c in checks if c["status"] in ("pass", "skip")],
    }
    steps = report.get("next_steps") or next_steps(checks)  # reports written before next_steps existed
    return _ENV.get_template("report.html.j2").render(report=report, plots=plots, others=others, groups=groups,
                                                      steps=steps, rule_text=rule_text, drift_rows=drift_rows(report))


def _plots(report: dict[str, Any]) -> dict[str, str | None]:
    lengths = report.get("lengths") or {}
    overlap = report.get("overlap") or {}
    diversity = report.get("diversity") or {}
    return {
        "labels": _labels_plot(report["labels"]) if report.get("labels") else None,
        "chars": _histogram_plot(lengths.get("chars_histogram"), "characters per example"),
        "tokens": _histogram_plot(lengths.get("tokens_histogram"), "tokens per example", lengths.get("max_seq_tokens")),
        "learning_curve": _learning_curve_plot(report["learning_curve"]) if report.get("learning_curve") else None,
        "languages": _languages_plot(report["languages"]) if report.get("languages") else None,
        "clusters": _cluster_plot(diversity.get("cluster_sizes") or overlap.get("cluster_sizes")),
    }


def _svg(fig: plt.Figure) -> str:
    """The figure as an inline ``<svg>`` element: no XML prolog, DOCTYPE, metadata or namespace URLs."""
    buffer = io.StringIO()
    with warnings.catch_warnings():
        # labels in scripts DejaVu Sans lacks (Devanagari, CJK) are drawn as boxes; the tables show them in full
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    # Inline SVG in HTML needs no namespace declarations; dropping them keeps the page free of any URL.
    return re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)


def _labels_plot(labels: dict[str, dict[str, int]]) -> str:
    total = totals_over_splits(labels)
    ranked = sorted(total, key=lambda k: (-total[k], k))
    # With many labels, show both ends: the rarest labels are the ones a reader needs to see.
    half = MAX_LABELS_PLOTTED // 2
    names = ranked if len(ranked) <= MAX_LABELS_PLOTTED else ranked[:half] + ranked[-half:]
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.18 * len(names)))
    left = [0] * len(names)
    rows = list(range(len(names)))
    for split, colour in SPLIT_COLOURS.items():
        values = [labels.get(split, {}).get(n, 0) for n in names]
        ax.barh(rows, values, left=left, color=colour, label=split)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(rows, [quote(n, 40) for n in names])  # a label that is a whole paragraph stays one short line
    ax.invert_yaxis()
    ax.set_xlabel("examples")
    shown = "" if len(names) == len(ranked) else f" ({half} largest and {half} smallest of {len(ranked)})"
    ax.set_title("label distribution per split" + shown)
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))  # beside the bars, never over them
    return _svg(fig)


def _histogram_plot(hist: dict[str, list] | None, xlabel: str, limit: int | None = None) -> str | None:
    if not hist or not hist.get("counts"):
        return None
    edges, counts = hist["edges"], hist["counts"]
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.bar(edges[:-1], counts, width=[b - a for a, b in zip(edges, edges[1:])], align="edge", color="#4C72B0")
    if limit and limit <= edges[-1] * 1.5:
        ax.axvline(limit, color="#C44E52", linestyle="--", label=f"max_seq_tokens {limit}")
        ax.legend()
    ax.set_xlabel(xlabel)
    ax.set_ylabel("examples")
    return _svg(fig)


def _learning_curve_plot(curve: dict[str, Any]) -> str:
    fig, ax = plt.subplots(figsize=(5, 2.8))
    ax.plot(curve["sizes"], curve["scores"], "o-", color="#4C72B0", label=curve["metric"] + (" on val" if curve.get("evaluation", "val") == "val" else " (cross-validated)"))
    fit = curve.get("fit")
    if fit:
        last = curve["sizes"][-1]
        xs = [curve["sizes"][0] * (2 * last / curve["sizes"][0]) ** (i / 40) for i in range(41)]
        ax.plot(xs, [fit["a"] - fit["b"] * x ** -fit["c"] for x in xs], ":", color="#C44E52", label="fitted, to 2x data")
    ax.set_xscale("log", base=2)
    # the measured sizes as plain numbers: the log axis's own labels are mathtext ("2^{10}"), which SVG text
    # output (svg.fonttype none, parse_math off) would print as its source
    ax.set_xticks(curve["sizes"], [f"{n:,}" for n in curve["sizes"]])
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("training examples")
    ax.set_ylabel(curve["metric"])
    interval = curve.get("expected_gain_2x_interval")
    span = f" ({interval['low']:+.3f} to {interval['high']:+.3f})" if interval else ""
    ax.set_title(f"expected gain from 2x data: {curve['expected_gain_2x']:+.3f}{span}")
    ax.legend(loc="lower right")
    return _svg(fig)


def _languages_plot(languages: dict[str, dict[str, int]]) -> str:
    totals = totals_over_splits(languages)
    names = sorted(totals, key=lambda k: (-totals[k], k))[:15]
    fig, ax = plt.subplots(figsize=(5, 0.6 + 0.22 * len(names)))
    ax.barh(names, [totals[n] for n in names], color="#8172B3")
    ax.invert_yaxis()
    ax.set_xlabel("records")
    ax.set_title("language mix")
    return _svg(fig)


def _cluster_plot(sizes: dict[str, int] | None) -> str | None:
    if not sizes:
        return None
    fig, ax = plt.subplots(figsize=(5, 2.6))
    ax.bar([str(s) for s in sizes], list(sizes.values()), color="#937860")
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))  # not mathtext (see above)
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("records per duplicate cluster")
    ax.set_ylabel("clusters")
    return _svg(fig)
