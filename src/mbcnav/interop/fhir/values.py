"""Reading plain FHIR values: dates, numbers, profiles, and the short forms notes print them in.

Every resource family needs these, and they know nothing about what a resource means, so they live
here rather than in any one mapping module. Each is a pure function of its arguments.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from mbcnav.errors import FhirMappingError

_DATE_KEYS = (
    "effectiveDateTime",
    "effectiveInstant",
    "onsetDateTime",
    "recordedDate",
    "authoredOn",
    "occurrenceDateTime",
    "issued",
    "dateAsserted",
)
_fromisoformat = dt.date.fromisoformat
_PERIOD_KEYS = ("effectivePeriod", "onsetPeriod", "occurrencePeriod")


def kind(value: Any) -> str:
    """A JSON value's type in words, for error messages ("an object", "a number", "null", ...)."""
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value),
        "a number" if isinstance(value, int | float) else "null" if value is None else type(value).__name__,
    )


def date_of(resource: dict[str, Any]) -> str | None:
    """The clinically relevant date of a resource as sent (the first of its date elements present).

    A date that is not a valid FHIR date/dateTime ("2025-13-45") raises FhirMappingError naming the
    element: "latest value wins" ranks dates as text, so an impossible one would otherwise win as the
    newest. So does a date of the wrong JSON type (the number 20240201): skipping it would drop the date
    without a word, and strict mode, which would otherwise read it as seconds since 1970, refuses the
    same values, so both modes agree.
    """
    found = None
    for key in _DATE_KEYS:
        value = resource.get(key)
        if value is not None:
            if type(value) is not str:
                raise wrong_date_type(value, key)
            if value and found is None:
                found = checked_date(value, key)
    if found is not None:
        return found
    for key in _PERIOD_KEYS:
        period = resource.get(key)
        if isinstance(period, dict):
            end = period_date(period, "end", key)
            start = period_date(period, "start", key)
            if end or start:
                return end or start
    return None


def period_date(period: dict[str, Any], part: str, key: str) -> str | None:
    """``period[part]`` ("start" or "end") checked as a FHIR date; None when absent or empty."""
    value = period.get(part)
    if value is None or value == "":
        return None
    if type(value) is not str:
        raise wrong_date_type(value, f"{key}.{part}")
    return checked_date(value, f"{key}.{part}")


def wrong_date_type(value: Any, element: str) -> FhirMappingError:
    """The error for a date element that is not a JSON string (the importer adds the resource)."""
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
    return FhirMappingError(
        f"{element}: must be a string (a FHIR date or dateTime such as 2024-02-01), got {kind(value)} "
        f"{shown}; a date of another type is not guessed"
    )


#: FHIR R4 date/dateTime/instant: YYYY, YYYY-MM, YYYY-MM-DD, or a full date with a time and zone
_FHIR_DATE = re.compile(
    r"[0-9]{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9](:([0-5][0-9]|60)(\.[0-9]+)?)?(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?)?)?)?"
)


def checked_date(value: str, element: str) -> str:
    """``value`` when it is a valid FHIR date/dateTime (a real calendar day), else FhirMappingError naming
    ``element`` (the importer adds the resource)."""
    if not _valid_date(value):
        raise FhirMappingError(
            f"{element}: '{value[:40]}' is not a valid FHIR date or dateTime (YYYY, YYYY-MM, YYYY-MM-DD or "
            "YYYY-MM-DDThh:mm:ss with a time zone); an impossible date could make an old value count as "
            "the newest"
        )
    return value


@functools.lru_cache(maxsize=4096)
def _valid_date(value: str) -> bool:
    if _FHIR_DATE.fullmatch(value) is None:
        return False
    if len(value) >= 10:
        try:
            _fromisoformat(value[:10])
        except ValueError:  # 2025-02-30: the pattern allows it, the calendar does not
            return False
    return True


def date_key(value: str | None) -> str:
    """A sort key in time order for a FHIR date/dateTime string (undated values sort first).

    ISO 8601 strings sort in time order once cut to the same length, when they share a time zone; a
    dateTime with an offset is first moved to UTC, so "2025-05-02T01:00+09:00" sorts before
    "2025-05-01T23:30-05:00" (4:30 UTC on 2 May), as it happened.
    """
    if not value:
        return ""
    if len(value) <= 19:  # a date, or a dateTime without fraction or zone: already its own key
        return value
    return _zoned_key(value)


@functools.lru_cache(maxsize=4096)
def _zoned_key(value: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value[:19]
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="seconds")


def parse_date(value: str | None) -> dt.date | None:
    """The calendar date of a FHIR date/dateTime (a missing month or day counts as the first), or None."""
    if not value:
        return None
    day10 = value[:10]
    if type(day10) is str and len(day10) == 10 and day10[4] == "-" and day10[7] == "-":
        # the usual full date: the C parser. It accepts only YYYY-MM-DD in this shape, and gives the
        # same date as the split below whenever it accepts; anything odd falls through to the split.
        try:
            return _fromisoformat(day10)
        except ValueError:
            pass
    try:
        parts = day10.split("-")
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return dt.date(year, month, day)
    except (ValueError, IndexError):
        return None


def number(value: Any, resource: str, element: str) -> float:
    """A JSON number as float; anything else is a broken record (FhirMappingError naming the element)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        shown = "" if value is None else f" {value!r}"  # null says it all: not "got null None"
        raise FhirMappingError(f"{element}: must be a number, got {kind(value)}{shown}", field=resource)
    return float(value)


def profile(resource: dict[str, Any]) -> str:
    """The resource's meta.profile URLs joined by spaces ("" when none), for substring tests."""
    meta = resource.get("meta")
    if isinstance(meta, dict):
        profiles = meta.get("profile") or ()
        if type(profiles) is list and len(profiles) == 1 and type(profiles[0]) is str:
            return profiles[0]  # the usual one profile: what the join below gives, without it
        return " ".join(str(p) for p in profiles)
    return ""


def fmt(value: float) -> str:
    """A number as notes print it: four significant digits, whole numbers from 10,000 up."""
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"
