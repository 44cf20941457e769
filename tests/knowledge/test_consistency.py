"""Cross-item consistency of the knowledge base (clinical review, 2026-11-25).

The same trial result, survival figure or dose threshold is quoted in several items (drug, regimen,
treatment, FAQ, statistic). These tests read every text of every item and check each quoted figure
against one canonical table, so an edit to one item that drifts from the others fails here. Each
canonical figure names the publication it comes from; the figures were checked against stored copies
of the primary source (or the label) during the review, except where a comment says otherwise.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterator

from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, TARGET_MEDIAN_GRADE, reading_grade
from mbcnav.knowledge.schema import ItemBase, KnowledgeBase, Statistic

TEXT_FIELDS = ("public", "clinician", "action_public", "action_clinician", "used_when", "frequency",
               "care", "what_it_changes", "mechanism")
PUBLIC_FIELDS = ("public", "action_public")


def _texts(kb: KnowledgeBase, fields: tuple[str, ...] = TEXT_FIELDS) -> Iterator[tuple[str, str, str]]:
    """(item id, field, text) for every free-text field and list entry of every item."""
    for item in kb.items:
        for field in fields:
            value = getattr(item, field, None)
            if isinstance(value, str) and value:
                yield item.id, field, value
        for field in ("serious_effects", "monitoring", "symptoms"):
            for entry in getattr(item, field, ()) or ():
                yield item.id, field, entry


def _sentences(text: str) -> list[str]:
    # Split at sentence ends and semicolons, never inside a decimal such as 0.76 or 23.0.
    return [s for s in re.split(r"(?<!\d)[.;](?!\d)|\.(?=\s)|\*\*", text) if s.strip()]


# --------------------------------------------------------------------------------------------------
# 1. Trial figures: one canonical table, checked by regex against every text.
# --------------------------------------------------------------------------------------------------

# name -> (regex that finds the trial name, allowed "a vs b" pairs, allowed hazard ratios, source id)
TRIALS: dict[str, tuple[str, set[tuple[str, str]], set[str], str]] = {
    # Swain NEJM 2015 final prespecified OS (57.1 mo is the 2020 end-of-study analysis, quoted alone).
    "CLEOPATRA": (r"CLEOPATRA", {("56.5", "40.8")}, {"0.68"}, "cleopatra"),
    # Hortobagyi NEJM 2022 (final OS); PFS 25.3 vs 16.0 from the updated analysis, Hortobagyi Ann Oncol 2018
    # (monaleesa-2-pfs-2018; test_primary_reports checks that items quoting it cite it).
    "MONALEESA-2": (r"MONALEESA-2", {("63.9", "51.4"), ("25.3", "16.0")}, {"0.76", "0.57"}, "monaleesa-2"),
    "MONALEESA-3": (r"MONALEESA-3", {("20.5", "12.8")}, {"0.593", "0.72"}, "monaleesa-3"),
    "MONALEESA-7": (r"MONALEESA-7|MONALEESA-2, -7", {("23.8", "13.0")}, {"0.55", "0.71"}, "monaleesa-7"),
    "PALOMA-2": (r"PALOMA-2", {("24.8", "14.5"), ("53.9", "51.2")}, {"0.58"}, "paloma-2"),
    "PALOMA-3": (r"PALOMA-3", {("9.5", "4.6")}, {"0.46"}, "paloma-3"),
    # Sledge JCO 2017 (PFS); OS 46.7 vs 37.3 mo from Sledge JAMA Oncol 2020 (source monarch-2-os).
    "MONARCH 2": (r"MONARCH 2", {("16.4", "9.3"), ("46.7", "37.3")}, {"0.55"}, "monarch-2"),
    # Goetz Ann Oncol 2024 final OS (not significant).
    "MONARCH 3": (r"MONARCH 3", {("28.2", "14.8"), ("66.8", "53.7")}, {"0.54", "0.804"}, "monarch-3"),
    "KEYNOTE-355": (r"KEYNOTE-355", {("23.0", "16.1")}, {"0.73", "0.86"}, "keynote-355"),
    "DESTINY-Breast03": (r"DESTINY-Breast03", {("75.8", "34.1"), ("28.8", "6.8")}, {"0.28", "0.33", "0.64"},
                         "destiny-breast03"),
    "DESTINY-Breast04": (r"DESTINY-Breast04|DB-04", {("9.9", "5.1"), ("23.4", "16.8")}, {"0.64"},
                         "destiny-breast04"),
    "DESTINY-Breast06": (r"DESTINY-Breast06", {("13.2", "8.1")}, {"0.62", "0.78"}, "destiny-breast06"),
    # Tolaney NEJM 2025 interim analysis; ILD 12.1% vs 1.0% seen in stored summaries of the paper.
    "DESTINY-Breast09": (r"DESTINY-Breast09", {("40.7", "26.9"), ("12.1", "1.0")}, {"0.56"},
                         "destiny-breast09"),
    # Murthy NEJM 2020: 1-year PFS, median PFS, 2-year OS.
    "HER2CLIMB": (r"HER2CLIMB(?!-)", {("33.1", "12.3"), ("7.8", "5.6"), ("44.9", "26.6")},
                  {"0.54", "0.66", "0.48"}, "her2climb"),
    # Fourth oncologist review (2026-11-26), evidence not yet approved: HER2CLIMB-05 (Dieras JCO 2025, PFS)
    # and SERENA-6 (Bidard NEJM 2025, PFS; final PFS2 ASCO 2026); E2108 (Khan JCO 2022: 3-year OS, median OS,
    # 3-year locoregional progression).
    "HER2CLIMB-05": (r"HER2CLIMB-05", {("24.9", "16.3")}, {"0.64", "0.641"}, "her2climb-05"),
    "SERENA-6": (r"SERENA-6", {("16.0", "9.2"), ("25.7", "19.1")}, {"0.44", "0.63"}, "serena-6"),
    "E2108": (r"E2108", {("68.4", "67.9"), ("54.9", "53.1"), ("16.3", "39.8")}, {"1.11"}, "e2108"),
    # Bardia NEJM 2021, brain-metastasis-negative population.
    "ASCENT": (r"ASCENT(?!-)", {("5.6", "1.7"), ("12.1", "6.7")}, {"0.41", "0.48"}, "ascent"),
    "TROPiCS-02": (r"TROPiCS-02", {("5.5", "4.0"), ("14.4", "11.2")}, {"0.66", "0.79"}, "tropics-02"),
    # First-line TNBC, FDA-approved 2026: ASCENT-03 (Cortes NEJM 2025) and ASCENT-04/KEYNOTE-D19 (Tolaney NEJM
    # 2026) PFS by BICR as quoted in the approval reports (ASCO Post, OncLive, 24 Jun 2026); TROPION-Breast02
    # (Dent, ESMO 2025 LBA21) PFS and OS as quoted in the ASCO Post report of the 22 May 2026 approval.
    "ASCENT-03": (r"ASCENT-03", {("9.7", "6.9")}, {"0.62"}, "ascent-03"),
    "ASCENT-04": (r"ASCENT-04", {("11.2", "7.8")}, {"0.65"}, "ascent-04"),
    "TROPION-Breast02": (r"TROPION-Breast02", {("10.8", "5.6"), ("23.7", "18.7")}, {"0.57", "0.79"},
                         "tropion-breast02"),
    # Bardia JCO 2025 primary (grade >= 3 TRAEs) and Pistilli Ann Oncol 2026 final OS.
    "TROPION-Breast01": (r"TROPION-Breast01", {("20.8", "44.7"), ("18.6", "18.3")}, {"0.63", "1.01"},
                         "tropion-breast01"),
    "EMERALD": (r"EMERALD", set(), {"0.70", "0.55"}, "emerald"),
    "EMBER-3": (r"EMBER-3", {("5.5", "3.8"), ("9.4", "5.5")}, {"0.62", "0.57"}, "ember-3"),
    "CAPItello-291": (r"CAPItello-291", {("7.2", "3.6"), ("7.3", "3.1")}, {"0.60", "0.50"}, "capitello-291"),
    "SOLAR-1": (r"SOLAR-1", {("11.0", "5.7"), ("39.3", "31.4")}, {"0.65", "0.86"}, "solar-1"),
    # Turner NEJM 2024 (PFS); final OS 34.0 vs 27.0 mo, HR 0.67 (Jhaveri NEJM 2025, source inavo120-os).
    "INAVO120": (r"INAVO120", {("15.0", "7.3"), ("46.2", "21.1"), ("34.0", "27.0")}, {"0.67"}, "inavo120"),
    # KB review 2 (2026-11-26): Kalinsky JCO 2025 (investigator PFS, BICR HR 0.55); VERITAC-2 NEJM 2025 (ESR1-
    # mutated and all-patient PFS, grade >= 3 AEs; published HR 0.58, 0.57 at ASCO 2025); Kornblum JCO 2018.
    "postMONARCH": (r"postMONARCH", {("6.0", "5.3")}, {"0.73", "0.55"}, "postmonarch"),
    "VERITAC-2": (r"VERITAC-2", {("5.0", "2.1"), ("3.8", "3.6"), ("23.4", "17.6")}, {"0.58", "0.57", "0.83"},
                  "veritac-2"),
    "PrECOG 0102": (r"PrECOG 0102", {("10.3", "5.1"), ("28.3", "31.4")}, {"0.61"}, "precog-0102"),
    "OlympiAD": (r"OlympiAD", {("7.0", "4.2"), ("59.9", "28.8"), ("36.6", "50.5")}, {"0.58"}, "olympiad"),
    "EMBRACA": (r"EMBRACA", {("8.6", "5.6")}, {"0.54"}, "embraca"),
    # Baselga NEJM 2012 interim, local review (final 7.8 vs 3.2 is Yardley 2013, not quoted).
    "BOLERO-2": (r"BOLERO-2", {("6.9", "2.8")}, {"0.43"}, "bolero-2"),
    "NALA": (r"NALA", {("22.8", "29.2")}, {"0.76", "0.88"}, "nala"),
    "SOPHIA": (r"SOPHIA", {("21.6", "21.9")}, set(), "sophia"),
    "EMBRACE": (r"EMBRACE", {("13.1", "10.6")}, {"0.81"}, "embrace"),
    "CALGB 70604": (r"CALGB 70604", {("29.5", "28.6")}, set(), "calgb-70604"),
}

_PAIR = re.compile(r"(\d+(?:\.\d+)?)%?\s*(?:mo|months)?\s+(?:vs\.?|versus)\s+(\d+(?:\.\d+)?)%?")
_HR = re.compile(r"\bHR\s*(?:~|about\s+)?(\d\.\d+)")
_NAMES = re.compile("|".join(f"(?P<t{i}>{rx})" for i, (rx, *_rest) in enumerate(TRIALS.values())))
_KEYS = list(TRIALS)


def _attributed_figures(text: str) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """Yield (trial, kind, figure) for every pair or HR that follows a trial name in a sentence."""
    for sentence in _sentences(text):
        marks = [(m.start(), _KEYS[int(next(k for k, v in m.groupdict().items() if v)[1:])])
                 for m in _NAMES.finditer(sentence)]
        if not marks:
            continue

        def owner(pos: int, marks: list[tuple[int, str]] = marks) -> str | None:
            before = [name for start, name in marks if start < pos]
            return before[-1] if before else None

        for m in _PAIR.finditer(sentence):
            trial = owner(m.start())
            if trial:
                yield trial, "pair", (m.group(1), m.group(2))
        for m in _HR.finditer(sentence):
            trial = owner(m.start())
            if trial:
                yield trial, "hr", (m.group(1),)


def test_every_quoted_trial_figure_matches_the_canonical_table(kb: KnowledgeBase) -> None:
    problems = []
    seen: set[str] = set()
    for item_id, field, text in _texts(kb):
        for trial, kind, figure in _attributed_figures(text):
            _rx, pairs, hrs, _source = TRIALS[trial]
            seen.add(trial)
            allowed = pairs if kind == "pair" else {(h,) for h in hrs}
            if figure not in allowed:
                problems.append(f"{item_id}.{field}: {trial} {kind} {' vs '.join(figure)}")
    assert not problems, "figures that differ from the canonical table:\n" + "\n".join(problems)
    # The table must stay in use: the main trials are quoted with figures somewhere.
    assert {"CLEOPATRA", "MONALEESA-2", "KEYNOTE-355", "DESTINY-Breast03", "DESTINY-Breast04",
            "HER2CLIMB", "ASCENT", "CAPItello-291", "SOLAR-1", "OlympiAD", "EMBRACA"} <= seen


def test_the_checker_catches_a_drifted_trial_figure() -> None:
    drifted = "MONALEESA-2 final OS 63.9 vs 50.4 mo (HR 0.76); CLEOPATRA OS 57.1 vs 40.8 mo (HR 0.69)."
    found = {(t, f) for t, _k, f in _attributed_figures(drifted)}
    assert ("MONALEESA-2", ("63.9", "50.4")) in found
    assert ("CLEOPATRA", ("57.1", "40.8")) in found
    assert ("CLEOPATRA", ("0.69",)) in found


def test_canonical_trial_sources_resolve(kb: KnowledgeBase) -> None:
    missing = [source for *_rest, source in TRIALS.values() if source not in kb.sources]
    assert not missing


def test_cleopatra_median_is_the_nejm_2015_final_analysis(kb: KnowledgeBase) -> None:
    """Swain, NEJM 2015: 56.5 vs 40.8 months. 57.1 may appear only as the 2020 end-of-study figure."""
    for item_id, field, text in _texts(kb):
        for sentence in _sentences(text):
            if "57.1" in sentence:
                assert "2020" in sentence or "end-of-study" in sentence, f"{item_id}.{field}: {sentence}"


# --------------------------------------------------------------------------------------------------
# 2. SEER distant-stage 5-year relative survival: one figure, the statistic item's.
# --------------------------------------------------------------------------------------------------

SEER_DISTANT_ALL = 31.0  # SEER 22 excl. IL/MA, diagnosed 2013-2019 (seer-statfacts-breast-subtypes)
# Other SEER 5-year figures that may share a sentence: localized, regional, by subtype (same release),
# ACS rounding of the later release (32, > 99, 87) and the dated 1995-2002 figure (26.0).
SEER_OTHER = {"99.3", "86.3", "34.0", "45.6", "39.5", "12.8", "32", "99", "87", "26.0", "90.3", "89.8",
              "84.0", "66.2"}


def test_seer_distant_statistic_item_is_the_canonical_value(kb: KnowledgeBase) -> None:
    item = kb.get("seer-distant-5yr-survival")
    assert isinstance(item, Statistic)
    assert item.value == SEER_DISTANT_ALL
    assert "2013-2019" in item.years


def test_seer_distant_figure_is_the_same_everywhere(kb: KnowledgeBase) -> None:
    problems = []
    for item_id, field, text in _texts(kb):
        for sentence in _sentences(text):
            low = sentence.lower()
            if "distant" not in low or "surviv" not in low or not re.search(r"5-year|five-year|5 years", low):
                continue
            for pct in re.findall(r"(\d+(?:\.\d+)?)\s*%", sentence):
                if pct not in SEER_OTHER and float(pct) != SEER_DISTANT_ALL:
                    problems.append(f"{item_id}.{field}: {pct}% in {sentence.strip()!r}")
        # "about 32%" (ACS rounding) may appear only next to the exact SEER 31.0% figure.
        rounded = re.search(r"(distant|surviv)[^.;]*about 32\s*%|about 32\s*%[^.;]*surviv", text, re.I)
        if rounded and "31.0%" not in text:
            problems.append(f"{item_id}.{field}: quotes about 32% without SEER 31.0%")
    assert not problems, "\n".join(problems)


def test_public_seer_distant_figure_matches_the_statistic(kb: KnowledgeBase) -> None:
    item = kb.get("seer-distant-5yr-survival")
    assert item is not None
    assert f"about {round(SEER_DISTANT_ALL)} out of 100" in item.public


def test_outdated_survival_figures_only_appear_as_outdated(kb: KnowledgeBase) -> None:
    for item_id, field, text in _texts(kb):
        for sentence in _sentences(text):
            if re.search(r"\b(22|28)\s*(%|out of 100|percent)", sentence) and "survival" in text.lower():
                assert re.search(r"out of date|outdated|older", sentence, re.I) or "N0" in sentence, (
                    f"{item_id}.{field}: {sentence.strip()!r}")


# --------------------------------------------------------------------------------------------------
# 3. Corrections to the seed text (shared/reference/clinical-facts.md) hold everywhere.
# --------------------------------------------------------------------------------------------------

def test_no_text_makes_tamoxifen_the_default_first_line(kb: KnowledgeBase) -> None:
    default = re.compile(r"first[- ]line|first choice|first treatment|default|standard|main (hormone|treat)",
                         re.I)
    negated = re.compile(r"\bnot\b|no longer|later|alternative|instead|older|rather|n't|after|partner", re.I)
    problems = []
    for item_id, field, text in _texts(kb):
        for sentence in _sentences(text):
            if "tamoxifen" in sentence.lower() and default.search(sentence) and not negated.search(sentence):
                problems.append(f"{item_id}.{field}: {sentence.strip()!r}")
    assert not problems, "\n".join(problems)


def test_first_line_hr_positive_is_ai_or_fulvestrant_plus_cdk46(kb: KnowledgeBase) -> None:
    for item_id in ("treatment-endocrine", "faq-why-not-tamoxifen", "tamoxifen", "treatment-overview"):
        item = kb.get(item_id)
        assert item is not None
        assert re.search(r"CDK4/6", item.clinician), item_id
        assert re.search(r"aromatase inhibitor|\bAI\b", item.clinician), item_id


def test_only_ribociclib_claim_is_limited_to_first_line_ai_trials(kb: KnowledgeBase) -> None:
    """MONARCH 2 (abemaciclib + fulvestrant) had a significant OS gain; the 'only ribociclib'
    statement is true only for the first-line AI trials (PALOMA-2, MONARCH 3 not significant)."""
    for item_id, field, text in _texts(kb):
        for sentence in _sentences(text):
            if re.search(r"only (ribociclib|CDK4/6)", sentence, re.I) and "OS" in sentence.upper():
                assert re.search(r"first[- ]line", sentence, re.I), f"{item_id}.{field}: {sentence!r}"
    abema = kb.get("abemaciclib")
    assert abema is not None and "MONARCH 2" in abema.clinician and "significant OS" in abema.clinician


def test_no_generic_liver_50_to_60_percent(kb: KnowledgeBase) -> None:
    for item_id, field, text in _texts(kb):
        assert not re.search(r"liver[^.]{0,60}\b50\s*(-|to)\s*60\s*%", text, re.I), f"{item_id}.{field}"
        assert not re.search(r"\b50\s*(-|to)\s*60\s*%[^.]{0,60}liver", text, re.I), f"{item_id}.{field}"


def test_brain_metastasis_frequency_is_subtype_specific(kb: KnowledgeBase) -> None:
    """Kuksis 2021: about 31% HER2+, 32% TNBC, 15% HR+/HER2-; '10-15%' is not a general figure."""
    for item_id, field, text in _texts(kb):
        for sentence in _sentences(text):
            if "brain" in sentence.lower():
                assert not re.search(r"\b10\s*(-|to)\s*15\s*(%|out of 100)", sentence), f"{item_id}.{field}"
    site = kb.get("site-brain")
    assert site is not None
    for figure in ("31%", "32%", "15%"):
        assert figure in site.frequency and figure in site.clinician
    her2 = kb.get("subtype-her2-positive")
    tnbc = kb.get("subtype-triple-negative")
    assert her2 is not None and "31%" in her2.clinician
    assert tnbc is not None and "32%" in tnbc.clinician


def test_tumor_markers_are_never_used_alone(kb: KnowledgeBase) -> None:
    marker = re.compile(r"tumou?r markers?|CA 15-3|CA 27[.-]29|\bmarkers\b", re.I)
    qualifier = re.compile(r"alone|adjunct|together with|with scans|not exact|only an adjunct", re.I)
    problems = [f"{i}.{f}" for i, f, t in _texts(kb, ("public", "clinician", "what_it_changes"))
                if marker.search(t) and not qualifier.search(t)]
    assert not problems, problems


def test_bone_agents_never_reduced_to_bisphosphonates(kb: KnowledgeBase) -> None:
    """Bone-modifying therapy for bone metastases is zoledronic acid OR denosumab."""
    for item_id, field, text in _texts(kb, ("public", "clinician")):
        if re.search(r"bisphosphonates\b", text, re.I) and re.search(r"bone metasta|bone mets", text, re.I):
            assert "denosumab" in text.lower(), f"{item_id}.{field}"


def test_capecitabine_and_fluorouracil_carry_the_2025_dpyd_boxed_warning(kb: KnowledgeBase) -> None:
    for drug_id in ("capecitabine", "fluorouracil"):
        drug = kb.get(drug_id)
        assert drug is not None
        assert "DPYD" in drug.public and "DPYD" in drug.clinician
        assert any("DPYD" in effect and "Boxed" in effect for effect in drug.serious_effects)
        assert any("DPYD" in entry for entry in drug.monitoring)


def test_every_capecitabine_regimen_says_test_dpyd(kb: KnowledgeBase) -> None:
    regimens = [item for item in kb.of_kind("regimen") if "capecitabine" in item.drugs]
    assert regimens
    for regimen in regimens:
        assert "DPYD" in regimen.clinician, regimen.id


# --------------------------------------------------------------------------------------------------
# 4. Doses and thresholds quoted in several items.
# --------------------------------------------------------------------------------------------------

ZOLEDRONIC_TABLE = {"> ?60": "4.0", "50-60": "3.5", "40-49": "3.3", "30-39": "3.0"}  # Zometa label Table 1


def test_zoledronic_acid_renal_table_is_the_label_table_everywhere(kb: KnowledgeBase) -> None:
    checked = 0
    for item_id, field, text in _texts(kb):
        if "50-60" not in text or ("zoledronic" not in text.lower() and item_id != "zoledronic-acid"):
            continue
        for band, dose in ZOLEDRONIC_TABLE.items():
            m = re.search(rf"{band}(?: mL/min)?:?\s*(\d\.\d)", text)
            assert m and m.group(1) == dose, f"{item_id}.{field}: CrCl {band} should be {dose} mg"
        assert re.search(r"<\s?30(?: mL/min)?:?\s*not recommended", text), f"{item_id}.{field}"
        checked += 1
    assert checked >= 3


def test_denosumab_for_bone_metastases_is_120_mg_every_4_weeks(kb: KnowledgeBase) -> None:
    for item_id, field, text in _texts(kb):
        for sentence in _sentences(text):
            if "denosumab" not in sentence.lower():
                continue
            for dose in re.findall(r"\b(\d+)\s*mg\b(?!/)", sentence):
                if dose == "60":
                    assert re.search(r"Prolia|osteoporosis", sentence), f"{item_id}.{field}: {sentence!r}"
                elif re.search(r"denosumab\s+(?:\(Xgeva\)\s+)?" + dose + r"\b", sentence, re.I):
                    assert dose == "120", f"{item_id}.{field}: {sentence!r}"
    drug = kb.get("denosumab")
    assert drug is not None and "120 mg SC every 4 weeks" in drug.clinician


def test_doxorubicin_cumulative_ceiling_is_consistent(kb: KnowledgeBase) -> None:
    """Label risk-by-dose language; classic ceiling 550 mg/m2 (400 with risk factors)."""
    for item_id, field, text in _texts(kb):
        for sentence in _sentences(text):
            ceiling = re.search(r"ceiling|lifetime (limit|maximum)|maximum cumulative", sentence, re.I)
            if ceiling and "mg/m2" in sentence:
                doses = set(re.findall(r"(\d{3}) mg/m2", sentence))
                assert doses <= {"400", "450", "550"}, f"{item_id}.{field}: {sentence!r}"
    drug = kb.get("doxorubicin")
    assert drug is not None and "550 mg/m2" in drug.clinician and "400 mg/m2" in drug.clinician


def test_ribociclib_qtcf_thresholds_agree(kb: KnowledgeBase) -> None:
    """Kisqali label: start only if QTcF < 450 ms; hold > 480 ms; lower dose after > 500 ms."""
    allowed = {"450", "480", "481", "500", "60", "23"}
    for item_id, field, text in _texts(kb):
        if "QTcF" not in text:
            continue
        values = set(re.findall(r"(\d+)\s*ms\b", text))
        assert values <= allowed, f"{item_id}.{field}: {values - allowed}"
        if re.search(r"start|initiate", text, re.I) and "ribociclib" in text.lower():
            assert re.search(r"(<|under)\s*450 ms|QTcF\s*<\s*450", text), f"{item_id}.{field}"


def test_er_low_and_her2_low_definitions_agree(kb: KnowledgeBase) -> None:
    for item_id, field, text in _texts(kb):
        if re.search(r"ER[- ]low", text):
            other_range = re.search(r"ER[- ]low[^.;]{0,40}\b(?!1-10)\d+\s*-\s*\d+\s*%", text)
            assert not other_range, f"{item_id}.{field}"
        for m in re.finditer(r"HER2-low\s*=\s*([^;.]+)", text):
            definition = m.group(1)
            assert "1+" in definition and "2+" in definition and "ISH" in definition, f"{item_id}.{field}"
        for m in re.finditer(r"HER2-ultralow\s*=\s*([^;]+)", text):
            assert "<= 10%" in m.group(1) or "<=10%" in m.group(1), f"{item_id}.{field}"
    er_low = kb.get("subtype-er-low")
    assert er_low is not None and "1-10%" in er_low.clinician


def test_her2_positive_share_agrees_with_seer(kb: KnowledgeBase) -> None:
    """SEER 22 (2017-2021): HR+/HER2+ 9.6% + HR-/HER2+ 4.0% = about 14%, i.e. about 1 in 7."""
    subtype = kb.get("subtype-her2-positive")
    assert subtype is not None and "14%" in (subtype.frequency or "")
    for item_id, field, text in _texts(kb, PUBLIC_FIELDS):
        assert not re.search(r"1 in 5 breast cancers has too much[^.]*HER2", text), f"{item_id}.{field}"


# --------------------------------------------------------------------------------------------------
# 5. Statistics are group averages; public texts are plain.
# --------------------------------------------------------------------------------------------------

def test_every_statistic_is_framed_as_a_group_average(kb: KnowledgeBase) -> None:
    for item in kb.of_kind("statistic"):
        assert re.search(r"average|large groups", item.public, re.I), item.id
        assert item.population and item.years


def test_public_survival_numbers_are_never_personal_predictions(kb: KnowledgeBase) -> None:
    survival = re.compile(
        r"(alive|lived|live)\b[^.]*\b(\d+|half|1 in \d)\b|\b(\d+|half)\b[^.]*\b(alive|lived)\b", re.I)
    framing = re.compile(r"average|not a (prediction|guess|forecast)|cannot tell|can't tell|no number can",
                         re.I)
    problems = [f"{i}.{f}" for i, f, t in _texts(kb, ("public",))
                if survival.search(re.sub(r"stage \d", "stage", t)) and not framing.search(t)]
    assert not problems, problems


def test_her2_and_pd_l1_are_explained_in_public_text(kb: KnowledgeBase) -> None:
    problems = []
    for item_id, field, text in _texts(kb, PUBLIC_FIELDS):
        for term in ("HER2", "PD-L1"):
            if term in text and "protein" not in text.lower():
                problems.append(f"{item_id}.{field}: {term}")
    assert not problems, problems


def test_no_broken_hyphenation_from_line_folding(kb: KnowledgeBase) -> None:
    """A folded YAML line ending in 'triple-' reads 'triple- negative'; only 'HER2- <word>' is meant."""
    problems = []
    for item_id, field, text in _texts(kb, ("public", "clinician", "action_public", "action_clinician")):
        for m in re.finditer(r"\b([A-Za-z][\w]*)- (?!and\b|or\b|to\b)[a-z]\w*", text):
            if not m.group(1).endswith(("HER2", "ER", "PR")):
                problems.append(f"{item_id}.{field}: {m.group()!r}")
    assert not problems, problems


def test_public_reading_grade_limits(kb: KnowledgeBase) -> None:
    grades = [reading_grade(item.public) for item in kb.items]
    assert max(grades) <= MAX_PUBLIC_GRADE
    assert statistics.median(grades) <= TARGET_MEDIAN_GRADE


def _items_citing(kb: KnowledgeBase, source_id: str) -> list[ItemBase]:
    return [item for item in kb.items if source_id in item.sources]


def test_seer_figures_cite_seer(kb: KnowledgeBase) -> None:
    for item_id, _field, text in _texts(kb, ("clinician",)):
        if re.search(r"\bSEER\b", text) and "31.0%" in text:
            item = kb.get(item_id)
            assert item is not None
            assert {"seer-statfacts-breast", "seer-statfacts-breast-subtypes"} & set(item.sources), item_id
    assert _items_citing(kb, "seer-statfacts-breast-subtypes")
