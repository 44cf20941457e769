"""Triage and the knowledge base agree: urgent symptom items without a classic red flag (a new lump,
pain the painkillers do not control, vaginal bleeding on tamoxifen, ...) are urgent findings in triage,
SVC syndrome is graded the same way everywhere (Yu 2008; Wilson NEJM 2007), and "been sick" is
British for vomiting."""

from __future__ import annotations

import pytest
import yaml
from _helpers import triage_urgencies as _flags

from mbcnav.assessment import URGENCY_ORDER
from mbcnav.case import parse_case
from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.triage import RULES_DIR, lexicon, triage, triage_case

RED_FLAGS = yaml.safe_load((RULES_DIR / "red_flags.yaml").read_text(encoding="utf-8"))["codes"]
#: the knowledge base's urgent symptom items that had no red-flag code, and the urgent finding each names
KB_CODES = {
    "symptom-upper-belly-pain": "liver_pain",
    "symptom-ascites": "ascites",
    "symptom-chronic-cough": "persistent_cough",
    "symptom-bleeding-bruising": "bleeding_bruising",
    "symptom-severe-rash": "severe_skin_reaction",
    "symptom-jaw-pain": "jaw_osteonecrosis",
    "symptom-vaginal-bleeding-tamoxifen": "vaginal_bleeding",
    "symptom-pain-not-controlled": "uncontrolled_pain",
    "symptom-scar-lump": "new_lump",
    "symptom-lymph-node-lump": "new_lump",
    "symptom-arm-swelling-lymphedema": "arm_swelling",
}


# (everyday wording, the urgent finding it raises)
HITS = [
    ("my painkillers are not working", "uncontrolled_pain"),
    ("pain not controlled by my usual medicine", "uncontrolled_pain"),
    ("the pain is unbearable", "uncontrolled_pain"),
    ("pain keeps me awake at night", "uncontrolled_pain"),
    ("my morphine isnt touching it", "uncontrolled_pain"),
    ("vaginal bleeding on tamoxifen", "vaginal_bleeding"),
    ("some spotting since menopause", "vaginal_bleeding"),
    ("pink discharge on tamoxifen", "vaginal_bleeding"),
    ("I found a new lump", "new_lump"),
    ("there is a lump near my mastectomy scar", "new_lump"),
    ("a hard lump in my armpit", "new_lump"),
    ("swollen glands in my neck", "new_lump"),
    ("my liver hurts", "liver_pain"),
    ("pain under my right ribs", "liver_pain"),
    ("my tummy is swollen", "ascites"),
    ("they said there is fluid in my belly", "ascites"),
    ("a cough for 3 weeks", "persistent_cough"),
    ("my cough wont go away", "persistent_cough"),
    ("I bruise easily", "bleeding_bruising"),
    ("tiny red spots on my legs", "bleeding_bruising"),
    ("my nosebleed wont stop", "bleeding_bruising"),
    ("a rash with blisters", "severe_skin_reaction"),
    ("rash all over my body on alpelisib", "severe_skin_reaction"),
    ("my jaw hurts", "jaw_osteonecrosis"),
    ("I have a loose tooth. I am on Xgeva", "jaw_osteonecrosis"),
    ("my arm is swollen", "arm_swelling"),
]

