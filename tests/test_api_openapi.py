"""The OpenAPI document describes exactly the API that exists, and the API keeps to it:
schemathesis generates requests from the document and checks every answer against it."""

import re

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from registry.enums import ExpertStatus
from registry.extensions import db
from tests.factories import CourseFactory, EnrolmentFactory, ExpertFactory

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _documented(document):
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"  # the path's own parameters, shared by its operations
    }


def _routed(app):
    return {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - IGNORED_METHODS
    }


def test_the_document_lists_exactly_the_endpoints_that_exist(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert _documented(document) == _routed(app)


def test_the_document_declares_bearer_security_and_the_error_format(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    schemas = document["components"]["schemas"]
    detail = schemas["Error"]["properties"]["error"]["$ref"].rpartition("/")[2]
    assert schemas["Error"]["required"] == ["error"]
    assert schemas[detail]["required"] == ["code", "message"]
    me = document["paths"]["/api/v1/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    assert me["responses"]["401"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


# Examples per operation and generation mode (valid, then invalid input): enough to find a
# 5xx or a schema mismatch on these few read-only endpoints, small enough to stay quick.
EXAMPLES = 15


def test_the_api_keeps_to_its_document(app, api_as):
    """schemathesis, in process (WSGI), signed in as an officer over a few experts."""
    with app.app_context():
        course = CourseFactory()
        EnrolmentFactory(course=course, expert=ExpertFactory(full_name="Nguyễn Văn A"))
        ExpertFactory(full_name="Trần Thị Bé", status=ExpertStatus.TRAINED)
        db.session.commit()
    _, headers = api_as("officer")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        has_input = any((operation.query, operation.path_parameters, operation.body))
        # A body the schema allows may still break a rule of the registry that JSON Schema
        # cannot state (a date of birth in the past, consent given, no duplicate person, a
        # course ending after it starts): those answer 409/422, which is not a failure.
        excluded = [positive_data_acceptance] if operation.body else []
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)[: 1 + has_input]:

            @given(case=operation.as_strategy(mode, headers=headers))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def keeps_to_document(case):
                case.call_and_validate(excluded_checks=excluded)  # noqa: B023 (run at once)

            keeps_to_document()
