"""Initial schema: accounts, centres, courses, exams, experts, certificates, targets, audit.

Also seeds the course catalogue (SPEC §4) and the programme targets of Decision 1322
(SPEC §1), and makes the status history and the audit log append-only in the database.

Revision ID: 20261121_0001
Revises:
Create Date: 2026-11-21 22:46:47.432305
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "20261121_0001"
down_revision = None
branch_labels = None
depends_on = None

TOPICS = [
    # code, Vietnamese name, English name, leads to `trained`
    (
        "pq_expert_basic",
        "Chương trình đào tạo chuyên gia năng suất chất lượng (cơ bản)",
        "PQ expert programme (basic)",
        True,
    ),
    (
        "pq_expert_advanced",
        "Chương trình đào tạo chuyên gia năng suất chất lượng (nâng cao)",
        "PQ expert programme (advanced)",
        True,
    ),
    ("5s", "Thực hành 5S", "5S", False),
    ("kaizen", "Cải tiến liên tục Kaizen", "Kaizen", False),
    ("seven_wastes", "Loại bỏ 7 lãng phí", "Elimination of the 7 wastes", False),
    ("seven_qc_tools", "7 công cụ kiểm soát chất lượng", "The 7 QC tools", False),
    ("lean", "Sản xuất tinh gọn (Lean)", "Lean", False),
    ("tpm", "Duy trì năng suất tổng thể (TPM)", "Total productive maintenance (TPM)", False),
    ("kpi", "Chỉ số đánh giá hiệu suất (KPI)", "Key performance indicators (KPI)", False),
    (
        "mfca",
        "Kế toán chi phí dòng nguyên liệu (MFCA)",
        "Material flow cost accounting (MFCA)",
        False,
    ),
    ("tqm", "Quản lý chất lượng toàn diện (TQM)", "Total quality management (TQM)", False),
    ("twi", "Đào tạo trong công nghiệp (TWI)", "Training within industry (TWI)", False),
    ("iso_9001", "ISO 9001 – Hệ thống quản lý chất lượng", "ISO 9001 quality management", False),
    (
        "iso_14001",
        "ISO 14001 – Hệ thống quản lý môi trường",
        "ISO 14001 environmental management",
        False,
    ),
    ("iso_50001", "ISO 50001 – Hệ thống quản lý năng lượng", "ISO 50001 energy management", False),
    (
        "iso_27001",
        "ISO/IEC 27001 – Hệ thống quản lý an toàn thông tin",
        "ISO/IEC 27001 information security management",
        False,
    ),
    ("iso_26000", "ISO 26000 – Trách nhiệm xã hội", "ISO 26000 social responsibility", False),
    (
        "iso_45001",
        "ISO 45001 – An toàn và sức khỏe nghề nghiệp",
        "ISO 45001 occupational health and safety",
        False,
    ),
    (
        "food_safety",
        "ISO 22000 / HACCP / GMP – An toàn thực phẩm",
        "ISO 22000 / HACCP / GMP food safety",
        False,
    ),
    (
        "gap_organic",
        "Thực hành nông nghiệp tốt (GAP) và sản xuất hữu cơ",
        "Good agricultural practice (GAP) and organic production",
        False,
    ),
    ("green_productivity", "Năng suất xanh", "Green productivity", False),
    (
        "smart_manufacturing",
        "Sản xuất thông minh và chuyển đổi số",
        "Smart manufacturing and digital transformation",
        False,
    ),
]

TARGETS = [
    (
        "certified_2021_2025",
        "Chuyên gia NSCL được đào tạo và chứng nhận, giai đoạn 2021–2025",
        "PQ experts trained and certified, 2021–2025",
        "certified",
        date(2021, 1, 1),
        date(2025, 12, 31),
        600,
    ),
    (
        "certified_2026_2030",
        "Chuyên gia NSCL được chứng nhận, giai đoạn 2026–2030",
        "PQ experts certified, 2026–2030",
        "certified",
        date(2026, 1, 1),
        date(2030, 12, 31),
        1000,
    ),
    (
        "regional_international_2026_2030",
        "Chuyên gia NSCL đạt trình độ khu vực và quốc tế, giai đoạn 2026–2030",
        "PQ experts at regional or international level, 2026–2030",
        "regional_international",
        date(2026, 1, 1),
        date(2030, 12, 31),
        200,
    ),
]

# Tables that may only grow: the database refuses UPDATE and DELETE on them.
APPEND_ONLY = ("status_changes", "audit_events")


def _seed():
    topics = sa.table(
        "topics",
        sa.column("code"),
        sa.column("name_vi"),
        sa.column("name_en"),
        sa.column("leads_to_trained"),
        sa.column("sort_order"),
    )
    op.bulk_insert(
        topics,
        [
            {"code": code, "name_vi": vi, "name_en": en, "leads_to_trained": leads, "sort_order": i}
            for i, (code, vi, en, leads) in enumerate(TOPICS)
        ],
    )
    targets = sa.table(
        "targets",
        sa.column("key"),
        sa.column("label_vi"),
        sa.column("label_en"),
        sa.column("metric"),
        sa.column("period_start", sa.Date),
        sa.column("period_end", sa.Date),
        sa.column("target_number"),
    )
    op.bulk_insert(
        targets,
        [
            dict(
                zip(
                    (
                        "key",
                        "label_vi",
                        "label_en",
                        "metric",
                        "period_start",
                        "period_end",
                        "target_number",
                    ),
                    row,
                    strict=True,
                )
            )
            for row in TARGETS
        ],
    )


def _make_append_only():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION registry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION registry_append_only()"
            )
    else:
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def upgrade():
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=40), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_events_hash")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_actor_id"), ["actor_id"], unique=False)
        batch_op.create_index("ix_audit_events_object", ["object_type", "object_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_occurred_at"), ["occurred_at"], unique=False
        )

    op.create_table(
        "certificate_counters",
        sa.Column(
            "level",
            sa.Enum(
                "national",
                "regional",
                "international",
                name="level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "last_sequence >= 0", name=op.f("ck_certificate_counters_sequence_not_negative")
        ),
        sa.PrimaryKeyConstraint("level", "year", name=op.f("pk_certificate_counters")),
    )
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("label_vi", sa.String(length=200), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column(
            "metric",
            sa.Enum(
                "certified",
                "regional_international",
                "trained",
                name="metric",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("target_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("period_end >= period_start", name=op.f("ck_targets_period_ordered")),
        sa.CheckConstraint("target_number > 0", name=op.f("ck_targets_target_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
        sa.UniqueConstraint("key", name=op.f("uq_targets_key")),
    )
    op.create_table(
        "topics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("leads_to_trained", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_topics")),
        sa.UniqueConstraint("code", name=op.f("uq_topics_code")),
    )
    op.create_table(
        "training_centres",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("approved_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_centres")),
        sa.UniqueConstraint("code", name=op.f("uq_training_centres_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column(
            "role",
            sa.Enum(
                "expert",
                "centre_staff",
                "officer",
                "auditor",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("centre_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_token", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role <> 'centre_staff' OR centre_id IS NOT NULL",
            name=op.f("ck_users_centre_staff_has_centre"),
        ),
        sa.CheckConstraint(
            "role NOT IN ('expert', 'admin') OR centre_id IS NULL",
            name=op.f("ck_users_role_without_centre"),
        ),
        sa.CheckConstraint("failed_logins >= 0", name=op.f("ck_users_failed_logins_not_negative")),
        sa.ForeignKeyConstraint(
            ["centre_id"], ["training_centres.id"], name=op.f("fk_users_centre_id_training_centres")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
        sa.UniqueConstraint("session_token", name=op.f("uq_users_session_token")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_centre_id"), ["centre_id"], unique=False)

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "audit_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_audit_samples_period_ordered")
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_audit_samples_size_positive")),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["users.id"], name=op.f("fk_audit_samples_auditor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_samples")),
    )
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "basic",
                "intermediate",
                "advanced",
                name="level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("trainers", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity > 0", name=op.f("ck_courses_capacity_positive")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_courses_ends_after_start")),
        sa.CheckConstraint("hours > 0", name=op.f("ck_courses_hours_positive")),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["training_centres.id"],
            name=op.f("fk_courses_centre_id_training_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_courses_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name=op.f("fk_courses_topic_id_topics")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("centre_id", "code", name=op.f("uq_courses_centre_id_code")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_courses_centre_id"), ["centre_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_courses_topic_id"), ["topic_id"], unique=False)

    op.create_table(
        "experts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column(
            "organisation_type",
            sa.Enum(
                "ministry",
                "agency",
                "province",
                "enterprise",
                "consultancy",
                "university",
                name="organisation_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("province", sa.String(length=100), nullable=False),
        sa.Column("sector", sa.String(length=100), nullable=False),
        sa.Column("highest_degree", sa.String(length=100), nullable=False),
        sa.Column("years_experience", sa.Integer(), nullable=False),
        sa.Column("consent_scheme_rules", sa.Boolean(), nullable=False),
        sa.Column("consent_public_listing", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "applied",
                "rejected",
                "trained",
                "certified",
                "accredited_regional",
                "accredited_international",
                "suspended",
                "withdrawn",
                "expired",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "held_level",
            sa.Enum(
                "applied",
                "rejected",
                "trained",
                "certified",
                "accredited_regional",
                "accredited_international",
                "suspended",
                "withdrawn",
                "expired",
                name="held_level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status IN ('suspended', 'expired')) = (held_level IS NOT NULL)",
            name=op.f("ck_experts_held_level_when_paused"),
        ),
        sa.CheckConstraint("consent_scheme_rules", name=op.f("ck_experts_consented_to_scheme")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_experts_version_positive")),
        sa.CheckConstraint("years_experience >= 0", name=op.f("ck_experts_years_not_negative")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_experts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_experts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_experts_user_id")),
    )
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_experts_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_experts_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_experts_province"), ["province"], unique=False)
        batch_op.create_index(batch_op.f("ix_experts_sector"), ["sector"], unique=False)
        batch_op.create_index(batch_op.f("ix_experts_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_experts_open_email",
            ["email"],
            unique=True,
            sqlite_where=sa.text("status NOT IN ('rejected', 'withdrawn')"),
            postgresql_where=sa.text("status NOT IN ('rejected', 'withdrawn')"),
        )
        batch_op.create_index(
            "uq_experts_open_person",
            ["name_key", "date_of_birth"],
            unique=True,
            sqlite_where=sa.text("status NOT IN ('rejected', 'withdrawn')"),
            postgresql_where=sa.text("status NOT IN ('rejected', 'withdrawn')"),
        )

    op.create_table(
        "accreditation_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "national",
                "regional",
                "international",
                name="level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("issuing_body", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("document_name", sa.String(length=255), nullable=True),
        sa.Column("document_path", sa.String(length=500), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by_id IS NULL)",
            name=op.f("ck_accreditation_requests_decided_when_closed"),
        ),
        sa.CheckConstraint(
            "level <> 'national'", name=op.f("ck_accreditation_requests_level_above_national")
        ),
        sa.CheckConstraint(
            "(document_path IS NULL) = (document_sha256 IS NULL)",
            name=op.f("ck_accreditation_requests_document_hashed"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_accreditation_requests_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_accreditation_requests_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_accreditation_requests_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accreditation_requests")),
    )
    with op.batch_alter_table("accreditation_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accreditation_requests_expert_id"), ["expert_id"], unique=False
        )

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=30), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column(
            "level",
            sa.Enum(
                "national",
                "regional",
                "international",
                name="level",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("verification_code", sa.String(length=64), nullable=False),
        sa.Column("holder_name", sa.String(length=200), nullable=False),
        sa.Column("holder_date_of_birth", sa.Date(), nullable=False),
        sa.Column("scheme", sa.String(length=50), nullable=False),
        sa.Column("issuing_body", sa.String(length=200), nullable=False),
        sa.Column("signatory_name", sa.String(length=200), nullable=False),
        sa.Column("signatory_title", sa.String(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "valid",
                "suspended",
                "withdrawn",
                "expired",
                "superseded",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("archive_path", sa.String(length=500), nullable=True),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'superseded') = (superseded_by_id IS NOT NULL)",
            name=op.f("ck_certificates_superseded_names_successor"),
        ),
        sa.CheckConstraint(
            "(sha256 IS NULL) = (archive_path IS NULL)",
            name=op.f("ck_certificates_archived_with_hash"),
        ),
        sa.CheckConstraint(
            "length(verification_code) >= 22", name=op.f("ck_certificates_code_long_enough")
        ),
        sa.CheckConstraint("sequence > 0", name=op.f("ck_certificates_sequence_positive")),
        sa.CheckConstraint(
            "valid_until > issued_on", name=op.f("ck_certificates_valid_after_issue")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_certificates_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["users.id"], name=op.f("fk_certificates_issued_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["certificates.id"],
            name=op.f("fk_certificates_superseded_by_id_certificates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint(
            "level", "year", "sequence", name=op.f("uq_certificates_level_year_sequence")
        ),
        sa.UniqueConstraint("number", name=op.f("uq_certificates_number")),
        sa.UniqueConstraint("verification_code", name=op.f("uq_certificates_verification_code")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_status"), ["status"], unique=False)

    op.create_table(
        "cpd_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("activity", sa.String(length=300), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by_id IS NULL)",
            name=op.f("ck_cpd_records_decided_when_closed"),
        ),
        sa.CheckConstraint("hours > 0", name=op.f("ck_cpd_records_hours_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_cpd_records_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_cpd_records_expert_id_experts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpd_records")),
    )
    with op.batch_alter_table("cpd_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cpd_records_expert_id"), ["expert_id"], unique=False)

    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("attended_hours", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("completion_recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(completed AND completed_on IS NOT NULL AND completion_recorded_by_id IS NOT NULL) OR (NOT completed AND completed_on IS NULL)",
            name=op.f("ck_enrolments_completion_dated"),
        ),
        sa.CheckConstraint("attended_hours >= 0", name=op.f("ck_enrolments_attended_not_negative")),
        sa.ForeignKeyConstraint(
            ["completion_recorded_by_id"],
            ["users.id"],
            name=op.f("fk_enrolments_completion_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_enrolments_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_enrolments_expert_id_experts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "course_id", "expert_id", name=op.f("uq_enrolments_course_id_expert_id")
        ),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enrolments_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enrolments_expert_id"), ["expert_id"], unique=False)

    op.create_table(
        "exam_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("centre_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("examiner_id", sa.Integer(), nullable=False),
        sa.Column("pass_mark", sa.Integer(), nullable=False),
        sa.Column("max_score", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("max_score > 0", name=op.f("ck_exam_sessions_max_score_positive")),
        sa.CheckConstraint(
            "pass_mark >= 0 AND pass_mark <= max_score",
            name=op.f("ck_exam_sessions_pass_mark_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["centre_id"],
            ["training_centres.id"],
            name=op.f("fk_exam_sessions_centre_id_training_centres"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_exam_sessions_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_exam_sessions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["examiner_id"], ["users.id"], name=op.f("fk_exam_sessions_examiner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_sessions")),
    )
    with op.batch_alter_table("exam_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_sessions_centre_id"), ["centre_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exam_sessions_course_id"), ["course_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_exam_sessions_examiner_id"), ["examiner_id"], unique=False
        )

    op.create_table(
        "name_change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("old_name", sa.String(length=200), nullable=False),
        sa.Column("new_name", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "refused",
                name="status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_by_id IS NULL)",
            name=op.f("ck_name_change_requests_decided_when_closed"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_name_change_requests_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_name_change_requests_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_name_change_requests_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_name_change_requests")),
    )
    with op.batch_alter_table("name_change_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_name_change_requests_expert_id"), ["expert_id"], unique=False
        )

    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "applied",
                "rejected",
                "trained",
                "certified",
                "accredited_regional",
                "accredited_international",
                "suspended",
                "withdrawn",
                "expired",
                name="from_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "applied",
                "rejected",
                "trained",
                "certified",
                "accredited_regional",
                "accredited_international",
                "suspended",
                "withdrawn",
                "expired",
                name="to_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_status_changes_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_status_changes_expert_id_experts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_changes_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_status_changes_expert_id"), ["expert_id"], unique=False
        )

    op.create_table(
        "audit_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sample_id", sa.Integer(), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=False),
        sa.Column("auditor_id", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "conforming",
                "nonconforming",
                name="result",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("corrective_action", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "closed_on IS NULL OR result = 'nonconforming'",
            name=op.f("ck_audit_findings_only_actions_close"),
        ),
        sa.CheckConstraint(
            "result <> 'nonconforming' OR (corrective_action IS NOT NULL AND due_on IS NOT NULL)",
            name=op.f("ck_audit_findings_nonconformity_has_action"),
        ),
        sa.ForeignKeyConstraint(
            ["auditor_id"], ["users.id"], name=op.f("fk_audit_findings_auditor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["certificates.id"],
            name=op.f("fk_audit_findings_certificate_id_certificates"),
        ),
        sa.ForeignKeyConstraint(
            ["sample_id"],
            ["audit_samples.id"],
            name=op.f("fk_audit_findings_sample_id_audit_samples"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_findings")),
        sa.UniqueConstraint(
            "sample_id", "certificate_id", name=op.f("uq_audit_findings_sample_id_certificate_id")
        ),
    )
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_findings_certificate_id"), ["certificate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_findings_sample_id"), ["sample_id"], unique=False
        )

    op.create_table(
        "exam_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("expert_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score >= 0", name=op.f("ck_exam_results_score_not_negative")),
        sa.ForeignKeyConstraint(
            ["expert_id"], ["experts.id"], name=op.f("fk_exam_results_expert_id_experts")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_exam_results_recorded_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["exam_sessions.id"],
            name=op.f("fk_exam_results_session_id_exam_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exam_results")),
        sa.UniqueConstraint(
            "session_id", "expert_id", name=op.f("uq_exam_results_session_id_expert_id")
        ),
    )
    with op.batch_alter_table("exam_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exam_results_expert_id"), ["expert_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_exam_results_session_id"), ["session_id"], unique=False
        )

    _seed()
    _make_append_only()


def downgrade():
    with op.batch_alter_table("exam_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_results_session_id"))
        batch_op.drop_index(batch_op.f("ix_exam_results_expert_id"))

    op.drop_table("exam_results")
    with op.batch_alter_table("audit_findings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_findings_sample_id"))
        batch_op.drop_index(batch_op.f("ix_audit_findings_certificate_id"))

    op.drop_table("audit_findings")
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_status_changes_expert_id"))
        batch_op.drop_index(batch_op.f("ix_status_changes_created_at"))

    op.drop_table("status_changes")
    with op.batch_alter_table("name_change_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_name_change_requests_expert_id"))

    op.drop_table("name_change_requests")
    with op.batch_alter_table("exam_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exam_sessions_examiner_id"))
        batch_op.drop_index(batch_op.f("ix_exam_sessions_course_id"))
        batch_op.drop_index(batch_op.f("ix_exam_sessions_centre_id"))

    op.drop_table("exam_sessions")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_expert_id"))
        batch_op.drop_index(batch_op.f("ix_enrolments_course_id"))

    op.drop_table("enrolments")
    with op.batch_alter_table("cpd_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cpd_records_expert_id"))

    op.drop_table("cpd_records")
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_status"))
        batch_op.drop_index(batch_op.f("ix_certificates_expert_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("accreditation_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accreditation_requests_expert_id"))

    op.drop_table("accreditation_requests")
    with op.batch_alter_table("experts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_experts_open_person",
            sqlite_where=sa.text("status NOT IN ('rejected', 'withdrawn')"),
            postgresql_where=sa.text("status NOT IN ('rejected', 'withdrawn')"),
        )
        batch_op.drop_index(
            "uq_experts_open_email",
            sqlite_where=sa.text("status NOT IN ('rejected', 'withdrawn')"),
            postgresql_where=sa.text("status NOT IN ('rejected', 'withdrawn')"),
        )
        batch_op.drop_index(batch_op.f("ix_experts_status"))
        batch_op.drop_index(batch_op.f("ix_experts_sector"))
        batch_op.drop_index(batch_op.f("ix_experts_province"))
        batch_op.drop_index(batch_op.f("ix_experts_name_key"))
        batch_op.drop_index(batch_op.f("ix_experts_email"))

    op.drop_table("experts")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_topic_id"))
        batch_op.drop_index(batch_op.f("ix_courses_centre_id"))

    op.drop_table("courses")
    op.drop_table("audit_samples")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_user_id"))

    op.drop_table("api_tokens")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_centre_id"))

    op.drop_table("users")
    op.drop_table("training_centres")
    op.drop_table("topics")
    op.drop_table("targets")
    op.drop_table("certificate_counters")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_occurred_at"))
        batch_op.drop_index("ix_audit_events_object")
        batch_op.drop_index(batch_op.f("ix_audit_events_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS registry_append_only()")
