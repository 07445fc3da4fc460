"""The certificate PDF: one A4-landscape page drawn with reportlab. Knows nothing of Flask.

The page is rendered once, at issue, then signed (registry.certificates.signing) and
archived; every download returns those bytes. `invariant=1` makes the drawn page a pure
function of the printed fields.
"""

import io
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph

from registry.certificates import wording
from registry.text import strip_bidi_controls

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
REGULAR = "RegistrySans"
BOLD = "RegistrySans-Bold"

INK = HexColor("#1b1b1b")
TITLE_RED = HexColor("#a11d21")
NAVY = HexColor("#12355b")
GOLD = HexColor("#b08d3c")
PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)


def register_fonts():
    """Register the bundled DejaVu fonts with reportlab, once per process."""
    if BOLD in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )


class UnprintableText(ValueError):
    """A printed field holds a character the certificate font cannot draw."""


@dataclass(frozen=True, slots=True)
class PrintedCertificate:
    """Everything the page shows, as plain values."""

    number: str
    level: str  # "national", "regional" or "international"
    holder_name: str
    holder_date_of_birth: date
    scheme: str
    issuing_body: str
    signatory_name: str
    signatory_title: str
    issued_on: date
    valid_until: date
    verification_url: str


def printable(text):
    """Text as it is printed: NFC, so that 'ễ' is one character whatever was typed, and
    without bidi controls (a name stored before they were stripped cannot turn around)."""
    return strip_bidi_controls(unicodedata.normalize("NFC", str(text)))


def markup(text):
    """Text made safe for a Paragraph: NFC, then `<`, `>` and `&` escaped."""
    return escape(printable(text))


def qr_path(c, data, x, y, size):
    """Draw `data` as a QR code, as vectors: one filled path, one rectangle per run of modules."""
    matrix = segno.make(data, error="m", boost_error=False).matrix
    n = len(matrix)
    module = size / n
    path = c.beginPath()
    for r, row in enumerate(matrix):
        top = y + (n - 1 - r) * module
        col = 0
        while col < n:
            if row[col]:
                start = col
                while col < n and row[col]:
                    col += 1
                path.rect(x + start * module, top, (col - start) * module, module)
            else:
                col += 1
    c.drawPath(path, stroke=0, fill=1)


def _fit(text, font, size, width, smallest=6):
    """The largest font size, at most `size`, at which `text` fits in `width`."""
    while size > smallest and pdfmetrics.stringWidth(text, font, size) > width:
        size -= 0.5
    return size


