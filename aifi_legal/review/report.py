"""`aifi-legal report`: one self-contained HTML page for the progress meeting (voortgangsoverleg).

Per implementation group: the planning as a timeline with today marked and each hospital's legal
state on it, a matrix of hospitals by document coloured by signing state (the state is written in
the cell too), what is overdue, the sub-processor notices after signing (who may still object,
until when; which sub-processors are blocked) and the DPIA reviews due, and the completeness
findings per document. The page has no
external scripts, fonts or styles, works offline and prints on A4. Every value from the data is
escaped.
"""

from __future__ import annotations

import hashlib
import html
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .._version import __version__
from ..assembly.formatting import add_months, datum
from ..checks.check import check
from ..checks.findings import ERROR, WARNING, Finding
from ..documents import MODEL_FOLDER
from ..inputs.models import Portfolio
from ..output.files import write_atomic
from ..register.ledger import Register
from ..register.status import (
    AWAITING_ADVICE,
    CHANGED,
    CONCEPT,
    DECLINED,
    NOT_BUILT,
    PARTLY,
    READY,
    SIGNED,
    DocumentStatus,
    GroupStatus,
    StatusReport,
)
from ..register.status import status as status_report
from ..source import DocumentSource
from .report_after import after_signing

# The state as the page says it, and the class that colours it.
STATE_LABELS = {
    NOT_BUILT: ("niet gemaakt", "none"),
    CONCEPT: ("concept", "concept"),
    CHANGED: ("gewijzigd na build", "problem"),
    AWAITING_ADVICE: ("wacht op advies FG", "concept"),
    READY: ("klaar voor ondertekening", "ready"),
    PARTLY: ("deels ondertekend", "partly"),
    SIGNED: ("ondertekend", "signed"),
    DECLINED: ("geweigerd", "problem"),
}
LEVEL_LABELS = {ERROR: "fout", WARNING: "waarschuwing"}
PILLARS = (("legal", "Juridisch"), ("technical", "Technisch"), ("clinical", "Klinisch"))

_STYLE = """
@page { size: A4; margin: 15mm; }
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; font-size: 10pt;
       color: #111; margin: 1.5em; max-width: 60em; }
h1 { font-size: 16pt; margin: 0 0 .2em; }
h2 { font-size: 13pt; margin: 1.5em 0 .4em; border-bottom: 1px solid #999; }
h3 { font-size: 11pt; margin: 1em 0 .3em; }
p.meta { color: #444; margin: 0 0 .3em; }
table { border-collapse: collapse; margin: .3em 0 1em; page-break-inside: avoid; }
caption { text-align: left; font-weight: bold; padding: .2em 0; }
th, td { border: 1px solid #888; padding: .25em .45em; text-align: left; vertical-align: top; }
thead th { background: #e8e8e8; }
td.state { min-width: 8em; }
.signed { background: #c8e6c9; } .partly { background: #fff3b0; }
.ready { background: #d6e4f5; } .concept { background: #eeeeee; }
.none { background: #ffffff; } .problem { background: #f8c4c0; }
.late { font-weight: bold; }
.small { font-size: 8.5pt; color: #333; }
ul.legend { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .4em 1em; }
ul.legend li span { display: inline-block; width: 1em; height: 1em; border: 1px solid #888;
                    vertical-align: middle; margin-right: .3em; }
svg { max-width: 100%; height: auto; }
section.group { page-break-before: auto; }
@media print { body { margin: 0; } section.group + section.group { page-break-before: always; } }
"""


