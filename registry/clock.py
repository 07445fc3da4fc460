"""Days as the registry counts them: Viet Nam's calendar, whatever the server's time zone.

Moments are stored in UTC (registry.database.utcnow); a day (issue dates, deadlines,
"today") is a day in Asia/Ho_Chi_Minh.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def today():
    """Today in Viet Nam."""
    return datetime.now(LOCAL_TZ).date()


def local_day(moment):
    """The Viet Nam day on which a timezone-aware `moment` falls."""
    return moment.astimezone(LOCAL_TZ).date()


def local_day_start(day):
    """The instant at which `day` begins in Viet Nam."""
    return datetime.combine(day, time.min, tzinfo=LOCAL_TZ)


def add_years(day, years):
    """The same day `years` later (or earlier, if negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def configured_days(name):
    """A period of the configuration given in days (e.g. REGISTRY_APPEAL_PERIOD_DAYS)."""
    return timedelta(days=current_app.config[name])
