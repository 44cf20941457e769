"""FHIR import of the newer Case fields (brain metastasis state and symptoms, Child-Pugh class, cumulative
anthracycline doses) and export of every calculation the Assessment carries.

SOURCE: every bundle here is written for these tests (mCODE-shaped, built with tests/interop/mcode.py
and the builders below); the one JSON file, fixtures/mbcnav-test_brain-child-pugh-anthracycline.json, is
the same kind of record written out for the `mbcnav import` command test. Codes: mCODE 4.0.0
CancerDiseaseStatus (LOINC 97509-4, SNOMED ConditionStatusTrendVS), RadiotherapyCourseSummary (SNOMED
1217123003), SNOMED 264931009 Symptomatic / 84387000 Asymptomatic, LOINC 98153-0 Child-Pugh panel.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from interop import mcode as M
from mbcnav.case import parse_case
from mbcnav.interop.fhir import ImportResult, case_from_fhir
from mbcnav.interop.fhir_export import assessment_to_fhir
from mbcnav.reasoning.assess import assess

AS_OF = dt.date(2024, 7, 1)
FIXTURES = Path(__file__).parent / "fixtures"
MBCNAV = [str(Path(sys.executable).parent / "mbcnav")]

BRAIN = M.cc(M.SCT, "94225005", "Secondary malignant neoplasm of brain")
STABLE = M.cc(M.SCT, "359746009", "Patient's condition stable (finding)")
WORSENED = M.cc(M.SCT, "271299001", "Patient's condition worsened (finding)")
IMPROVED = M.cc(M.SCT, "268910001", "Patient's condition improved (finding)")
UNDETERMINED = M.cc(M.SCT, "709137006", "Patient condition undetermined (finding)")


def imp(*resources: dict[str, Any]) -> ImportResult:
    return case_from_fhir(M.bundle(M.patient(), *resources), as_of=AS_OF)


def notes(result: ImportResult, kind: str | None = None) -> list[str]:
    return [f"{n.resource} {n.message}" for n in result.import_notes if kind is None or n.kind == kind]


def brain_met(rid: str = "met-brain", evidence: str | None = None) -> dict[str, Any]:
    res = M.secondary(rid, BRAIN, "2023-09-01")
    if evidence:
        res["evidence"] = [{"code": [M.cc(M.SCT, evidence)]}]
    return res


def disease_status(
    rid: str, value: dict[str, Any], date: str, focus: str = "Condition/met-brain"
) -> dict[str, Any]:
    res = M.observation(
        rid, M.cc(M.LOINC, "97509-4", "Cancer disease status"), date, valueCodeableConcept=value
    )
    res["focus"] = [{"reference": focus}]
    res["meta"] = {"profile": [f"{M.MCODE}/mcode-cancer-disease-status"]}
    return res


def brain_radiotherapy(
    rid: str = "srs", end: str = "2023-10-15", body_site: bool = True, reason: str | None = None
) -> dict[str, Any]:
    """An mCODE RadiotherapyCourseSummary (code SNOMED 1217123003) to the brain, or for ``reason``."""
    res: dict[str, Any] = {
        "resourceType": "Procedure",
        "id": rid,
        "status": "completed",
        "subject": M.subject(),
        "meta": {"profile": [f"{M.MCODE}/mcode-radiotherapy-course-summary"]},
        "code": M.cc(M.SCT, "1217123003", "Radiotherapy course of treatment (regime/therapy)"),
        "performedPeriod": {"start": "2023-10-01", "end": end},
    }
    if body_site:
        res["bodySite"] = [M.cc(M.SCT, "12738006", "Brain structure (body structure)")]
    if reason:
        res["reasonReference"] = [{"reference": reason}]
    return res


def given(
    rid: str, drug: str, value: float, unit: str, date: str | None, status: str = "completed"
) -> dict[str, Any]:
    """A MedicationAdministration of one dose."""
    res: dict[str, Any] = {
        "resourceType": "MedicationAdministration",
        "id": rid,
        "status": status,
        "subject": M.subject(),
        "medicationCodeableConcept": {"text": drug},
        "dosage": {"dose": {"value": value, "unit": unit, "system": M.UCUM, "code": unit}},
    }
    if date:
        res["effectiveDateTime"] = date
    return res


def height_weight(height: float = 165, weight: float = 60) -> list[dict[str, Any]]:
    return [
        M.observation(
            "ht",
            M.cc(M.LOINC, "8302-2"),
            "2024-05-01",
            valueQuantity={"value": height, "unit": "cm", "system": M.UCUM, "code": "cm"},
        ),
        M.observation(
            "wt",
            M.cc(M.LOINC, "29463-7"),
            "2024-05-01",
            valueQuantity={"value": weight, "unit": "kg", "system": M.UCUM, "code": "kg"},
        ),
    ]


# ------------------------------------------------------------------------ brain metastases: state


def test_stable_disease_status_after_brain_radiotherapy_is_stable() -> None:
    r = imp(brain_met(), brain_radiotherapy(), disease_status("cds", STABLE, "2024-01-10"))
    assert r.case.brain_mets_status == "stable"
    assert r.provenance["brain_mets_status"].resource == "Observation/cds"
    assert any("brain_mets_status = stable" in n and "Procedure/srs" in n for n in notes(r, "assumption"))


def test_worsened_after_radiotherapy_is_progressing_and_improved_is_stable() -> None:
    r = imp(brain_met(), brain_radiotherapy(), disease_status("cds", WORSENED, "2024-01-10"))
    assert r.case.brain_mets_status == "progressing"
    r = imp(brain_met(), brain_radiotherapy(), disease_status("cds", IMPROVED, "2024-01-10"))
    assert r.case.brain_mets_status == "stable"


def test_a_status_without_recorded_brain_treatment_is_left_unset_and_said() -> None:
    # "stable" in the Case means after local treatment: an untreated lesion that is not growing is
    # still "untreated", and the record cannot say which it is
    r = imp(brain_met(), disease_status("cds", STABLE, "2024-01-10"))
    assert r.case.brain_mets_status is None
    assert any("untreated cannot be told from treated" in n for n in notes(r, "needs_review"))


def test_a_status_from_before_the_latest_brain_treatment_is_not_used() -> None:
    r = imp(brain_met(), disease_status("cds", STABLE, "2023-09-20"), brain_radiotherapy(end="2023-10-15"))
    assert r.case.brain_mets_status is None
    assert any("is not after the latest brain radiotherapy" in n for n in notes(r, "needs_review"))


def test_undetermined_status_is_left_unset() -> None:
    r = imp(brain_met(), brain_radiotherapy(), disease_status("cds", UNDETERMINED, "2024-01-10"))
    assert r.case.brain_mets_status is None
    assert any("undetermined" in n for n in notes(r, "needs_review"))


def test_radiotherapy_for_the_brain_condition_by_reason_reference_counts() -> None:
    rt = brain_radiotherapy(body_site=False, reason="Condition/met-brain")
    r = imp(brain_met(), rt, disease_status("cds", WORSENED, "2024-01-10"))
    assert r.case.brain_mets_status == "progressing"


def test_radiotherapy_for_another_condition_and_status_of_the_primary_are_not_used() -> None:
    chest_wall = brain_radiotherapy("rt-chest", body_site=False, reason="Condition/primary")
    primary_status = disease_status("cds-primary", STABLE, "2024-01-10", focus="Condition/primary")
    r = imp(M.primary(), brain_met(), chest_wall, primary_status)
    assert r.case.brain_mets_status is None
    unmapped = notes(r, "unmapped")
    assert any(n.startswith("Procedure/rt-chest") and "not used" in n for n in unmapped)
    assert any(n.startswith("Observation/cds-primary") and "not a brain metastasis" in n for n in unmapped)


def test_focus_given_as_the_bundle_full_url_is_followed() -> None:
    # M.bundle gives each entry the fullUrl urn:uuid:<type>-<id>
    status = disease_status("cds", STABLE, "2024-01-10", focus="urn:uuid:condition-met-brain")
    r = imp(brain_met(), brain_radiotherapy(), status)
    assert r.case.brain_mets_status == "stable"


def test_same_day_stable_and_worsened_keep_the_safer_state_and_say_so() -> None:
    r = imp(
        brain_met(),
        brain_radiotherapy(),
        disease_status("cds-a", WORSENED, "2024-01-10"),
        disease_status("cds-b", STABLE, "2024-01-10"),
    )
    assert r.case.brain_mets_status == "progressing"
    assert any("same date" in n and "keeps local therapy first" in n for n in notes(r, "conflict"))


def test_a_later_status_replaces_an_earlier_one_with_a_conflict_note() -> None:
    r = imp(
        brain_met(),
        brain_radiotherapy(),
        disease_status("cds-old", STABLE, "2024-01-10"),
        disease_status("cds-new", WORSENED, "2024-04-10"),
    )
    assert r.case.brain_mets_status == "progressing"
    assert any("latest value wins" in n and "Observation/cds-old" in n for n in notes(r, "conflict"))


def test_brain_metastases_with_nothing_about_their_state_say_both_fields_are_unset() -> None:
    r = imp(brain_met())
    assert r.case.brain_mets_status is None and r.case.brain_mets_symptomatic is None
    assert any("no cancer disease status (LOINC 97509-4)" in n for n in notes(r, "needs_review"))
    assert any("brain_mets_symptomatic left unset" in n for n in notes(r, "info"))


def test_no_brain_metastases_no_brain_notes() -> None:
    r = imp(M.secondary("met-bone", M.cc(M.SCT, "94222008", "Secondary malignant neoplasm of bone")))
    assert not any("brain_mets" in n for n in notes(r))


# ------------------------------------------------------------------------ brain metastases: symptoms


def test_symptomatic_from_the_brain_condition_evidence() -> None:
    r = imp(brain_met(evidence="264931009"))
    assert r.case.brain_mets_symptomatic is True
    assert r.provenance["brain_mets_symptomatic"].element == "evidence[0].code"


def test_a_later_asymptomatic_observation_about_the_brain_condition_wins_with_a_note() -> None:
    later = M.observation(
        "sx",
        M.cc(None, None, text="Symptoms of brain metastases"),
        "2024-03-01",
        valueCodeableConcept=M.cc(M.SCT, "84387000", "Asymptomatic (finding)"),
    )
    later["focus"] = [{"reference": "Condition/met-brain"}]
    r = imp(brain_met(evidence="264931009"), later)
    assert r.case.brain_mets_symptomatic is False
    assert any("latest value wins" in n for n in notes(r, "conflict"))


# ------------------------------------------------------------------------ Child-Pugh class


def test_child_pugh_panel_with_a_class_in_words() -> None:
    obs = M.observation(
        "cp",
        M.cc(M.LOINC, "98153-0", "Child-Pugh panel"),
        "2024-05-01",
        valueCodeableConcept={"text": "Child-Pugh class B"},
    )
    r = imp(obs)
    assert r.case.patient.child_pugh == "B"
    assert r.provenance["patient.child_pugh"].resource == "Observation/cp"


def test_text_coded_child_pugh_score_in_points_is_read_with_the_bands_and_said() -> None:
    obs = M.observation("cp", {"text": "Child-Pugh score"}, "2024-05-01", valueInteger=10)
    r = imp(obs)
    assert r.case.patient.child_pugh == "C"
    assert any("read as the Child-Pugh class by its words" in n for n in notes(r, "assumption"))
    assert any("10 points read as class C" in n for n in notes(r, "conversion"))


def test_conflicting_child_pugh_classes_latest_wins() -> None:
    old = M.observation("cp-old", M.cc(M.LOINC, "98153-0"), "2024-01-01", valueString="A")
    new = M.observation("cp-new", M.cc(M.LOINC, "98153-0"), "2024-05-01", valueString="Child-Pugh B")
    r = imp(new, old)
    assert r.case.patient.child_pugh == "B"
    assert any("patient.child_pugh" in n and "latest value wins" in n for n in notes(r, "conflict"))


def test_a_child_pugh_value_that_is_no_class_is_not_used() -> None:
    r = imp(M.observation("cp", M.cc(M.LOINC, "98153-0"), "2024-05-01", valueInteger=4))
    assert r.case.patient.child_pugh is None
    assert any("neither a class" in n for n in notes(r, "unmapped"))


# ------------------------------------------------------------------------ cumulative anthracyclines


def test_doxorubicin_doses_in_mg_m2_are_summed() -> None:
    r = imp(*(given(f"dox{n}", "doxorubicin", 60, "mg/m2", f"2023-0{n}-01") for n in (1, 2, 3, 4)))
    assert r.case.cumulative_doxorubicin_mg_m2 == 240
    assert any(
        "cumulative_doxorubicin_mg_m2 = 240" in n and "from 2023-01-01 to 2023-04-01" in n
        for n in notes(r, "assumption")
    )


def test_doses_in_mg_are_divided_by_the_mosteller_bsa_and_the_conversion_is_said() -> None:
    # 165 cm, 60 kg: BSA sqrt(165 x 60 / 3600) = 1.66 m2 (Mosteller 1987); 100 mg / 1.66 = 60.2 mg/m2
    r = imp(
        *height_weight(),
        given("e1", "Ellence", 100, "mg", "2023-01-01"),
        given("e2", "epirubicin", 100, "mg", "2023-01-22"),
    )
    assert r.case.cumulative_epirubicin_mg_m2 == 120.4
    assert r.case.cumulative_doxorubicin_mg_m2 is None
    assert any("100 mg / BSA 1.66 m2 (Mosteller" in n and "= 60.2 mg/m2" in n for n in notes(r, "conversion"))


def test_a_dose_in_mg_without_height_and_weight_is_not_counted() -> None:
    r = imp(given("d1", "doxorubicin", 100, "mg", "2023-01-01"))
    assert r.case.cumulative_doxorubicin_mg_m2 is None
    assert any("cannot be turned into mg/m2" in n for n in notes(r, "dropped"))
    assert any("cumulative_doxorubicin_mg_m2 is left unset" in n for n in notes(r, "needs_review"))


def test_same_day_records_count_once_and_different_doses_count_the_larger() -> None:
    r = imp(
        given("a", "Doxil", 40, "mg/m2", "2023-01-01"),
        given("b", "Doxil", 40, "mg/m2", "2023-01-01"),
        given("c", "Doxil", 40, "mg/m2", "2023-02-01"),
        given("d", "Doxil", 50, "mg/m2", "2023-02-01"),
    )
    assert r.case.cumulative_pegylated_liposomal_doxorubicin_mg_m2 == 90
    conflicts = notes(r, "conflict")
    assert any("counted once" in n for n in conflicts)
    assert any("the largest counted" in n for n in conflicts)


def test_a_stopped_administration_is_not_counted() -> None:
    r = imp(
        given("a", "doxorubicin", 60, "mg/m2", "2023-01-01"),
        given("b", "doxorubicin", 60, "mg/m2", "2023-01-22", status="stopped"),
    )
    assert r.case.cumulative_doxorubicin_mg_m2 == 60
    assert any("status 'stopped' is not counted" in n for n in notes(r, "dropped"))


def test_an_anthracycline_only_on_a_medicine_list_leaves_the_total_unset_and_says_so() -> None:
    r = imp(M.med_statement("ac", "doxorubicin", "completed", start="2022-01-01", end="2022-03-01"))
    assert r.case.cumulative_doxorubicin_mg_m2 is None
    assert any("no MedicationAdministration with a dose" in n for n in notes(r, "needs_review"))


def test_imported_cumulative_dose_reaches_the_anthracycline_limit_check() -> None:
    # 8 x 60 = 480 mg/m2 of doxorubicin given: above the 300 mg/m2 warning level (case-format.md)
    doses = [given(f"d{n}", "doxorubicin", 60, "mg/m2", f"2022-{n + 1:02d}-01") for n in range(8)]
    r = imp(M.secondary("met-bone", M.cc(M.SCT, "94222008", "Secondary malignant neoplasm of bone")), *doses)
    assert r.case.cumulative_doxorubicin_mg_m2 == 480
    data = r.case.model_dump(mode="json", exclude_none=True)
    data["proposed_treatment"] = [{"drug": "pegylated liposomal doxorubicin", "dose_mg_m2": 50}]
    alerts = assess(parse_case(data)).safety_alerts
    assert any("480" in a.clinician for a in alerts)


# ------------------------------------------------------------------------ `mbcnav import`


def test_cli_import_fills_the_newer_fields_from_a_written_bundle() -> None:
    path = FIXTURES / "mbcnav-test_brain-child-pugh-anthracycline.json"
    proc = subprocess.run(
        [*MBCNAV, "import", str(path), "--as-of", "2024-07-01", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    case = out["case"]
    assert case["brain_mets_status"] == "stable" and case["brain_mets_symptomatic"] is True
    assert case["patient"]["child_pugh"] == "B"
    assert case["cumulative_doxorubicin_mg_m2"] == 240
    assert out["provenance"]["brain_mets_status"]["resource"] == "Observation/cds-brain"
    messages = [n["message"] for n in out["import_notes"]]
    assert any(m.startswith("brain_mets_status = stable") for m in messages)
    assert any(m.startswith("cumulative_doxorubicin_mg_m2 = 240") for m in messages)


# ------------------------------------------------------------------------ export of calculations


def _calculation_case() -> dict[str, Any]:
    """Obese (BMI 43), brain and bone metastases, ECOG given: every kind of calculation appears."""
    return {
        "id": "calc-all",
        "patient": {"age": 58, "sex": "F", "weight_kg": 110, "height_cm": 160, "ecog": 1},
        "tumor": {"er_percent": 90, "pr_percent": 50, "her2_ihc": "1+"},
        "metastatic_sites": ["brain", "bone"],
        "brain_mets_count": 2,
        "labs": {"creatinine_mg_dl": 1.1, "calcium_mg_dl": 9.0, "albumin_g_dl": 3.0},
        "bone_lesions": [{"site": "lower_limb", "type": "lytic", "cortex_fraction": 0.5, "pain": "moderate"}],
    }


def test_every_calculation_is_exported_with_its_meaning_and_unit_and_the_bundle_validates() -> None:
    assessment = assess(parse_case(_calculation_case()))
    calcs = assessment.calculations
    for key in (
        "crcl_ibw_ml_min",
        "crcl_adjbw_ml_min",
        "ibw_kg",
        "adjbw_kg",
        "bsa_dubois_m2",
        "breast_gpa",
        "breast_gpa_2020",
        "mirels_max",
        "kps_estimated",
    ):
        assert key in calcs, key
    bundle = assessment_to_fhir(assessment, issued=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    Bundle.model_validate(bundle)
    by_code = {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] in ("Observation", "RiskAssessment")
    }
    assert set(by_code) == set(calcs)
    for key, res in by_code.items():
        # each has its own meaning (not the bare key) and, when a number, a UCUM unit
        assert res["code"]["coding"][0]["display"] != key.replace("_", " "), f"{key} has no FHIR mapping"
        if res["resourceType"] == "Observation" and "valueQuantity" in res:
            assert res["valueQuantity"]["system"] == "http://unitsofmeasure.org", key
    crcl_ibw = by_code["crcl_ibw_ml_min"]
    assert crcl_ibw["valueQuantity"]["code"] == "mL/min"
    assert crcl_ibw["valueQuantity"]["value"] == calcs["crcl_ibw_ml_min"]
    assert "ideal body weight" in crcl_ibw["code"]["text"]
    assert by_code["adjbw_kg"]["valueQuantity"]["code"] == "kg"
    assert by_code["breast_gpa_2020_median_months"]["valueQuantity"]["code"] == "mo"
    assert by_code["kps_estimated"]["valueString"] == calcs["kps_estimated"]
    gpa20 = by_code["breast_gpa_2020"]
    assert gpa20["resourceType"] == "RiskAssessment"
    assert f"{calcs['breast_gpa_2020_median_months']:g} months" in gpa20["prediction"][0]["rationale"]


# ------------------------------------------------------------------------ courses and the line of therapy

BONE = M.cc(M.SCT, "94222008", "Secondary malignant neoplasm of bone")


def test_administrations_of_one_drug_are_one_course_with_its_dates_and_count() -> None:
    # six 3-weekly doxorubicin infusions (early disease: before the 2024-03-01 metastasis)
    doses = [given(f"d{n}", "doxorubicin", 60, "mg/m2", f"2023-{n + 1:02d}-01") for n in range(6)]
    r = imp(M.secondary("met-bone", BONE, "2024-03-01"), M.surgery(performed="2022-12-15"), *doses)
    rows = [p for p in r.case.prior_treatment if p.drug == "doxorubicin"]
    assert len(rows) == 1, r.case.prior_treatment
    assert rows[0].setting == "adjuvant" and rows[0].months == 5.0  # 2023-01-01 to 2023-06-01
    assert any(
        "6 administrations on 6 day(s) from 2023-01-01 to 2023-06-01 counted as one course" in n
        for n in notes(r, "assumption")
    )
    assert r.case.cumulative_doxorubicin_mg_m2 == 360


def test_a_long_break_between_administrations_starts_a_new_course_and_says_so() -> None:
    early = [given(f"a{n}", "doxorubicin", 60, "mg/m2", f"2022-0{n}-01") for n in (1, 2)]
    later = [given(f"b{n}", "doxorubicin", 20, "mg/m2", f"2024-0{n}-01") for n in (4, 5)]
    r = imp(M.secondary("met-bone", BONE, "2024-03-01"), *early, *later)
    rows = [p for p in r.case.prior_treatment if p.drug == "doxorubicin"]
    assert [p.setting for p in rows] == ["adjuvant", "metastatic"]
    assert any("counted as a new course" in n for n in notes(r, "assumption"))


def test_the_cumulative_note_counts_the_doses_summed_not_the_records() -> None:
    r = imp(
        given("a", "doxorubicin", 60, "mg/m2", "2023-01-01"),
        given("a-again", "doxorubicin", 60, "mg/m2", "2023-01-01"),
        given("b", "doxorubicin", 60, "mg/m2", "2023-01-22"),
    )
    assert r.case.cumulative_doxorubicin_mg_m2 == 120
    assert any("the sum of 2 administration(s) from 3 records" in n for n in notes(r, "assumption"))


def _letrozole_then_fulvestrant(letrozole_start: str) -> ImportResult:
    """Letrozole stopped for progression, fulvestrant now; metastases dated 2025-01-01 (the interop
    sweep's b/full.json in short)."""
    letrozole = M.med_statement("let", "letrozole", "completed", start=letrozole_start, end="2025-06-01")
    letrozole["statusReason"] = [{"text": "disease progression"}]
    fulvestrant = M.med_statement("fulv", "fulvestrant", "active", start="2025-06-10")
    return case_from_fhir(
        M.bundle(M.patient(), M.secondary("met-bone", BONE, "2025-01-01"), letrozole, fulvestrant),
        as_of=dt.date(2025, 7, 1),
    )


def test_the_line_is_left_unset_when_it_depends_on_a_setting_that_cannot_be_told() -> None:
    # letrozole began 47 days before the metastasis date: early-disease or first metastatic line?
    r = _letrozole_then_fulvestrant("2024-11-15")
    assert r.case.line is None
    (note,) = [n for n in r.import_notes if n.message.startswith("line of therapy not derived")]
    assert note.level == "warning" and "letrozole (2024-11-15)" in note.message


def test_the_line_is_derived_when_every_earlier_setting_is_known() -> None:
    r = _letrozole_then_fulvestrant("2025-01-20")  # after the metastasis date: metastatic line 1
    assert r.case.line == 2
