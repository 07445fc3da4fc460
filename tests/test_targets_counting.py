"""The counting rules of SPEC §5, each edge built by hand."""

from datetime import date

import pytest
import sqlalchemy as sa

from registry.centres.models import Enrolment
from registry.enums import CertificateLevel, ExpertStatus, TargetMetric
from registry.extensions import db
from registry.targets import counting
from registry.targets.counting import Projection, breakdowns, count_metric, progress, project
from tests.factories import (
    CertificateFactory,
    CourseFactory,
    ExpertFactory,
    StatusChangeFactory,
    TargetFactory,
    certify,
    topic,
    vn_time,
    withdraw,
)

FAR_FUTURE = date(2031, 6, 30)


def achieved(as_of, key):
    return next(p.achieved for p in progress(as_of) if p.target.key == key)


def certified_2026(as_of=FAR_FUTURE):
    return achieved(as_of, "certified_2026_2030")


def regional_2026(as_of=FAR_FUTURE):
    return achieved(as_of, "regional_international_2026_2030")


def test_first_national_certificate_counts_in_its_period(ctx):
    certify(ExpertFactory(), date(2026, 3, 1))
    certify(ExpertFactory(), date(2024, 5, 10))
    assert certified_2026() == 1
    assert achieved(FAR_FUTURE, "certified_2021_2025") == 1


def test_a_renewal_is_not_counted_twice(ctx):
    renewed = ExpertFactory()
    first = certify(renewed, date(2025, 6, 1))
    CertificateFactory(expert=renewed, issued_on=date(2026, 6, 1), replaces=first)
    twice_in_period = ExpertFactory()
    first = certify(twice_in_period, date(2026, 2, 1))
    CertificateFactory(expert=twice_in_period, issued_on=date(2027, 2, 1), replaces=first)
    # The renewed expert counts in 2021–2025 (first certificate), not again in 2026–2030.
    assert achieved(FAR_FUTURE, "certified_2021_2025") == 1
    assert certified_2026() == 1


def test_withdrawn_experts_are_excluded_as_of_the_withdrawal(ctx):
    expert = ExpertFactory()
    certify(expert, date(2026, 2, 1))
    certify(ExpertFactory(), date(2026, 2, 2))
    withdraw(expert, date(2026, 5, 1))
    assert certified_2026(date(2026, 4, 30)) == 2
    assert certified_2026(date(2026, 5, 1)) == 1
    assert certified_2026() == 1


def test_withdrawn_experts_are_excluded_from_regional_international(ctx):
    expert = ExpertFactory()
    certify(expert, date(2026, 1, 10))
    certify(expert, date(2026, 3, 10), level=CertificateLevel.REGIONAL)
    assert regional_2026() == 1
    withdraw(expert, date(2026, 9, 1))
    assert regional_2026() == 0
    assert regional_2026(date(2026, 8, 31)) == 1


def test_regional_and_international_count_once_per_expert(ctx):
    both = ExpertFactory()
    certify(both, date(2026, 1, 5))
    certify(both, date(2026, 4, 1), level=CertificateLevel.REGIONAL)
    certify(both, date(2026, 9, 1), level=CertificateLevel.INTERNATIONAL)
    international_only = ExpertFactory()
    certify(international_only, date(2026, 2, 1))
    certify(international_only, date(2027, 2, 1), level=CertificateLevel.INTERNATIONAL)
    # First regional certificate before the period: the later international one adds nothing.
    earlier = ExpertFactory()
    certify(earlier, date(2024, 1, 5))
    certify(earlier, date(2025, 7, 1), level=CertificateLevel.REGIONAL)
    certify(earlier, date(2026, 7, 1), level=CertificateLevel.INTERNATIONAL)
    assert regional_2026() == 2
    # Regional and international certificates never count as national ones.
    assert certified_2026() == 2


def test_certificates_on_the_first_and_last_day_of_a_period(ctx):
    for day in (date(2025, 12, 31), date(2026, 1, 1), date(2030, 12, 31), date(2031, 1, 1)):
        certify(ExpertFactory(), day)
    assert certified_2026() == 2
    assert (
        count_metric(TargetMetric.CERTIFIED, date(2026, 1, 1), date(2030, 12, 31), FAR_FUTURE) == 2
    )
    assert achieved(FAR_FUTURE, "certified_2021_2025") == 1


