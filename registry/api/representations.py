"""What the API answers: plain dicts built from the models, the same shape for every caller."""


def iso(value):
    return value.isoformat() if value is not None else None


def user_json(user):
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role.value,
        "centre": user.centre.code if user.centre else None,
    }


def expert_summary_json(expert):
    return {
        "id": expert.id,
        "full_name": expert.full_name,
        "email": expert.email,
        "organisation": expert.organisation,
        "organisation_type": expert.organisation_type.value,
        "province": expert.province,
        "sector": expert.sector,
        "status": expert.status.value,
    }


def status_change_json(change):
    return {
        "from": change.from_status.value if change.from_status else None,
        "to": change.to_status.value,
        "at": iso(change.created_at),
        "reason": change.reason,
        "evidence": change.evidence,
    }


def expert_json(expert):
    """The expert's profile as stored, their status, and the history of their status."""
    return expert_summary_json(expert) | {
        "date_of_birth": iso(expert.date_of_birth),
        "phone": expert.phone,
        "highest_degree": expert.highest_degree,
        "years_experience": expert.years_experience,
        "consent_scheme_rules": expert.consent_scheme_rules,
        "consent_public_listing": expert.consent_public_listing,
        "held_level": expert.held_level.value if expert.held_level else None,
        "status_changed_at": iso(expert.status_changed_at),
        "created_at": iso(expert.created_at),
        "history": [status_change_json(change) for change in expert.history],
    }


def page_json(pagination, represent):
    return {
        "items": [represent(item) for item in pagination.items],
        "page": pagination.page,
        "per_page": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
    }


def target_json(row, locale):
    """A registry.targets.counting.TargetProgress as the API shows it."""
    target = row.target
    return {
        "key": target.key,
        "label": target.label(locale),
        "period": {"start": iso(target.period_start), "end": iso(target.period_end)},
        "target": target.target_number,
        "achieved": row.achieved,
        "percent": row.percent,
        # Null unless the target will be reached within its period at the last 12 months' pace.
        "projected_on": iso(row.projection.on),
    }
