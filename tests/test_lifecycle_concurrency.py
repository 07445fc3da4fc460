"""Concurrent decisions on PostgreSQL: one wins, the others get 409, numbers stay unique."""

import threading

import pytest
import sqlalchemy as sa

from registry.certificates.models import Certificate
from registry.enums import ExpertStatus, Role
from registry.experts.models import Expert, StatusChange
from registry.extensions import db
from tests.conftest import sign_in
from tests.factories import UserFactory, Walk, passing_exam

pytestmark = pytest.mark.postgres


def _trained_candidates(app, count):
    with app.app_context():
        walk = Walk()
        ids = []
        for _ in range(count):
            expert, _ = walk.trained()
            passing_exam(expert, centre=walk.centre, examiner=walk.staff)
            ids.append((expert.id, expert.version))
        officers = [UserFactory(role=Role.OFFICER) for _ in range(count)]
        db.session.commit()
        emails = [o.email for o in officers]
        db.session.remove()
    return ids, emails


def _run_together(app, jobs):
    """Sign in one test client per job, then fire every POST at once; return statuses."""
    clients = []
    for email, _url, _data in jobs:
        client = app.test_client()
        assert sign_in(client, email).status_code == 302
        client.get("/lang/en")
        clients.append(client)
    barrier = threading.Barrier(len(jobs))
    statuses = [None] * len(jobs)
    pages = [None] * len(jobs)

    def post(index):
        _email, url, data = jobs[index]
        barrier.wait()
        response = clients[index].post(url, data=data)
        statuses[index] = response.status_code
        pages[index] = response.get_data(as_text=True)

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses, pages


def test_twenty_concurrent_certifications_of_one_expert(app, backend):
    if backend != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    [(expert_id, version)], _ = _trained_candidates(app, 1)
    with app.app_context():
        officers = [UserFactory(role=Role.OFFICER).email for _ in range(20)]
        db.session.commit()
        db.session.remove()
    url = f"/directorate/experts/{expert_id}/decide/certified"
    statuses, pages = _run_together(app, [(email, url, {"version": version}) for email in officers])
    assert sorted(statuses) == [302] + [409] * 19
    # Each loser is told that someone else decided first (never a 500, never a renewal).
    conflicts = [p for s, p in zip(statuses, pages, strict=True) if s == 409]
    assert all("Reload the page and decide again" in p for p in conflicts)
    with app.app_context():
        assert db.session.get(Expert, expert_id).status == ExpertStatus.CERTIFIED
        changes = db.session.scalar(
            sa.select(sa.func.count(StatusChange.id)).where(
                StatusChange.expert_id == expert_id,
                StatusChange.to_status == ExpertStatus.CERTIFIED,
            )
        )
        certificates = db.session.scalar(
            sa.select(sa.func.count(Certificate.id)).where(Certificate.expert_id == expert_id)
        )
        db.session.remove()
    assert (changes, certificates) == (1, 1)


def test_eight_parallel_certifications_get_consecutive_numbers(app, backend):
    if backend != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL")
    candidates, officers = _trained_candidates(app, 8)
    jobs = [
        (email, f"/directorate/experts/{expert_id}/decide/certified", {"version": version})
        for (expert_id, version), email in zip(candidates, officers, strict=True)
    ]
    assert _run_together(app, jobs)[0] == [302] * 8
    with app.app_context():
        sequences = db.session.scalars(sa.select(Certificate.sequence)).all()
        numbers = db.session.scalars(sa.select(Certificate.number)).all()
        db.session.remove()
    assert sorted(sequences) == list(range(1, 9))
    assert len(set(numbers)) == 8
