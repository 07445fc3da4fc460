"""Progress charts drawn on the server as SVG: no script, no CDN, readable without CSS."""

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 270
LEFT, RIGHT, TOP, BOTTOM = 52, 20, 14, 64
ACTUAL_COLOUR = "#1d6fb8"
TARGET_COLOUR = "#8a8f98"
PROJECTION_COLOUR = "#d9822b"


@dataclass(frozen=True)
class ChartText:
    """The chart's words, translated by the caller."""

    title: str
    actual: str
    target_line: str
    projection: str
    as_of: str


def _attrs(**values):
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{escape(v)}"' for name, v in values.items()
    )


def _nice_ceiling(value):
    """The smallest round number at least `value` whose quarters are round too (the y axis)."""
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for step in (1, 1.2, 1.6, 2, 2.4, 3.2, 4, 6, 8, 10):
        if step * magnitude >= value and (magnitude < 10 or step * magnitude % 4 == 0):
            return int(step * magnitude)
    return 10 * magnitude


def progress_chart(*, start, end, target_number, points, as_of, projected_on, text):
    """Cumulative counts (`points`: [(day, count)]) against the straight line to the target.

    `projected_on`, when given, draws the projection from the last point to the target.
    """
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    span = max((end - start).days, 1)
    highest = max([target_number, *(count for _day, count in points)])
    y_max = _nice_ceiling(highest * 1.05)

    def x(day):
        return round(LEFT + plot_w * min(max((day - start).days, 0), span) / span, 1)

    def y(value):
        return round(TOP + plot_h - plot_h * value / y_max, 1)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" '
        f'{_attrs(viewBox=f"0 0 {WIDTH} {HEIGHT}", role="img")} aria-label="{escape(text.title)}">',
        f"<title>{escape(text.title)}</title>",
    ]
    for i in range(5):
        value = round(y_max * i / 4)
        parts.append(
            f"<line {_attrs(x1=LEFT, x2=WIDTH - RIGHT, y1=y(value), y2=y(value), stroke='#e3e6ea')}/>"
            f"<text {_attrs(x=LEFT - 6, y=y(value) + 4, text_anchor='end', font_size=11)}>"
            f"{value}</text>"
        )
    for year in range(start.year + (start.month > 1 or start.day > 1), end.year + 1):
        tick = date(year, 1, 1)
        parts.append(
            f"<line {_attrs(x1=x(tick), x2=x(tick), y1=TOP + plot_h, y2=TOP + plot_h + 4, stroke='#888')}/>"
            f"<text {_attrs(x=x(tick), y=TOP + plot_h + 17, text_anchor='middle', font_size=11)}>"
            f"{year}</text>"
        )
    parts.append(
        f"<line {_attrs(x1=LEFT, x2=WIDTH - RIGHT, y1=TOP + plot_h, y2=TOP + plot_h, stroke='#888')}/>"
    )
    parts.append(
        f"<line {_attrs(x1=x(start), y1=y(0), x2=x(end), y2=y(target_number), stroke=TARGET_COLOUR, stroke_width=2, stroke_dasharray='6 4')}/>"
    )
    if start <= as_of <= end:
        parts.append(
            f"<line {_attrs(x1=x(as_of), x2=x(as_of), y1=TOP, y2=TOP + plot_h, stroke='#bbb', stroke_dasharray='2 3')}/>"
        )
    if projected_on and points:
        last_day, last_count = points[-1]
        parts.append(
            f"<line {_attrs(x1=x(last_day), y1=y(last_count), x2=x(projected_on), y2=y(target_number), stroke=PROJECTION_COLOUR, stroke_width=2, stroke_dasharray='3 3')}/>"
        )
    if points:
        coordinates = " ".join(f"{x(day)},{y(count)}" for day, count in points)
        parts.append(
            f"<polyline {_attrs(points=coordinates, fill='none', stroke=ACTUAL_COLOUR, stroke_width=2.5)}/>"
        )
    legend = [(text.actual, ACTUAL_COLOUR, ""), (text.target_line, TARGET_COLOUR, "6 4")]
    if projected_on:
        legend.append((text.projection, PROJECTION_COLOUR, "3 3"))
    legend_y = HEIGHT - 22
    for i, (label, colour, dashes) in enumerate(legend):
        left = LEFT + i * 200
        parts.append(
            f"<line {_attrs(x1=left, x2=left + 24, y1=legend_y, y2=legend_y, stroke=colour, stroke_width=2.5, stroke_dasharray=dashes or 'none')}/>"
            f"<text {_attrs(x=left + 30, y=legend_y + 4, font_size=11)}>{escape(label)}</text>"
        )
    parts.append(
        f"<text {_attrs(x=LEFT, y=HEIGHT - 4, font_size=10, fill='#666')}>{escape(text.as_of)}</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  (every text and attribute above is escaped)
