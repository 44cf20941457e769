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
    ("my left calf is swollen and tender", "deep_vein_thrombosis", "urgent"),
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
    # a normal count is not febrile neutropenia, but the fever stays a possible infection (sweep item 3)
    assert _flags(triage("", Labs(temp_c=38.4, anc_per_ul=3000))) == {"fever_on_treatment": "urgent"}


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
    detectable |= {
        "hyperglycemia_crisis",
        "arrhythmia_qt_prolongation",
        "visceral_crisis",
        "fever_on_treatment",
        # raised from a neutrophil count (labs or a count in the words), not from words alone
        "neutropenia",
    }
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


# --------------------------------------------------------------------------------------------
# Acceptance defects: "can't X" wordings, missed cord/seizure wordings, lab values in the text,
# resolved fever, back pain alone.
# --------------------------------------------------------------------------------------------


def _flags(result: object) -> dict[str, str]:
    return {f.code: f.urgency for f in result.red_flags}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "text",
    [
        "my legs went weak and I can't feel my bottom",
        "I can't feel my legs",
        "I couldn't feel my legs this morning",
        "no feeling in my bottom",
        "I've lost the feeling in my legs",
    ],
)
def test_cant_feel_is_saddle_or_leg_sensory_loss_an_emergency_nice_ng234_mscc(text: str) -> None:
    """Saddle anaesthesia and loss of feeling in the legs are neurological signs of cord compression
    (NICE NG234): "can't feel" states the symptom, it is not a negation of it."""
    result = triage(text)
    assert result.urgency == "emergency", result.rationale
    assert _flags(result)["spinal_cord_compression"] == "emergency"
    assert "numbness around the bottom or groin" not in result.negated


def test_cant_x_ends_a_negation_instead_of_swallowing_the_next_symptom_nice_ng234_mscc() -> None:
    # "can't walk" used to negate the back pain after it, leaving only the urgent leg-weakness flag
    assert _flags(triage("I can't walk and have back pain"))["spinal_cord_compression"] == "emergency"
    assert "back or neck pain" in triage("I can't sleep because of back pain").matched
    # an earlier "no" does not reach over "can't"
    result = triage("no fever and I can't walk")
    assert "fever or chills" in result.negated and "spinal_cord_compression" in _flags(result)


@pytest.mark.parametrize(
    "text",
    [
        "no fever",
        "denies back pain",
        "not breathless",
        "I can't feel any pain in my legs",
        "I can't see any blood when I cough",
        "I don't have a fever",
    ],
)
def test_true_negations_still_negate(text: str) -> None:
    result = triage(text)
    assert result.red_flags == () and result.urgency == "routine", result.rationale


def test_numb_feet_or_toes_alone_are_not_cord_compression_nice_ng234_mscc() -> None:
    """Numb feet are common chemotherapy neuropathy; cord compression needs legs, saddle or back pain."""
    for text in ("I can't feel my toes", "numb feet on paclitaxel"):
        assert "spinal_cord_compression" not in _flags(triage(text)), text
    assert _flags(triage("back pain and I can't feel my feet"))["spinal_cord_compression"] == "emergency"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("can't move my legs", "emergency"),
        ("my legs give way", "emergency"),
        ("my legs gave way and i cant walk", "emergency"),
        ("I can't walk", "urgent"),
        ("I keep falling", "urgent"),
        ("I can't walk and my legs are numb", "emergency"),
        ("my back hurts and I can't move my legs", "emergency"),
        ("my back hurts and my legs give way", "emergency"),
        ("back pain and legs giving way", "emergency"),
        ("I'm not able to pee since yesterday", "emergency"),
        ("unable to pee", "emergency"),
        ("I can't pee", "emergency"),
    ],
)
def test_leg_weakness_and_retention_wordings_follow_the_cord_rules_nice_ng234_mscc(
    text: str, urgency: str
) -> None:
    """Weak legs or legs giving way are a neurological symptom on their own, an emergency (NICE NG234;
    the knowledge base's symptom-leg-weakness agrees); trouble walking alone may be pain or breathlessness,
    so it is urgent until back pain or numbness comes with it. Urinary retention is an emergency however
    it is worded."""
    result = triage(text)
    assert _flags(result).get("spinal_cord_compression") == urgency, result.rationale


@pytest.mark.parametrize(
    "text", ["fitting", "started fitting and shaking", "she is fitting again", "I had a fit"]
)
def test_fitting_is_a_seizure_aes_status_epilepticus_2016(text: str) -> None:
    result = triage(text)
    assert _flags(result).get("seizure") == "emergency" and result.urgency == "emergency", result.rationale


