"""Charts of the dashboard and the report, drawn by matplotlib: SVG for pages (text stays
text), PNG for the PDF. They read without colour — greys, hatching and values written on
the bars — and every chart has its data table next to it on the page. The map of Europe
is drawn from Natural Earth's outlines shipped in ``data/europe.json`` (as PNG: its
outlines would make a heavy SVG). A drawn chart is
cached by its data, so an unchanged figure is not drawn twice."""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
from django.core.cache import cache as django_cache  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

STYLE: dict[str, Any] = {
    "svg.fonttype": "none",
    "font.size": 10,
    "font.family": "sans-serif",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "hatch.linewidth": 0.6,
}
GREYS = ["#ffffff", "#d9d9d9", "#a6a6a6", "#6e6e6e", "#3a3a3a"]
HATCHES = ["", "///", "...", "xx", "\\\\\\"]


def _render(draw: Callable[[Figure], None], fmt: str, size: tuple[float, float]) -> bytes:
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        fig = Figure(figsize=size, dpi=110)
        draw(fig)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return out.getvalue()


def _cached(name: str, data: Any, fmt: str, make: Callable[[], bytes]) -> bytes:
    key = "chart:" + hashlib.sha1(json.dumps([name, data, fmt], default=str).encode()).hexdigest()
    found = django_cache.get(key)
    if found is None:
        found = make()
        django_cache.set(key, found, 3600)
    return found  # type: ignore[no-any-return]


def bars(title: str, items: list[tuple[str, float]], fmt: str = "svg", unit: str = "") -> bytes:
    """Horizontal bars, largest first, each with its value written at its end."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        labels = [label for label, _ in items][::-1]
        values = [value for _, value in items][::-1]
        shown = ax.barh(labels, values, color=GREYS[2], edgecolor="#222222", hatch=HATCHES[1])
        ax.bar_label(shown, labels=[f"{v:g}{unit}" for v in values], padding=3)
        ax.set_title(title, loc="left", fontweight="bold")
        ax.set_xlim(0, max(values + [1]) * 1.15)
        ax.xaxis.set_visible(False)
        ax.spines["bottom"].set_visible(False)

    height = 1.2 + 0.28 * max(len(items), 1)
    return _cached("bars", [title, items, unit], fmt, lambda: _render(draw, fmt, (7.0, height)))


def months(title: str, series: list[tuple[str, dict[str, int]]], fmt: str = "svg") -> bytes:
    """Grouped bars per month, one pattern per series, with a legend naming them."""
    names = list(series[0][1]) if series else []

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        width = 0.8 / max(len(names), 1)
        for i, name in enumerate(names):
            xs = [m + (i - (len(names) - 1) / 2) * width for m in range(len(series))]
            ax.bar(
                xs,
                [values[name] for _, values in series],
                width,
                label=name,
                color=GREYS[1 + 2 * i % 4],
                edgecolor="#222222",
                hatch=HATCHES[(i * 2 + 1) % len(HATCHES)],
            )
        ax.set_xticks(range(len(series)), [month[2:] for month, _ in series], rotation=45, ha="right")
        ax.set_title(title, loc="left", fontweight="bold")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(frameon=False, loc="upper left")

    return _cached("months", [title, series], fmt, lambda: _render(draw, fmt, (7.0, 3.2)))


@cache
def outlines() -> dict[str, list[list[list[float]]]]:
    data = json.loads((Path(__file__).parent / "data" / "europe.json").read_text())
    return data["countries"]  # type: ignore[no-any-return]


def _project(ring: list[list[float]]) -> list[tuple[float, float]]:
    scale = math.cos(math.radians(52))
    return [(lon * scale, lat) for lon, lat in ring]


def _bin(count: int, top: int) -> int:
    if count <= 0:
        return 0
    return min(4, 1 + int(3 * (count - 1) / max(top - 1, 1)))


def europe(counts: dict[str, int], fmt: str = "png", title: str = "Centres per country served") -> bytes:
    """Countries shaded (greys and hatching) by their number of centres, the number written
    on each country that has any (pan-European centres, "EU", are not a country: the page
    says how many there are)."""
    counts = {code: n for code, n in counts.items() if code in outlines()}
    top = max(counts.values(), default=0)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        by_level: dict[int, list[list[tuple[float, float]]]] = {}
        for code, rings in outlines().items():
            n = counts.get(code, 0)
            polys = [_project(r) for r in rings]
            by_level.setdefault(_bin(n, top), []).extend(polys)
            if n:
                largest = max(polys, key=len)
                x = sum(p[0] for p in largest) / len(largest)
                y = sum(p[1] for p in largest) / len(largest)
                ax.annotate(
                    str(n),
                    (x, y),
                    ha="center",
                    va="center",
                    fontsize=8,
                    fontweight="bold",
                    bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "#333333", "lw": 0.5},
                )
        for level, polys in by_level.items():  # one collection per shade
            ax.add_collection(
                PolyCollection(
                    polys,
                    facecolors=GREYS[level],
                    edgecolors="#555555",
                    linewidths=0.4,
                    hatch=HATCHES[level] or None,
                    zorder=1,
                )
            )
        ax.set_xlim(-25 * math.cos(math.radians(52)), 45 * math.cos(math.radians(52)))
        ax.set_ylim(34, 71.5)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title, loc="left", fontweight="bold")
        if top:
            bounds = sorted({1 + math.ceil(i * (top - 1) / 3) for i in range(4)} | {top})
            legend = [
                Patch(
                    facecolor=GREYS[_bin(b, top)],
                    edgecolor="#555555",
                    hatch=HATCHES[_bin(b, top)],
                    label=f"{b}",
                )
                for b in bounds
            ]
            ax.legend(handles=legend, title="centres", loc="upper left", frameon=False, fontsize=8)

    return _cached("europe", [title, sorted(counts.items())], fmt, lambda: _render(draw, fmt, (6.5, 5.6)))