@dataclass
class ProgressReport:
    """Where every selected hospital stands, with what is needed to show it on one page."""

    made: datetime
    status: StatusReport
    portfolio: Portfolio
    data: Path
    register: Path
    out: Path
    findings: list[Finding] = field(default_factory=list)

    def to_html(self) -> str:
        """The whole page, self-contained."""
        title = f"AIFI juridische pijler: voortgang op {datum(self.status.today)}"
        sha = _sha256(self.data)
        groups = [_group_section(self, g) for g in self.status.groups]
        meta = (
            f"Gemaakt op {datum(self.made.date())} om {self.made:%H:%M} met aifi-legal "
            f"{__version__}, uit {self.data} (sha256 {sha[:12]}), register {self.register} "
            f"en documenten in {self.out}."
        )
        return (
            '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{_e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
            f'<h1>{_e(title)}</h1>\n<p class="meta">{_e(meta)}</p>\n'
            f"{_summary(self)}{_legend()}{''.join(groups)}"
            "</body>\n</html>\n"
        )

    def write_html(self, path: str | Path) -> Path:
        """Write the page to `path` (atomically) and return the path."""
        target = Path(path)
        write_atomic(target, self.to_html().encode("utf-8"))
        return target

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        return f"<ProgressReport {self.status.today}: {len(self.status.groups)} group(s)>"


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "?"


def _summary(report: ProgressReport) -> str:
    counts = Counter(d.status for d in report.status.documents)
    items = "".join(
        f"<li>{_e(STATE_LABELS[state][0])}: {counts[state]}</li>"
        for state in STATE_LABELS
        if counts[state]
    )
    overdue = sum(d.overdue for d in report.status.documents)
    late = f'<li class="late">te laat: {overdue}</li>' if overdue else ""
    return f"<h2>Overzicht</h2>\n<ul>{items}{late}</ul>\n"


def _legend() -> str:
    items = "".join(
        f'<li><span class="{css}" aria-hidden="true"></span>{_e(label)}</li>'
        for label, css in STATE_LABELS.values()
    )
    return f'<ul class="legend" aria-label="Legenda">{items}</ul>\n'


def _hospital_name(report: ProgressReport, hospital_id: str) -> str:
    for hospital in report.portfolio.hospitals:
        if hospital.id == hospital_id:
            return hospital.legal_name
    return hospital_id


def _group_section(report: ProgressReport, group: GroupStatus) -> str:
    in_group = [d for d in report.status.documents if d.group == group.group]
    # Addenda are signed after the legal pillar: listed with the notices, not in its matrix.
    documents = [d for d in in_group if d.amends is None]
    addenda = [d for d in in_group if d.amends is not None]

    def name_of(hospital: str) -> str:
        return _hospital_name(report, hospital)

    by_hospital: dict[str, list[DocumentStatus]] = defaultdict(list)
    for document in documents:
        by_hospital[document.hospital].append(document)
    heading = (
        f"Implementatiegroep {group.group}: start {datum(group.start_date)}, juridische pijler "
        f"tot en met {datum(group.legal_due)}; {group.through} van {group.hospitals} "
        "ziekenhuizen rond" + (f", {group.overdue} te laat" if group.overdue else "")
    )
    return (
        f'<section class="group">\n<h2>{_e(heading)}</h2>\n'
        f"{_timeline(report, group, by_hospital)}{_matrix(report, group, by_hospital)}"
        f"{_overdue(report, documents)}"
        f"{after_signing(report.status, addenda, set(by_hospital), name_of, STATE_LABELS)}"
        f"{_findings(report, by_hospital)}</section>\n"
    )


def _matrix(
    report: ProgressReport, group: GroupStatus, by_hospital: dict[str, list[DocumentStatus]]
) -> str:
    columns = list(dict.fromkeys(d.document for docs in by_hospital.values() for d in docs))
    head = "".join(f'<th scope="col">{_e(c)}</th>' for c in columns)
    rows = []
    for hospital, docs in by_hospital.items():
        cells = {d.document: d for d in docs}
        row = [f'<th scope="row">{_e(_hospital_name(report, hospital))}</th>']
        for column in columns:
            d = cells.get(column)
            if d is None:
                row.append("<td>-</td>")
                continue
            label, css = STATE_LABELS.get(d.status, (d.status, "none"))
            detail = ""
            if d.missing and d.status in (PARTLY, READY):
                detail = "nog: " + ", ".join(d.missing)
            if d.declined:
                detail = "geweigerd door: " + ", ".join(d.declined)
            late = ' <span class="late">te laat</span>' if d.overdue else ""
            small = f'<br><span class="small">{_e(detail)}</span>' if detail else ""
            row.append(f'<td class="state {css}">{_e(label)}{late}{small}</td>')
        rows.append("<tr>" + "".join(row) + "</tr>")
    caption = f"Ondertekening per ziekenhuis en document, groep {group.group}"
    return (
        f"<table>\n<caption>{_e(caption)}</caption>\n<thead><tr>"
        f'<th scope="col">Ziekenhuis</th>{head}</tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
    )


