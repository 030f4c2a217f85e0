"""The X-Matrix on one page: an SVG picture built on the server, and its PDF and PNG exports.

The layout is the classic Hoshin Kanri one. A centre rectangle is cut by its diagonals into four
triangles naming the lists around it: breakthrough objectives south, annual objectives west,
improvement priorities north, metrics east, and the resources at the far east. Each corner
between two lists is a correlation grid; the grid north of the resources says who is responsible
for each priority. Every list starts next to the centre and grows outwards.

The picture is plain data in, a string out (:func:`xmatrix_svg`), so the web page, the PDF and the
PNG all show exactly the same thing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

from django.template.loader import render_to_string

from headway.strategy.choices import Responsibility, Strength
from headway.strategy.models import XMatrix, XMatrixItem
from headway.strategy.selectors import MetricValue, XMatrixData, xmatrix_page

# --- geometry, in SVG user units (the PDF scales the whole picture to fit one page) -----------

CELL = 18  # a row's height, or a column's width, in the lists and the grids
METRIC_CELL = 32  # a metric column carries two lines: the metric, then baseline -> target
CENTRE_W = 340  # room for about sixty characters of a breakthrough or a priority
CENTRE_H = 300  # room for about fifty characters of an annual objective or a metric
MARGIN = 16
TITLE_H = 44
LEGEND_H = 40
LEGEND_W = 700  # the legend's one line
FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
FONT_SIZE = 9.5
SMALL_SIZE = 7.5
# An average glyph of DejaVu Sans is a little over half the font size wide.
GLYPH_WIDTH = 0.57
MARK_R = 5.0

INK = "#1d2330"
MUTED = "#566072"
LINE = "#b8bfcc"
ACCENT = "#2456c7"
FLAG = "#b3261e"
HEALTH_COLOURS = {
    "green": "#1e7d3a",
    "amber": "#c77700",
    "red": "#b3261e",
}


# --- the plain data the picture is drawn from -------------------------------------------------


@dataclass
class Row:
    id: int
    title: str
    detail: str = ""  # metrics: "baseline -> target unit · owner"
    health: str = ""  # metrics linked to a KPI: its stored health
    flagged: str = ""  # why a check flags this item (shown as a red mark and a tooltip)


@dataclass
class Picture:
    title: str  # "X-Matrix 2026"
    subtitle: str  # the organization, and the matrix's own title if any
    breakthroughs: list[Row] = field(default_factory=list)
    annual: list[Row] = field(default_factory=list)
    priorities: list[Row] = field(default_factory=list)
    metrics: list[Row] = field(default_factory=list)
    resources: list[Row] = field(default_factory=list)
    # (row id, column id) -> strength, stored the way Correlation stores them.
    correlations: dict[tuple[int, int], str] = field(default_factory=dict)
    # (priority id, resource id) -> responsibility
    assignments: dict[tuple[int, int], str] = field(default_factory=dict)
    # What the checks found, as (subject, message), for a list beside the picture.
    findings: list[tuple[str, str]] = field(default_factory=list)


def _number(value: Decimal | None) -> str:
    if value is None:
        return "?"
    text = format(value.normalize(), "f")
    return text


def _metric_detail(item: XMatrixItem, live: MetricValue | None) -> str:
    parts = []
    unit = f" {item.unit}" if item.unit else ""
    if item.baseline is not None or item.target is not None:
        parts.append(f"{_number(item.baseline)} \u2192 {_number(item.target)}{unit}")
    if live is not None and live.value is not None:
        parts.append(f"now {_number(live.value)}")
    parts.append(item.owner.user.display_name if item.owner is not None else "no owner")
    return " \u00b7 ".join(parts)


def picture_from(data: XMatrixData) -> Picture:
    """The picture of a matrix read by :func:`headway.strategy.selectors.xmatrix_page`."""
    matrix = data.matrix
    subtitle = matrix.organization.name
    if matrix.title:
        subtitle = f"{subtitle} \u00b7 {matrix.title}"
    flags: dict[tuple[str, int], str] = {}
    for finding in data.findings:
        kind = "resource" if finding.code == "overloaded-owner" else "item"
        key = (kind, finding.subject_id)
        flags[key] = f"{flags[key]} {finding.message}" if key in flags else finding.message

    def rows(items: list[XMatrixItem]) -> list[Row]:
        return [Row(i.pk, i.title, flagged=flags.get(("item", i.pk), "")) for i in items]

    metrics = []
    for item in data.metrics:
        live = data.metric_values.get(item.pk)
        metrics.append(
            Row(
                item.pk,
                item.title,
                _metric_detail(item, live),
                health=str(live.health.value) if live is not None else "",
                flagged=flags.get(("item", item.pk), ""),
            )
        )
    return Picture(
        title=f"X-Matrix {matrix.year}",
        subtitle=subtitle,
        breakthroughs=rows(data.breakthroughs),
        annual=rows(data.annuals),
        priorities=rows(data.priorities),
        metrics=metrics,
        resources=[
            Row(r.pk, data.resource_names[r.pk], flagged=flags.get(("resource", r.pk), ""))
            for r in data.resources
        ],
        correlations=dict(data.correlations),
        assignments=dict(data.assignments),
        findings=[(f.subject, f.message) for f in data.findings],
    )


def picture(matrix: XMatrix) -> Picture:
    """Everything the picture shows, in the selector's fixed number of queries.

    ``matrix.organization`` should already be loaded (the views set it from the membership).
    """
    return picture_from(xmatrix_page(matrix))


# --- drawing ----------------------------------------------------------------------------------


def _fit(text: str, width: float, size: float) -> str:
    """``text`` cut with an ellipsis to fit ``width`` (the full text stays in the tooltip)."""
    room = max(1, int(width / (size * GLYPH_WIDTH)))
    if len(text) <= room:
        return text
    return text[: room - 1].rstrip() + "\u2026"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: float = FONT_SIZE,
    fill: str = INK,
    anchor: str = "start",
    rotate: bool = False,
    weight: str = "normal",
    css: str = "",
) -> str:
    place = f'transform="translate({x:.1f},{y:.1f}) rotate(-90)"' if rotate else ""
    where = "" if rotate else f'x="{x:.1f}" y="{y:.1f}"'
    klass = f' class="{css}"' if css else ""
    return (
        f'<text {where}{place}{klass} font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(text)}</text>'
    )


def _titled(inner: str, tooltip: str) -> str:
    return f"<g><title>{escape(tooltip)}</title>{inner}</g>"


def _mark(cx: float, cy: float, kind: str, *, css: str = "mark") -> str:
    """A correlation or responsibility mark centred on (cx, cy)."""
    klass = f'class="{css} {css}-{kind}"'
    r = MARK_R
    if kind in (Strength.STRONG, Responsibility.PRIMARY):
        colour = INK if kind == Strength.STRONG else ACCENT
        return f'<circle {klass} cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="{colour}"/>'
    if kind == Strength.MODERATE:
        # A half-filled circle: the outline, and its left half filled.
        return (
            f"<g {klass}>"
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="white" stroke="{INK}" '
            f'stroke-width="1.2"/>'
            f'<path d="M{cx:.1f},{cy - r:.1f} A{r},{r} 0 0 0 {cx:.1f},{cy + r:.1f} Z" '
            f'fill="{INK}"/></g>'
        )
    colour = INK if kind == Strength.WEAK else ACCENT
    return (
        f'<circle {klass} cx="{cx:.1f}" cy="{cy:.1f}" r="{r}" fill="white" '
        f'stroke="{colour}" stroke-width="1.2"/>'
    )


@dataclass
class _Layout:
    """Where each block sits. x grows east, y grows south; lists grow outwards from the centre."""

    picture: Picture
    x_west: float = 0  # left edge of the annual objectives' columns
    x_centre: float = 0
    x_east: float = 0  # left edge of the metrics' columns
    x_resources: float = 0
    x_end: float = 0
    y_north: float = 0  # top edge of the priorities' rows
    y_centre: float = 0
    y_south: float = 0  # top edge of the breakthroughs' rows
    y_end: float = 0

    def __post_init__(self) -> None:
        p = self.picture
        self.x_west = MARGIN
        self.x_centre = self.x_west + len(p.annual) * CELL
        self.x_east = self.x_centre + CENTRE_W
        self.x_resources = self.x_east + len(p.metrics) * METRIC_CELL
        self.x_end = self.x_resources + len(p.resources) * CELL
        self.y_north = MARGIN + TITLE_H
        self.y_centre = self.y_north + len(p.priorities) * CELL
        self.y_south = self.y_centre + CENTRE_H
        self.y_end = self.y_south + len(p.breakthroughs) * CELL

    @property
    def width(self) -> float:
        # The legend needs some room even when the matrix is nearly empty.
        return max(self.x_end, MARGIN + LEGEND_W) + MARGIN

    @property
    def height(self) -> float:
        return self.y_end + LEGEND_H + MARGIN

    # The near-centre edge of each list's i-th row or column.
    def annual_x(self, i: int) -> float:
        return self.x_centre - (i + 1) * CELL

    def priority_y(self, i: int) -> float:
        return self.y_centre - (i + 1) * CELL

    def breakthrough_y(self, i: int) -> float:
        return self.y_south + i * CELL

    def metric_x(self, i: int) -> float:
        return self.x_east + i * METRIC_CELL

    def resource_x(self, i: int) -> float:
        return self.x_resources + i * CELL


def _centre(lay: _Layout) -> list[str]:
    x0, x1, y0, y1 = lay.x_centre, lay.x_east, lay.y_centre, lay.y_south
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    parts = [
        f'<rect x="{x0}" y="{y0}" width="{CENTRE_W}" height="{CENTRE_H}" fill="#f6f8fb" '
        f'stroke="{INK}" stroke-width="1.2"/>',
        f'<path d="M{x0},{y0} L{x1},{y1} M{x1},{y0} L{x0},{y1}" stroke="{INK}" stroke-width="1"/>',
    ]
    labels = [
        (cx, y1 - 26, "Breakthrough objectives", "3-5 years", False),
        (cx, y0 + 32, "Improvement priorities", "this year", False),
        (x0 + 40, cy, "Annual objectives", "this year", True),
        (x1 - 30, cy, "Metrics to improve", "baseline \u2192 target", True),
    ]
    for x, y, name, hint, rotate in labels:
        parts.append(
            _text(x, y, name, size=11, anchor="middle", rotate=rotate, weight="bold", css="list")
        )
        dx, dy = (14, 0) if rotate else (0, 13)
        parts.append(
            _text(x + dx, y + dy, hint, size=SMALL_SIZE, fill=MUTED, anchor="middle", rotate=rotate)
        )
    return parts


def _flag(cx: float, cy: float) -> str:
    """The red badge of an item or resource that a check flags."""
    return f'<circle class="flag" cx="{cx:.1f}" cy="{cy:.1f}" r="6" fill="{FLAG}"/>' + _text(
        cx, cy + 3.5, "!", size=9, fill="white", anchor="middle", weight="bold"
    )


def _tooltip(row: Row, extra: str = "") -> str:
    return " ".join(part for part in (row.title + extra, row.flagged) if part)


FLAG_ROOM = 16  # what a flag takes off a row's or a column's room for text


def _lists(lay: _Layout) -> list[str]:
    p = lay.picture
    parts: list[str] = []
    pad = 5
    # North and south: rows across the centre's width, a flag at their east end.
    for rows, y_of in ((p.priorities, lay.priority_y), (p.breakthroughs, lay.breakthrough_y)):
        for i, row in enumerate(rows):
            y = y_of(i)
            room = CENTRE_W - 2 * pad - (FLAG_ROOM if row.flagged else 0)
            inner = _text(lay.x_centre + pad, y + CELL - 5, _fit(row.title, room, FONT_SIZE))
            if row.flagged:
                inner += _flag(lay.x_east - 10, y + CELL / 2)
            parts.append(_titled(inner, _tooltip(row)))
    # West, east and far east: columns along the centre's height, read from the bottom up, a
    # flag (and a metric's KPI health) at their top.
    columns = (
        (p.annual, lay.annual_x, CELL),
        (p.metrics, lay.metric_x, METRIC_CELL),
        (p.resources, lay.resource_x, CELL),
    )
    for rows, x_of, width in columns:
        for i, row in enumerate(rows):
            x = x_of(i)
            badges = (FLAG_ROOM if row.flagged else 0) + (12 if row.health else 0)
            room = CENTRE_H - 2 * pad - badges
            title_x = x + 14 if row.detail else x + CELL - 5
            inner = _text(title_x, lay.y_south - pad, _fit(row.title, room, FONT_SIZE), rotate=True)
            if row.detail:
                inner += _text(
                    x + width - 5,
                    lay.y_south - pad,
                    _fit(row.detail, room, SMALL_SIZE),
                    size=SMALL_SIZE,
                    fill=MUTED,
                    rotate=True,
                )
            top = lay.y_centre + pad
            if row.flagged:
                inner += _flag(x + width / 2, top + 6)
                top += FLAG_ROOM
            if row.health:
                colour = HEALTH_COLOURS.get(row.health, LINE)
                inner += (
                    f'<circle class="health health-{escape(row.health)}" cx="{x + width / 2:.1f}" '
                    f'cy="{top + 4:.1f}" r="4" fill="{colour}"/>'
                )
            extra = f": {row.detail}" if row.detail else ""
            if row.health:
                extra += f" (KPI health: {row.health})"
            parts.append(_titled(inner, _tooltip(row, extra)))
    return parts


def _grid(
    x0: float, y0: float, columns: int, column_w: float, rows: int, cell_h: float
) -> list[str]:
    """The lines of a block of ``rows`` x ``columns`` cells."""
    if not columns or not rows:
        return []
    x1, y1 = x0 + columns * column_w, y0 + rows * cell_h
    d = [f"M{x0 + i * column_w:.1f},{y0:.1f} V{y1:.1f}" for i in range(columns + 1)]
    d += [f"M{x0:.1f},{y0 + j * cell_h:.1f} H{x1:.1f}" for j in range(rows + 1)]
    return [f'<path d="{" ".join(d)}" stroke="{LINE}" stroke-width="0.8" fill="none"/>']


def _corners(lay: _Layout) -> list[str]:
    p = lay.picture
    parts: list[str] = []
    west_x0 = lay.annual_x(len(p.annual) - 1) if p.annual else lay.x_centre
    north_y0 = lay.priority_y(len(p.priorities) - 1) if p.priorities else lay.y_centre
    # The rows and columns of the four lists, and the grids in the corners.
    parts += _grid(lay.x_centre, north_y0, 1, CENTRE_W, len(p.priorities), CELL)
    parts += _grid(lay.x_centre, lay.y_south, 1, CENTRE_W, len(p.breakthroughs), CELL)
    parts += _grid(west_x0, lay.y_centre, len(p.annual), CELL, 1, CENTRE_H)
    parts += _grid(lay.x_east, lay.y_centre, len(p.metrics), METRIC_CELL, 1, CENTRE_H)
    parts += _grid(lay.x_resources, lay.y_centre, len(p.resources), CELL, 1, CENTRE_H)
    parts += _grid(west_x0, lay.y_south, len(p.annual), CELL, len(p.breakthroughs), CELL)
    parts += _grid(west_x0, north_y0, len(p.annual), CELL, len(p.priorities), CELL)
    parts += _grid(lay.x_east, north_y0, len(p.metrics), METRIC_CELL, len(p.priorities), CELL)
    parts += _grid(lay.x_east, lay.y_south, len(p.metrics), METRIC_CELL, len(p.breakthroughs), CELL)
    parts += _grid(lay.x_resources, north_y0, len(p.resources), CELL, len(p.priorities), CELL)

    def cell_mark(x: float, width: float, y: float, kind: str | None, css: str = "mark") -> None:
        if kind:
            parts.append(_mark(x + width / 2, y + CELL / 2, kind, css=css))

    get = p.correlations.get
    for i, annual in enumerate(p.annual):
        x = lay.annual_x(i)
        for j, breakthrough in enumerate(p.breakthroughs):  # south-west
            cell_mark(x, CELL, lay.breakthrough_y(j), get((breakthrough.id, annual.id)))
        for j, priority in enumerate(p.priorities):  # north-west
            cell_mark(x, CELL, lay.priority_y(j), get((annual.id, priority.id)))
    for i, metric in enumerate(p.metrics):
        x = lay.metric_x(i)
        for j, priority in enumerate(p.priorities):  # north-east
            cell_mark(x, METRIC_CELL, lay.priority_y(j), get((priority.id, metric.id)))
        for j, breakthrough in enumerate(p.breakthroughs):  # south-east
            cell_mark(x, METRIC_CELL, lay.breakthrough_y(j), get((metric.id, breakthrough.id)))
    if p.resources:
        # The corner under the resources is empty in the classic layout: name the column there.
        width = len(p.resources) * CELL
        parts.append(
            _text(
                lay.x_resources + width / 2,
                lay.y_south + 13,
                _fit("Resources", width - 4, SMALL_SIZE),
                size=SMALL_SIZE,
                fill=MUTED,
                anchor="middle",
                css="list",
            )
        )
    for i, resource in enumerate(p.resources):  # far north-east: who is responsible
        x = lay.resource_x(i)
        for j, priority in enumerate(p.priorities):
            kind = p.assignments.get((priority.id, resource.id))
            cell_mark(x, CELL, lay.priority_y(j), kind, css="duty")
    return parts


def _legend(lay: _Layout) -> list[str]:
    y = lay.y_end + 24
    x = MARGIN
    parts = [_text(x, y + 4, "Correlation:", size=8.5, fill=MUTED)]
    x += 62
    entries: list[tuple[str, str, str]] = [
        (Strength.STRONG, "legend", "strong"),
        (Strength.MODERATE, "legend", "moderate"),
        (Strength.WEAK, "legend", "weak"),
    ]
    for kind, css, label in entries:
        parts.append(_mark(x + MARK_R, y, kind, css=css))
        parts.append(_text(x + 2 * MARK_R + 4, y + 4, label, size=8.5))
        x += 70
    x += 12
    parts.append(_text(x, y + 4, "Responsibility:", size=8.5, fill=MUTED))
    x += 76
    for kind, label in (
        (Responsibility.PRIMARY, "primary"),
        (Responsibility.SECONDARY, "secondary"),
    ):
        parts.append(_mark(x + MARK_R, y, kind, css="legend"))
        parts.append(_text(x + 2 * MARK_R + 4, y + 4, label, size=8.5))
        x += 74
    x += 12
    parts.append(_flag(x + 6, y).replace('class="flag"', 'class="legend"'))
    parts.append(_text(x + 16, y + 4, "a check needs attention", size=8.5))
    return parts


def xmatrix_svg(p: Picture) -> str:
    """The whole picture as a standalone SVG document; every text from the data is escaped."""
    lay = _Layout(p)
    width, height = lay.width, lay.height
    header = [
        _text(MARGIN, MARGIN + 16, p.title, size=17, weight="bold", fill=ACCENT, css="title"),
        _text(MARGIN, MARGIN + 32, p.subtitle, size=10, fill=MUTED, css="subtitle"),
    ]
    body = [*_corners(lay), *_centre(lay), *_lists(lay), *_legend(lay)]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family={quoteattr(FONT)} '
        f'role="img" aria-label={quoteattr(f"{p.title}, {p.subtitle}")} class="xmatrix">'
        f'<rect width="100%" height="100%" fill="white"/>' + "".join(header + body) + "</svg>"
    )


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height written on the root element by :func:`xmatrix_svg`."""
    head = svg[: svg.index(">")]
    numbers = head.split('viewBox="', 1)[1].split('"', 1)[0].split()
    return float(numbers[2]), float(numbers[3])


