"""Triage: everyday phrasings, misspellings, negation, labs-only cases and every red-flag code."""

from __future__ import annotations

import pytest

from mbcnav.assessment import RED_FLAG_CODES as CONTRACT_RED_FLAGS
from mbcnav.assessment import URGENCY_ORDER
from mbcnav.case import Labs, parse_case
from mbcnav.reasoning.triage import lexicon, triage, triage_case

RED_FLAG_CODES = list(CONTRACT_RED_FLAGS)

# (text, red-flag code expected, minimum urgency)
PHRASINGS = [
    ("my back hurts and my legs feel weak", "spinal_cord_compression", "emergency"),
    ("my bak hurts and my legs are weeak", "spinal_cord_compression", "emergency"),
    ("back pain and I cant pee", "spinal_cord_compression", "emergency"),
    ("numb around my bottom and groin", "spinal_cord_compression", "emergency"),
    ("my back hurts more at night when lying flat", "spinal_cord_compression", "urgent"),
    ("backache and my legs are wobbly", "spinal_cord_compression", "emergency"),
    ("I had a seizure this morning", "seizure", "emergency"),
    ("she had a fit and was shaking", "seizure", "emergency"),
    ("terrible headache and throwing up", "raised_icp", "urgent"),
    ("headache worse in the morning when I wake up", "raised_icp", "urgent"),
    ("bad hedache and very drowsy", "raised_icp", "emergency"),
    ("my face is drooping on one side", "focal_neurologic_deficit", "emergency"),
    ("slurred speech since lunch", "focal_neurologic_deficit", "emergency"),
    ("I have a fever and I am on chemo", "febrile_neutropenia", "emergency"),
    ("temp 38.6 and shivering", "febrile_neutropenia", "urgent"),
    ("running a high temperature after my infusion", "febrile_neutropenia", "emergency"),
    ("fever of 101 F", "febrile_neutropenia", "urgent"),
    ("so thirsty all the time and confused", "hypercalcemia", "urgent"),
    ("very thirsty and constipated", "hypercalcemia", "urgent"),
    ("my skin and eyes look yellow", "liver_failure", "urgent"),
    ("yellow eyes and she is confused", "liver_failure", "emergency"),
    ("my face and neck are swollen and puffy", "svc_syndrome", "urgent"),
    ("stiff neck and a headache", "leptomeningeal_disease", "urgent"),
    ("my chin feels numb", "leptomeningeal_disease", "urgent"),
    ("I get short of breath walking upstairs", "pleural_effusion", "urgent"),
    ("cant catch my breath", "pleural_effusion", "urgent"),
    ("they found fluid around my heart", "pericardial_effusion", "urgent"),
    ("sudden shortness of breath and chest pain", "pulmonary_embolism", "emergency"),
    ("coughing up blood", "pulmonary_embolism", "emergency"),
    ("my left calf is swollen and tender", "pulmonary_embolism", "urgent"),
    ("I get breathless lying flat and need 3 pillows", "heart_failure", "urgent"),
    ("vomiting and I havent pooped or passed wind for days", "bowel_obstruction", "urgent"),
    ("throwing up and my belly is swollen", "bowel_obstruction", "urgent"),
    ("my hip hurts when I walk or put weight on it", "pathologic_fracture_risk", "urgent"),
    ("I cant put weight on my leg", "pathologic_fracture_risk", "urgent"),
    ("I heard a crack in my thigh", "pathologic_fracture_risk", "emergency"),
    ("severe diarrhea all day", "severe_diarrhea_dehydration", "urgent"),
    ("diarrhoea and I feel dizzy", "severe_diarrhea_dehydration", "urgent"),
    ("diarea and im dehydrated", "severe_diarrhea_dehydration", "urgent"),
    ("my heart is racing and I fainted", "arrhythmia_qt_prolongation", "urgent"),
    ("scan shows lymphangitic spread", "visceral_crisis", "urgent"),
    ("CT report: pneumonitis", "pneumonitis", "urgent"),
    ("MRI shows cord compression at T8", "spinal_cord_compression", "emergency"),
    ("I have been thinking about killing myself", "suicidal_ideation", "emergency"),
    ("having suicidal thoughts again", "suicidal_ideation", "emergency"),
    ("I might take my own life", "suicidal_ideation", "emergency"),
    ("I wish I was dead", "suicidal_ideation", "urgent"),
    ("they would all be better off without me", "suicidal_ideation", "urgent"),
    ("I dont want to live anymore", "suicidal_ideation", "urgent"),
]

NO_FLAG = [
    "no fever, no headache",
    "denies headache",
    "I am not short of breath",
    "no back pain and no weakness in my legs",
    "I dont have a fever",
    "without any chest pain or breathlessness",
    "never had a seizure",
    "a bit tired today",
    "my hair is falling out",
    "denies suicidal ideation",
    "I don't want to die",
    "I hurt myself when I fell",
    "we talked about end of life care",
    "can't stop worrying about dying",
    "",
]


