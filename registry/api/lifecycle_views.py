"""API endpoints over the lifecycle service: apply, and the one transition function.

Thin views: the body is checked by its declaration, the rules are registry.experts.lifecycle's
own, and its refusals answer with their `http_status` (403 not allowed, 409 refused or
conflicting, 422 incomplete request) and their message.
"""

from flask import jsonify

from registry.api import bp
from registry.api.auth import api_login_required, api_user
from registry.api.errors import ApiError
from registry.api.representations import certificate_brief_json, expert_json
from registry.api.schema import Boolean, Choice, Date, Email, Integer, Object, String, parse_json
from registry.api.views import get_or_404
from registry.enums import ExpertStatus, OrganisationType
from registry.experts import lifecycle
from registry.experts.models import Expert
from registry.experts.transitions import INPUTS
from registry.extensions import db

APPLICATION = Object(
    {
        "full_name": String(),
        "date_of_birth": Date(),
        "email": Email(description="Ignored for an expert applying for themselves."),
        "organisation": String(),
        "organisation_type": Choice(OrganisationType),
        "province": String(max_length=100),
        "sector": String(max_length=100),
        "highest_degree": String(max_length=100),
        "years_experience": Integer(maximum=80),
        "consent_scheme_rules": Boolean(),
        "consent_public_listing": Boolean(required=False),
        "phone": String(max_length=30, required=False, nullable=True),
    }
)
TRANSITION = Object(
    {
        "to": Choice(ExpertStatus),
        "reason": String(
            max_length=INPUTS["reason"].max_length, multiline=True, required=False, nullable=True
        ),
        "evidence": Object(
            {
                spec.name: Date(required=False)
                if spec.kind == "date"
                else String(max_length=spec.max_length, required=False)
                for spec in INPUTS.values()
                if spec.in_evidence
            },
            required=False,
            nullable=True,
            description="What the transition takes besides the reason (docs/lifecycle.md).",
        ),
    }
)


def _refused(exc):
    """A refusal of the lifecycle service as an API error; nothing it began is kept."""
    db.session.rollback()
    return ApiError(exc.http_status, exc.message)


@bp.post("/experts")
@api_login_required
def apply():
    data = parse_json(APPLICATION)
    data["date_of_birth"] = data["date_of_birth"].isoformat()
    data["organisation_type"] = data["organisation_type"].value
    try:
        result = lifecycle.apply(data, actor=api_user())
    except lifecycle.LifecycleError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    return jsonify(expert_json(result.expert)), 201


@bp.post("/experts/<int:expert_id>/transitions")
@api_login_required
def transition(expert_id):
    expert = get_or_404(Expert, expert_id)
    data = parse_json(TRANSITION)
    evidence = data.get("evidence") or {}
    try:
        result = lifecycle.transition(
            expert,
            data["to"],
            actor=api_user(),
            reason=data.get("reason"),
            evidence=evidence or None,
        )
    except lifecycle.LifecycleError as exc:
        raise _refused(exc) from exc
    db.session.commit()
    body = expert_json(result.expert)
    if result.certificate is not None:
        body["certificate"] = certificate_brief_json(result.certificate)
    return jsonify(body)
