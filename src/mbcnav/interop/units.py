"""UCUM unit conversion into the units the Case field names fix (mg/dL, g/dL, U/L, cells/µL, °C, ...).

Hospitals send SI units (µmol/L, mmol/L, ×10⁹/L) and the Case wants the units its field names say,
so every value passes through here. The factors live in ``units.yaml`` with the molar masses they
come from; a unit that is not listed for a field is refused (the caller turns that into an import
note), because a silent wrong conversion is worse than a missing value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mbcnav.yamlfile import load_yaml

UNITS_FILE = Path(__file__).parent / "units.yaml"


def _fahrenheit_to_celsius(value: float) -> float:
    return (value - 32.0) * 5.0 / 9.0


def _ifcc_to_ngsp(value: float) -> float:
    # IFCC (mmol/mol) to NGSP (%) by the IFCC-NGSP master equation; the factors are in units.yaml's header.
    return 0.09148 * value + 2.152


_SPECIAL: dict[str, Callable[[float], float]] = {
    "fahrenheit_to_celsius": _fahrenheit_to_celsius,
    "ifcc_to_ngsp": _ifcc_to_ngsp,
}


class UnitError(ValueError):
    """A unit this field cannot be converted from."""


@dataclass(frozen=True, slots=True)
class Converted:
    value: float
    unit_in: str
    unit_out: str
    #: True when the number changed (the caller notes every real conversion)
    converted: bool


@functools.cache
def _table() -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    data = load_yaml(UNITS_FILE.read_text(encoding="utf-8"))
    alias: dict[str, str] = {}
    for canonical, spellings in data["aliases"].items():
        for spelling in (canonical, *spellings):
            alias[normalise_unit(spelling)] = canonical
    return alias, data["fields"]


def normalise_unit(unit: str) -> str:
    return unit.strip().replace("µ", "u").replace("μ", "u").replace(" ", "").lower()


def canonical_unit(unit: str | None) -> str | None:
    if unit is None:
        return None
    return _table()[0].get(normalise_unit(unit))


def target_unit(field: str) -> str:
    return str(_table()[1][field]["to"])


def convert(field: str, value: float, unit: str | None) -> Converted:
    """Convert ``value`` given in ``unit`` (UCUM code or common spelling) into ``field``'s unit.

    A missing unit is accepted only for fields whose unit is a pure number (none here), so it is an
    error: a creatinine of "1.1" with no unit could be mg/dL or µmol/L.
    """
    out, to, changed = convert_value(field, value, unit)
    return Converted(out, str(unit), to, changed)


def convert_value(field: str, value: float, unit: str | None) -> tuple[float, str, bool]:
    """:func:`convert` as (value, unit out, changed), for the importer's hot path (no result object)."""
    factor, special, to = _rule(field, unit if unit is None or type(unit) is str else str(unit))
    if special is not None:
        return special(value), to, True
    return value * factor, to, factor != 1.0


@functools.lru_cache(maxsize=1024)
def _rule(field: str, unit: str | None) -> tuple[float, Callable[[float], float] | None, str]:
    # cached: a feed repeats the same (field, unit) pairs; bounded, so odd input cannot grow it.
    # A UnitError is not cached (lru_cache stores only returns), so it is rebuilt each time: rare.
    alias, fields = _table()
    spec = fields.get(field)
    if spec is None:
        raise UnitError(f"no unit rule for {field}")
    to = spec["to"]
    if unit is None or not unit.strip():
        raise UnitError(f"no unit given; {field} needs {to}")
    canon = alias.get(normalise_unit(unit))
    if canon is not None and canon in spec.get("from", {}):
        return float(spec["from"][canon]), None, to
    if canon is not None and canon in spec.get("special", {}):
        return 1.0, _SPECIAL[spec["special"][canon]], to
    accepted = sorted({*spec.get("from", {}), *spec.get("special", {})})
    raise UnitError(f"unit '{unit}' cannot be converted to {to} (accepted: {', '.join(accepted)})")
