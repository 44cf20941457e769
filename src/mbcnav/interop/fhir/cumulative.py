"""Cumulative anthracycline doses (``cumulative_doxorubicin_mg_m2`` and the epirubicin and liposomal
doxorubicin fields) summed from the doses the record says were given (MedicationAdministration).

Why only administrations: an order or a medicine list says a drug was planned or taken, not how much
went in; the heart limits are about the amount given. Each dose counts in mg/m2 as sent, or in mg
divided by the body surface area (Mosteller, from the latest height and weight of the record, which may
differ from the day it was given: said in a note). Two records of one drug on one day are one dose
given twice over; when their doses differ the larger counts, since a larger total is the safer error
against a cardiac limit. Doses given before the record starts cannot be seen, which a note says too.
"""

from __future__ import annotations

from typing import Any

from mbcnav.errors import MbcnavError
from mbcnav.interop import codes as C
from mbcnav.interop.fhir.notes import FieldSource
from mbcnav.interop.fhir.state import ImportState, Med
from mbcnav.interop.fhir.values import date_key, fmt

#: MedicationAdministration statuses whose dose went in (FHIR R4); "stopped" and "on-hold" gave an
#: unknown part of it, "unknown" may not have been given
_GIVEN = frozenset({"completed", "in-progress"})
#: the Case's range for the cumulative fields, mg/m2
_MAX_TOTAL = 3000.0


def resolve_cumulative(st: ImportState, data: dict[str, Any], provenance: dict[str, FieldSource]) -> None:
    """Fill each cumulative field from the administrations of its drug; note every dose used or not."""
    fields = C.tables().anthracycline_fields
    meds = [m for m in st.meds if m.drug in fields]
    if not meds:
        return
    doses: dict[str, list[tuple[float, Med]]] = {}
    for med in meds:
        if not med.administered:
            continue
        if med.admin_status not in _GIVEN:
            st.note(
                "dropped",
                f"{med.drug}: administration with status '{med.admin_status}' is not counted in "
                "the cumulative dose (how much was given is not known)",
                med.resource,
                "status",
                "warning",
            )
            continue
        mg_m2 = _mg_m2(st, med, data)
        if mg_m2 is not None:
            doses.setdefault(med.drug, []).append((mg_m2, med))
    for drug in dict.fromkeys(m.drug for m in meds):
        if drug not in doses:
            st.note(
                "needs_review",
                f"{drug} is in the record but no given dose of it could be counted "
                f"(no MedicationAdministration with a dose): {fields[drug]} is left unset; give it by hand",
                next(m.resource for m in meds if m.drug == drug),
                None,
                "warning",
            )
            continue
        _total(st, drug, fields[drug], doses[drug], data, provenance)


def _mg_m2(st: ImportState, med: Med, data: dict[str, Any]) -> float | None:
    if "dose_mg_m2" in med.dose:
        return med.dose["dose_mg_m2"]
    if "dose_mg" not in med.dose:
        what = "a dose in mg/kg" if "dose_mg_kg" in med.dose else "no dose in mg or mg/m2"
        st.note(
            "dropped",
            f"{med.drug}: administration with {what} is not counted in the cumulative dose",
            med.resource,
            "dosage.dose",
            "warning",
        )
        return None
    patient = data.get("patient", {})
    height, weight = patient.get("height_cm"), patient.get("weight_kg")
    bsa = _bsa(height, weight)
    if bsa is None:
        st.note(
            "dropped",
            f"{med.drug}: dose {fmt(med.dose['dose_mg'])} mg cannot be turned into mg/m2 "
            "(no usable height and weight in the record); not counted in the cumulative dose",
            med.resource,
            "dosage.dose",
            "warning",
        )
        return None
    mg_m2 = round(med.dose["dose_mg"] / bsa, 1)
    st.note(
        "conversion",
        f"{med.drug}: {fmt(med.dose['dose_mg'])} mg / BSA {bsa:g} m2 (Mosteller, from the "
        f"record's latest height {fmt(height)} cm and weight {fmt(weight)} kg) = {mg_m2:g} mg/m2",
        med.resource,
        "dosage.dose",
    )
    return mg_m2


def _bsa(height: Any, weight: Any) -> float | None:
    if not isinstance(height, int | float) or not isinstance(weight, int | float):
        return None
    from mbcnav.reasoning.calculators import bsa_mosteller  # only when a dose in mg needs it

    try:
        return bsa_mosteller(height, weight)
    except MbcnavError:  # height or weight out of range: the Case drops them too, with a note
        return None


def _total(
    st: ImportState,
    drug: str,
    field: str,
    given: list[tuple[float, Med]],
    data: dict[str, Any],
    provenance: dict[str, FieldSource],
) -> None:
    by_day: dict[str, list[tuple[float, Med]]] = {}
    undated: list[tuple[float, Med]] = []
    for dose, med in given:
        if med.start:
            by_day.setdefault(med.start[:10], []).append((dose, med))
        else:
            undated.append((dose, med))
    total = sum(dose for dose, _ in undated)
    for n, (_dose, med) in enumerate(undated):
        if n == 0:
            st.note(
                "assumption",
                f"{drug}: administration without a date counted once in the cumulative dose",
                med.resource,
                "effective[x]",
                "warning",
            )
    for day, same in by_day.items():
        kept = max(dose for dose, _ in same)
        total += kept
        if len(same) > 1:
            refs = ", ".join(m.resource for _, m in same)
            if len({dose for dose, _ in same}) == 1:
                how = f"the same dose ({kept:g} mg/m2): counted once, as one dose recorded twice"
            else:
                shown = ", ".join(f"{dose:g}" for dose, _ in same)
                how = f"different doses ({shown} mg/m2): the largest counted (the safer error for the limit)"
            st.note(
                "conflict",
                f"{drug}: {len(same)} administrations on {day} ({refs}) with {how}",
                same[-1][1].resource,
                "dosage.dose",
                "warning",
            )
    total = round(total, 1)
    dated = sorted((m for _, m in given if m.start), key=lambda m: date_key(m.start))
    last = dated[-1] if dated else given[-1][1]
    span = f"from {dated[0].start[:10]} to {dated[-1].start[:10]}" if dated else "undated"  # type: ignore[index]
    if total > _MAX_TOTAL:
        st.note(
            "dropped",
            f"{field}: the doses add up to {total:g} mg/m2, above {_MAX_TOTAL:g}; not used "
            "(check for repeated records)",
            last.resource,
            None,
            "warning",
        )
        return
    data[field] = total
    # what was summed: one dose per day (same-day records counted once) plus each undated record
    summed = len(by_day) + len(undated)
    records = f" from {len(given)} records" if summed != len(given) else ""
    provenance[field] = FieldSource(
        total, last.start, last.resource, "dosage.dose", f"sum of {summed} administration(s){records}"
    )
    st.note(
        "assumption",
        f"{field} = {total:g}: the sum of {summed} administration(s){records} of {drug} {span}; "
        "doses given before this record starts are not included: check the treatment history",
        last.resource,
        "dosage.dose",
    )