class CertificatePdf:
    """Renders a PrintedCertificate to PDF bytes."""

    def __init__(self):
        register_fonts()
        self._glyphs = set(pdfmetrics.getFont(REGULAR).face.charToGlyph) & set(
            pdfmetrics.getFont(BOLD).face.charToGlyph
        )
        self._name_style = ParagraphStyle(
            "holder", fontName=BOLD, fontSize=26, leading=31, alignment=TA_CENTER, textColor=NAVY
        )
        self._scope_style = ParagraphStyle(
            "scope",
            fontName=REGULAR,
            fontSize=9.5,
            leading=12.5,
            alignment=TA_CENTER,
            textColor=INK,
        )

    def check_printable(self, cert):
        """Refuse a name the font cannot draw, rather than print empty boxes in its place."""
        name = printable(cert.holder_name)
        missing = sorted({ch for ch in name if ord(ch) not in self._glyphs and not ch.isspace()})
        if missing:
            listed = ", ".join(f"U+{ord(ch):04X}" for ch in missing)
            raise UnprintableText(f"the certificate font has no glyph for {listed} in the name")

    def render(self, cert):
        """The certificate as PDF bytes (deterministic for the same fields)."""
        self.check_printable(cert)
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=1)
        c.setTitle(f"{wording.TITLE[0]} {cert.number}")
        c.setAuthor(printable(cert.issuing_body))
        c.setSubject(printable(cert.holder_name))
        c.setCreator("PQ expert registry")
        self._frame(c)
        self._header(c, cert)
        self._body(c, cert)
        self._footer(c, cert)
        c.showPage()
        c.save()
        return buffer.getvalue()

    def _frame(self, c):
        c.setStrokeColor(GOLD)
        c.setLineWidth(3)
        c.rect(18, 18, PAGE_WIDTH - 36, PAGE_HEIGHT - 36)
        c.setLineWidth(0.8)
        c.rect(26, 26, PAGE_WIDTH - 52, PAGE_HEIGHT - 52)

    def _centred(self, c, text, x, y, font, size, width, color=INK):
        text = printable(text)
        c.setFillColor(color)
        c.setFont(font, _fit(text, font, size, width))
        c.drawCentredString(x, y, text)

    def _header(self, c, cert):
        left, right, half = PAGE_WIDTH * 0.27, PAGE_WIDTH * 0.72, PAGE_WIDTH * 0.40
        top = PAGE_HEIGHT - 62
        self._centred(c, printable(cert.issuing_body).upper(), left, top, BOLD, 10.5, half, NAVY)
        c.setStrokeColor(INK)
        c.setLineWidth(0.6)
        c.line(left - 40, top - 6, left + 40, top - 6)
        label = wording.LABELS["number"]
        self._centred(c, f"{label[0]} / No.: {cert.number}", left, top - 22, REGULAR, 10, half)
        self._centred(c, wording.NATIONAL_HEADER[0], right, top, BOLD, 10.5, half)
        self._centred(c, wording.NATIONAL_HEADER[1], right, top - 15, BOLD, 10.5, half)
        c.line(right - 75, top - 20, right + 75, top - 20)

    def _body(self, c, cert):
        mid, width = PAGE_WIDTH / 2, PAGE_WIDTH - 140
        self._centred(c, wording.TITLE[0], mid, PAGE_HEIGHT - 150, BOLD, 23, width, TITLE_RED)
        self._centred(c, wording.TITLE[1], mid, PAGE_HEIGHT - 173, REGULAR, 14, width, NAVY)
        certifies = f"{wording.CERTIFIES[0]} · {wording.CERTIFIES[1]}"
        self._centred(c, certifies, mid, PAGE_HEIGHT - 205, REGULAR, 10.5, width)

        # A long name is set smaller to stay on one line; only a very long one wraps.
        size = _fit(printable(cert.holder_name), BOLD, 26, 650, smallest=16)
        style = self._name_style
        if size != style.fontSize:
            style = ParagraphStyle("holder-fitted", style, fontSize=size, leading=size * 1.2)
        name = Paragraph(markup(cert.holder_name), style)
        _w, name_height = name.wrapOn(c, 660, 80)
        y = PAGE_HEIGHT - 215 - name_height
        name.drawOn(c, mid - 330, y)

        dob = wording.LABELS["date_of_birth"]
        born = f"{dob[0]} / {dob[1]}: {wording.numeric_date(cert.holder_date_of_birth)}"
        self._centred(c, born, mid, y - 20, REGULAR, 12, width)
        has_met = f"{wording.HAS_MET[0]} / {wording.HAS_MET[1]}"
        self._centred(c, has_met, mid, y - 44, REGULAR, 10.5, width)
        level_vi, level_en = wording.LEVELS[cert.level]
        self._centred(c, level_vi.upper(), mid, y - 66, BOLD, 16, width, TITLE_RED)
        self._centred(c, level_en, mid, y - 83, REGULAR, 11.5, width, NAVY)
        scheme = wording.LABELS["scheme"]
        self._centred(
            c, f"{scheme[0]} / {scheme[1]}: {cert.scheme}", mid, y - 104, BOLD, 11.5, width
        )
        scope_label = wording.LABELS["scope"]
        scope = Paragraph(
            f"{markup(scope_label[0])}: {markup(wording.SCOPE[0])}<br/>"
            f"{markup(scope_label[1])}: {markup(wording.SCOPE[1])}",
            self._scope_style,
        )
        _w, scope_height = scope.wrapOn(c, 660, 60)
        scope.drawOn(c, mid - 330, y - 112 - scope_height)

    def _footer(self, c, cert):
        qr_x, qr_y, qr_size = 52, 44, 96
        c.setFillColor(INK)
        qr_path(c, cert.verification_url, qr_x, qr_y, qr_size)

        x, y = qr_x + qr_size + 12, qr_y + qr_size - 12
        lines = [
            (wording.LABELS["number"], cert.number, BOLD),
            (wording.LABELS["issued_on"], wording.numeric_date(cert.issued_on), REGULAR),
            (wording.LABELS["valid_until"], wording.numeric_date(cert.valid_until), BOLD),
        ]
        for (vi, en), value, font in lines:
            c.setFont(REGULAR, 9.5)
            label = f"{vi} / {en}: "
            c.drawString(x, y, label)
            c.setFont(font, 9.5)
            c.drawString(x + pdfmetrics.stringWidth(label, REGULAR, 9.5), y, value)
            y -= 15
        scan = f"{wording.SCAN_TO_VERIFY[0]} / {wording.SCAN_TO_VERIFY[1]}:"
        c.setFont(REGULAR, 8)
        c.drawString(x, y - 4, scan)
        url = printable(cert.verification_url)
        c.setFont(REGULAR, _fit(url, REGULAR, 7, 330, smallest=4))
        c.drawString(x, y - 15, url)

        mid = PAGE_WIDTH - 215
        place = f"{wording.PLACE_OF_ISSUE}, {wording.long_date(cert.issued_on)}"
        self._centred(c, place, mid, 150, REGULAR, 11, 300)
        self._centred(c, printable(cert.signatory_title).upper(), mid, 132, BOLD, 11.5, 300)
        self._centred(c, cert.signatory_name, mid, 62, BOLD, 13, 300, NAVY)
