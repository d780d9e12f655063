"""The store's clock: its time zone (setting ``store.timezone``) and a local day's bounds in UTC.

Times are stored in UTC; a "day" in reports and till sessions is a calendar day in the
store's time zone (an IANA name such as ``Europe/Paris``; empty: the machine's local
zone). Day bounds follow daylight-saving changes: a local day may last 23 or 25 hours.
Pure apart from reading the system clock and zone database.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo

from ordercli.errors import InputError


def check_zone(value: str) -> str:
    """The ``store.timezone`` setting's check: an IANA zone name, or empty for the machine's zone."""
    text = (value or "").strip()
    if not text:
        return ""
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(text)
    except Exception:  # noqa: BLE001 - ZoneInfoNotFoundError, ValueError for odd paths
        raise InputError(f"Unknown time zone {text!r}.", "Use an IANA name such as Europe/Paris, Europe/Brussels or America/Montreal (empty: this machine's zone).") from None
    return text


class _Machine(tzinfo):
    """The machine's local zone with its own DST rules (``datetime.astimezone()`` per instant)."""

    def utcoffset(self, dt):
        return self._local(dt).utcoffset()

    def dst(self, dt):
        return self._local(dt).dst()

    def tzname(self, dt):
        return self._local(dt).tzname()

    @staticmethod
    def _local(dt):
        naive = dt.replace(tzinfo=None)
        return naive.astimezone()  # mktime: the machine's rules for that wall time


def zone(name: str | None) -> tzinfo:
    """The store's zone: ``ZoneInfo(name)``, or the machine's local zone when empty."""
    if name and name.strip():
        from zoneinfo import ZoneInfo

        return ZoneInfo(name.strip())
    return _Machine()


def of(settings) -> tzinfo:
    return zone(settings.get("store.timezone"))


def today(tz: tzinfo, now: datetime | None = None) -> date:
    return (now or datetime.now(timezone.utc)).astimezone(tz).date() if not isinstance(tz, _Machine) else (now or datetime.now(timezone.utc)).astimezone().date()


def local(dt: datetime, tz: tzinfo) -> datetime:
    """An aware UTC instant as the store's wall time."""
    if isinstance(tz, _Machine):
        return dt.astimezone()
    return dt.astimezone(tz)


def start_of(day: date, tz: tzinfo) -> datetime:
    """The UTC instant the local day begins."""
    if isinstance(tz, _Machine):
        return datetime.combine(day, time.min).astimezone().astimezone(timezone.utc)
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(timezone.utc)


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the local calendar day ``day``."""
    return start_of(day, tz), start_of(day + timedelta(days=1), tz)


def parse_day(text: str, tz: tzinfo, *, now: datetime | None = None) -> date:
    """``YYYY-MM-DD``, ``today`` or ``yesterday`` (in the store's zone) -> a date; else a clear InputError."""
    raw = (text or "").strip().lower()
    t = today(tz, now)
    if raw == "today":
        return t
    if raw == "yesterday":
        return t - timedelta(days=1)
    try:
        return datetime.strptime(raw, "%Y-%m-%d").date()
    except ValueError:
        raise InputError(f"Invalid date {text!r}.", "Use YYYY-MM-DD (e.g. 2026-11-26), 'today' or 'yesterday'.", code="date.invalid") from None


def hour_of(dt: datetime, tz: tzinfo) -> int:
    return local(dt, tz).hour
