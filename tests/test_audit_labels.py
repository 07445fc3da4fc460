"""Audit actions and object types read as words, on the page and in the export."""

import ast
import io
import pathlib

from openpyxl import load_workbook

from registry.audit.service import record_event
from registry.extensions import db
from registry.labels import ACTION_LABELS, OBJECT_TYPE_LABELS

REGISTRY = pathlib.Path(__file__).resolve().parent.parent / "registry"


def _wrappers(tree):
    """Functions that pass their own first parameter on as record_event's action."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.args.args:
            first = node.args.args[0].arg
            for call in ast.walk(node):
                if (
                    isinstance(call, ast.Call)
                    and _name(call) == "record_event"
                    and call.args
                    and isinstance(call.args[0], ast.Name)
                    and call.args[0].id == first
                ):
                    names.add(node.name)
    return names


def _name(call):
    return getattr(call.func, "id", None) or getattr(call.func, "attr", None)


def _strings(node):
    return {
        c.value for c in ast.walk(node) if isinstance(c, ast.Constant) and isinstance(c.value, str)
    }


def _recorded():
    """Every action and object type written as a literal in a record_event call."""
    actions, object_types = set(), set()
    for path in REGISTRY.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        callers = {"record_event"} | _wrappers(tree)
        for call in ast.walk(tree):
            if not isinstance(call, ast.Call) or _name(call) not in callers:
                continue
            if call.args:
                actions |= _strings(call.args[0])
            for keyword in call.keywords:
                if keyword.arg == "object_type":
                    object_types |= _strings(keyword.value)
    return actions, object_types


def test_every_recorded_action_and_object_type_has_a_label():
    actions, object_types = _recorded()
    assert "expert.transition" in actions and "admin.topic_retired" in actions  # the scan works
    assert sorted(actions - set(ACTION_LABELS)) == []
    assert sorted(object_types - set(OBJECT_TYPE_LABELS)) == []


def test_the_page_and_the_export_show_labels_not_codes(app, client, login_as):
    with app.app_context():
        record_event("certificate.batch_queued", object_type="batch_job", object_id=3)
        record_event("made.up_code", object_type="mystery", object_id=4)
        db.session.commit()
    login_as("auditor")
    page = client.get("/audit/").text
    assert "Xếp hàng đợt cấp giấy chứng nhận" in page and "Đợt cấp giấy chứng nhận 3" in page
    assert "made.up_code" in page and "mystery 4" in page  # an unknown code shows as itself
    rows = list(
        load_workbook(io.BytesIO(client.get("/audit/export.xlsx").data)).active.iter_rows(
            values_only=True
        )
    )
    assert rows[0][3:6] == ("Hành động", "Mã hành động", "Đối tượng")
    batch = next(row for row in rows[1:] if row[4] == "certificate.batch_queued")
    assert batch[3] == "Xếp hàng đợt cấp giấy chứng nhận" and batch[5] == "Đợt cấp giấy chứng nhận"
    csv = client.get("/audit/export.csv").data.decode("utf-8-sig")
    assert "Xếp hàng đợt cấp giấy chứng nhận" in csv
    client.get("/lang/en")
    assert "Certificate batch queued" in client.get("/audit/").text
