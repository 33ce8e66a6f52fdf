"""Pages of the landscape: the network dashboard, the coverage matrix, the gaps, the
comparison of two releases, the report; the charts and the data behind each as CSV."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cchub.landscape import charts, coverage, gaps, kpis, report
from cchub.lib.http import download
from cchub.registry.exchange import export_registry
from cchub.registry.models import Centre, Release

FILTERS = ("kind", "status")


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _period(request: HttpRequest) -> tuple[kpis.Period, list[str]]:
    """The period asked for (``from``, ``to``: YYYY-MM-DD), and what was wrong with it."""
    errors = []
    raw_start, raw_end = request.GET.get("from", ""), request.GET.get("to", "")
    start, end = _date(raw_start), _date(raw_end)
    if raw_start and start is None:
        errors.append(f"“{raw_start}” is not a date (YYYY-MM-DD); the default period is shown.")
    if raw_end and end is None:
        errors.append(f"“{raw_end}” is not a date (YYYY-MM-DD); the default period is shown.")
    if start and end and start > end:
        errors.append("The period starts after it ends; the default period is shown.")
        start = end = None
    return kpis.period(start, end), errors


def _shown(period: kpis.Period) -> dict[str, Any]:
    """The period for the pages' period form."""
    return {"period": period, "period_end": (period.end - dt.timedelta(days=1)).date()}


def _filters(request: HttpRequest) -> dict[str, str]:
    kinds, statuses = dict(Centre.KINDS), dict(Centre.STATUSES)
    kind, status = request.GET.get("kind", ""), request.GET.get("status", "")
    return {"kind": kind if kind in kinds else "", "status": status if status in statuses else ""}


def csv_response(name: str, headers: list[str], rows: list[list[Any]]) -> HttpResponse:
    return download(report.csv_text(headers, rows), "text/csv; charset=utf-8", f"{name}.csv")


def dashboard(request: HttpRequest) -> HttpResponse:
    period, errors = _period(request)
    board = kpis.dashboard(period)
    query = urlencode({"from": period.start.date(), "to": (period.end - dt.timedelta(days=1)).date()})
    panels = [
        ("cluster", "Centres by science cluster"),
        ("kind", "Centres by kind"),
        ("status", "Centres by network status"),
        ("tickets", "Questions asked and solved, per month"),
        ("training", "Training events, per month"),
    ]
    return render(
        request,
        "landscape/dashboard.html",
        {
            **_shown(period),
            "board": board,
            "errors": errors,
            "query": query,
            "panels": [(name, title, report.table(name, board)) for name, title in panels],
            "countries": report.table("country", board),
            "pan_european": board.by_country.get("EU", 0),
        },
    )