@pytest.mark.parametrize(
    "text",
    ["I feel fit and well", "keeping fit", "bra fitting appointment today", "prosthesis fitting went well"],
)
def test_fit_and_fitting_in_other_senses_are_not_a_seizure_aes_status_epilepticus_2016(text: str) -> None:
    assert "seizure" not in _flags(triage(text))


@pytest.mark.parametrize(
    ("text", "labs", "words"),
    [
        ("calcium 11.5 albumin 2.5", Labs(calcium_mg_dl=11.5, albumin_g_dl=2.5), "corrected calcium 12.7"),
        ("calcium 10.4 albumin 2.0", Labs(calcium_mg_dl=10.4, albumin_g_dl=2.0), "corrected calcium 12.0"),
        ("Ca 10.4 mg/dL, alb 20 g/L", Labs(calcium_mg_dl=10.4, albumin_g_dl=2.0), "corrected calcium 12.0"),
        ("calcium 13", Labs(calcium_mg_dl=13), "calcium 13.0 mg/dL (albumin not given, so not corrected)"),
        ("calcium 3.1 mmol/L", Labs(calcium_mg_dl=12.4248), "not corrected"),
    ],
)
def test_calcium_in_the_text_uses_the_lab_threshold_fda_label_zoledronic_acid_payne_1973(
    text: str, labs: Labs, words: str
) -> None:
    """Zometa label: hypercalcemia of malignancy at albumin-corrected calcium >= 12 mg/dL (Payne formula);
    the same numbers give the same flag whether written in the text or given as labs."""
    result = triage(text)
    assert _flags(result) == {"hypercalcemia": "urgent"} == _flags(triage("", labs)), result.rationale
    assert words in result.red_flags[0].rationale


def test_calcium_in_the_text_below_threshold_severe_or_a_tumour_marker_endocrine_society_hcm_2023() -> None:
    assert triage("calcium 11.5 albumin 4.5").red_flags == ()  # corrects to 11.1
    assert _flags(triage("calcium 14.5")) == {"hypercalcemia": "emergency"}  # > 14 mg/dL is severe
    assert _flags(triage("corrected calcium 12.4, albumin 2.5")) == {"hypercalcemia": "urgent"}
    assert triage("corrected calcium 11.5, albumin 2.5").red_flags == ()  # not corrected twice
    for marker in ("CA 15-3 is 45", "ca 15.3 rising", "CA 27.29 is 80", "CA 125 was 30"):
        assert triage(marker).red_flags == (), marker


@pytest.mark.parametrize(
    ("text", "labs"),
    [
        ("temp 38.5, neutrophils 300", Labs(temp_c=38.5, anc_per_ul=300)),
        ("ANC 300 temp 38.3", Labs(temp_c=38.3, anc_per_ul=300)),
        ("ANC 0.3 x10^9/L, temperature 38.5 °C", Labs(temp_c=38.5, anc_per_ul=300)),
        ("neutrophils 0.8 ×10⁹/L temp 101.5F", Labs(temp_c=38.6, anc_per_ul=800)),
    ],
)
def test_fever_and_anc_in_the_text_are_febrile_neutropenia_idsa_2010(text: str, labs: Labs) -> None:
    """IDSA: fever with ANC < 500/µL, or < 1000 expected to fall, is febrile neutropenia (emergency)."""
    result = triage(text)
    assert result.urgency == "emergency" and _flags(result) == {"febrile_neutropenia": "emergency"}
    assert _flags(result) == _flags(triage("", labs))
    assert "ANC" in result.red_flags[0].rationale


def test_a_normal_anc_is_not_febrile_neutropenia_in_text_or_labs_idsa_2010() -> None:
    for text in (
        "temperature 38.5 neutrophils 4500",
        "temp 38.5 ANC 4.5",
        "I have a fever, neutrophils 4500",
    ):
        result = triage(text)
        assert "febrile_neutropenia" not in _flags(result), (text, result.rationale)
        assert "not febrile neutropenia" in result.rationale
        assert _flags(result) == {"fever_on_treatment": "urgent"}, (text, result.rationale)
    # a known normal count never wipes out the fever (sweep item 3): a possible infection, same day
    assert _flags(triage("temperature 38.5", Labs(anc_per_ul=4500))) == {"fever_on_treatment": "urgent"}
    assert _flags(triage("", Labs(temp_c=38.5, anc_per_ul=4500))) == {"fever_on_treatment": "urgent"}


