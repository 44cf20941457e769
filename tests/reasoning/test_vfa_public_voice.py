"""The public voice of an assessment says what the care team would: a voice review by a patient advocate
found public texts that left out a needed shot, pasted two dose texts together, quoted only the older
brain-metastasis outlook, stated a visceral crisis as certain, showed raw codes in pregnancy and mixed
UK and US words. Each test reads the public texts of a real case through ``assess``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from mbcnav.case import parse_case
from mbcnav.knowledge.readability import MAX_PUBLIC_GRADE, reading_grade
from mbcnav.reasoning.assess import assess
from mbcnav.reasoning.triage import triage


def _case(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "patient": {"age": 60, "sex": "F", "menopausal": "post", "ecog": 1},
        "tumor": {"histology": "IDC", "er_percent": 90, "pr_percent": 50, "her2_ihc": "0"},
        "metastatic_sites": ["bone", "lymph_node"],
        "line": 1,
    }
    data.update(over)
    return data


def _options(data: dict[str, Any]) -> list[Any]:
    return list(assess(parse_case(data)).therapy_options)


# ------------------------------------------------------------------ 4. the shot a hormone pill needs

_SHOT_DRUGS = {"goserelin", "leuprolide"}


def _shot_options(data: dict[str, Any]) -> list[Any]:
    return [o for o in _options(data) if _SHOT_DRUGS & set(o.drugs)]


def test_premenopausal_hormone_options_name_the_monthly_shot() -> None:
    data = _case(patient={"age": 38, "sex": "F", "menopausal": "pre", "ecog": 0})
    found = _shot_options(data)
    assert len(found) >= 4, [o.regimen for o in found]
    for option in found:
        text = option.public.lower()
        assert "shot" in text and ("ovar" in text or "own hormones" in text), option.public
        assert text.count("stops the ovaries") <= 1, option.public
        assert "fda-label-goserelin" in option.sources
        assert reading_grade(option.public) <= MAX_PUBLIC_GRADE


def test_men_on_an_aromatase_inhibitor_are_told_about_the_shot() -> None:
    data = _case(patient={"age": 67, "sex": "M", "ecog": 1}, metastatic_sites=["lung", "bone"])
    found = _shot_options(data)
    assert len(found) >= 3, [o.regimen for o in found]
    for option in found:
        text = option.public.lower()
        assert "shot" in text and "own hormones" in text, option.public
        assert "fda-label-leuprolide" in option.sources
    # options without the added drug say nothing about it (tamoxifen needs no shot; fulvestrant alone)
    for option in _options(data):
        if not _SHOT_DRUGS & set(option.drugs):
            assert "own hormones" not in option.public.lower(), option.public


def test_postmenopausal_women_get_no_shot_sentence() -> None:
    for option in _options(_case()):
        assert "own hormones" not in option.public.lower(), option.public
        assert "goserelin" not in option.drugs


# ------------------------------------------------------------------ 6. one band per drug and lab


def _alerts(data: dict[str, Any]) -> list[Any]:
    return list(assess(parse_case(data)).safety_alerts)


def _liver_case(drug: str, dose: dict[str, float]) -> dict[str, Any]:
    return _case(
        patient={"age": 79, "sex": "F", "menopausal": "post", "ecog": 2},
        tumor={"histology": "IDC", "er_percent": 70, "pr_percent": 0, "her2_ihc": "0"},
        metastatic_sites=["liver"],
        labs={"bilirubin_mg_dl": 3.1, "alt_u_l": 90, "ast_u_l": 95},
        proposed_treatment=[{"drug": drug, **dose}],
        prior_treatment=[
            {"drug": "letrozole", "setting": "metastatic", "progressed": True, "months": 16},
            {"drug": "capecitabine", "setting": "metastatic", "progressed": True, "months": 7},
        ],
        line=3,
    )


def test_vinorelbine_liver_alert_says_one_band_not_two_against_the_label() -> None:
    # vinorelbine label hepatic table: bilirubin > 3.0 mg/dL -> 25% of the starting dose
    alerts = [
        a
        for a in _alerts(_liver_case("vinorelbine", {"dose_mg_m2": 30}))
        if a.drug == "vinorelbine" and a.code == "hepatic_dose_adjustment"
    ]
    assert len(alerts) == 1
    text = alerts[0].public
    assert "quarter" in text, text
    assert text.count("Your liver test") == 1, text
    assert "may need to be lower" not in text, text
    assert "fda-label-vinorelbine" in alerts[0].sources


def test_paclitaxel_liver_alert_keeps_its_own_band_only() -> None:
    alerts = [
        a
        for a in _alerts(_liver_case("paclitaxel", {"dose_mg_m2": 175}))
        if a.drug == "paclitaxel" and a.code == "hepatic_dose_adjustment"
    ]
    assert len(alerts) == 1
    assert alerts[0].public.count("Your liver test") == 1, alerts[0].public
    assert "may need to be lower" not in alerts[0].public, alerts[0].public


def test_generic_liver_text_still_speaks_for_a_drug_without_its_own_band() -> None:
    data = _liver_case("doxorubicin", {"dose_mg_m2": 60})
    alerts = [a for a in _alerts(data) if a.drug == "doxorubicin" and a.code == "hepatic_dose_adjustment"]
    assert alerts and "liver" in alerts[0].public.lower()


def test_heart_pump_wording_is_the_same_for_every_her2_drug_at_one_lvef() -> None:
    data = _case(
        tumor={"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
        metastatic_sites=["lung"],
        labs={"lvef_percent": 42},
    )
    heart = [a for a in _alerts(data) if a.code in {"lvef_low", "lvef_reduced"}]
    drugs = {a.drug for a in heart}
    assert {"pertuzumab", "trastuzumab deruxtecan"} <= drugs, drugs
    first_sentences = {a.public.split(". ")[0] for a in heart}
    assert len(first_sentences) == 1, first_sentences
    for alert in heart:
        assert "a little" not in alert.public and "much less" not in alert.public, alert.public


# ------------------------------------------------------------------ 7. brain metastases outlook

_BRAIN = {
    "patient": {"age": 42, "sex": "F", "menopausal": "pre", "ecog": 1},
    "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "0"},
    "metastatic_sites": ["brain", "lung"],
    "brain_mets_count": 1,
    "brain_mets_status": "stable",
    "brain_mets_symptomatic": False,
    "prior_treatment": [
        {"drug": "paclitaxel", "setting": "metastatic", "progressed": True, "months": 6},
        {"drug": "sacituzumab govitecan", "setting": "metastatic", "progressed": True, "months": 5},
    ],
    "line": 3,
}


def test_brain_outlook_names_both_breast_gpa_cohorts_with_their_dates_and_one_caution() -> None:
    result = assess(parse_case(_BRAIN))
    text = result.prognosis.public
    # Sperduto 2012: 400 patients treated 1993-2010; Sperduto 2020: 2,473 patients diagnosed 2006-2017
    assert "1993-2010" in text and "2006-2017" in text, text
    assert text.count("cannot tell what will happen to you") == 1, text
    assert "sperduto-2020-breast-gpa" in result.prognosis.sources
    assert "2006-2017" in result.prognosis.clinician
    assert reading_grade(text) <= MAX_PUBLIC_GRADE


def test_brain_outlook_quotes_no_2020_median_while_its_bands_are_unverified() -> None:
    from mbcnav.reasoning.calculators import rules as calc_rules

    result = assess(parse_case(_BRAIN))
    months = result.calculations["breast_gpa_2020_median_months"]
    if "bands" in calc_rules()["breast_gpa_2020"].get("unverified", []):
        assert f"{months:g} months" not in result.prognosis.public
    else:  # once verified, the newer figure leads
        assert result.prognosis.public.index(f"{months:g} months") < result.prognosis.public.index(
            "1993-2010"
        )


# ---------------------------------------------------------- 8. visceral crisis, said as the flag says it


def test_visceral_crisis_chemo_text_is_conditional_like_its_red_flag() -> None:
    data = _liver_case("eribulin", {"dose_mg_m2": 1.4})
    data["labs"] = {"bilirubin_mg_dl": 3.1, "alt_u_l": 210, "ast_u_l": 260, "platelets_per_ul": 60000}
    data["symptoms"] = ["my skin and eyes look yellow", "my belly is swollen"]
    result = assess(parse_case(data))
    flag = next(f for f in result.red_flags if f.code == "visceral_crisis")
    assert "may" in flag.public
    option = next(o for o in result.therapy_options if set(o.drugs) == {"paclitaxel", "carboplatin"})
    text = option.public.lower()
    assert "right now" not in text and "comes first" not in text, option.public
    assert text.startswith("if ") or " may " in f" {text}", option.public
    assert reading_grade(option.public) <= MAX_PUBLIC_GRADE


# ------------------------------------------------------------------ 9. pregnancy in plain words

_PREGNANT = {
    "patient": {
        "age": 33,
        "sex": "F",
        "menopausal": "pre",
        "ecog": 0,
        "pregnant": True,
        "gestation_weeks": 20,
    },
    "tumor": {"histology": "IDC", "er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    "metastatic_sites": ["liver"],
    "line": 1,
}


def test_public_cli_says_not_during_pregnancy_instead_of_codes() -> None:
    import json

    from typer.testing import CliRunner

    from mbcnav.cli import app

    out = CliRunner().invoke(
        app, ["assess", "-", "--audience", "public"], input=json.dumps(_PREGNANT), env={"COLUMNS": "220"}
    )
    assert out.exit_code == 0, out.output
    options = out.output.split("Treatments your team may discuss")[1].split("Medicine safety")[0]
    assert "Not now, during pregnancy" in options, options
    assert "pregnancy_specialist_care" not in options and "NOT ADVISED: pregnancy" not in options, options
    clinician = CliRunner().invoke(
        app, ["assess", "-", "--audience", "clinician"], input=json.dumps(_PREGNANT), env={"COLUMNS": "220"}
    )
    assert "pregnancy_specialist_care" in clinician.output  # the care team still sees the codes


def test_pregnancy_chemo_text_does_not_call_chemo_safe_for_the_baby() -> None:
    # ESMO 2013 (esmo-pregnancy-2013): chemotherapy from the second trimester with specialist care;
    # lower risk than in the first trimester, not no risk
    option = next(o for o in _options(_PREGNANT) if "pregnancy" in o.regimen)
    text = option.public.lower()
    assert "safe for the baby" not in text, option.public
    assert "first 3 months" in text and "risk" in text, option.public
    assert reading_grade(option.public) <= MAX_PUBLIC_GRADE


# ---------------------------------------------------------- 15. one English: the US words of "call 911"

_UK_WORDS = re.compile(r"\bpoo\b|\bhave a fit\b|\(fit\)|\bstool or wind\b|\bpass wind\b|\bbeing sick\b", re.I)
_RED_FLAGS = Path(__file__).parents[2] / "src" / "mbcnav" / "reasoning" / "rules" / "red_flags.yaml"


def _red_flag_public_texts() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).startswith("public") and isinstance(value, str):
                    out.append((f"{where}.{key}", value))
                else:
                    walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    walk(yaml.safe_load(_RED_FLAGS.read_text(encoding="utf-8")), "")
    return out


def test_red_flag_texts_use_us_words_and_name_the_local_emergency_number() -> None:
    texts = _red_flag_public_texts()
    assert len(texts) > 50
    uk = [(w, t) for w, t in texts if _UK_WORDS.search(t)]
    assert not uk, uk
    bare = [(w, t) for w, t in texts if "911" in t and "local emergency number" not in t]
    assert not bare, bare
    graded = [(w, reading_grade(t)) for w, t in texts if reading_grade(t) > MAX_PUBLIC_GRADE]
    assert not graded, graded


def test_triage_of_a_fit_answers_with_seizure_and_the_local_number() -> None:
    result = triage("my wife just had a fit and she is not waking up")
    texts = " ".join(flag.public for flag in result.red_flags)
    assert "seizure" in texts.lower(), texts
    assert "(fit)" not in texts and "have a fit" not in texts, texts
    assert "local emergency number" in texts, texts