def _overdue(report: ProgressReport, documents: list[DocumentStatus]) -> str:
    late = [d for d in documents if d.overdue]
    if not late:
        return "<p>Niets is te laat ten opzichte van de planning.</p>\n"
    rows = "".join(
        f"<tr><td>{_e(_hospital_name(report, d.hospital))}</td><td>{_e(d.document)}</td>"
        f"<td>{_e(STATE_LABELS.get(d.status, (d.status,))[0])}</td><td>{_e(datum(d.due))}</td>"
        f"<td>{_e(', '.join(d.missing) or '-')}</td></tr>"
        for d in late
    )
    return (
        "<table>\n<caption>Te laat ten opzichte van de planning</caption>\n<thead><tr>"
        '<th scope="col">Ziekenhuis</th><th scope="col">Document</th><th scope="col">Stand</th>'
        '<th scope="col">Uiterlijk</th><th scope="col">Nog te tekenen door</th></tr></thead>\n'
        f"<tbody>{rows}</tbody>\n</table>\n"
    )


def _findings(report: ProgressReport, by_hospital: dict[str, list[DocumentStatus]]) -> str:
    chosen = [f for f in report.findings if f.hospital in by_hospital]
    if not chosen:
        return "<p>Geen bevindingen over de volledigheid van de documenten.</p>\n"
    rows = "".join(
        f"<tr><td>{_e(_hospital_name(report, f.hospital or ''))}</td>"
        f"<td>{_e(Path(f.document).name)}</td><td>{_e(LEVEL_LABELS.get(f.level, f.level))}</td>"
        f"<td>{_e(f.location)}</td><td>{_e(f.message)}</td></tr>"
        for f in chosen
    )
    return (
        "<table>\n<caption>Bevindingen over de volledigheid (aifi-legal check)</caption>\n"
        '<thead><tr><th scope="col">Ziekenhuis</th><th scope="col">Document</th>'
        '<th scope="col">Niveau</th><th scope="col">Plaats</th><th scope="col">Bevinding</th>'
        f"</tr></thead>\n<tbody>{rows}</tbody>\n</table>\n"
    )


def _legal_state(docs: list[DocumentStatus]) -> tuple[str, str]:
    """A hospital's legal pillar in a few words, and its colour class."""
    signed = sum(d.status == SIGNED for d in docs)
    if docs and signed == len(docs):
        return "rond", "signed"
    text = f"{signed} van {len(docs)} ondertekend"
    if any(d.status == DECLINED for d in docs):
        return text + ", geweigerd", "problem"
    if any(d.overdue for d in docs):
        return text + ", te laat", "problem"
    return text, "partly" if signed else "ready"


def _short(name: str, limit: int = 38) -> str:
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"


_FILL = {"signed": "#66bb6a", "partly": "#f2c200", "ready": "#7ea7d8", "problem": "#e0645a"}