def test_fever_on_chemo_with_a_normal_count_stays_an_emergency_asco_idsa_fever_neutropenia_2018() -> None:
    """The count's time is not known (it may predate the fever and fall towards the nadir): the
    emergency stands until a current count is known, and the reason says what the count showed."""
    for text, labs in (
        ("fever after my chemo, neutrophils 4500", None),
        ("I had a fever of 38.5 after chemo", Labs(anc_per_ul=4500)),
    ):
        result = triage(text, labs)
        assert _flags(result) == {"fever_on_treatment": "emergency"}, (text, result.rationale)
        assert "not febrile neutropenia on that count" in result.red_flags[0].rationale
        assert "until a current count is known" in result.red_flags[0].rationale


@pytest.mark.parametrize("word", ["temp", "temperature", "Temperature:", "temp was"])
def test_the_temperature_word_is_judged_by_its_number_asco_idsa_fever_neutropenia_2018(word: str) -> None:
    """The word no longer matches the knowledge-base phrasing "temperature of 38" (fever on chemo): the
    number decides (ASCO/IDSA: fever >= 38.0 C), and chemo decides between urgent and emergency."""
    assert _flags(triage(f"{word} 38.4")) == {"febrile_neutropenia": "urgent"}
    assert _flags(triage(f"on chemo, {word} 38.4")) == {"febrile_neutropenia": "emergency"}
    assert _flags(triage(f"{word} 38.4 after my paclitaxel")) == {"febrile_neutropenia": "emergency"}
    assert triage(f"{word} 37.2").red_flags == ()
    assert triage(f"on chemo, {word} 36.8").red_flags == ()


def test_lab_values_in_case_notes_fill_the_missing_labs() -> None:
    case = parse_case({"notes": ["bloods today: Ca 11.5, albumin 2.5"]})
    assert _flags(triage_case(case)) == {"hypercalcemia": "urgent"}
    given = parse_case(
        {"notes": ["Ca 11.5, albumin 2.5"], "labs": {"calcium_mg_dl": 9.0, "albumin_g_dl": 4.0}}
    )
    assert triage_case(given).red_flags == ()  # labs given as labs win over the text
    fever = parse_case({"symptoms": ["temp 38.6 last night"], "current_treatment": [{"drug": "docetaxel"}]})
    assert _flags(triage_case(fever)) == {"febrile_neutropenia": "emergency"}


@pytest.mark.parametrize("text", ["fever gone now", "my fever has gone", "the headache has settled now"])
def test_a_resolved_symptom_is_not_a_current_one(text: str) -> None:
    result = triage(text)
    assert result.red_flags == () and result.negated, result.rationale


def test_resolution_words_do_not_cancel_a_loss_or_another_symptom() -> None:
    assert "leptomeningeal_disease" in _flags(triage("my hearing has gone"))  # hearing loss
    assert _flags(triage("the feeling in my legs has gone"))["spinal_cord_compression"] == "emergency"
    assert "spinal_cord_compression" in _flags(triage("back pain gone now but my legs are weak"))
    assert "febrile_neutropenia" in _flags(triage("fever and my headache has gone"))


@pytest.mark.parametrize(
    "text", ["back pain", "my back aches", "backache", "my back hurts", "pain in my spine"]
)
def test_back_pain_alone_is_urgent_with_mri_within_a_week_nice_ng234_mscc(text: str) -> None:
    """Spinal pain in a person with cancer is pain suggestive of spinal metastases: MRI within 1 week,
    same-day call (urgent); neurological symptoms make it an emergency."""
    result = triage(text)
    assert _flags(result) == {"spinal_cord_compression": "urgent"}, result.rationale
    assert "within 1 week" in result.red_flags[0].clinician
    assert "dexamethasone 16 mg PO/IV immediately" not in result.red_flags[0].clinician


@pytest.mark.parametrize(
    "text", ["I have a sore throat and my neck glands are swollen", "sunburn on my back is painful"]
)
def test_pain_of_the_skin_or_glands_is_not_spinal_pain_nice_ng234_mscc(text: str) -> None:
    assert "spinal_cord_compression" not in _flags(triage(text))


@pytest.mark.parametrize(
    "text",
    [
        "coughing and short of breath since starting enhertu",
        "dry cough on kisqali",
        "new cough, I take Verzenio",
        "breathless and on trastuzumab deruxtecan",
    ],
)
def test_cough_or_breathlessness_on_a_named_lung_toxic_drug_is_pneumonitis_fda_label_trastuzumab_deruxtecan(
    text: str,
) -> None:
    """Free text has no case: the drug named in it stands for current treatment (labels: ILD/pneumonitis
    with T-DXd and CDK4/6 inhibitors; interrupt and assess the same day)."""
    assert _flags(triage(text))["pneumonitis"] == "urgent"