# --- exports ----------------------------------------------------------------------------------

# A4 landscape, less the page margins: the picture is scaled to fit inside, whatever its size.
PAGE_W_MM, PAGE_H_MM, PAGE_MARGIN_MM = 297.0, 210.0, 8.0
# A hair of slack so rounding in the layout engine never pushes the image onto a second page.
SLACK_MM = 2.0


def fitted_size_mm(width: float, height: float) -> tuple[float, float]:
    room_w = PAGE_W_MM - 2 * PAGE_MARGIN_MM - SLACK_MM
    room_h = PAGE_H_MM - 2 * PAGE_MARGIN_MM - SLACK_MM
    scale = min(room_w / width, room_h / height)
    return width * scale, height * scale


def render_pdf(svg: str, title: str) -> bytes:
    from weasyprint import HTML

    width, height = fitted_size_mm(*svg_size(svg))
    image = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    html = render_to_string(
        "strategy/xmatrix_page_pdf.html",
        {
            "title": title,
            "image": image,
            "width_mm": f"{width:.2f}",
            "height_mm": f"{height:.2f}",
            "margin_mm": f"{PAGE_MARGIN_MM:.0f}",
        },
    )
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def render_png(svg: str, scale: float = 2.0) -> bytes:
    import vl_convert

    png: bytes = vl_convert.svg_to_png(svg, scale=scale)
    return png