# (text, the finding it must not raise): negation, other meanings, unrelated sentences
NON_HITS = [
    ("no vaginal bleeding", "vaginal_bleeding"),
    ("I have no bleeding", "vaginal_bleeding"),
    ("blood pressure pad on my arm", "vaginal_bleeding"),
    ("the bleeding has stopped", "bleeding_bruising"),
    ("no new lumps", "new_lump"),
    ("I check my breasts for lumps every month", "new_lump"),
    ("a lump in my throat when I think about it", "new_lump"),
    ("the anti sickness tablets are not working and I have some pain", "uncontrolled_pain"),
    ("my painkillers are working well", "uncontrolled_pain"),
    ("my pain is under control", "uncontrolled_pain"),
    ("is this pain medicine safe for my liver", "liver_pain"),
    ("pain in my right upper arm", "liver_pain"),
    ("my stomach feels bloated", "ascites"),
    ("my tummy is growing with the baby", "ascites"),
    ("I have a cough", "persistent_cough"),
    ("no cough for weeks", "persistent_cough"),
    ("the cough medicine wont help", "persistent_cough"),
    ("blisters on my feet on capecitabine", "severe_skin_reaction"),
    ("skin peeling on my hands", "severe_skin_reaction"),
    ("no rash", "severe_skin_reaction"),
    ("my tooth is loose", "jaw_osteonecrosis"),
    ("no jaw pain", "jaw_osteonecrosis"),
    ("no swelling in my arm", "arm_swelling"),
]


@pytest.mark.parametrize(("text", "code"), HITS)
def test_urgent_finding_is_raised_with_what_to_do_now(text: str, code: str) -> None:
    result = triage(text)
    flags = {f.code: f for f in result.red_flags}
    assert code in flags, result.rationale
    flag = flags[code]
    assert flag.urgency == "urgent" and result.urgency == "urgent"
    assert "today" in flag.public or "now" in flag.public
    assert flag.sources and set(flag.sources) <= set(load_knowledge_base().sources)
    assert "Call your cancer team today" in result.advice.public


@pytest.mark.parametrize(("text", "code"), NON_HITS)
def test_urgent_finding_is_not_raised_on_negation_or_other_meanings(text: str, code: str) -> None:
    assert code not in _flags(text), triage(text).rationale


def _urgent_items() -> list:
    return [i for i in load_knowledge_base().of_kind("symptom") if i.level in ("urgent", "emergency")]


def test_every_urgent_or_emergency_symptom_item_has_a_triage_code() -> None:
    """A knowledge item the Ask page shows as urgent must have a way to be urgent in triage: its own
    red-flag code (which also pins it first on the Ask page)."""
    missing = [i.id for i in _urgent_items() if i.red_flag not in RED_FLAGS]
    # coughing up blood already raises pulmonary_embolism at emergency by the cough_blood word rule
    assert missing == ["symptom-coughing-blood"]
    for text in ("coughing up blood", "spitting blood"):
        assert _flags(text).get("pulmonary_embolism") == "emergency"


def test_each_phrasing_of_an_urgent_or_emergency_item_reaches_its_level_in_triage() -> None:
    """Before this change "my painkillers aren't working", "lump in my armpit" and 45 other phrasings of
    urgent items triaged as routine while the Ask page showed the item as urgent."""
    wrong = []
    for item in _urgent_items():
        for phrasing in item.phrasings:
            if phrasing == "temperature of 38":
                continue  # a number with a lab word is judged by the lab threshold (test_triage.py)
            result = triage(phrasing)
            if URGENCY_ORDER[result.urgency] > URGENCY_ORDER[item.level]:
                wrong.append((item.id, phrasing, result.urgency))
    assert wrong == []


def test_the_finding_cites_the_knowledge_items_sources() -> None:
    items = {i.id: i for i in load_knowledge_base().of_kind("symptom")}
    for item_id, code in KB_CODES.items():
        assert items[item_id].red_flag == code
        assert set(items[item_id].sources) <= set(RED_FLAGS[code]["sources"]), (item_id, code)
    flag = next(f for f in triage("bleeding from my vagina on tamoxifen").red_flags)
    assert "fda-label-tamoxifen" in flag.sources


def test_new_codes_are_urgent_and_sort_after_the_oncologic_emergencies() -> None:
    for code in set(KB_CODES.values()):
        assert RED_FLAGS[code]["urgency"] == "urgent"
    result = triage("my back hurts and my painkillers are not working")
    assert [f.code for f in result.red_flags] == ["spinal_cord_compression", "uncontrolled_pain"]
    result = triage("I had a seizure and I found a new lump")
    assert [f.code for f in result.red_flags] == ["seizure", "new_lump"]
    assert result.urgency == "emergency"


