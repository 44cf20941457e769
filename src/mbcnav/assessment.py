"""The Assessment: what mbcnav says about one case (design/case-format.md, output side).

Every statement carries both voices, a rationale and source ids. The same object feeds the CLI,
the REST API, the web pages, the PDF report and the CDS Hooks cards, so they never disagree.
Fields beyond the published shape are additive only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Urgency = Literal["emergency", "urgent", "routine"]
URGENCY_ORDER: dict[str, int] = {"emergency": 0, "urgent": 1, "routine": 2}

#: Red-flag codes of the public contract (docs/case-format.md); the engine may add codes, never rename.
RED_FLAG_CODES: tuple[str, ...] = (
    "spinal_cord_compression",
    "hypercalcemia",
    "raised_icp",
    "seizure",
    "febrile_neutropenia",
    "pathologic_fracture_risk",
    "visceral_crisis",
    "svc_syndrome",
    "liver_failure",
    "leptomeningeal_disease",
    "pleural_effusion",
    "pericardial_effusion",
    "focal_neurologic_deficit",
    "bowel_obstruction",
    "pulmonary_embolism",
    "heart_failure",
    "pneumonitis",
    "severe_diarrhea_dehydration",
    "hyperglycemia_crisis",
    "arrhythmia_qt_prolongation",
    # a fever with a known normal neutrophil count: not febrile neutropenia, still a possible infection
    "fever_on_treatment",
    # NICE NG51 high-risk signs of sepsis (fast breathing, mottled skin, no urine, non-blanching rash); on
    # chemotherapy the neutropenic sepsis pathway (an extension)
    "sepsis",
    # an extension of the contract list (case-format.md: "add codes as the knowledge grows")
    "suicidal_ideation",
    # urgent findings of knowledge-base symptom items that are not oncologic emergencies (same-day call)
    "liver_pain",
    "ascites",
    "persistent_cough",
    "bleeding_bruising",
    "severe_skin_reaction",
    "jaw_osteonecrosis",
    "vaginal_bleeding",
    "uncontrolled_pain",
    "new_lump",
    "arm_swelling",
    # acute emergencies (UKONS: collapse, airway compromise, severe haemorrhage, severe chest pain) and
    # UKONS-red toxicities (extensions)
    "chest_pain_cardiac",
    "anaphylaxis",
    "gi_bleeding",
    "collapse",
    "respiratory_distress",
    "severe_vomiting",
    "severe_mucositis",
    "line_infection",
    # sensory neuropathy that limits daily tasks (CTCAE v5 grade 2-3; extension)
    "peripheral_neuropathy",
    # low calcium signs on a bone drug (labels), and a low haemoglobin that is felt (CTCAE v5; extensions)
    "hypocalcemia",
    "symptomatic_anemia",
    # tiredness that stops washing or dressing, or keeps a person in bed most of the day (CTCAE v5 fatigue
    # grade 3; extension)
    "severe_fatigue",
    # named situations that had no code of their own (extensions): a wound or skin infection (cellulitis;
    # BLS/LSN), a leg or arm vein clot without lung symptoms (NICE NG158), and a low neutrophil count
    # without a fever (CTCAE v5; the CDK4/6 labels)
    "skin_infection",
    "deep_vein_thrombosis",
    "neutropenia",
    # food sticking on swallowing, getting worse (CTCAE v5 dysphagia; NICE NG12: urgent endoscopy; extension)
    "dysphagia",
    # tfd (sweep 18, extensions): no urine for hours or clot retention (KDIGO 2012 AKI; NICE NG51), and signs
    # of infection without a fever on a drug that lowers the white cells (not febrile neutropenia)
    "urinary_retention_aki",
    "infection_on_treatment",
    # too much of a strong painkiller taken, or slow breathing or pinpoint pupils with sleepiness on one
    # (FDA opioid labels: respiratory depression; naloxone; extension, tfc sweep 18)
    "opioid_toxicity",
)


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RedFlag(_Out):
    code: str
    urgency: Urgency
    public: str
    clinician: str
    sources: tuple[str, ...]
    #: why the engine raised it: the words, labs or findings that triggered it
    rationale: str = ""
    title: str = ""


class WorkupItem(_Out):
    code: str
    public: str
    clinician: str
    sources: tuple[str, ...]
    rationale: str = ""
    urgency: Urgency = "routine"


class TherapyOption(_Out):
    rank: int = Field(ge=1)
    regimen: str
    #: mbcnav extension: the option's short name in plain words for the public voice (the regimen is
    #: the clinician's wording); empty only for options built outside the therapy rules
    public_name: str = ""
    drugs: tuple[str, ...]
    rationale: str
    evidence: tuple[str, ...] = ()
    sources: tuple[str, ...]
    public: str = ""
    clinician: str = ""
    category: str = ""
    #: codes of safety alerts that apply to this option; a flagged option is shown with them
    flags: tuple[str, ...] = ()
    flagged: bool = False
    #: for an "A or B" option, the groups of drugs of which one is used (e.g. [["letrozole"],
    #: ["anastrozole"]]); empty when every drug is part of the regimen
    alternatives: tuple[tuple[str, ...], ...] = ()


class DoseLimit(_Out):
    """The dose a proposed order should not exceed, as the order dose check found it (additive model).

    Given as data so programs (the CDS Hooks "change the dose" suggestion, an EHR) never parse it back out
    of the rationale text, which is worded for people and may change.
    """

    value: float = Field(gt=0, description="The dose per administration, in `unit`.")
    unit: Literal["mg", "mg/m2", "mg/kg"] = Field(description="UCUM unit of `value`.")
    kind: Literal["label", "partner", "cap", "adjusted", "calvert", "ceiling"] = Field(
        description=(
            "What the dose is: `label` the highest label dose; `partner` the label dose with a partner drug "
            "of this case (lapatinib with capecitabine); `cap` a flat ceiling in mg on a per-kg or per-m2 "
            "dose (datopotamab deruxtecan 540 mg); `adjusted` a lower dose for a kidney, liver, gene or "
            "interaction band (see `rule`); `calvert` the carboplatin dose by the Calvert formula; "
            "`ceiling` a dose above any breast cancer regimen for a drug without a breast cancer label "
            "dose (cisplatin 100 mg/m2): a bound, not a dose to re-order at."
        )
    )
    never_exceed: bool = Field(
        default=False,
        description=(
            "True when the label gives this dose as a maximum never to exceed (a `cap`, sacituzumab "
            "govitecan 10 mg/kg): no rounding margin was allowed."
        ),
    )
    rule: str | None = Field(
        default=None,
        description=(
            "For an `adjusted` dose: the code of the safety rule or interaction whose band gives it "
            "(e.g. renal_dose_adjustment); null otherwise."
        ),
    )


class SafetyAlert(_Out):
    code: str
    drug: str | None = None
    severity: Literal["warning", "contraindication"]
    public: str
    clinician: str
    sources: tuple[str, ...]
    rationale: str = ""
    #: the other medicines of an interaction (additive field), so a report can put the alert on each
    #: order that starts the combination without reading it back out of the rationale text
    partners: tuple[str, ...] = Field(
        default=(),
        description=(
            "Canonical names of the other medicines this alert concerns besides `drug` (the partners of "
            "an interaction, from the proposed orders, current treatment or current medicines); empty "
            "for alerts on one drug."
        ),
    )
    #: for a contraindicated proposed order (additive field): the regimens that could take its place
    alternatives: tuple[str, ...] = Field(
        default=(),
        description=(
            "For a contraindication on a proposed order: regimens among this case's therapy options that "
            "avoid the blocked drug and hold a drug of the same role (at most three); empty otherwise."
        ),
    )
    #: for an order dose alert (additive field): the dose the order should not exceed, as data
    dose_limit: DoseLimit | None = Field(
        default=None,
        description=(
            "For an order dose alert (dose_above_label, dose_above_adjusted, dose_above_calvert): the dose "
            "the proposed order of `drug` should not exceed; null for every other alert, and for a "
            "carboplatin target AUC above the highest breast-cancer target (an AUC, not a dose)."
        ),
    )


class Prognosis(_Out):
    public: str
    clinician: str
    sources: tuple[str, ...]


class UnitHint(_Out):
    """A lab value kept as given that is also typical of another unit (bilirubin 17: mg/dL or µmol/L?)."""

    field: str
    message: str


class NameReadingNote(_Out):
    """How a drug name written with a salt, release form, dosage form or strength was read."""

    field: str
    given: str
    read_as: str
    set_aside: tuple[str, ...] = ()
    public: str = ""
    clinician: str = ""


class OrderCheck(_Out):
    """The order check of one proposed order: its alerts (codes of safety_alerts) and alternatives."""

    drug: str
    dose: str = ""
    result: Literal["contraindicated", "warning", "no alert"]
    alerts: tuple[str, ...] = ()
    #: regimens among this case's options that avoid the contraindicated drug(s)
    alternatives: tuple[str, ...] = ()


class Assessment(_Out):
    case_id: str | None = None
    subtype: Literal["HR+/HER2-", "HR+/HER2+", "HR-/HER2+", "TNBC", "unknown"]
    her2_low: bool = False
    her2_ultralow: bool = False
    er_low: bool = False
    stage: str | None = None
    urgency: Urgency
    red_flags: tuple[RedFlag, ...] = ()
    workup: tuple[WorkupItem, ...] = ()
    therapy_options: tuple[TherapyOption, ...] = ()
    safety_alerts: tuple[SafetyAlert, ...] = ()
    calculations: dict[str, float | int | str | None] = Field(default_factory=dict)
    prognosis: Prognosis | None = None
    disclaimer: str
    #: how the subtype was reached, in both voices (additive field)
    subtype_explanation: dict[str, str] = Field(default_factory=dict)
    #: which free-text notes the engine used, and for what (additive field)
    notes_used: tuple[str, ...] = ()
    #: drug names read by setting aside a salt, release form, strength ... (additive field)
    name_readings: tuple[NameReadingNote, ...] = ()
    #: the order check of each proposed_treatment entry (additive field)
    proposed_orders: tuple[OrderCheck, ...] = ()
    #: values kept as given with a hint that they look like another unit (additive field)
    unit_hints: tuple[UnitHint, ...] = ()