@pytest.mark.parametrize(("text", "code", "urgency"), PHRASINGS)
def test_everyday_phrasings(text: str, code: str, urgency: str) -> None:
    result = triage(text)
    flags = {f.code: f for f in result.red_flags}
    assert code in flags, result.rationale
    assert URGENCY_ORDER[flags[code].urgency] <= URGENCY_ORDER[urgency]
    assert URGENCY_ORDER[result.urgency] <= URGENCY_ORDER[urgency]


@pytest.mark.parametrize("text", NO_FLAG)
def test_negation_and_harmless_text_raise_no_flag(text: str) -> None:
    result = triage(text)
    assert result.red_flags == () and result.urgency == "routine", result.rationale
    assert "does not replace your care team" in result.advice.public


def test_negated_words_are_reported() -> None:
    assert "fever or chills" in triage("no fever, no headache").negated


def test_negation_does_not_leak_into_the_next_statement() -> None:
    result = triage("no fever and my back hurts and my legs feel weak")
    assert result.red_flags[0].code == "spinal_cord_compression"


def test_suspected_sites() -> None:
    sites = {s.site for s in triage("my back hurts and my skin is yellow").suspected_sites}
    assert {"bone", "liver"} <= sites


def test_labs_only_corrected_calcium() -> None:
    result = triage("", Labs(calcium_mg_dl=12.5, albumin_g_dl=4.0))
    assert [f.code for f in result.red_flags] == ["hypercalcemia"]
    # 11.2 with albumin 2.0 corrects to 12.8
    assert triage("", Labs(calcium_mg_dl=11.2, albumin_g_dl=2.0)).red_flags[0].code == "hypercalcemia"
    # 11.5 with albumin 4.5 corrects to 11.1: no flag
    assert triage("", Labs(calcium_mg_dl=11.5, albumin_g_dl=4.5)).red_flags == ()


def test_labs_only_febrile_neutropenia() -> None:
    result = triage("", Labs(temp_c=38.4, anc_per_ul=400))
    assert result.urgency == "emergency" and result.red_flags[0].code == "febrile_neutropenia"
    assert "60" in result.red_flags[0].clinician  # antibiotic within 60 minutes
    assert triage("", Labs(temp_c=38.4, anc_per_ul=800)).red_flags[0].urgency == "emergency"
    assert triage("", Labs(temp_c=38.4, anc_per_ul=3000)).red_flags == ()


def _case(**kw: object) -> object:
    return parse_case(kw)


def test_case_fever_on_palbociclib_is_febrile_neutropenia() -> None:
    case = parse_case({"symptoms": ["I feel feverish"], "current_treatment": [{"drug": "palbociclib"}]})
    assert triage_case(case).red_flags[0].code == "febrile_neutropenia"
    assert triage_case(case).urgency == "emergency"


def test_case_liver_failure_from_inr_and_confusion() -> None:
    case = parse_case({"symptoms": ["she is confused"], "labs": {"inr": 1.8, "bilirubin_mg_dl": 2.0}})
    assert "liver_failure" in {f.code for f in triage_case(case).red_flags}


def test_case_visceral_crisis_from_liver_mets_and_bilirubin() -> None:
    case = parse_case({"metastatic_sites": ["liver"], "labs": {"bilirubin_mg_dl": 2.5}})
    assert "visceral_crisis" in {f.code for f in triage_case(case).red_flags}


def test_case_visceral_crisis_from_lung_mets_and_hypoxia() -> None:
    case = parse_case({"metastatic_sites": ["lung"], "labs": {"spo2_percent": 86}})
    flags = {f.code: f.urgency for f in triage_case(case).red_flags}
    assert flags["visceral_crisis"] == "emergency"


def test_case_mirels_nine_is_fracture_risk() -> None:
    case = parse_case(
        {
            "bone_lesions": [
                {"site": "lower_limb", "type": "lytic", "cortex_fraction": 0.5, "pain": "moderate"}
            ]
        }
    )
    assert triage_case(case).red_flags[0].code == "pathologic_fracture_risk"
    low = parse_case(
        {"bone_lesions": [{"site": "upper_limb", "type": "blastic", "cortex_fraction": 0.1, "pain": "mild"}]}
    )
    assert triage_case(low).red_flags == ()


def test_case_pneumonitis_on_tdxd() -> None:
    case = parse_case(
        {"symptoms": ["new dry cough"], "current_treatment": [{"drug": "trastuzumab deruxtecan"}]}
    )
    assert "pneumonitis" in {f.code for f in triage_case(case).red_flags}


def test_case_hyperglycemia_on_alpelisib() -> None:
    case = parse_case({"labs": {"glucose_mg_dl": 310}, "current_treatment": [{"drug": "alpelisib"}]})
    assert triage_case(case).red_flags[0].code == "hyperglycemia_crisis"
    assert triage_case(parse_case({"labs": {"glucose_mg_dl": 310}})).red_flags == ()


