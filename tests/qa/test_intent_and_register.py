"""What a question asks, not only what it is about: real words kept as typed, the ask (help, tell a
child, cure, time left, exercise, addiction, what an injection is for, is it X cancer now, fluid
coming back) over the site or stage word, clinicians' shorthand and register, and a combination of
two named drugs over each drug alone. The questions are our own paraphrases, not a held-out set."""

from __future__ import annotations

import pytest

from mbcnav.search import ask
from mbcnav.search.engine import reads_as_clinician
from mbcnav.search.index import SearchIndex


def top(result, n: int = 3) -> list[str]:
    return [a.id for a in result.answers[:n]]


# --- 1. the spelling fixer leaves real English words alone ---------------------------------------


@pytest.mark.parametrize(
    ("question", "word"),
    [
        ("planning a week in spain, is flying ok during chemo", "spain"),
        ("the radiotherapist zapped one spot already, can the next one be zapped too", "zapped"),
        ("what can i actually do for my brother with stage 4", "actually"),
    ],
)
def test_real_words_are_not_corrected(kb_index: SearchIndex, question: str, word: str) -> None:
    assert word not in ask(question, index=kb_index).corrections


def test_trip_abroad_finds_travel_not_pain(kb_index: SearchIndex) -> None:
    assert "faq-travel" in top(ask("planning a week in spain, is flying ok during chemo", index=kb_index))


def test_misspelt_words_are_still_mended(kb_index: SearchIndex) -> None:
    result = ask("verzenio diarrea and side efects", index=kb_index)
    assert result.corrections == {"diarrea": "diarrhea", "efects": "effects"}


def test_clinical_trails_typo_still_finds_trials(kb_index: SearchIndex) -> None:
    got = top(ask("any clinical trails for me", index=kb_index))
    assert set(got) & {"faq-clinical-trials", "clinical-trials-basics", "treatment-clinical-trials"}, got


# --- 2. the ask over the topic word --------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what should i say to my 6 year old about mummy being ill", {"faq-telling-children"}),
        ("my brother has secondary breast cancer, what can i do to support him",
         {"faq-how-to-help-someone", "caregiver-support"}),
        ("is there any cure now it has reached her spine and ribs",
         {"faq-is-stage-4-curable", "treatable-not-curable"}),
        ("how much time is left once it is in the liver",
         {"faq-how-long-can-i-live", "median-os-mbc-overall"}),
        ("am i allowed to go jogging with cancer in my hip bone", {"faq-exercise"}),
        ("frightened of becoming hooked on fentanyl patches", {"faq-opioids-addiction"}),
        ("what is the jab every 4 weeks for my bones meant to do",
         {"treatment-bone-modifying", "denosumab", "zoledronic-acid"}),
        ("now it has reached her brain, does that make it brain cancer",
         {"faq-still-breast-cancer-in-bones"}),
    ],
)
def test_the_ask_comes_first(kb_index: SearchIndex, question: str, expected: set[str]) -> None:
    got = top(ask(question, index=kb_index), 1)
    assert set(got) & expected, (question, got)


def test_fluid_coming_back_is_not_the_cancer_coming_back(kb_index: SearchIndex) -> None:
    # triage's pleural-effusion flag puts its symptom item first; the pleura page answers next
    got = top(ask("they took fluid off her lung yesterday, is it going to fill up again", index=kb_index))
    assert "site-pleura" in got[:2], got
    assert "faq-why-did-it-come-back" not in got


def test_addiction_worry_outranks_the_drug_entry(kb_index: SearchIndex) -> None:
    got = top(ask("will i get addicted to my oxycodone", index=kb_index))
    assert got[0] == "faq-opioids-addiction", got
    assert "oxycodone" in got


# --- 3. clinicians' shorthand and register -------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("ESR1m after progression on AI + CDK4/6i",
         {"treatment-oral-serd", "elacestrant", "imlunestrant", "regimen-elacestrant", "test-esr1-ctdna"}),
        ("PIK3CAm HR+ 2L choices",
         {"alpelisib", "capivasertib", "inavolisib", "treatment-pi3k-akt-mtor",
          "regimen-fulvestrant-alpelisib", "regimen-fulvestrant-capivasertib"}),
        ("gBRCAm PARPi choice", {"olaparib", "talazoparib", "treatment-parp"}),
        ("PARPi anaemia mgmt", {"olaparib", "talazoparib", "treatment-parp"}),
    ],
)
def test_clinician_shorthand_is_understood(kb_index: SearchIndex, question: str, expected: set[str]) -> None:
    got = top(ask(question, audience="clinician", index=kb_index))
    assert set(got) & expected, (question, got)


@pytest.mark.parametrize(
    ("question", "meant"),
    [("gBRCAm HER2- 3L", {"brca", "line of therapy"}), ("PIK3CAm post-AI", {"pik3ca", "previously treated"}),
     ("ESR1m mgmt", {"esr1", "management"})],
)
def test_shorthand_is_searched_as_its_terms(kb_index: SearchIndex, question: str, meant: set[str]) -> None:
    assert meant <= set(ask(question, audience="clinician", index=kb_index).also_searched)


@pytest.mark.parametrize(
    "question",
    ["ESR1m post-AI options", "CDK4/6i neutropenia mgmt", "QTcF threshold for ribociclib",
     "capecitabine dose if CrCl 40 mL/min", "T-DXd after DESTINY-Breast03 progression", "2L TNBC"],
)
def test_clinician_register_is_recognised(question: str) -> None:
    assert reads_as_clinician(question)


@pytest.mark.parametrize(
    "question",
    ["is stage 4 curable", "my mum is confused and sleepy", "ibrance side efects", "what is her2 low",
     "post menopausal and on letrozole, joints ache", "can i drink alcohol on kisqali",
     "how long does fulvestrant take to work"],
)
def test_lay_questions_stay_public(question: str) -> None:
    assert not reads_as_clinician(question)


def test_without_an_audience_a_clinician_question_gets_the_clinician_voice(kb_index: SearchIndex) -> None:
    result = ask("QTcF threshold for ribociclib", audience=None, index=kb_index)
    assert result.audience == "clinician"
    assert result.audience_from_question is True
    lay = ask("is stage 4 curable", audience=None, index=kb_index)
    assert lay.audience == "public"
    asked = ask("QTcF threshold for ribociclib", audience="public", index=kb_index)
    assert asked.audience == "public" and asked.audience_from_question is False


# --- 4. a combination of two named drugs ---------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "regimen"),
    [
        ("ibrance with letrozole, how well does it work", "regimen-letrozole-palbociclib"),
        ("kisqali + faslodex together", "regimen-fulvestrant-ribociclib"),
        ("verzenio and fulvestrant combination side effects", "regimen-fulvestrant-abemaciclib"),
    ],
)
def test_two_named_drugs_put_their_regimen_first(kb_index: SearchIndex, question: str, regimen: str) -> None:
    got = top(ask(question, index=kb_index))
    assert got[0] == regimen, got


def test_a_comparison_of_two_drugs_keeps_the_drugs(kb_index: SearchIndex) -> None:
    got = top(ask("xgeva vs zometa", index=kb_index))
    assert {"denosumab", "zoledronic-acid"} <= set(got), got
