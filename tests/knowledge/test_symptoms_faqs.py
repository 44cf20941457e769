"""The symptom items and FAQs of the shipped knowledge base meet the coverage and safety promises.

Red flags are the part of the answer a person acts on, so these tests check that every emergency
phrasing leads to a red-flag code of the public contract and to an immediate management step, and
that no phrasing is claimed by two items (which would make triage ambiguous).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mbcnav.assessment import RED_FLAG_CODES
from mbcnav.knowledge.loader import DATA_DIR, read_all
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.knowledge.schema import Faq, Symptom

#: Red-flag codes of the public contract (shared/design/case-format.md, "Red-flag codes").
CASE_FORMAT_RED_FLAGS: frozenset[str] = frozenset(RED_FLAG_CODES)

MY_FILES = ("symptoms.yaml", "faqs.yaml")
RED_FLAGS_YAML = Path(__file__).resolve().parents[2] / "src/mbcnav/reasoning/rules/red_flags.yaml"


@pytest.fixture(scope="module")
def loaded():
    kb, problems = read_all(DATA_DIR)
    return kb, problems


@pytest.fixture(scope="module")
def symptoms(loaded) -> list[Symptom]:
    kb, _ = loaded
    return [item for item in kb.items if isinstance(item, Symptom)]


@pytest.fixture(scope="module")
def faqs(loaded) -> list[Faq]:
    kb, _ = loaded
    return [item for item in kb.items if isinstance(item, Faq)]


def _normalise(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase.strip().lower().replace("\u2019", "'"))


def test_symptom_and_faq_files_load_without_problems(loaded):
    _, problems = loaded
    mine = [p for p in problems if p.startswith(MY_FILES) or "symptoms_faq.yaml" in p]
    assert mine == []


def test_at_least_45_symptom_items_with_120_phrasings(symptoms):
    assert len(symptoms) >= 45
    assert sum(len(s.phrasings) for s in symptoms) >= 120


def test_at_least_36_faqs_phrased_as_questions(faqs):
    assert len(faqs) >= 36
    assert all(f.question.rstrip().endswith("?") for f in faqs)
    assert len({_normalise(f.question) for f in faqs}) == len(faqs)


def test_every_emergency_symptom_has_contract_red_flag_and_clinician_action(symptoms):
    emergencies = [s for s in symptoms if s.level == "emergency"]
    assert emergencies, "expected emergency items"
    for item in emergencies:
        assert item.red_flag in CASE_FORMAT_RED_FLAGS, item.id
        assert len(item.action_clinician.split()) >= 8, item.id


def test_emergency_public_action_says_to_get_help_now(symptoms):
    for item in (s for s in symptoms if s.level == "emergency"):
        text = item.action_public.lower()
        assert "911" in text or "emergency room" in text, item.id


def test_every_red_flag_on_a_symptom_is_a_contract_code(symptoms):
    used = {s.red_flag for s in symptoms if s.red_flag is not None}
    assert used <= CASE_FORMAT_RED_FLAGS, used - CASE_FORMAT_RED_FLAGS


def test_every_contract_red_flag_is_reachable_from_some_symptom(symptoms):
    used = {s.red_flag for s in symptoms if s.red_flag is not None}
    assert CASE_FORMAT_RED_FLAGS - used == set()


def test_no_phrasing_is_claimed_by_two_items(symptoms):
    owner: dict[str, str] = {}
    clashes = []
    for item in symptoms:
        for phrase in item.phrasings:
            key = _normalise(phrase)
            if key in owner and owner[key] != item.id:
                clashes.append((phrase, owner[key], item.id))
            owner.setdefault(key, item.id)
    assert clashes == []


@pytest.mark.parametrize(
    ("phrase", "red_flag", "level"),
    [
        ("my legs feel weak", "spinal_cord_compression", "emergency"),
        ("fever after chemo", "febrile_neutropenia", "emergency"),
        ("had a fit", "seizure", "emergency"),
        ("so thirsty and confused", "hypercalcemia", "emergency"),
        # same-day unless the airway or brain is affected (Yu 2008 grading; Wilson NEJM 2007)
        ("my face and neck are swollen", "svc_syndrome", "urgent"),
        ("yellow eyes", "liver_failure", "urgent"),
        ("double vision", "leptomeningeal_disease", "urgent"),
        # acute emergencies and graded side effects (UKONS triage v3; WAO 2020; NICE CG141; CTCAE v5)
        ("my tongue is swelling up", "anaphylaxis", "emergency"),
        ("crushing chest pain", "chest_pain_cardiac", "emergency"),
        ("black tarry poo", "gi_bleeding", "emergency"),
        ("collapsed on the floor", "collapse", "emergency"),
        ("can't talk for breath", "respiratory_distress", "emergency"),
        ("my port site is red", "line_infection", "urgent"),
        ("mouth sores so bad I can't eat", "severe_mucositis", "urgent"),
        # UKONS v3 red (6+ vomits in 24 h): call the 24-hour line now, an emergency since sweep 17
        ("vomited 6 times today", "severe_vomiting", "emergency"),
    ],
)
def test_brief_phrasings_map_to_the_expected_red_flag(symptoms, phrase, red_flag, level):
    matches = [s for s in symptoms if _normalise(phrase) in {_normalise(p) for p in s.phrasings}]
    assert len(matches) == 1, phrase
    assert matches[0].red_flag == red_flag
    assert matches[0].level == level


def test_routine_worries_are_present_and_routine(symptoms):
    by_phrase = {_normalise(p): s for s in symptoms for p in s.phrasings}
    for phrase in ("so tired all the time", "feeling low", "no appetite", "hot flashes", "numb fingers"):
        assert by_phrase[phrase].level == "routine"
        assert by_phrase[phrase].red_flag is None


def test_public_texts_of_symptoms_and_faqs_read_at_grade_8_or_below(symptoms, faqs):
    too_hard = []
    for item in [*symptoms, *faqs]:
        texts = [item.public] + ([item.action_public] if isinstance(item, Symptom) else [])
        too_hard += [(item.id, reading_grade(t)) for t in texts if reading_grade(t) > MAX_PUBLIC_GRADE]
    assert too_hard == []


def test_symptom_and_faq_sources_resolve(loaded, symptoms, faqs):
    kb, _ = loaded
    missing = {(item.id, src) for item in [*symptoms, *faqs] for src in item.sources if src not in kb.sources}
    assert missing == set()
