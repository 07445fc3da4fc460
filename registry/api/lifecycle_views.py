"""API endpoints over the lifecycle service: apply, and the one transition function.

Thin views: the body is checked by its schema, the rules are registry.experts.lifecycle's
own, and its refusals answer with their `http_status` (403 not allowed, 409 refused or
conflicting, 422 incomplete request) and their message.
"""

from marshmallow.validate import OneOf

from registry.api import bp
from registry.api.auth import allowed, api_user, documents, loads
from registry.api.errors import committed
from registry.api.input import (
    Boolean,
    Choice,
    Date,
    Email,
    Integer,
    Nested,
    Province,
    Schema,
    Sector,
    Text,
    documented,
)
from registry.api.output import ExpertAfterTransitionSchema, ExpertSchema, With
from registry.api.views import visible_expert_or_404
from registry.enums import ExpertStatus, OrganisationType
from registry.experts import lifecycle
from registry.experts.transitions import INPUTS
from registry.permissions import can_apply


class ApplicationBody(Schema):
    full_name = Text(required=True)
    date_of_birth = Date(required=True)
    email = Email(
        required=True, metadata={"description": "Ignored for an expert applying for themselves."}
    )
    organisation = Text(required=True)
    organisation_type = Choice(OrganisationType, required=True)
    province = Province(required=True)
    sector = Sector(required=True)
    highest_degree = Text(max_length=100, required=True)
    years_experience = Integer(maximum=80, required=True)
    consent_scheme_rules = Boolean(required=True)
    consent_public_listing = Boolean()
    phone = Text(max_length=30, allow_none=True)


def _field(spec, **kwargs):
    """The API field of a transition input (registry.experts.transitions.INPUTS)."""
    kwargs = documented(kwargs, description=str(spec.label))
    if spec.kind == "date":
        return Date(**kwargs)
    if spec.kind == "choice":
        choices = [stored for stored, _label in spec.choices]
        return Text(max_length=spec.max_length, validate=OneOf(choices), **kwargs)
    return Text(max_length=spec.max_length, **kwargs)


# The body is the transition table's: `reason` on top, every other input under "evidence".
Evidence = Schema.from_dict(
    {name: _field(spec) for name, spec in INPUTS.items() if spec.in_evidence},
    name="Evidence",
)
TransitionBody = Schema.from_dict(
    {
        "to": Choice(ExpertStatus, required=True),
        "reason": _field(INPUTS["reason"], multiline=True, allow_none=True),
        "evidence": Nested(Evidence, allow_none=True),
    },
    name="TransitionBody",
)


@bp.post("/experts")
@bp.response(201, ExpertSchema)
@allowed(can_apply)
@documents(409, 422)
@bp.arguments(ApplicationBody)
def apply(data):
    """Apply: an expert for themself, or an officer for someone."""
    data["date_of_birth"] = data["date_of_birth"].isoformat()
    data["organisation_type"] = data["organisation_type"].value
    with committed(lifecycle.LifecycleError):
        result = lifecycle.apply(data, actor=api_user())
    return result.expert


@bp.post("/experts/<int:expert_id>/transitions")
@bp.response(200, ExpertAfterTransitionSchema)
@allowed()
@documents(403, 404, 409, 422)
@loads("expert", visible_expert_or_404)
@bp.arguments(TransitionBody)
def transition(data, expert):
    """Move an expert to another state.

    The transitions and who may make them are those of the lifecycle; an expert the caller
    may not see is 404, whatever the body asks."""
    with committed(lifecycle.LifecycleError):
        result = lifecycle.transition(
            expert,
            data["to"],
            actor=api_user(),
            reason=data.get("reason"),
            evidence=data.get("evidence"),
        )
    issued = {"certificate": result.certificate} if result.certificate is not None else {}
    return With(result.expert, **issued)
