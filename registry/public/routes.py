"""Pages for everyone: the programme and its progress, and the choice of language."""

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for

from registry.auth.routes import safe_next
from registry.clock import today
from registry.targets.counting import progress

bp = Blueprint("public", __name__)


@bp.get("/")
def home():
    return render_template("public/home.html", progress=progress(), as_of=today())


@bp.get("/lang/<code>")
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")) or url_for(".home"))


from registry.public import register  # noqa: E402,F401  (/register on this blueprint)
