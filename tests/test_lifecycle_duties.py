"""Separation of duties (ISO/IEC 17024) and the history that can never be rewritten."""

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.exc import DBAPIError

from registry.enums import ExpertStatus, Role
from registry.experts.lifecycle import TransitionRefused, transition
from registry.experts.models import StatusChange
from registry.extensions import db
from tests.factories import UserFactory, Walk, passing_exam


def _refusal(expert, officer):
    with pytest.raises(TransitionRefused) as caught, force_locale("en"):
        transition(expert, ExpertStatus.CERTIFIED, actor=officer)
    with force_locale("en"):
        return str(caught.value)


def test_the_examiner_of_the_passing_result_may_not_certify(ctx):
    walk = Walk()
    expert, _ = walk.trained()
    passing_exam(expert, centre=walk.centre, examiner=walk.officer)
    message = _refusal(expert, walk.officer)
    assert "you were the examiner of the passing exam result" in message
    assert "recorded the candidate's training completion" not in message
    # Another officer, independent of the exam, may.
    transition(expert, ExpertStatus.CERTIFIED, actor=UserFactory(role=Role.OFFICER))


def test_the_officer_who_recorded_the_completion_may_not_certify(ctx):
    walk = Walk()
    expert, enrolment = walk.trained()
    enrolment.completion_recorded_by_id = walk.officer.id
    passing_exam(expert, centre=walk.centre, examiner=walk.staff)
    message = _refusal(expert, walk.officer)
    assert "you recorded the candidate's training completion" in message
    assert "examiner" not in message


def test_an_officer_attached_to_the_training_centre_may_not_certify(ctx):
    walk = Walk()
    expert, _ = walk.trained()
    passing_exam(expert, centre=walk.centre, examiner=walk.staff)
    walk.officer.centre_id = walk.centre.id
    message = _refusal(expert, walk.officer)
    assert f"you are attached to the candidate's training centre {walk.centre.code}" in message
    assert expert.status == ExpertStatus.TRAINED


def test_history_rows_cannot_be_updated_or_deleted_in_the_database(ctx):
    walk = Walk()
    expert = walk.certified()
    db.session.commit()
    change_id = db.session.scalar(
        sa.select(StatusChange.id).where(StatusChange.expert_id == expert.id).limit(1)
    )
    table = StatusChange.__table__
    for statement in (
        sa.update(table).where(table.c.id == change_id).values(reason="đã sửa"),
        sa.delete(table).where(table.c.id == change_id),
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(statement)
        db.session.rollback()
    assert db.session.get(StatusChange, change_id).reason is None


def test_no_route_edits_or_deletes_history(app):
    # SPEC §8's PATCH of an enrolment records attendance; it edits no history.
    allowed = {"/api/v1/enrolments/<int:enrolment_id>"}
    for rule in app.url_map.iter_rules():
        if rule.rule in allowed:
            continue
        assert not ({"PUT", "PATCH", "DELETE"} & rule.methods), rule
        assert "history" not in rule.rule and "status-change" not in rule.rule, rule


def test_the_history_relationship_is_read_only(ctx):
    walk = Walk()
    expert = walk.certified()
    relationship = type(expert).history.property
    assert relationship.viewonly
