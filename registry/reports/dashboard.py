"""The dashboard's figures as Vietnamese tables, for CSV, XLSX and the PDF summary."""

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from registry.labels import CASE_KIND_LABELS, ORGANISATION_TYPE_LABELS

DIMENSION_HEADERS = {
    "year": ("Theo năm", "Năm"),
    "province": ("Theo tỉnh, thành phố", "Tỉnh, thành phố"),
    "sector": ("Theo lĩnh vực", "Lĩnh vực"),
    "centre": ("Theo trung tâm đào tạo", "Trung tâm đào tạo"),
    "organisation_type": ("Theo loại hình tổ chức", "Loại hình tổ chức"),
}
METRIC_NAMES = {
    "certified": "Chuyên gia được chứng nhận lần đầu (chứng chỉ quốc gia)",
    "regional_international": "Chuyên gia đạt trình độ khu vực hoặc quốc tế",
    "trained": "Người hoàn thành đào tạo",
}
NOT_RECORDED = "Chưa ghi nhận"
PROGRESS_HEADER = [
    "Chỉ tiêu",
    "Nội dung tính",
    "Từ ngày",
    "Đến ngày",
    "Mục tiêu",
    "Đạt được",
    "Tỷ lệ (%)",
    "Trong 12 tháng qua",
    "Dự kiến đạt",
]
# Kept translatable for the pages; exports render them in Vietnamese.
_PROJECTION_STATES = {
    "reached": _l("Target reached"),
    "not_at_pace": _l("Not at the current pace"),
    "period_over": _l("Period over; target not reached"),
}


def projection_text(projection):
    """In Vietnamese: the projected date (dd/mm/yyyy) or why there is none."""
    if projection.state == "on_pace":
        return projection.on.strftime("%d/%m/%Y")
    with force_locale("vi"):
        return str(_PROJECTION_STATES[projection.state])


def key_text(dimension, row):
    if row.key is None:
        return NOT_RECORDED
    if dimension == "organisation_type":
        with force_locale("vi"):
            return str(ORGANISATION_TYPE_LABELS[row.key])
    if dimension == "centre":
        return f"{row.key} · {row.label}"
    return row.key


def progress_rows(figures):
    return [
        [
            row.target.label_vi,
            METRIC_NAMES[row.target.metric],
            row.target.period_start,
            row.target.period_end,
            row.target.target_number,
            row.achieved,
            row.percent,
            row.last_12_months,
            projection_text(row.projection),
        ]
        for row in figures.progress
    ]


def dimension_rows(figures, dimension):
    rows = [[key_text(dimension, row), *row.counts] for row in figures.tables[dimension]]
    rows.append(["Tổng cộng", *(row.achieved for row in figures.progress)])
    return rows


CASES_TITLE = "Kháng nghị và khiếu nại"
CASES_NOTE = (
    "Kháng nghị và khiếu nại: số liệu tại thời điểm lập báo cáo, chỉ tính vụ việc đã được "
    "xác nhận (khiếu nại đã xác nhận địa chỉ liên hệ). Số ngày thụ lý, số ngày kết thúc là "
    "trung vị, tính từ khi vụ việc được xác nhận. Quá hạn: chưa quyết định sau ngày đến hạn."
)
CASES_HEADER = [
    "Loại vụ việc",
    "Số vụ việc",
    "Đang mở",
    "Quá hạn",
    "Số ngày thụ lý (trung vị)",
    "Số ngày kết thúc (trung vị)",
    "Chấp nhận",
    "Không chấp nhận",
    "Dẫn đến thay đổi trạng thái",
    "Phát hiện đánh giá",
    "Hành động khắc phục chưa xong",
    "Hành động khắc phục quá hạn",
]


def case_rows(cases):
    """One row per kind of case (registry/cases/statistics.py), in Vietnamese."""
    with force_locale("vi"):
        return [
            [
                str(CASE_KIND_LABELS.get(f.kind, f.kind)),
                f.count,
                f.open,
                f.overdue,
                f.days_to_acknowledge,
                f.days_to_close,
                f.upheld,
                f.dismissed,
                f.changes,
                f.findings,
                f.actions_open,
                f.actions_overdue,
            ]
            for f in cases
        ]


def sheets(figures, cases=None):
    """[(sheet title, header, rows)]: progress first, then one sheet per dimension, then
    the figures on cases when given (officers and auditors)."""
    labels = [t.label_vi for t in figures.targets]
    result = [("Tiến độ", PROGRESS_HEADER, progress_rows(figures))]
    for dimension, (title, column) in DIMENSION_HEADERS.items():
        result.append((title, [column, *labels], dimension_rows(figures, dimension)))
    if cases is not None:
        result.append((CASES_TITLE, CASES_HEADER, case_rows(cases)))
    return result


def case_long_rows(cases):
    """The figures on cases as rows of the CSV's long table: [section, kind, measure, value]."""
    return [
        [CASES_TITLE, row[0], measure, row[i]]
        for row in case_rows(cases)
        for i, measure in enumerate(CASES_HEADER[1:], start=1)
    ]


