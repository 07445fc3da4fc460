"""The programme targets dashboard (directorate, administrators) and the editing of targets."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from registry.cases.statistics import case_figures
from registry.clock import today
from registry.extensions import db
from registry.permissions import (
    can_administer,
    can_view_dashboard,
    is_directorate,
    permission_required,
)
from registry.targets.chart import ChartText, progress_chart
from registry.targets.counting import dashboard, load_targets
from registry.targets.forms import METRIC_LABELS, TargetForm, as_of_from
from registry.targets.models import Target
from registry.targets.service import FIELDS, TargetError, save_target

bp = Blueprint("targets", __name__, url_prefix="/targets")

DIMENSION_TITLES = {
    "year": _l("By year"),
    "province": _l("By province"),
    "sector": _l("By sector"),
    "centre": _l("By training centre"),
    "organisation_type": _l("By organisation type"),
}


@bp.get("/")
@permission_required(can_view_dashboard)
def index():
    as_of, error = as_of_from(request.args)
    if error:
        flash(str(error), "error")
    figures = dashboard(as_of)
    locale = str(get_locale())
    charts = [
        progress_chart(
            start=row.target.period_start,
            end=row.target.period_end,
            target_number=row.target.target_number,
            points=points,
            as_of=as_of,
            projected_on=row.projection.on,
            text=ChartText(
                title=_("Progress toward: %(target)s", target=row.target.label(locale)),
                actual=_("Counted (cumulative)"),
                target_line=_("Straight line to the target"),
                projection=_("Projection at the current pace"),
                as_of=_("As of %(date)s", date=format_date(as_of)),
            ),
        )
        for row, points in zip(figures.progress, figures.series, strict=True)
    ]
    return render_template(
        "targets/dashboard.html",
        figures=figures,
        charts=charts,
        dimension_titles=DIMENSION_TITLES,
        metric_labels=METRIC_LABELS,
        can_edit=can_administer(current_user),
        can_export_register=is_directorate(current_user),
        case_figures=case_figures(today()) if is_directorate(current_user) else None,
    )


@bp.get("/manage")
@permission_required(can_administer)
def manage():
    return render_template(
        "targets/manage.html", targets=load_targets(), metric_labels=METRIC_LABELS
    )


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:target_id>/edit", methods=["GET", "POST"])
@permission_required(can_administer)
def edit(target_id=None):
    target = None if target_id is None else db.session.get(Target, target_id) or abort(404)
    form = TargetForm(obj=target)
    if target is not None and not form.is_submitted():
        form.metric.data = target.metric.value
    if form.validate_on_submit():
        try:
            saved = save_target(
                target, actor=current_user, **{name: getattr(form, name).data for name in FIELDS}
            )
        except TargetError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Target %(key)s saved.", key=saved.key), "success")
            return redirect(url_for(".manage"))
    return render_template("targets/edit.html", form=form, target=target)
