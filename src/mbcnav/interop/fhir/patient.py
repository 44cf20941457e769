"""Patient → age and sex at birth (and a warning when the record says the person has died)."""

from __future__ import annotations

from typing import Any

from mbcnav.errors import FhirMappingError
from mbcnav.interop.fhir.state import ImportState
from mbcnav.interop.fhir.values import parse_date

_BIRTH_SEX = {"F": "F", "M": "M"}
_GENDER_SEX = {"female": "F", "male": "M"}


def map_patient(st: ImportState, res: dict[str, Any], ref: str) -> None:
    """The one Patient into ``st``: age as of ``st.as_of`` and sex at birth (or gender, with a note)."""
    if res.get("animal") is not None:
        # FHIR R4 Patient.animal marks a veterinary patient; every rule here is for people
        raise FhirMappingError("animal: this is an animal patient; mbcnav assesses people only", field=ref)
    birth = res.get("birthDate")
    if birth is not None:
        born = parse_date(birth) if isinstance(birth, str) else None
        if born is None:
            raise FhirMappingError(f"birthDate: not a date: {birth!r}", field=ref)
        as_of = st.as_of
        age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
        st.add("patient.age", age, None, ref, "birthDate", birth)
        st.note(
            "info", f"age {age} computed from birthDate {birth} as of {as_of.isoformat()}", ref, "birthDate"
        )
    birth_sex = None
    for ext in res.get("extension") or ():
        if isinstance(ext, dict) and str(ext.get("url", "")).endswith("us-core-birthsex"):
            birth_sex = ext.get("valueCode")
    gender = res.get("gender")
    sex = _BIRTH_SEX.get(str(birth_sex)) if birth_sex else None
    from_gender = _GENDER_SEX.get(str(gender)) if gender else None
    if sex is None and from_gender is not None:
        sex = from_gender
        st.note("assumption", f"sex at birth not given; taken from Patient.gender '{gender}'", ref, "gender")
    elif sex and from_gender and sex != from_gender:
        st.note(
            "conflict",
            f"birth sex {birth_sex} differs from gender '{gender}'; birth sex used",
            ref,
            "gender",
            "warning",
        )
    elif sex is None and (gender or birth_sex):
        st.note("unmapped", f"sex '{birth_sex or gender}' has no Case value (F or M)", ref, "gender")
    if sex:
        st.add("patient.sex", sex, None, ref, "gender", str(birth_sex or gender))
    if res.get("deceasedBoolean") is True or res.get("deceasedDateTime"):
        st.note("needs_review", "the record says this person has died", ref, "deceased[x]", "warning")
