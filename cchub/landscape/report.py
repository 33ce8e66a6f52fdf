"""The landscape report, in the shape of the network's deliverable "Report on CCs landscape
and user support activities": method, the network, competences and coverage, gaps with
recommendations drawn from the evidence, user support, training, and annex tables.

One assembly (``build``) feeds three renderings: HTML (a page and a file), PDF (made
here, with fpdf2 and the DejaVu font matplotlib ships), and CSV (a zip with one file per
table). The tables behind the dashboard's charts come from here too (``table``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from cchub.landscape import charts, coverage, gaps, kpis
from cchub.landscape.gaps import KIND_LABELS, Gap
from cchub.lib.text import csv_cell
from cchub.registry.models import Centre

Table = tuple[list[str], list[list[Any]]]


@dataclass
class Report:
    period: kpis.Period
    generated: dt.datetime
    board: kpis.Dashboard
    matrix: coverage.Matrix
    gaps: list[Gap]
    tables: dict[str, Table] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return (
            f"Report on the Competence Centres landscape and user support activities, {self.period.label()}"
        )

    def recommendations(self) -> list[str]:
        """One recommendation per gap, the most pressing first, without repeating itself."""
        seen, found = set(), []
        for gap in self.gaps:
            if gap.recommendation not in seen:
                seen.add(gap.recommendation)
                found.append(gap.recommendation)
            if len(found) == 10:
                break
        return found

    def gaps_by_kind(self, top: int = 10) -> list[tuple[str, int, list[Gap]]]:
        """Each kind of gap: its label, how many there are, and the most pressing ones."""
        found = []
        for kind, label in KIND_LABELS.items():
            mine = [g for g in self.gaps if g.kind == kind]
            if mine:
                found.append((label, len(mine), mine[:top]))
        return found

    def coverage_summary(self) -> dict[str, int]:
        rows = [r for r in self.matrix.rows if not r.is_area]
        return {
            "competences": len(rows),
            "offered": sum(1 for r in rows if r.total.count),
            "by_two": sum(1 for r in rows if r.total.count >= 2),
            "not_offered": sum(1 for r in rows if not r.total.count),
        }


def _figures_table(board: kpis.Dashboard) -> Table:
    rows = [
        [
            f.label,
            "" if f.value is None else f.value,
            "" if f.previous is None else f.previous,
            f.unit,
            f.trend,
        ]
        for f in board.figures.values()
    ]
    return ["figure", "this period", "previous period", "unit", "trend"], rows


def table(name: str, board: kpis.Dashboard, matrix: coverage.Matrix | None = None) -> Table:
    """The data of one chart or annex table."""
    if name in board.breakdowns:
        return [name, "centres"], [[label, n] for label, n in board.breakdowns[name]]
    if name == "tickets":
        return ["month", "asked", "solved"], [
            [m, v["opened"], v["solved"]] for m, v in board.series["tickets"]
        ]
    if name == "training":
        return ["month", "delivered", "planned"], [
            [m, v["delivered"], v["planned"]] for m, v in board.series["training"]
        ]
    if name == "figures":
        return _figures_table(board)
    if name == "areas":
        matrix = matrix or coverage.live()
        return ["area", "centres"], [[r.label, r.total.count] for r in matrix.rows if r.is_area]
    raise KeyError(name)


CHARTS = ("cluster", "kind", "status", "country", "tickets", "training", "areas")


def coverage_table(matrix: coverage.Matrix) -> Table:
    headers = ["area", "competence", "notation", "centres", *[label for _, label in matrix.columns]]
    headers += [f"at level: {coverage.LEVEL_LABELS[level]}" for level in coverage.LEVELS]
    rows = []
    for row in matrix.rows:
        area = matrix.row(row.area).label
        cells = [row.cells[key].count if key in row.cells else 0 for key, _ in matrix.columns]
        levels = [row.total.levels.get(level, 0) for level in coverage.LEVELS]
        rows.append([area, "" if row.is_area else row.label, row.notation, row.total.count, *cells, *levels])
    return headers, rows


def build(start: dt.date | None = None, end: dt.date | None = None) -> Report:
    period = kpis.period(start, end)
    board = kpis.dashboard(period)
    matrix = coverage.live("cluster")
    found = gaps.analyse(period.start, period.end, matrix=matrix)
    report = Report(period=period, generated=timezone.now(), board=board, matrix=matrix, gaps=found)
    report.tables["figures"] = _figures_table(board)
    report.tables["coverage"] = coverage_table(matrix)
    report.tables["gaps"] = (
        ["rank", "gap", "subject", "where", "evidence", "recommendation", "score"],
        [
            [i, g.kind_label, g.subject, g.where, g.evidence, g.recommendation, round(g.score, 2)]
            for i, g in enumerate(found, start=1)
        ],
    )
    for name in ("cluster", "kind", "status", "country", "tickets", "training"):
        report.tables[name] = table(name, board)
    centres = Centre.objects.public().prefetch_related("clusters").order_by("acronym")
    report.tables["centres"] = (
        ["acronym", "name", "kind", "status", "clusters", "countries", "competence offers", "services"],
        [
            [
                c.acronym,
                c.name,
                c.get_kind_display(),
                c.get_status_display(),
                " ".join(k.acronym for k in c.clusters.all()),
                " ".join(c.countries),
                c.offers.count(),
                c.services.count(),
            ]
            for c in centres
        ],
    )
    return report


# ----------------------------------------------------------------------------- HTML


def html(report: Report) -> str:
    return render_to_string("landscape/report_document.html", {"report": report, **context(report)})


def context(report: Report) -> dict[str, Any]:
    import base64

    def embed(png: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(png).decode()

    board = report.board
    return {
        "method": METHOD.format(period=report.period.label()),
        "summary": report.coverage_summary(),
        "areas": report.matrix.areas(),
        "map": embed(charts.europe(board.by_country)),
        "tickets_chart": embed(charts.months("Questions per month", board.series["tickets"], fmt="png")),
        "training_chart": embed(
            charts.months("Training events per month", board.series["training"], fmt="png")
        ),
        "pan_european": board.by_country.get("EU", 0),
    }


# ----------------------------------------------------------------------------- PDF


def _font() -> Path:
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def pdf(report: Report) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    doc = FPDF(format="A4")
    doc.set_title(report.title)
    doc.set_author(settings.SITE_NAME)
    doc.set_creator("CC Hub")
    fonts = _font()
    doc.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    doc.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    width = doc.w - doc.l_margin - doc.r_margin

    def heading(text: str, size: int = 14) -> None:
        doc.set_font("DejaVu", "B", size)
        doc.multi_cell(width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        doc.ln(2)

    def para(text: str) -> None:
        doc.set_font("DejaVu", "", 10)
        doc.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT")
        doc.ln(2)

    def grid(t: Table, widths: tuple[int, ...] | None = None, size: int = 8) -> None:
        headers, rows = t
        doc.set_font("DejaVu", "", size)
        with doc.table(
            col_widths=widths, headings_style=FontFace(emphasis="BOLD"), line_height=size * 0.5
        ) as out:
            out.row([str(h) for h in headers])
            for row in rows:
                out.row([str(v) for v in row])
        doc.ln(3)

    board, summary = report.board, report.coverage_summary()
    heading(report.title, 16)
    para(f"{settings.SITE_NAME}. Generated {report.generated:%Y-%m-%d %H:%M} from the hub's data.")
    heading("1. Method")
    para(METHOD.format(period=report.period.label()))
    heading("2. The network")
    f = board.figures
    para(
        f"Centres: {f['centres'].value} ({f['centres'].trend} since the period began). Services: "
        f"{f['services'].value}. Pan-European centres: {board.by_country.get('EU', 0)}."
    )
    grid(report.tables["cluster"], (3, 1))
    doc.image(io.BytesIO(charts.europe(board.by_country)), w=width * 0.8)
    grid(report.tables["kind"], (3, 1))
    heading("3. Competences and coverage")
    para(
        f"Of {summary['competences']} competences in the taxonomy, {summary['offered']} are offered by at "
        f"least one centre, {summary['by_two']} by two or more; {summary['not_offered']} by none."
    )
    headers = ["area", "centres", *[label for _, label in report.matrix.columns]]
    rows = [
        [a.label, a.total.count, *[a.cells[k].count if k in a.cells else 0 for k, _ in report.matrix.columns]]
        for a, _ in report.matrix.areas()
    ]
    grid((headers, rows))
    heading("4. Gaps and recommendations")
    for label, count, shown in report.gaps_by_kind():
        heading(f"{label} ({count})", 11)
        for gap in shown:
            where = f" — {gap.where}" if gap.where else ""
            para(f"• {gap.subject}{where}. {gap.evidence}")
    heading("Recommendations", 12)
    for i, text in enumerate(report.recommendations(), start=1):
        para(f"{i}. {text}")
    heading("5. User support")
    para(
        f"Questions asked: {f['tickets_opened'].value} ({f['tickets_opened'].trend}); solved: "
        f"{f['tickets_solved'].value}; median first response: {_hours(f['first_response'].value)}; "
        f"median time to solve: {_hours(f['resolution'].value)}; tickets past a service level: "
        f"{f['sla_breaches'].value}; transfers between centres: {f['transfers'].value}."
    )
    doc.image(io.BytesIO(charts.months("Questions per month", board.series["tickets"], fmt="png")), w=width)
    grid(report.tables["tickets"], (2, 1, 1))
    heading("6. Training")
    para(
        f"Training events delivered in the period: {f['training_delivered'].value} "
        f"({f['training_delivered'].trend}); planned: {f['training_planned'].value}."
    )
    doc.image(
        io.BytesIO(charts.months("Training events per month", board.series["training"], fmt="png")), w=width
    )
    heading("Annex A. Figures")
    grid(report.tables["figures"], (4, 2, 2, 1, 3))
    heading("Annex B. Centres")
    grid(report.tables["centres"], (2, 5, 3, 2, 2, 2, 2, 2), size=7)
    heading("Annex C. Coverage by competence and cluster")
    headers, rows = report.tables["coverage"]
    keep = [1, 2, 3, *range(4, 4 + len(report.matrix.columns))]
    grid(([headers[i] for i in keep], [[r[i] or r[0] for i in keep] for r in rows]), size=6)
    return bytes(doc.output())


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g} h"


METHOD = (
    "This report is computed from the hub's own data for {period}. The network: the public "
    "records of the registry of Competence Centres. Competences: the hub's competence taxonomy "
    "(its concepts cite terms4FAIRskills, FAIR4S, the Skills4EOSC minimum viable skillset, ESCO "
    "and IVOA); a centre offers a competence at a level — expert consultancy, hands-on support, "
    "training or referral — and is counted once, at its best level; an area counts the centres "
    "offering anything in it. Demand: questions to the helpdesk by workflow stage, searches that "
    "found nothing, and searches for training that found nothing, matched to the competences "
    "whose names they use. Supply weighs centres by level (expert and hands-on 1, training 0.75, "
    "referral 0.25); demand outstrips supply from two requests per weighted centre. Trends compare "
    "each figure with the period of the same length before."
)


# ----------------------------------------------------------------------------- CSV


def csv_zip(report: Report) -> bytes:
    """One CSV file per table, in a zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (headers, rows) in report.tables.items():
            archive.writestr(f"{name}.csv", csv_text(headers, rows))
    return out.getvalue()


def csv_text(headers: list[str], rows: list[list[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(h) for h in headers])
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()
