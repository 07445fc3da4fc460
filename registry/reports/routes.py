"""Downloads for the directorate: dashboard tables, the expert register, the PDF summary.

Every download is recorded in the audit log before it is sent.
"""

from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_login import current_user

from registry.audit.service import record_event
from registry.cases.statistics import case_figures
from registry.clock import LOCAL_TZ, today
from registry.enums import ExpertStatus
from registry.extensions import db
from registry.permissions import can_view_dashboard, is_directorate, permission_required
from registry.reports.dashboard import long_table, sheets, summary_pdf
from registry.reports.register import REGISTER_HEADER, register_rows
from registry.reports.spreadsheets import (
    CSV_MIMETYPE,
    XLSX_MIMETYPE,
    csv_bytes,
    csv_chunks,
    xlsx_bytes,
)
from registry.targets.counting import dashboard
from registry.targets.forms import as_of_from

bp = Blueprint("reports", __name__, url_prefix="/reports")


def _download(body, mimetype, filename):
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _figures():
    as_of, error = as_of_from(request.args)
    if error:
        flash(str(error), "error")
        abort(redirect(url_for("targets.index")))
    return dashboard(as_of)


def _cases():
    """The figures on cases, today, for those who may see cases (officers, auditors)."""
    return case_figures(today()) if is_directorate(current_user) else None


def _audit(name, **details):
    record_event(
        "report.exported", actor=current_user, object_type="report", object_id=name, details=details
    )
    db.session.commit()


@bp.get("/targets.csv")
@permission_required(can_view_dashboard)
def dashboard_csv():
    figures = _figures()
    header, rows = long_table(figures, _cases())
    _audit("targets.csv", as_of=figures.as_of)
    return _download(csv_bytes(header, rows), CSV_MIMETYPE, f"chi-tieu-{figures.as_of}.csv")


@bp.get("/targets.xlsx")
@permission_required(can_view_dashboard)
def dashboard_xlsx():
    figures = _figures()
    body = xlsx_bytes(sheets(figures, _cases()))
    _audit("targets.xlsx", as_of=figures.as_of)
    return _download(body, XLSX_MIMETYPE, f"chi-tieu-{figures.as_of}.xlsx")


@bp.get("/summary.pdf")
@permission_required(can_view_dashboard)
def summary_pdf_file():
    figures = _figures()
    body = summary_pdf(figures, datetime.now(LOCAL_TZ), _cases())
    _audit("summary.pdf", as_of=figures.as_of)
    return _download(body, "application/pdf", f"tom-tat-tien-do-{figures.as_of}.pdf")


def _status_filter():
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in ExpertStatus}:
        abort(400)
    return status


@bp.get("/register.csv")
@permission_required(is_directorate)
def register_csv():
    status = _status_filter()
    _audit("register.csv", status=status)
    chunks = csv_chunks(REGISTER_HEADER, register_rows(status))
    return _download(
        stream_with_context(chunk.encode("utf-8") for chunk in chunks),
        CSV_MIMETYPE,
        f"so-dang-ky-chuyen-gia-{today()}.csv",
    )


@bp.get("/register.xlsx")
@permission_required(is_directorate)
def register_xlsx():
    status = _status_filter()
    body = xlsx_bytes([("Sổ đăng ký chuyên gia", REGISTER_HEADER, register_rows(status))])
    _audit("register.xlsx", status=status)
    return _download(body, XLSX_MIMETYPE, f"so-dang-ky-chuyen-gia-{today()}.xlsx")
