"""The store's day: bounds in UTC across daylight-saving changes, parsing, the zone setting."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from ordercli import store_time
from ordercli.errors import InputError


def test_a_day_in_paris_runs_from_local_midnight_to_local_midnight():
    tz = store_time.zone("Europe/Paris")
    assert store_time.day_bounds(date(2026, 11, 26), tz) == (datetime(2026, 11, 25, 23, tzinfo=timezone.utc), datetime(2026, 11, 26, 23, tzinfo=timezone.utc))
    start, end = store_time.day_bounds(date(2026, 3, 29), tz)  # clocks go forward: 23 hours
    assert (end - start).total_seconds() == 23 * 3600
    start, end = store_time.day_bounds(date(2026, 10, 25), tz)  # clocks go back: 25 hours
    assert (end - start).total_seconds() == 25 * 3600


def test_today_and_yesterday_follow_the_store_zone():
    tz = store_time.zone("Pacific/Auckland")
    now = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)  # already the 27th in Auckland
    assert store_time.parse_day("today", tz, now=now) == date(2026, 11, 27)
    assert store_time.parse_day("Yesterday", tz, now=now) == date(2026, 11, 26)
    assert store_time.parse_day("2026-02-03", tz) == date(2026, 2, 3)
    with pytest.raises(InputError):
        store_time.parse_day("03/02/2026", tz)


def test_the_machine_zone_when_empty(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    tz = store_time.zone("")
    assert store_time.day_bounds(date(2026, 11, 26), tz)[0] == datetime(2026, 11, 26, tzinfo=timezone.utc)


def test_the_setting_takes_iana_names_only():
    assert store_time.check_zone(" Europe/Paris ") == "Europe/Paris"
    assert store_time.check_zone("") == ""
    for bad in ("Mars/Olympus", "../../etc/passwd", "CET+1"):
        with pytest.raises(InputError):
            store_time.check_zone(bad)