def test_as_of_a_date_before_some_certifications(ctx):
    for day in (date(2026, 2, 1), date(2026, 5, 1), date(2026, 8, 1)):
        certify(ExpertFactory(), day)
    assert certified_2026(date(2026, 1, 31)) == 0
    assert certified_2026(date(2026, 4, 30)) == 1
    assert certified_2026(date(2026, 5, 1)) == 2
    assert certified_2026() == 3


@pytest.mark.parametrize(
    ("utc_wall_clock", "counted_in_2026"),
    [((16, 59, 59, 999_999), False), ((17, 0, 0, 0), True)],
)
def test_trained_uses_viet_nam_day_boundaries(ctx, utc_wall_clock, counted_in_2026):
    # 31 December 2025 at 17:00 UTC is midnight, 1 January 2026, in Viet Nam.
    hour, minute, second, micro = utc_wall_clock
    from datetime import UTC, datetime

    moment = datetime(2025, 12, 31, hour, minute, second, micro, tzinfo=UTC)
    StatusChangeFactory(to_status=ExpertStatus.TRAINED, created_at=moment)
    target = TargetFactory(metric=TargetMetric.TRAINED, period_start=date(2026, 1, 1))
    (row,) = [p for p in progress(FAR_FUTURE) if p.target.id == target.id]
    assert row.achieved == int(counted_in_2026)
    years = breakdowns([target], FAR_FUTURE)["year"]
    assert [r.key for r in years] == (["2026"] if counted_in_2026 else [])
    # As of 1 January 2026 (Viet Nam) the training has already happened.
    assert count_metric(
        TargetMetric.TRAINED, date(2026, 1, 1), date(2026, 1, 1), date(2026, 1, 1)
    ) == int(counted_in_2026)


def test_trained_counts_each_person_once_on_the_first_time(ctx):
    expert = ExpertFactory()
    StatusChangeFactory(
        expert=expert, to_status=ExpertStatus.TRAINED, created_at=vn_time(date(2025, 11, 1))
    )
    StatusChangeFactory(
        expert=expert, to_status=ExpertStatus.REJECTED, created_at=vn_time(date(2025, 12, 1))
    )
    StatusChangeFactory(
        expert=expert, to_status=ExpertStatus.TRAINED, created_at=vn_time(date(2026, 4, 1))
    )
    StatusChangeFactory(to_status=ExpertStatus.TRAINED, created_at=vn_time(date(2026, 4, 2)))
    assert count_metric(TargetMetric.TRAINED, date(2026, 1, 1), date(2030, 12, 31), FAR_FUTURE) == 1
    assert count_metric(TargetMetric.TRAINED, date(2025, 1, 1), date(2030, 12, 31), FAR_FUTURE) == 2
    assert (
        count_metric(TargetMetric.TRAINED, date(2025, 1, 1), date(2030, 12, 31), date(2025, 10, 31))
        == 0
    )


def _complete(expert, course, staff=None):
    from tests.factories import UserFactory

    staff = staff or UserFactory(role="centre_staff", centre=course.centre)
    enrolment = Enrolment(
        course=course,
        expert=expert,
        attended_hours=course.hours,
        completed=True,
        completed_on=course.ends_on,
        completion_recorded_by_id=staff.id,
    )
    db.session.add(enrolment)
    db.session.flush()
    return enrolment


