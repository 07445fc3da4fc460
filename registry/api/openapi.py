"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

Written by hand next to the views, with parameter schemas taken from the same declarations
the views read their input with. tests/test_api_openapi.py fails when an endpoint is missing
here or documented without existing, and runs schemathesis against it.
"""

from functools import cache

from flask import jsonify

from registry.api import bp
from registry.api.views import EXPERTS_QUERY, MAX_ID, PAGE_SIZE, TARGETS_QUERY
from registry.enums import ExpertStatus, OrganisationType, Role

JSON = "application/json"


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(json_type, **extra):
    return {"type": [json_type, "null"], **extra}


def _object(properties, required=None):
    return {
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
    }


STATUSES = [s.value for s in ExpertStatus]

SCHEMAS = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string", "examples": ["not_found"]},
                    "message": {"type": "string"},
                    "fields": {
                        "type": "object",
                        "description": "The refused fields or parameters and why.",
                        "additionalProperties": {"type": "string"},
                    },
                },
                required=["code", "message"],
            )
        }
    ),
    "Health": _object(
        {
            "status": {"type": "string", "enum": ["ok", "error"]},
            "database": {"type": "string", "enum": ["ok", "error"]},
        }
    ),
    "Me": _object(
        {
            "id": {"type": "integer"},
            "email": {"type": "string", "format": "email"},
            "role": {"type": "string", "enum": [r.value for r in Role]},
            "centre": _nullable("string", description="Training centre code, or null."),
        }
    ),
    "ExpertSummary": _object(
        {
            "id": {"type": "integer"},
            "full_name": {"type": "string"},
            "email": {"type": "string"},
            "organisation": {"type": "string"},
            "organisation_type": {"type": "string", "enum": [t.value for t in OrganisationType]},
            "province": {"type": "string"},
            "sector": {"type": "string"},
            "status": {"type": "string", "enum": STATUSES},
        }
    ),
    "StatusChange": _object(
        {
            "from": {"type": ["string", "null"], "enum": [*STATUSES, None]},
            "to": {"type": "string", "enum": STATUSES},
            "at": {"type": "string", "format": "date-time"},
            "reason": _nullable("string"),
            "evidence": _nullable("object"),
        }
    ),
    "ExpertPage": _object(
        {
            "items": {"type": "array", "items": _ref("ExpertSummary")},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "const": PAGE_SIZE},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 0},
        }
    ),
    "Target": _object(
        {
            "key": {"type": "string"},
            "label": {"type": "string"},
            "period": _object(
                {
                    "start": {"type": "string", "format": "date"},
                    "end": {"type": "string", "format": "date"},
                }
            ),
            "target": {"type": "integer", "minimum": 1},
            "achieved": {"type": "integer", "minimum": 0},
            "percent": {"type": "number", "minimum": 0},
            "projected_on": _nullable(
                "string",
                format="date",
                description="The day the target is reached if the last 12 months' pace goes "
                "on; null when it is already reached, the period is over, or the pace is too slow.",
            ),
        }
    ),
}
SCHEMAS["Expert"] = {
    "allOf": [
        _ref("ExpertSummary"),
        _object(
            {
                "date_of_birth": {"type": "string", "format": "date"},
                "phone": _nullable("string"),
                "highest_degree": {"type": "string"},
                "years_experience": {"type": "integer", "minimum": 0},
                "consent_scheme_rules": {"type": "boolean"},
                "consent_public_listing": {"type": "boolean"},
                "held_level": {"type": ["string", "null"], "enum": [*STATUSES, None]},
                "status_changed_at": {"type": "string", "format": "date-time"},
                "created_at": {"type": "string", "format": "date-time"},
                "history": {"type": "array", "items": _ref("StatusChange")},
            }
        ),
    ]
}

ERROR_TEXT = {
    400: "Invalid query parameter, or a body that is not JSON.",
    401: "No token, or a token that is not valid, revoked, or of a disabled account.",
    403: "The token's user may not do this.",
    404: "No such object.",
    409: "Refused by the state of the registry (an illegal or concurrent change, a full "
    "course, a result too early...); the message says why.",
    413: "The body is too large.",
    415: "The body is not sent as application/json.",
    422: "The body is not valid: missing, unknown or wrong fields (named in `fields`), or "
    "refused by the registry's rules.",
    429: "Too many requests.",
    500: "The archived file failed its integrity check.",
}
BODY_ERRORS = (400, 403, 413, 415, 422)


def _json_response(description, schema):
    return {"description": description, "content": {JSON: {"schema": schema}}}


def _operation(
    summary,
    ok,
    *,
    errors=(),
    params=None,
    secured=True,
    description=None,
    method="get",
    body=None,
    status=200,
    ok_content=JSON,
):
    responses = {str(status): {"description": "OK", "content": {ok_content: {"schema": ok}}}}
    # A token that is sent is checked even on public endpoints.
    for status in sorted({401, *errors}):
        responses[str(status)] = _json_response(ERROR_TEXT[status], _ref("Error"))
    operation = {
        "summary": summary,
        "security": [{"bearerAuth": []}] if secured else [],
        "parameters": params or [],
        "responses": responses,
    }
    if description:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body.schema()}}}
    return {method: operation}


def _query_params(fields):
    params = []
    for name, field in fields.items():
        schema = field.schema()
        description = schema.pop("description", None)
        param = {"name": name, "in": "query", "required": field.required, "schema": schema}
        if description:
            param["description"] = description
        params.append(param)
    return params


@cache
def openapi_document():
    from registry.api.openapi_services import SERVICE_SCHEMAS, phase_two_paths

    SCHEMAS.update(SERVICE_SCHEMAS)
    expert_id = {
        "name": "expert_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    }
    health = _operation(
        "Is the registry up?",
        _ref("Health"),
        secured=False,
        description="Checks the database with SELECT 1.",
    )
    health["get"]["responses"]["503"] = _json_response(
        "The database does not answer.", _ref("Health")
    )
    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "PQ expert registry API",
            "version": "1.0.0",
            "description": (
                "National registry of productivity-quality experts (Decision 1322/QĐ-TTg). "
                'Errors are {"error": {"code", "message"}}; messages follow '
                "Accept-Language (vi, en)."
            ),
        },
        "paths": {
            "/api/v1/health": health,
            "/api/v1/me": _operation("The token's user", _ref("Me")),
            "/api/v1/experts": _operation(
                "List experts",
                _ref("ExpertPage"),
                errors=(400, 403),
                params=_query_params(EXPERTS_QUERY),
                description="Officers and auditors see every expert; centre staff see the "
                "experts enrolled in a course of their centre.",
            ),
            "/api/v1/experts/{expert_id}": _operation(
                "One expert: profile, status and history",
                _ref("Expert"),
                errors=(403, 404),
                params=[expert_id],
                description="The expert themself, officers, auditors, and staff of a centre "
                "where the expert is enrolled.",
            ),
            "/api/v1/targets": _operation(
                "Programme targets and progress",
                {"type": "array", "items": _ref("Target")},
                errors=(400,),
                params=_query_params(TARGETS_QUERY),
                secured=False,
            ),
            "/api/v1/openapi.json": _operation("This document", {"type": "object"}, secured=False),
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from /account/tokens or `flask registry create-token`.",
                }
            },
        },
    }
    for path, operations in phase_two_paths().items():
        document["paths"].setdefault(path, {}).update(operations)
    return document


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())
