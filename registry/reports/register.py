"""The expert register as rows for CSV and XLSX, with Vietnamese headers."""

import sqlalchemy as sa
from flask_babel import force_locale

from registry.certificates.models import Certificate
from registry.enums import CertificateStatus, ExpertStatus
from registry.experts.models import Expert
from registry.extensions import db
from registry.labels import (
    CERTIFICATE_STATUS_LABELS,
    LEVEL_LABELS,
    ORGANISATION_TYPE_LABELS,
    STATUS_LABELS,
)

REGISTER_HEADER = [
    "Mã hồ sơ",
    "Họ và tên",
    "Ngày sinh",
    "Email",
    "Cơ quan, đơn vị",
    "Loại hình tổ chức",
    "Tỉnh, thành phố",
    "Lĩnh vực",
    "Trình độ",
    "Số năm kinh nghiệm",
    "Trạng thái",
    "Số chứng chỉ hiện hành",
    "Cấp chứng chỉ",
    "Ngày cấp",
    "Hiệu lực đến",
    "Tình trạng chứng chỉ",
]


def register_query(status=None):
    """Every expert (or those in `status`) with their latest certificate not superseded."""
    latest = (
        sa.select(Certificate.expert_id, sa.func.max(Certificate.id).label("certificate_id"))
        .where(Certificate.status != CertificateStatus.SUPERSEDED)
        .group_by(Certificate.expert_id)
        .subquery()
    )
    query = (
        sa.select(Expert, Certificate)
        .outerjoin(latest, latest.c.expert_id == Expert.id)
        .outerjoin(Certificate, Certificate.id == latest.c.certificate_id)
        .order_by(Expert.name_key, Expert.id)
    )
    if status:
        query = query.where(Expert.status == ExpertStatus(status))
    return query


def register_rows(status=None):
    """The register's rows, fetched in batches (the register may hold many thousands)."""
    with force_locale("vi"):
        statuses = {k: str(v) for k, v in STATUS_LABELS.items()}
        types = {k: str(v) for k, v in ORGANISATION_TYPE_LABELS.items()}
        levels = {k: str(v) for k, v in LEVEL_LABELS.items()}
        certificate_statuses = {k: str(v) for k, v in CERTIFICATE_STATUS_LABELS.items()}
    result = db.session.execute(register_query(status).execution_options(yield_per=2000))
    for expert, certificate in result:
        yield [
            expert.id,
            expert.full_name,
            expert.date_of_birth,
            expert.email,
            expert.organisation,
            types[expert.organisation_type],
            expert.province,
            expert.sector,
            expert.highest_degree,
            expert.years_experience,
            statuses[expert.status],
            certificate.number if certificate else None,
            levels[certificate.level] if certificate else None,
            certificate.issued_on if certificate else None,
            certificate.valid_until if certificate else None,
            certificate_statuses[certificate.status] if certificate else None,
        ]