def test_naming_the_drug_without_lung_symptoms_raises_nothing() -> None:
    assert triage("I'm on Enhertu and feel fine").red_flags == ()


# --------------------------------------------------------------------------------------------
# Sweep 5 acceptance findings: suicide wordings, high blood sugar, urgency that matches the symptom
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "i want to end my life",
        "ive been thinking of taking all my pills at once",
        "I'm going to hurt myself",
        "thinking about ending my life",
        "I want to take an overdose",
        "im going to overdose on my morphine",
        "I've been cutting myself again",
        "i feel like hurting myself",
        "ive been saving up my morphine",
        "I want to take my life",
    ],
)
def test_intent_plan_or_self_harm_is_a_suicide_emergency_nimh_asq(text: str) -> None:
    """Intent ("going to"), a plan or means ("all my pills at once") or self-harm is an ASQ acute
    positive: emergency, with the 988 line and 911 first."""
    result = triage(text)
    assert result.urgency == "emergency", result.rationale
    assert result.red_flags[0].code == "suicidal_ideation"
    assert "988" in result.red_flags[0].public and "911" in result.red_flags[0].public


@pytest.mark.parametrize(
    "text",
    [
        "i dont want to be here anymore",
        "i cant go on like this",
        "i cant carry on anymore",
        "no point living anymore",
        "life is not worth living",
        "I wish I could go to sleep and never wake up",
        "i am tired of being alive",
    ],
)
def test_a_passive_death_wish_or_cant_go_on_is_urgent_with_988_nimh_asq(text: str) -> None:
    """No intent or plan: a non-acute positive, a same-day safety check (urgent), still naming 988."""
    result = triage(text)
    assert _flags(result).get("suicidal_ideation") == "urgent", result.rationale
    assert "988" in result.red_flags[0].public
    assert "is an emergency" not in result.red_flags[0].public.lower()


@pytest.mark.parametrize(
    "text",
    [
        "I want to end this treatment",
        "my pills are hard to swallow",
        "I can't go on holiday",
        "I can't go on the trip like this",
        "I don't want to end my life",
        "the cancer will end my life soon",
        "at the end of my life I want to be at home",
        "can I take all my pills at once",
        "I'm going to take all my pills with breakfast",
        "what happens if I overdose on tamoxifen by mistake",
        "I don't want to be here in hospital",
        "I cut myself shaving",
        "I'm tired of waiting",
        "the side effects are not worth it",
        "I want to diet",
    ],
)
def test_everyday_words_near_suicide_wordings_raise_no_flag(text: str) -> None:
    result = triage(text)
    assert "suicidal_ideation" not in _flags(result), result.rationale


@pytest.mark.parametrize("word", ["hyperglycemia", "hyperglycaemia", "capivasertib hyperglycemia"])
def test_hyperglycemia_is_high_sugar_not_high_calcium_fda_label_alpelisib(word: str) -> None:
    result = triage(word)
    assert "hypercalcemia" not in _flags(result), result.rationale
    assert _flags(result).get("hyperglycemia_crisis") == "urgent"


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        ("high blood sugar on capivasertib", "urgent"),
        ("glucose 400 on alpelisib", "urgent"),
        ("blood sugar over 250", "urgent"),
        ("my sugar was 22 mmol/L", "urgent"),
        ("blood sugar 600 on piqray and vomiting", "emergency"),
        ("sugar 600", "emergency"),
        ("glucose 300 and throwing up", "emergency"),
        ("very thirsty and peeing a lot on alpelisib", "urgent"),
        ("DKA", "emergency"),
    ],
)
def test_high_sugar_in_words_or_numbers_is_a_hyperglycemia_crisis_fda_label_alpelisib(
    text: str, urgency: str
) -> None:
    """The labels hold the drug at glucose >= 250 mg/dL; above 500, or with vomiting (DKA/HHS), is an
    emergency. A glucose in the text is read as a lab value (mmol/L converted)."""
    result = triage(text)
    assert _flags(result).get("hyperglycemia_crisis") == urgency, result.rationale
    if urgency == "emergency":
        flag = next(f for f in result.red_flags if f.code == "hyperglycemia_crisis")
        assert "911" in flag.public or "emergency room now" in flag.public