def test_breakdowns_by_each_dimension_add_up_to_the_total(ctx):
    north = CourseFactory()
    south = CourseFactory(centre__province="TP. Hồ Chí Minh")
    other_topic = CourseFactory(topic=topic("5s"))
    hanoi = ExpertFactory(province="Hà Nội", sector="Dệt may", organisation_type="ministry")
    _complete(hanoi, north)
    saigon = ExpertFactory(province="TP. Hồ Chí Minh", sector="Điện tử")
    _complete(saigon, other_topic)  # a 5S course is not the expert programme
    _complete(saigon, south)
    untrained = ExpertFactory(province="Hà Nội", sector="Điện tử")
    certify(hanoi, date(2026, 2, 1))
    certify(saigon, date(2027, 3, 1))
    certify(untrained, date(2027, 12, 31))
    withdrawn = ExpertFactory(province="Đà Nẵng")
    certify(withdrawn, date(2026, 2, 1))
    withdraw(withdrawn, date(2026, 3, 1))
    db.session.flush()
    targets = counting.load_targets()
    index = next(i for i, t in enumerate(targets) if t.key == "certified_2026_2030")
    tables = breakdowns(targets, FAR_FUTURE)

    def counts(dimension):
        return {row.key: row.counts[index] for row in tables[dimension] if row.counts[index]}

    assert counts("year") == {"2026": 1, "2027": 2}
    assert counts("province") == {"Hà Nội": 2, "TP. Hồ Chí Minh": 1}
    assert counts("sector") == {"Điện tử": 2, "Dệt may": 1}
    assert counts("organisation_type") == {"ministry": 1, "enterprise": 2}
    assert counts("centre") == {north.centre.code: 1, south.centre.code: 1, None: 1}
    assert counts("month") == {"202602": 1, "202703": 1, "202712": 1}
    for dimension in counting.DIMENSIONS:
        assert sum(counts(dimension).values()) == 3
    centre_row = next(r for r in tables["centre"] if r.key == north.centre.code)
    assert centre_row.label == north.centre.name


def test_cumulative_series_runs_month_by_month_to_the_as_of_date(ctx):
    target = TargetFactory(period_start=date(2026, 1, 1), period_end=date(2026, 12, 31))
    for day in (date(2026, 1, 15), date(2026, 3, 3), date(2026, 3, 20)):
        certify(ExpertFactory(), day)
    as_of = date(2026, 4, 10)
    tables = breakdowns([target], as_of)
    series = counting.cumulative_series(target, 0, tables["month"], as_of)
    assert series == [
        (date(2026, 1, 1), 0),
        (date(2026, 1, 31), 1),
        (date(2026, 2, 28), 1),
        (date(2026, 3, 31), 3),
        (date(2026, 4, 10), 3),
    ]


def test_projection_at_the_pace_of_the_last_twelve_months(ctx):
    target = TargetFactory(
        target_number=100, period_start=date(2026, 1, 1), period_end=date(2030, 12, 31)
    )
    as_of = date(2026, 12, 31)
    # 30 a year: the 60 still missing take 730 days.
    assert project(target, 40, 30, as_of) == Projection("on_pace", date(2028, 12, 30))
    assert project(target, 40, 10, as_of) == Projection("not_at_pace")  # 2032: after the period
    assert project(target, 40, 0, as_of) == Projection("not_at_pace")
    assert project(target, 100, 0, as_of) == Projection("reached")
    assert project(target, 40, 30, date(2030, 12, 31)) == Projection("period_over")
    # Before the period starts, the count starts on its first day.
    assert project(target, 0, 365, date(2025, 6, 1)).on == date(2026, 4, 10)


def test_progress_reports_pace_and_projection(ctx):
    target = TargetFactory(
        target_number=4, period_start=date(2026, 1, 1), period_end=date(2030, 12, 31)
    )
    for day in (date(2025, 9, 1), date(2026, 2, 1), date(2026, 6, 1)):
        certify(ExpertFactory(), day)
    (row,) = progress(date(2026, 8, 31), [target])
    assert (row.achieved, row.last_12_months, row.percent) == (2, 3, 50.0)
    # 3 in 365 days: the 2 missing take 244 days.
    assert row.projection == Projection("on_pace", date(2027, 5, 2))


def test_counting_is_a_constant_number_of_queries(ctx):
    def queries_for_dashboard():
        statements = []

        def listener(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            counting.dashboard(FAR_FUTURE)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    certify(ExpertFactory(), date(2026, 2, 1))
    few = queries_for_dashboard()
    for i in range(12):
        expert = ExpertFactory(province=f"Tỉnh {i}", sector=f"Ngành {i}")
        _complete(expert, CourseFactory())
        certify(expert, date(2026 + i % 4, 1 + i, 1))
        if i % 3 == 0:
            certify(expert, date(2030, 1, 1), level=CertificateLevel.REGIONAL)
    TargetFactory(metric=TargetMetric.TRAINED)
    assert queries_for_dashboard() == few == 2  # the targets, then every figure at once