def test_the_assessment_path_gets_the_same_findings() -> None:
    case = parse_case({"symptoms": ["my painkillers are not working"], "notes": ["new lump near the scar"]})
    codes = {f.code: f.urgency for f in triage_case(case).red_flags}
    assert codes == {"uncontrolled_pain": "urgent", "new_lump": "urgent"}
    assessment = assess(case)
    assert assessment.urgency == "urgent"
    assert {f.code for f in assessment.red_flags} == {"uncontrolled_pain", "new_lump"}


def test_the_ask_banner_agrees_with_triage_for_an_urgent_item() -> None:
    from mbcnav.search import ask

    result = ask("my painkillers are not working")
    assert result.urgency == "urgent"
    assert [f.code for f in result.red_flags] == ["uncontrolled_pain"]
    assert "symptom-pain-not-controlled" in [a.id for a in result.answers]


# ---- SVC syndrome: same-day unless the airway or brain is affected (Yu 2008 grade 4; Wilson 2007)


@pytest.mark.parametrize(
    "text",
    [
        "my face and neck are swollen",
        "my face is puffy and the veins on my chest are swollen",
        "veins on my chest are swollen and my arm is swollen",
    ],
)
def test_svc_swelling_alone_is_same_day(text: str) -> None:
    assert _flags(text).get("svc_syndrome") == "urgent", triage(text).rationale


@pytest.mark.parametrize(
    "text",
    [
        "my face and neck are swollen and my breathing is noisy",
        "face swollen and she is confused",
        "my neck is swollen and I fainted",
        "face swollen and short of breath even sitting still",
    ],
)
def test_svc_with_airway_or_brain_signs_is_an_emergency(text: str) -> None:
    result = triage(text)
    assert _flags(text).get("svc_syndrome") == "emergency", result.rationale
    flag = next(f for f in result.red_flags if f.code == "svc_syndrome")
    assert "911" in flag.public


def test_svc_knowledge_item_red_flag_text_and_triage_agree() -> None:
    item = next(i for i in load_knowledge_base().of_kind("symptom") if i.id == "symptom-svc-syndrome")
    assert item.level == RED_FLAGS["svc_syndrome"]["urgency"] == "urgent"
    assert all(triage(p).urgency == "urgent" for p in item.phrasings)
    for text in (item.clinician, RED_FLAGS["svc_syndrome"]["clinician"]):
        assert "Yu 2008" in text and "Wilson" in text
    assert "yu-2008-svc-grading" in item.sources
    assert "yu-2008-svc-grading" in RED_FLAGS["svc_syndrome"]["sources"]


# ---- "been sick" / "being sick": British for vomiting


@pytest.mark.parametrize(
    "text", ["I have been sick twice today", "being sick all morning", "been really sick since chemo"]
)
def test_been_sick_is_vomiting(text: str) -> None:
    assert "vomiting" in triage(text).matched


@pytest.mark.parametrize(
    "text",
    [
        "I have been sick with a cold",
        "Ive been sick with the flu",
        "Im sick of being at home",
        "I have been sick and tired of this",
        "I have not been sick",
    ],
)
def test_been_sick_with_a_cold_or_sick_of_is_not_vomiting(text: str) -> None:
    assert "vomiting" not in triage(text).matched


def test_headache_and_been_sick_is_raised_pressure_but_not_with_a_cold() -> None:
    assert _flags("bad headache and I have been sick") == {"raised_icp": "urgent"}
    assert "raised_icp" not in _flags("bad headache and I have been sick with a cold")


def test_urgent_item_texts_are_plain() -> None:
    from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade

    for code in set(KB_CODES.values()) | {"svc_syndrome"}:
        for key, text in RED_FLAGS[code].items():
            if key.startswith("public"):
                assert reading_grade(text) <= MAX_PUBLIC_GRADE, (code, key, reading_grade(text))
    assert lexicon().codes.keys() >= set(KB_CODES.values())
