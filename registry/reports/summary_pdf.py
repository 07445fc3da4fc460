"""The one-page summary of programme progress for the annual report (reportlab, no Flask)."""

import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import KeepInFrame, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
MARGIN = 14 * mm


def _register_fonts():
    registered = pdfmetrics.getRegisteredFontNames()
    for name in (FONT, FONT_BOLD):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / f"{name}.ttf")))


def _text(value):
    """NFC-normalised and escaped, ready for Paragraph markup."""
    return escape(unicodedata.normalize("NFC", "" if value is None else str(value)))


@dataclass
class SummaryTable:
    title: str
    header: list
    rows: list
    widths: list | None = None  # fractions of the page width


@dataclass
class SummaryPdf:
    """Title, subtitle, tables and notes laid out on one A4 page (shrunk to fit if need be)."""

    title: str
    subtitle: str
    tables: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    footer: str = ""

    def render(self):
        _register_fonts()
        styles = {
            "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=14, leading=18),
            "subtitle": ParagraphStyle("subtitle", fontName=FONT, fontSize=9, leading=12),
            "heading": ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=10, leading=13),
            "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9),
            "head": ParagraphStyle("head", fontName=FONT_BOLD, fontSize=7.5, leading=9),
            "note": ParagraphStyle("note", fontName=FONT, fontSize=7.5, leading=9.5),
        }
        width = A4[0] - 2 * MARGIN
        story = [
            Paragraph(_text(self.title), styles["title"]),
            Paragraph(_text(self.subtitle), styles["subtitle"]),
            Spacer(1, 4 * mm),
        ]
        for table in self.tables:
            story += [
                Paragraph(_text(table.title), styles["heading"]),
                Spacer(1, 1.5 * mm),
                self._table(table, width, styles),
                Spacer(1, 4 * mm),
            ]
        story += [Paragraph(_text(note), styles["note"]) for note in self.notes]
        if self.footer:
            story += [Spacer(1, 3 * mm), Paragraph(_text(self.footer), styles["note"])]
        output = io.BytesIO()
        document = SimpleDocTemplate(
            output,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=unicodedata.normalize("NFC", self.title),
            invariant=1,
        )
        height = A4[1] - 2 * MARGIN
        document.build([KeepInFrame(width, height, story, mode="shrink")])
        return output.getvalue()

    @staticmethod
    def _table(table, width, styles):
        data = [[Paragraph(_text(h), styles["head"]) for h in table.header]]
        data += [[Paragraph(_text(v), styles["cell"]) for v in row] for row in table.rows]
        columns = len(table.header)
        fractions = table.widths or [1 / columns] * columns
        result = Table(data, colWidths=[width * f for f in fractions], repeatRows=1)
        result.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa3ad")),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        return result