def chart(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """A chart of the dashboard (svg; the map as png) or the data behind it (csv)."""
    period, _ = _period(request)
    if name == "map" and fmt in ("png", "csv"):
        board = kpis.Dashboard(period=period)
        kpis.registry(board)
        if fmt == "csv":
            return csv_response("centres-per-country", *report.table("country", board))
        return HttpResponse(charts.europe(board.by_country), content_type="image/png")
    if name not in report.CHARTS or fmt not in ("svg", "csv"):
        raise Http404("No such chart")
    board = kpis.Dashboard(period=period)
    {"tickets": kpis.support, "training": kpis.training}.get(name, kpis.registry)(board)
    headers, rows = report.table(name, board)
    if fmt == "csv":
        return csv_response(name, headers, rows)
    if name in ("tickets", "training"):
        series = board.series[name]
        body = charts.months(headers[1].capitalize() + " and " + headers[2] + " per month", series)
    else:
        title = f"Centres by {name}" if name != "areas" else "Centres per area"
        body = charts.bars(title, [(str(label), float(n)) for label, n in rows])
    return HttpResponse(body, content_type="image/svg+xml")


def coverage_page(request: HttpRequest) -> HttpResponse:
    by = "country" if request.GET.get("by") == "country" else "cluster"
    filters = _filters(request)
    matrix = coverage.live(by, **filters)
    if request.GET.get("format") == "csv":
        return csv_response(f"coverage-by-{by}", *report.coverage_table(matrix))
    return render(
        request,
        "landscape/coverage.html",
        {
            "matrix": matrix,
            "by": by,
            "filters": filters,
            "kinds": Centre.KINDS,
            "statuses": Centre.STATUSES,
            "levels": coverage.LEVELS,
            "level_labels": coverage.LEVEL_LABELS,
            "query": urlencode({k: v for k, v in {"by": by, **filters}.items() if v}),
        },
    )


def gaps_page(request: HttpRequest) -> HttpResponse:
    period, errors = _period(request)
    filters = _filters(request)
    found = gaps.analyse(period.start, period.end, filters["kind"], filters["status"])
    wanted = request.GET.get("gap", "")
    if wanted in gaps.KIND_LABELS:
        found = [g for g in found if g.kind == wanted]
    if request.GET.get("format") == "csv":
        rows = [
            [i, g.kind_label, g.subject, g.where, g.evidence, g.recommendation]
            for i, g in enumerate(found, 1)
        ]
        return csv_response("gaps", ["rank", "gap", "subject", "where", "evidence", "recommendation"], rows)
    counts: dict[str, int] = {}
    for g in gaps.analyse(period.start, period.end, filters["kind"], filters["status"]) if wanted else found:
        counts[g.kind] = counts.get(g.kind, 0) + 1
    return render(
        request,
        "landscape/gaps.html",
        {
            **_shown(period),
            "gaps": found[:300],
            "total": len(found),
            "errors": errors,
            "filters": filters,
            "kinds": [(k, label, counts.get(k, 0)) for k, label in gaps.KIND_LABELS.items()],
            "wanted": wanted,
            "query": request.GET.urlencode(),
        },
    )


def compare(request: HttpRequest) -> HttpResponse:
    releases = list(Release.objects.order_by("created_at", "pk"))
    by_version = {r.version: r for r in releases}
    old = by_version.get(request.GET.get("old", ""))
    new = by_version.get(request.GET.get("new", ""))
    if old is None and len(releases) >= 2:
        old = releases[-2]
    if new is None and releases:
        new = releases[-1]
    changes: list[coverage.Change] = []
    current = False
    if old is not None:
        if new is None or new.pk == old.pk:

            changes, current = coverage.compare(old.snapshot, export_registry()), True
        else:
            changes = coverage.compare(old.snapshot, new.snapshot)
    changed = [c for c in changes if c.verdict != "unchanged"]
    if request.GET.get("format") == "csv":
        rows = [
            [
                c.label,
                c.notation,
                c.verdict,
                c.before,
                c.after,
                " ".join(c.gained),
                " ".join(c.lost),
                " ".join(c.stronger),
                " ".join(c.weaker),
            ]
            for c in changed
        ]
        headers = [
            "competence",
            "notation",
            "change",
            "centres before",
            "centres after",
            "gained",
            "lost",
            "stronger",
            "weaker",
        ]
        return csv_response("coverage-changes", headers, rows)
    summary: dict[str, int] = {}
    for c in changed:
        if not c.is_area:
            summary[c.verdict] = summary.get(c.verdict, 0) + 1
    return render(
        request,
        "landscape/compare.html",
        {
            "releases": releases,
            "old": old,
            "new": new,
            "current": current,
            "changes": changed,
            "summary": summary,
        },
    )


def report_page(request: HttpRequest) -> HttpResponse:
    period, errors = _period(request)
    start, end = period.start.date(), (period.end - dt.timedelta(days=1)).date()
    built = report.build(start, end)
    fmt = request.GET.get("format", "")
    name = f"cchub-landscape-{start}-{end}"
    if fmt == "pdf":
        return download(report.pdf(built), "application/pdf", f"{name}.pdf")
    if fmt == "csv":
        return download(report.csv_zip(built), "application/zip", f"{name}-tables.zip")
    if fmt == "html":
        response = HttpResponse(report.html(built), content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.html"'
        response._csp_update = {"style-src": ["'unsafe-inline'"]}  # type: ignore[attr-defined]
        return response
    return render(
        request,
        "landscape/report.html",
        {
            **_shown(period),
            "report": built,
            "errors": errors,
            "query": urlencode({"from": start, "to": end}),
            **report.context(built),
        },
    )