def long_table(figures, cases=None):
    """One table for CSV: [section, item, one column per target]; the figures on cases, when
    given, follow as [section, kind, measure, value]."""
    header = ["Bảng", "Nhóm", *(t.label_vi for t in figures.targets)]
    rows = [
        ["Tiến độ", "Mục tiêu", *(r.target.target_number for r in figures.progress)],
        ["Tiến độ", "Đạt được", *(r.achieved for r in figures.progress)],
        ["Tiến độ", "Tỷ lệ (%)", *(r.percent for r in figures.progress)],
        ["Tiến độ", "Trong 12 tháng qua", *(r.last_12_months for r in figures.progress)],
        ["Tiến độ", "Dự kiến đạt", *(projection_text(r.projection) for r in figures.progress)],
    ]
    for dimension, (title, _column) in DIMENSION_HEADERS.items():
        rows.extend([title, *row] for row in dimension_rows(figures, dimension))
    if cases is not None:
        rows.extend(case_long_rows(cases))
    return header, rows


METHOD_NOTE = (
    "Cách tính: chuyên gia được chứng nhận là số chuyên gia khác nhau có chứng chỉ quốc gia "
    "đầu tiên được cấp trong giai đoạn, không tính chuyên gia đã bị thu hồi chứng nhận tính đến "
    "ngày báo cáo; gia hạn hay cấp lại chứng chỉ không được tính thêm. Chuyên gia trình độ khu "
    "vực, quốc tế là số chuyên gia khác nhau có chứng chỉ khu vực hoặc quốc tế đầu tiên trong "
    "giai đoạn (mỗi người tính một lần), không tính người bị thu hồi. Người hoàn thành đào tạo "
    "là số người lần đầu đạt trạng thái đã đào tạo trong giai đoạn. Ngày tính theo giờ Việt Nam; "
    "giai đoạn gồm cả ngày đầu và ngày cuối. Ngày dự kiến đạt được tính theo tốc độ của 12 tháng "
    "gần nhất; “không đạt với tốc độ hiện tại” nghĩa là không đạt trước khi hết giai đoạn."
)


def _top(rows, count=10):
    """The first `count` rows (already largest first) and the total row."""
    return rows[:-1][:count] + rows[-1:]


def summary_pdf(figures, generated_at, cases=None):
    """The one-page PDF summary for the annual report, in Vietnamese (with the figures on
    cases when given)."""
    from registry.reports.summary_pdf import SummaryPdf, SummaryTable

    labels = [t.label_vi for t in figures.targets]
    share = 0.72 / max(len(labels), 1)
    widths = [0.28, *([share] * len(labels))]
    # The rows of the progress sheet, without the metric and with the period in one column.
    progress = [
        [label, f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", *figures_of_target]
        for label, _metric, start, end, *figures_of_target in progress_rows(figures)
    ]
    tables = [
        SummaryTable(
            "Tiến độ thực hiện các chỉ tiêu",
            [
                "Chỉ tiêu",
                "Giai đoạn",
                "Mục tiêu",
                "Đạt được",
                "Tỷ lệ (%)",
                "12 tháng qua",
                "Dự kiến đạt",
            ],
            progress,
            widths=[0.31, 0.17, 0.09, 0.09, 0.09, 0.1, 0.15],
        ),
    ]
    for dimension, title, top in (
        ("year", "Theo năm", False),
        ("organisation_type", "Theo loại hình tổ chức", False),
        ("centre", "Theo trung tâm đào tạo (10 trung tâm nhiều nhất)", True),
        ("province", "Theo tỉnh, thành phố (10 địa phương nhiều nhất)", True),
    ):
        rows = dimension_rows(figures, dimension)
        header = [DIMENSION_HEADERS[dimension][1], *labels]
        tables.append(SummaryTable(title, header, _top(rows) if top else rows, widths))
    notes = [METHOD_NOTE]
    if cases is not None:
        rows = []
        for row in case_rows(cases):
            shown = ["—" if value is None else value for value in row]
            rows.append([*shown[:9], f"{shown[9]} ({shown[10]}, {shown[11]})"])
        header = [*CASES_HEADER[:9], "Phát hiện đánh giá (chưa xong, quá hạn)"]
        widths = [0.12, 0.07, 0.07, 0.07, 0.1, 0.1, 0.08, 0.09, 0.12, 0.18]
        tables.append(SummaryTable(CASES_TITLE, header, rows, widths))
        notes.append(CASES_NOTE)
    return SummaryPdf(
        title="Tóm tắt tiến độ đào tạo, chứng nhận chuyên gia năng suất chất lượng",
        subtitle=(
            "Chương trình quốc gia nâng cao năng suất và chất lượng đến năm 2030 "
            f"(Quyết định 1322/QĐ-TTg). Số liệu tính đến ngày {figures.as_of:%d/%m/%Y}."
        ),
        tables=tables,
        notes=notes,
        footer=f"Lập lúc {generated_at:%H:%M ngày %d/%m/%Y} từ Cơ sở dữ liệu chuyên gia NSCL.",
    ).render()