def _timeline(
    report: ProgressReport, group: GroupStatus, by_hospital: dict[str, list[DocumentStatus]]
) -> str:
    """An SVG of the planning from the group's start, today marked, each hospital's state."""
    planning = report.portfolio.consortium.programme.planning
    months = max(getattr(planning, name).last for name, _ in PILLARS)
    left, width, row = 230, 470, 22
    start = group.start_date

    def x(day: date) -> float:
        end = add_months(start, months)
        share = (day - start).days / max(1, (end - start).days)
        return left + width * min(1.0, max(0.0, share))

    parts = []
    rows = [(label, name) for name, label in PILLARS]
    height = row * (len(rows) + len(by_hospital) + 2)
    for month in range(months + 1):
        mx = x(add_months(start, month))
        parts.append(
            f'<line x1="{mx:.1f}" y1="{row}" x2="{mx:.1f}" y2="{height - row}" stroke="#ddd"/>'
        )
        if month % 3 == 0 and month < months:
            parts.append(
                f'<text x="{mx + 2:.1f}" y="{row - 6}" font-size="9">'
                f"{_e(add_months(start, month).strftime('%m-%Y'))}</text>"
            )
    y = row
    for label, name in rows:
        period = getattr(planning, name)
        x1, x2 = x(add_months(start, period.first - 1)), x(add_months(start, period.last))
        parts.append(
            f'<text x="4" y="{y + 15}" font-size="10">{_e(label)} '
            f"(maand {period.first}-{period.last})</text>"
        )
        parts.append(
            f'<rect x="{x1:.1f}" y="{y + 4}" width="{x2 - x1:.1f}" height="14" fill="#9e9e9e"/>'
        )
        y += row
    legal = planning.legal
    x1 = x(add_months(start, legal.first - 1))
    x2 = x(add_months(start, legal.last))
    for hospital, docs in by_hospital.items():
        state, css = _legal_state(docs)
        signed = sum(d.status == SIGNED for d in docs) / max(1, len(docs))
        name = _hospital_name(report, hospital)
        parts.append(f'<text x="4" y="{y + 15}" font-size="10">{_e(_short(name))}</text>')
        parts.append(
            f'<rect x="{x1:.1f}" y="{y + 4}" width="{x2 - x1:.1f}" height="14" '
            'fill="#fff" stroke="#888"/>'
        )
        parts.append(
            f'<rect x="{x1:.1f}" y="{y + 4}" width="{(x2 - x1) * signed:.1f}" '
            f'height="14" fill="{_FILL[css]}"/>'
        )
        parts.append(f'<text x="{x2 + 6:.1f}" y="{y + 15}" font-size="10">{_e(state)}</text>')
        y += row
    today = report.status.today
    tx = x(today)
    where = ""
    if today < start:
        where = " (voor de start)"
    elif today > add_months(start, months):
        where = " (na de planning)"
    parts.append(
        f'<line x1="{tx:.1f}" y1="{row - 4}" x2="{tx:.1f}" y2="{y + 4}" '
        'stroke="#c62828" stroke-width="2"/>'
    )
    parts.append(
        f'<text x="{tx + 3:.1f}" y="{y + 16}" font-size="10" fill="#c62828">'
        f"vandaag, {_e(datum(today))}{where}</text>"
    )
    description = "; ".join(
        f"{_hospital_name(report, h)}: {_legal_state(d)[0]}" for h, d in by_hospital.items()
    )
    return (
        f'<figure>\n<svg xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {left + width + 160} {y + row}" width="{left + width + 160}" '
        f'aria-labelledby="t{group.group} d{group.group}">'
        f'<title id="t{group.group}">Planning van groep {group.group}</title>'
        f'<desc id="d{group.group}">{_e(description)}</desc>' + "".join(parts) + "</svg>\n"
        f"<figcaption>Planning van groep {group.group} vanaf {_e(datum(start))}, "
        "met vandaag en per ziekenhuis het deel van de documenten dat is ondertekend.</figcaption>"
        "\n</figure>\n"
    )


def progress_report(
    source: DocumentSource,
    register: Register,
    out: str | Path = "out",
    *,
    hospitals: str | Iterable[str] = (),
    group: int | None = None,
    today: date | None = None,
    made: datetime | None = None,
) -> ProgressReport:
    """The progress report of the selected hospitals on `today`; see `Project.report`."""
    out = Path(out)
    status = status_report(
        source, out, register.read(), hospitals=hospitals, group=group, today=today
    )
    findings: list[Finding] = []
    if out.is_dir() and any(p.parent.name != MODEL_FOLDER for p in out.glob("*/*.docx")):
        findings = check(source, out=out).findings
    return ProgressReport(
        made or datetime.now().replace(microsecond=0),
        status,
        source.portfolio,
        source.workspace.data,
        register.path,
        out,
        findings,
    )
