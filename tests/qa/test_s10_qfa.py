"""What the qa11 tester found, fixed by concept (session 10, task qfa). Each concept is tested with the
tester's question and our own paraphrases; the rows are in tests/qa/questions.yaml (tag qa11).

- The ask outranks the subject: "how long have I got" (prognosis), the cost of a named drug, why it came
  back, how to tell the children, each before a site or a medicine named in passing (synonyms.yaml
  `intents`); a drug's own page still comes first when it covers more ("verzenio runs ... diarrhea").
- An item named for the question's specific subject that also speaks to the ask is not jumped over:
  "oligometastatic ... can it be cured" is the oligometastatic page's (ABC 5: curative intent in
  selected patients).
- Brand combinations and trial names name their regimen: the INAVO120 triplet, HER2CLIMB, DB-03; a
  lay "pill with a hormone injection" is a CDK4/6 inhibitor with fulvestrant.
- Terse clinician queries ("SG UGT1A1 dose reduction", "visceral crisis definition") get the clinician
  voice; "without" in a suicidal message no longer finds the low white cell page.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from mbcnav.knowledge.loader import load_knowledge_base
from mbcnav.search import ask
from mbcnav.search.engine import _trial_regimens, reads_as_clinician
from mbcnav.search.index import SearchIndex

SURVIVAL = {"faq-how-long-can-i-live", "median-os-mbc-overall", "seer-distant-5yr-survival"}
FULVESTRANT_CDK46 = {"treatment-cdk46", "regimen-fulvestrant-ribociclib", "regimen-fulvestrant-palbociclib",
                     "regimen-fulvestrant-abemaciclib"}


def ids(result, n: int = 5) -> list[str]:
    return [a.id for a in result.answers[:n]]


# --- 1. survival before sites --------------------------------------------------------------------


def test_how_long_have_i_got_is_answered_before_the_sites(kb_index: SearchIndex) -> None:
    for question in ("how long have i got? they said its in my liver and bones",
                     "it has gone to my liver and lungs now, how long do i have",
                     "spread to her bones and brain, how long has she got"):
        assert ids(ask(question, index=kb_index), 1)[0] in SURVIVAL, question


def test_the_survival_faq_says_that_sites_matter_with_a_source() -> None:
    """Wang R et al., BMC Cancer 2019;19:1091 (SEER de novo stage IV, n=18,322): bone-only best, brain
    worst; 3-year OS bone-only 50.5%, liver 38.2%, brain 19.9%."""
    kb = load_knowledge_base()
    item = kb.get("faq-how-long-can-i-live")
    assert item is not None
    assert "only in the bones" in item.public and "liver or brain" in item.public
    assert "wang-2019-metastatic-sites-seer" in item.sources
    assert "50.5%" in item.clinician and "19.9%" in item.clinician
    assert str(kb.sources["wang-2019-metastatic-sites-seer"].url) == "https://doi.org/10.1186/s12885-019-6311-z"


def test_percent_alive_at_5_years_is_the_5_year_figure(kb_index: SearchIndex) -> None:
    for question in ("what percent of people survive 5 years with stage four breast cancer",
                     "what percentage live 5 years with metastatic breast cancer"):
        assert ids(ask(question, index=kb_index), 1) == ["seer-distant-5yr-survival"], question


# --- 2. the ask before a drug named in passing ---------------------------------------------------


def test_cost_of_a_named_drug_is_the_cost_question(kb_index: SearchIndex) -> None:
    for question, drug in (("can't afford the ibrance copay, any help with costs", "palbociclib"),
                           ("verzenio is so expensive, can anyone help me pay for it", "abemaciclib")):
        got = ids(ask(question, index=kb_index), 3)
        assert got[0] == "faq-cost-insurance", question
        assert drug in got  # the medicine asked about stays in view


def test_why_it_came_back_before_the_old_hormone_pill(kb_index: SearchIndex) -> None:
    for question in ("I had breast cancer 12 years ago, did the 5 years of tamoxifen, and now its in my "
                     "bones. how can it come back after so long??",
                     "took letrozole for 5 years and it still came back after so many years, why"):
        assert ids(ask(question, index=kb_index), 1) == ["faq-why-did-it-come-back"], question


def test_telling_the_children_it_is_back_is_the_children_question(kb_index: SearchIndex) -> None:
    for question in ("how do I tell my 7 year old that mummy's cancer is back",
                     "how do we explain to the kids that the cancer has come back"):
        assert ids(ask(question, index=kb_index), 1) == ["faq-telling-children"], question


def test_a_drug_page_that_covers_more_keeps_its_place(kb_index: SearchIndex) -> None:
    """'runs' is also running (an exercise ask); the abemaciclib diarrhoea page answers the question."""
    got = ids(ask("verzenio runs - how bad does the diarrhea get", index=kb_index), 3)
    assert got[0] == "symptom-diarrhea-abemaciclib"
    assert "faq-exercise" not in got


# --- 3. combinations, trial names, lay regimen words ---------------------------------------------


def test_three_brands_name_the_triplet(kb_index: SearchIndex) -> None:
    """INAVO120: inavolisib + palbociclib + fulvestrant (regimen-fulvestrant-inavolisib-palbociclib)."""
    for question in ("my doctor mentioned Itovebi with Ibrance and Faslodex, what's that combo for",
                     "inavolisib palbociclib fulvestrant together"):
        assert ids(ask(question, index=kb_index), 1) == ["regimen-fulvestrant-inavolisib-palbociclib"]


def test_trial_names_and_shorthand_name_the_regimen(kb_index: SearchIndex) -> None:
    for question in ("HER2CLIMB tuc/tras/cape active brain mets", "HER2CLIMB regimen eligibility"):
        assert ids(ask(question, audience=None, index=kb_index), 1) == [
            "regimen-tucatinib-trastuzumab-capecitabine"], question
    assert ids(ask("destiny breast 03 results", index=kb_index), 1) == ["regimen-trastuzumab-deruxtecan"]


def test_trial_names_come_from_the_regimen_items(kb_index: SearchIndex) -> None:
    def found(question: str) -> list[str]:
        return [kb_index.docs[i]["id"] for i in _trial_regimens(question, kb_index)]

    # DESTINY-Breast03 is T-DXd's registration trial and T-DM1's comparator: T-DXd first
    assert found("DB-03 OS") == ["regimen-trastuzumab-deruxtecan", "regimen-trastuzumab-emtansine"]
    assert found("DB-09 1L") == ["regimen-trastuzumab-deruxtecan-pertuzumab"]
    assert found("ASCENT-04 results") == ["regimen-sacituzumab-govitecan-pembrolizumab"]
    assert found("HER2CLIMB-05 maintenance") == []  # another trial, not HER2CLIMB
    assert found("how long does ribociclib take to work") == []


def test_a_pill_with_a_hormone_injection_is_cdk46_with_fulvestrant(kb_index: SearchIndex) -> None:
    for question in ("So my sister was diagnosed in 2019, had chemo, surgery, radiation, the lot. Then last "
                     "month she had a cough that wouldn't shift and the CT showed spots on her lungs. They "
                     "say its HR positive HER2 negative and she'll start a pill with a hormone injection. "
                     "Is this the usual first treatment?",
                     "she is starting a tablet and a hormone injection, what is that",
                     "the plan is a pill plus a hormone injection every month, what is it"):
        got = ids(ask(question, index=kb_index), 3)
        assert set(got) <= FULVESTRANT_CDK46, (question, got)


# --- 4. a specific subject with the ask ----------------------------------------------------------


def test_oligometastatic_cure_question_gets_the_oligometastatic_page(kb_index: SearchIndex) -> None:
    for question in ("oligometastatic what does it mean and can it be cured",
                     "only a few spots of spread, oligometastatic, could it be cured",
                     "oligomets can they cure it"):
        got = ids(ask(question, index=kb_index), 3)
        assert got[0] == "oligometastatic-disease", question
        assert "faq-is-stage-4-curable" in got


def test_a_general_cure_question_still_gets_the_cure_faq(kb_index: SearchIndex) -> None:
    got = ids(ask("can they cure it now it is in the bones", index=kb_index), 1)
    assert got == ["faq-is-stage-4-curable"]


# --- 5/6. register, supportive care, emergencies -------------------------------------------------


def test_terse_clinician_queries_get_the_clinician_voice(kb_index: SearchIndex) -> None:
    for question in ("SG UGT1A1 dose reduction", "visceral crisis definition"):
        assert reads_as_clinician(question), question
        assert ask(question, audience=None, index=kb_index).audience == "clinician"
    assert not reads_as_clinician("what is the definition of visceral crisis")
    # a patient's own result stays public
    mine = ask("my UGT1A1 test came back, what does it mean", audience=None, index=kb_index)
    assert mine.audience == "public"


def test_pegfilgrastim_bone_pain_names_loratadine_with_nolan(kb_index: SearchIndex) -> None:
    """NOLAN (Kirshner JJ et al., Support Care Cancer 2018;26:1323-1334): cycle-1 bone pain 42.5%
    loratadine, 40.3% naproxen, 46.6% none (not significant)."""
    kb = load_knowledge_base()
    item = kb.get("pegfilgrastim")
    assert item is not None
    assert "loratadine (Claritin)" in item.public
    assert "42.5%" in item.clinician and "46.6%" in item.clinician
    assert "nolan-kirshner-2018" in item.sources
    for question in ("neulasta bone pain, can i take claritin",
                     "does loratadine help the bone aches from the neulasta shot",
                     "antihistamine for pegfilgrastim bone pain"):
        assert ids(ask(question, index=kb_index), 1) == ["pegfilgrastim"], question


def test_better_off_without_me_is_the_crisis_item_not_the_white_cells(kb_index: SearchIndex) -> None:
    for question in ("honestly ive been thinking everyone would be better off without me",
                     "my family would be better off without me"):
        result = ask(question, index=kb_index)
        assert "suicidal_ideation" in {rf.code for rf in result.red_flags}
        assert ids(result, 1) == ["symptom-suicidal-thoughts"]
        assert "symptom-neutropenia-no-fever" not in ids(result)


def test_the_qa11_rows_are_in_the_tuning_set() -> None:
    rows = yaml.safe_load((Path(__file__).parent / "questions.yaml").read_text(encoding="utf-8"))
    tagged = [r for r in rows if "qa11" in r.get("tags", [])]
    assert len(tagged) >= 21
