"""Which kind-specific fields each voice shows, in what order, under which label.

One table decides it for the terminal and for `kb check`, so the check measures exactly the text a
patient reads: a field is either plain (shown in the public voice, held to the reading grade) or
clinician material (shown only in the clinician voice). Names (drugs, brands, trials, organisations),
addresses and numbers are shown as they are and not graded: a reading formula scores a name's
syllables, not how hard the sentence around it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mbcnav.knowledge.schema import ItemBase

Voice = Literal["public", "clinician"]


@dataclass(frozen=True)
class FieldView:
    """One kind-specific field as a voice shows it."""

    field: str
    label: str
    #: which voices show it
    voices: tuple[Voice, ...]
    #: prose the public reads: measured by `kb check`
    graded: bool = False
    #: a list shown one entry per line; graded as one text, each entry a sentence
    listing: bool = False


_BOTH: tuple[Voice, ...] = ("public", "clinician")
_PUBLIC: tuple[Voice, ...] = ("public",)
_CLIN: tuple[Voice, ...] = ("clinician",)

#: Per kind, the fields after the main text, in display order. The item's `public`, `action_public`
#: and the FAQ `question` are graded by `kb check` directly.
VIEWS: dict[str, tuple[FieldView, ...]] = {
    "symptom": (
        FieldView("phrasings", "People say", _BOTH, graded=True, listing=True),
        FieldView("sites", "May point to", _BOTH, listing=True),
    ),
    "drug": (
        FieldView("generic", "Generic name", _BOTH),
        FieldView("brands", "Brand names", _BOTH, listing=True),
        FieldView("category", "Group", _BOTH),
        FieldView("drug_class", "Class", _CLIN),
        FieldView("mechanism", "How it works", _CLIN),
        FieldView("used_when", "Used when", _CLIN),
        FieldView("common_effects", "Common side effects", _CLIN, listing=True),
        FieldView("serious_effects", "Serious side effects", _CLIN, listing=True),
        FieldView("monitoring", "Checks while on it", _CLIN, listing=True),
    ),
    "site": (
        FieldView("frequency_public", "How often", _PUBLIC, graded=True),
        FieldView("frequency", "Frequency", _CLIN),
        FieldView("symptoms", "Signs", _BOTH, graded=True, listing=True),
        FieldView("care", "Care", _BOTH, graded=True),
    ),
    "regimen": (
        FieldView("drugs", "Medicines", _BOTH, listing=True),
        FieldView("trials", "Trials", _BOTH, listing=True),
    ),
    "test": (
        FieldView("category", "Kind of test", _BOTH),
        FieldView("what_it_changes_public", "What it changes", _PUBLIC, graded=True),
        FieldView("what_it_changes", "What it changes", _CLIN),
    ),
    "statistic": (
        FieldView("value", "Value", _BOTH),
        FieldView("data_years", "Data years", _PUBLIC),
        FieldView("years", "Years", _CLIN),
        FieldView("population", "Who", _CLIN),
    ),
    "resource": (
        FieldView("organization", "Who", _BOTH),
        FieldView("offers", "Offers", _BOTH, graded=True),
        FieldView("url", "Website", _BOTH),
        FieldView("phone", "Phone", _BOTH),
    ),
    "subtype": (FieldView("frequency", "How common", _CLIN),),
    "risk_factor": (FieldView("evidence", "Evidence", _BOTH),),
    "treatment": (FieldView("category", "Group", _BOTH),),
}

#: Plain labels for category-like codes, so the public voice never shows a code.
CODE_LABELS: dict[str, str] = {
    "endocrine": "hormone therapy", "cdk46": "CDK4/6 inhibitor", "pi3k_akt_mtor": "PI3K/AKT/mTOR pill",
    "her2": "HER2-directed drug", "adc": "antibody-drug conjugate", "parp": "PARP inhibitor",
    "immunotherapy": "immunotherapy", "chemotherapy": "chemotherapy", "bone": "bone-strengthening drug",
    "supportive": "supportive care", "local": "local treatment", "palliative": "palliative care",
    "trial": "clinical trial", "overview": "overview", "history_exam": "history and exam",
    "imaging": "imaging", "biopsy": "biopsy", "blood": "blood test", "genomic": "tumor gene test",
    "germline": "inherited gene test", "other": "other",
    "established": "well shown", "probable": "likely", "limited": "weak evidence",
    "not_supported": "not supported by evidence",
}

SITE_LABELS: dict[str, str] = {
    "lymph_node": "lymph nodes", "leptomeninges": "lining of the brain and spine",
    "peritoneum": "lining of the belly", "pleura": "lining of the lungs", "other": "other places",
}

def _value(item: ItemBase, view: FieldView) -> str | tuple[str, ...] | None:
    value = getattr(item, view.field, None)
    if value is None or value == () or value == "":
        return None
    if view.field == "value":
        return f"{value} {getattr(item, 'unit', '')}".strip()
    if view.field == "sites":
        return tuple(SITE_LABELS.get(v, v.replace("_", " ")) for v in value)
    if view.field in {"category", "evidence"}:
        return CODE_LABELS.get(str(value), str(value).replace("_", " "))
    if isinstance(value, tuple):
        return tuple(str(v) for v in value)
    return str(value)


def shown_fields(item: ItemBase, voice: Voice) -> list[tuple[FieldView, str | tuple[str, ...]]]:
    """The kind-specific fields a voice shows for this item, with their display values."""
    out: list[tuple[FieldView, str | tuple[str, ...]]] = []
    for view in VIEWS.get(item.kind, ()):
        if voice not in view.voices:
            continue
        value = _value(item, view)
        if value is not None:
            out.append((view, value))
    return out


def graded_public_texts(item: ItemBase) -> list[tuple[str, str]]:
    """Every prose text the public voice shows for this item, as (field, text), for `kb check`."""
    texts: list[tuple[str, str]] = [("public", item.public)]
    for name in ("action_public", "question"):
        text = getattr(item, name, None)
        if text:
            texts.append((name, text))
    for view, value in shown_fields(item, "public"):
        if not view.graded:
            continue
        if isinstance(value, tuple):
            texts.append((view.field, " ".join(v.rstrip(".") + "." for v in value)))
        else:
            texts.append((view.field, value))
    return texts