def test_case_qtcf_over_500() -> None:
    case = parse_case({"labs": {"qtcf_ms": 520}, "current_treatment": [{"drug": "ribociclib"}]})
    assert triage_case(case).red_flags[0].code == "arrhythmia_qt_prolongation"


def test_case_notes_are_scanned() -> None:
    case = parse_case({"notes": ["MRI brain: new lesions with hydrocephalus"]})
    assert triage_case(case).red_flags[0].code == "raised_icp"


def test_every_red_flag_code_is_detectable_and_written_in_both_voices() -> None:
    detectable = {r.code for r in lexicon().rules}
    detectable |= {"hyperglycemia_crisis", "arrhythmia_qt_prolongation", "visceral_crisis"}  # labs/case rules
    assert set(RED_FLAG_CODES) <= detectable
    for code in RED_FLAG_CODES:
        spec = lexicon().codes[code]
        assert spec["public"] and spec["clinician"] and spec["sources"]


def test_red_flags_sort_emergency_first_and_urgency_is_the_highest() -> None:
    result = triage("my skin is yellow and I had a seizure")
    urgencies = [URGENCY_ORDER[f.urgency] for f in result.red_flags]
    assert urgencies == sorted(urgencies)
    assert result.red_flags[0].code == "seizure" and result.urgency == "emergency"


def test_clinician_text_names_immediate_management() -> None:
    by_code = lexicon().codes
    assert "dexamethasone 16 mg" in by_code["spinal_cord_compression"]["clinician"]
    assert "levetiracetam" in by_code["seizure"]["clinician"]
    assert "60 minutes" in by_code["febrile_neutropenia"]["clinician"]


def test_rule_sources_resolve_in_the_knowledge_base() -> None:
    from mbcnav.knowledge.loader import read_all

    kb, _ = read_all()
    ids = {s for spec in lexicon().codes.values() for s in spec["sources"]}
    missing = sorted(i for i in ids if i not in kb.sources)
    assert not missing, f"red-flag source ids not found in sources/*.yaml: {missing}"


@pytest.mark.parametrize(
    "text", ["my back hurts", "bad headaches in the morning and I threw up", "I have a fever"]
)
def test_urgent_flags_do_not_tell_people_it_is_an_emergency(text: str) -> None:
    """An urgent (call-today) flag says when to escalate, but not 'this is an emergency'."""
    result = triage(text)
    urgent = [flag for flag in result.red_flags if flag.urgency == "urgent"]
    assert urgent, "expected an urgent flag"
    for flag in urgent:
        assert "is an emergency" not in flag.public.lower()
        assert "today" in flag.public.lower() or "now" in flag.public.lower()
    assert "is an emergency" not in result.advice.public.lower()


def test_suicidal_thoughts_give_the_crisis_line_and_911_against_nimh_asq_and_samhsa_988() -> None:
    """Active thoughts are an emergency (ASQ acute positive); a passive death wish is same-day (positive
    screen). Both name the 988 Suicide & Crisis Lifeline and when to call 911 (SAMHSA)."""
    active = triage("I want to kill myself")
    assert active.urgency == "emergency" and active.red_flags[0].code == "suicidal_ideation"
    assert "988" in active.red_flags[0].public and "911" in active.red_flags[0].public
    assert "do not leave the person alone" in active.red_flags[0].clinician.lower()
    passive = triage("sometimes I wish I was dead")
    assert passive.urgency == "urgent"
    assert "988" in passive.red_flags[0].public and "911" in passive.red_flags[0].public
    assert "is an emergency" not in passive.red_flags[0].public.lower()
    # It outranks routine findings and is not lost among other flags.
    mixed = triage("my hip hurts when I walk and I have been thinking about suicide")
    assert mixed.red_flags[0].code == "suicidal_ideation" and mixed.urgency == "emergency"


def test_every_source_in_every_rule_file_resolves_in_the_knowledge_base() -> None:
    """Any `sources:` list in reasoning/rules/*.yaml (red flags, therapy, safety, resistance, ...)."""
    from pathlib import Path
    from typing import Any

    import yaml

    from mbcnav.knowledge.loader import read_all
    from mbcnav.reasoning.flags import RULES_DIR

    kb, _ = read_all()

    def sources_in(node: Any) -> list[str]:
        if isinstance(node, dict):
            listed = node.get("sources")
            if isinstance(listed, dict):  # subtype.yaml: sources by topic
                listed = [s for group in listed.values() for s in group]
            found = [s for s in listed if isinstance(s, str)] if isinstance(listed, list) else []
            return found + [s for value in node.values() for s in sources_in(value)]
        if isinstance(node, list):
            return [s for value in node for s in sources_in(value)]
        return []

    missing: dict[str, list[str]] = {}
    for path in sorted(Path(RULES_DIR).glob("*.yaml")):
        ids = sources_in(yaml.safe_load(path.read_text(encoding="utf-8")))
        bad = sorted({i for i in ids if i not in kb.sources})
        if bad:
            missing[path.name] = bad
    assert not missing, f"source ids not found in sources/*.yaml: {missing}"
