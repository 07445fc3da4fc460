"""Administrator pages of the sector list and of the stored values to fix (admin blueprint)."""

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from registry.admin.catalogue import add_sector, rename_sector, set_sector_retired
from registry.admin.forms import SectorForm
from registry.admin.routes import bp, saved
from registry.admin.values_to_fix import fix_province, fix_sector, provinces_to_fix, sectors_to_fix
from registry.extensions import db
from registry.permissions import can_administer, permission_required
from registry.provinces import PROVINCES
from registry.sectors import Sector, offered_sectors


@bp.route("/sectors", methods=["GET", "POST"])
@permission_required(can_administer)
def sectors():
    form = SectorForm()
    if form.validate_on_submit() and saved(
        lambda: add_sector(form.name.data, actor=current_user),
        lambda sector: _("Sector %(name)s added.", name=sector.name),
    ):
        return redirect(url_for(".sectors"))
    rows = db.session.scalars(sa.select(Sector).order_by(Sector.sort_order, Sector.id)).all()
    to_fix = len(provinces_to_fix()) + len(sectors_to_fix())
    return render_template("admin/sectors.html", form=form, sectors=rows, to_fix=to_fix)


@bp.route("/sectors/<int:sector_id>", methods=["GET", "POST"])
@permission_required(can_administer)
def edit_sector(sector_id):
    sector = db.session.get(Sector, sector_id) or abort(404)
    form = SectorForm(obj=sector)
    if form.validate_on_submit() and saved(
        lambda: rename_sector(sector, form.name.data, actor=current_user),
        lambda _result: _("Sector %(name)s saved.", name=sector.name),
    ):
        return redirect(url_for(".sectors"))
    return render_template("admin/edit_sector.html", form=form, sector=sector)


@bp.post("/sectors/<int:sector_id>/retire")
@permission_required(can_administer)
def retire_sector(sector_id):
    sector = db.session.get(Sector, sector_id) or abort(404)
    set_sector_retired(sector, not sector.retired, actor=current_user)
    db.session.commit()
    if sector.retired:
        flash(_("Sector %(name)s retired.", name=sector.name), "success")
    else:
        flash(_("Sector %(name)s offered again.", name=sector.name), "success")
    return redirect(url_for(".sectors"))


@bp.get("/values-to-fix")
@permission_required(can_administer)
def values_to_fix():
    return render_template(
        "admin/values_to_fix.html",
        provinces=provinces_to_fix(),
        sectors=sectors_to_fix(),
        units=PROVINCES,
        offered=offered_sectors(),
    )


@bp.post("/values-to-fix")
@permission_required(can_administer)
def fix_value():
    value, to = request.form.get("value", ""), request.form.get("to", "")
    fix = {"province": fix_province, "sector": fix_sector}.get(request.form.get("kind"))
    if fix is None:
        abort(400)
    saved(
        lambda: fix(value, to, actor=current_user),
        lambda _result: _("Every record with %(value)s now has %(to)s.", value=value, to=to),
    )
    return redirect(url_for(".values_to_fix"))
