"""Second pharmacist sweep (M3, M6, M7, L3, L7): cases copied from the sweep into data_pharm2/."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from _helpers import first_alert as _alert
from _helpers import run as _assess

DATA = Path(__file__).parent / "data_pharm2"


def _load(name: str) -> dict[str, Any]:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


def test_tamoxifen_with_oral_contraceptive_is_flagged_per_tamoxifen_label() -> None:
    """M3: ethinyl estradiol with tamoxifen; the label advises non-hormonal contraception."""
    alert = _alert(_assess(_load("v04_tam_ocp")), "antiestrogen_estrogen", "tamoxifen")
    assert alert is not None
    assert "fda-label-tamoxifen" in alert.sources
    assert "non-hormonal contraception" in alert.clinician


def test_tamoxifen_without_estrogen_gets_no_estrogen_alert() -> None:
    data = _load("v04_tam_ocp")
    data["current_meds"] = []
    assert _alert(_assess(data), "antiestrogen_estrogen", "tamoxifen") is None


def test_chemotherapy_at_36_weeks_is_contraindicated_per_nccn() -> None:
    """M6: doxorubicin + cyclophosphamide ordered at 36 weeks: no longer only the 'may be given' warning."""
    result = _assess(_load("v19_preg36_ac"))
    for drug in ("doxorubicin", "cyclophosphamide"):
        alert = _alert(result, "pregnancy_late", drug)
        assert alert is not None and alert.severity == "contraindication"
        assert _alert(result, "pregnancy_specialist_care", drug) is None


def test_chemotherapy_at_30_weeks_keeps_the_specialist_warning() -> None:
    data = _load("v19_preg36_ac")
    data["patient"]["gestation_weeks"] = 30
    result = _assess(data)
    assert _alert(result, "pregnancy_late", "doxorubicin") is None
    assert _alert(result, "pregnancy_specialist_care", "doxorubicin") is not None


def test_doxorubicin_440_with_esc_2022_risk_factors_reaches_the_400_limit() -> None:
    """M7: age 66, hypertension, diabetes, LVEF 53%: ESC 2022 (HFA-ICOS) baseline risk factors."""
    alert = _alert(_assess(_load("p37_dox_cum")), "cumulative_anthracycline_limit", "doxorubicin")
    assert alert is not None and alert.severity == "contraindication"
    for words in ("hypertension", "diabetes", "age 65 or older", "LVEF 50-54%"):
        assert words in alert.clinician


def test_each_esc_risk_factor_alone_triggers_the_400_limit() -> None:
    base = _load("p37_dox_cum")
    base["patient"]["age"] = 50
    base["comorbidities"] = []
    base["labs"]["lvef_percent"] = 60
    assert _alert(_assess(base), "cumulative_anthracycline_limit", "doxorubicin") is None
    variants: list[tuple[str, Any]] = [("age", 65), ("lvef", 54), ("comorb", "hypertension")]
    for kind, value in variants:
        data = copy.deepcopy(base)
        if kind == "age":
            data["patient"]["age"] = value
        elif kind == "lvef":
            data["labs"]["lvef_percent"] = value
        else:
            data["comorbidities"] = [value]
        assert _alert(_assess(data), "cumulative_anthracycline_limit", "doxorubicin") is not None, kind


def test_dose_text_has_no_exponent_notation() -> None:
    """L3: capecitabine 3600 mg at BSA 1.81 printed '1.99e+03 mg/m2'."""
    text = _assess(_load(next(DATA.glob("v15*.json")).stem)).model_dump_json()
    assert "e+0" not in text
    assert "1989 mg/m2" in text


def test_platelet_start_rule_does_not_cite_the_capecitabine_label() -> None:
    """L7: the capecitabine label has no platelets < 100,000 start threshold."""
    data = _load("v04_tam_ocp")
    data["labs"]["platelets_per_ul"] = 80000
    data["proposed_treatment"] = [{"drug": "capecitabine"}]
    alert = _alert(_assess(data), "platelets_low", "capecitabine")
    assert alert is not None
    assert "fda-label-capecitabine" not in alert.sources


def test_exemestane_with_phenytoin_gives_the_label_50_mg_dose() -> None:
    """L2: exemestane label: 50 mg once daily with a strong CYP3A4 inducer, not 'avoid'."""
    data = _load("v04_tam_ocp")
    data["patient"]["menopausal"] = "post"
    data["current_meds"] = ["phenytoin"]
    data["proposed_treatment"] = [{"drug": "exemestane", "dose_mg": 25}]
    result = _assess(data)
    alert = _alert(result, "exemestane_cyp3a_inducer", "exemestane")
    assert alert is not None and "50 mg once daily" in alert.clinician
    assert _alert(result, "cyp3a_inducer_targeted", "exemestane") is None