@pytest.mark.parametrize(
    "text",
    ["glucose 180", "glucose 13 mmol/L", "I take 2 sugars in my tea", "should I avoid foods high in sugar"],
)
def test_a_normal_sugar_or_sugar_in_food_is_no_flag(text: str) -> None:
    assert "hyperglycemia_crisis" not in _flags(triage(text))


def test_thirst_and_constipation_stays_high_calcium_endocrine_society_hcm_2023() -> None:
    result = triage("very thirsty and constipated")
    assert _flags(result) == {"hypercalcemia": "urgent"}


@pytest.mark.parametrize(
    ("word", "wrong"),
    [
        ("hypoglycemia", "hyperglycemia_crisis"),
        ("hypocalcemia", "hypercalcemia"),
        ("pneumonia", "pneumonitis"),
        ("short of breast", "pleural_effusion"),
    ],
)
def test_a_real_word_is_not_corrected_into_another_condition(word: str, wrong: str) -> None:
    assert wrong not in _flags(triage(word))


def test_real_words_are_not_spelling_corrected_but_misspellings_still_are() -> None:
    result = triage("I got hooked on the diet and my dad is doing well")
    assert result.urgency == "routine" and not result.matched, result.rationale
    assert "hooked" not in result.rationale and "looked" not in result.rationale
    assert _flags(triage("my bak hurts and my legs are weeak"))["spinal_cord_compression"] == "emergency"
    assert _flags(triage("bad hedache and very drowsy"))["raised_icp"] == "emergency"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("worst headache ever and throwing up and sleepy", "raised_icp"),
        ("vomiting cant poo belly swollen", "bowel_obstruction"),
        ("mum is very confused and drinking loads of water", "hypercalcemia"),
        ("my legs gave way and i cant walk", "spinal_cord_compression"),
        ("her face and neck are all puffy and swollen and her breathing is noisy", "svc_syndrome"),
        ("i fell and my arm is bent", "pathologic_fracture_risk"),
        ("diarrhoea and I feel dizzy", "severe_diarrhea_dehydration"),
        ("my heart is racing and I fainted", "arrhythmia_qt_prolongation"),
    ],
)
def test_the_banner_matches_the_knowledge_base_emergency_for_the_symptom(text: str, code: str) -> None:
    """One screen, one instruction: these are emergency-level symptom items in the knowledge base, so
    triage raises the same code at emergency, and its public text says to go now (not "call today")."""
    result = triage(text)
    assert _flags(result).get(code) == "emergency", result.rationale
    flag = next(f for f in result.red_flags if f.code == code)
    assert "911" in flag.public or "emergency room now" in flag.public, flag.public
    assert result.urgency == "emergency"


def test_every_emergency_symptom_item_typed_as_text_is_an_emergency_in_triage() -> None:
    """Each knowledge-base symptom item at level emergency with a red-flag link: its own title, typed as
    the question, raises that red flag at emergency (the item and the banner agree)."""
    from mbcnav.knowledge.loader import load_knowledge_base

    items = [
        item
        for item in load_knowledge_base().of_kind("symptom")
        if item.level == "emergency" and item.red_flag in lexicon().codes
    ]
    assert len(items) >= 15
    wrong = {item.title: _flags(triage(item.title)) for item in items}
    wrong = {
        title: flags
        for (title, flags), item in zip(wrong.items(), items, strict=True)
        if flags.get(item.red_flag) != "emergency"
    }
    assert not wrong, wrong


def test_raised_codes_have_an_emergency_text_and_all_variant_texts_are_plain() -> None:
    """A code whose word rules reach a level above its own has a text for that level, and every public
    text variant (public_urgent, public_emergency) reads at grade 8 or lower."""
    from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade

    lex = lexicon()
    for rule in lex.rules:
        spec = lex.codes[rule.code]
        if URGENCY_ORDER[rule.urgency] < URGENCY_ORDER[spec["urgency"]]:
            assert spec.get(f"public_{rule.urgency}"), f"{rule.code}: no public_{rule.urgency} text"
    for code, spec in lex.codes.items():
        for key, text in spec.items():
            if key.startswith("public_"):
                assert reading_grade(text) <= MAX_PUBLIC_GRADE, f"{code}.{key}: {text}"


@pytest.mark.parametrize(
    "text",
    [
        "I keep falling asleep",
        "my leg is bent when I sit",
        "no blood in my poo",
        "I am sleepy",
    ],
)
def test_new_wordings_do_not_fire_on_everyday_text(text: str) -> None:
    result = triage(text)
    assert result.urgency == "routine", result.rationale
