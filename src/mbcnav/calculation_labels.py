"""What each calculation key means, in words, with its unit: one table for every place that shows a
calculation (the result page, the PDF, the calculator pages, the FHIR export), so a reader never meets
a raw key such as ``crcl_adjbw_ml_min`` and two outputs never name the same number differently.

Keys are those of ``reasoning.calculators.case_calculations`` (an assessment's ``calculations``) and of
each calculator's ``values``; units are UCUM (FHIR needs them), shown to people through ``_UNIT_WORDS``.
"""

from __future__ import annotations

#: calculation key -> (display, UCUM unit or None)
CALCULATIONS: dict[str, tuple[str, str | None]] = {
    # an assessment's calculations (tests/interop check that none is missing)
    "bsa_mosteller_m2": ("Body surface area (Mosteller)", "m2"),
    "bsa_dubois_m2": ("Body surface area (DuBois)", "m2"),
    "crcl_ml_min": ("Creatinine clearance (Cockcroft-Gault)", "mL/min"),
    "ibw_kg": ("Ideal body weight (Devine)", "kg"),
    "adjbw_kg": ("Adjusted body weight (for Cockcroft-Gault in obesity)", "kg"),
    "crcl_ibw_ml_min": ("Creatinine clearance (Cockcroft-Gault, ideal body weight)", "mL/min"),
    "crcl_adjbw_ml_min": ("Creatinine clearance (Cockcroft-Gault, adjusted body weight)", "mL/min"),
    "corrected_calcium_mg_dl": ("Calcium corrected for albumin", "mg/dL"),
    "breast_gpa_median_months": ("Median survival of the Breast GPA (2012) group", "mo"),
    "breast_gpa_2020_median_months": ("Median survival of the Breast GPA (2020) group", "mo"),
    "mirels_max": ("Mirels score, highest of the bone lesions", "{score}"),
    "kps_estimated": ("Karnofsky performance status estimated from ECOG", None),
    "ecog_estimated": ("ECOG performance status estimated from Karnofsky", "{score}"),
    # the rest of the calculators' values
    "mosteller_m2": ("Body surface area (Mosteller)", "m2"),
    "dubois_m2": ("Body surface area (DuBois)", "m2"),
    "bmi": ("Body mass index", "kg/m2"),
    "level": ("Level", None),
    "score": ("Score", "{score}"),
    "median_survival_months": ("Median survival of the group", "mo"),
    "points_kps": ("Points for Karnofsky performance status", "{score}"),
    "points_subtype": ("Points for subtype", "{score}"),
    "points_age": ("Points for age", "{score}"),
    "points_brain_mets": ("Points for the number of brain metastases", "{score}"),
    "points_extracranial": ("Points for metastases outside the brain", "{score}"),
    "points_site": ("Points for site", "{score}"),
    "points_pain": ("Points for pain", "{score}"),
    "points_lesion": ("Points for lesion type", "{score}"),
    "points_size": ("Points for size (share of the cortex)", "{score}"),
    "overall_response": ("Overall response (RECIST 1.1)", None),
    "target_response": ("Target-lesion response", None),
    "change_from_baseline_percent": ("Change from baseline", "%"),
    "change_from_nadir_percent": ("Change from the smallest sum (nadir)", "%"),
    "change_from_nadir_mm": ("Change from the smallest sum (nadir)", "mm"),
    "nadir_sum_mm": ("Smallest sum of diameters (nadir)", "mm"),
    "ecog": ("ECOG performance status", "{score}"),
    "kps": ("Karnofsky performance status", None),
    "kps_min": ("Karnofsky performance status, low end", None),
    "kps_max": ("Karnofsky performance status, high end", None),
    "carboplatin_dose_mg": ("Carboplatin dose (Calvert)", "mg"),
    "gfr_used_ml_min": ("GFR used (after the cap)", "mL/min"),
    "target_auc": ("Target AUC", "mg/mL.min"),
}

#: UCUM unit -> how a page prints it (None: printed with no unit)
_UNIT_WORDS: dict[str, str | None] = {
    "m2": "m²",
    "kg/m2": "kg/m²",
    "mo": "months",
    "{score}": None,
    "mg/mL.min": "mg/mL × min",
}


def calculation_label(key: str) -> str:
    """The words (and unit) a person reads for a calculation key; an unknown key is still readable."""
    if key not in CALCULATIONS:
        return key.replace("_", " ").strip().capitalize()
    display, unit = CALCULATIONS[key]
    shown = _UNIT_WORDS.get(unit, unit) if unit else None
    return f"{display}, {shown}" if shown else display
