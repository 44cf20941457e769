"""The case as entered, for the result page and the PDF: a reader (and the care team) must be able to
check the inputs an assessment came from (CrCl 48 means little without the creatinine behind it).

Built from the Case model's field order and the form's labels, so a new field of the format shows up
here without anyone editing a template. Values are plain text; the templates escape them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mbcnav.case import Case
from mbcnav.web.forms import human_label

#: section titles in plain words (also the case form's fieldset legends)
LEGENDS = {
    "patient": "About the person",
    "tumor": "Tumor tests (biopsy results)",
    "labs": "Blood tests and measurements",
    "pharmacogenomics": "Gene tests that change drug doses (pharmacogenomics)",
    "metastatic_sites": "Where the cancer has spread",
    "symptoms": "Symptoms",
    "prior_treatment": "Treatments already given",
    "current_treatment": "Cancer treatment now",
    "proposed_treatment": "Treatment the team plans to start",
    "current_meds": "Other medicines taken now",
    "allergies": "Drug allergies",
    "comorbidities": "Other health conditions",
    "bone_lesions": "Bone lesions (for fracture risk)",
    "notes": "Clinical notes",
}
#: list fields shown one item per line (free text); other lists of words are joined with commas
_ONE_PER_LINE = {"symptoms", "notes"}


@dataclass
class EnteredSection:
    title: str
    rows: list[tuple[str, str]] = field(default_factory=list)
    #: free text, one entry per line (notes, symptoms): shown as a numbered list, not a table, because
    #: a PDF table cell holding pages of text makes WeasyPrint's layout take minutes (49 one-page notes:
    #: 44-115 s as table rows, 1.8 s as paragraphs, measured in session 9)
    free_text: bool = False


def _label(name: str) -> str:
    text = human_label(name)
    word, _, unit = text.partition(" (")
    return word if unit.rstrip(")") == word.lower() else text  # "Months (months)" -> "Months"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # the JSON keeps 70.0 for a float field; people wrote 70
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_text(v)}" for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value).replace("_", " ") if isinstance(value, str) and " " not in value else str(value)


def _row_item(item: dict[str, Any]) -> str:
    """One treatment (or allergy, lesion) on one line, the medicine first: "letrozole (Setting: ...)"."""
    head = next((str(item[k]) for k in ("drug", "site", "name") if isinstance(item.get(k), str)), "")
    rest = {k: v for k, v in item.items() if str(item.get(k)) != head or not head}
    details = _text(rest)
    return f"{head} ({details})" if head and details else head or details


def case_as_entered(case: dict[str, Any]) -> list[EnteredSection]:
    """The saved case (JSON of the Case format) as titled sections of (label, value) rows."""
    about = EnteredSection("The case")
    sections: list[EnteredSection] = [about]
    for name in Case.model_fields:
        value = case.get(name)
        if value in (None, "", [], {}):
            continue
        title = LEGENDS.get(name, human_label(name))
        if isinstance(value, dict):
            rows = [(_label(k), _text(v)) for k, v in value.items() if v not in (None, "", [], {})]
            sections.append(EnteredSection(title, rows))
        elif isinstance(value, list) and all(isinstance(v, dict) for v in value):
            sections.append(EnteredSection(title, [(str(i), _row_item(v)) for i, v in enumerate(value, 1)]))
        elif isinstance(value, list) and name in _ONE_PER_LINE:
            rows = [(str(i), str(v)) for i, v in enumerate(value, 1)]
            sections.append(EnteredSection(title, rows, free_text=True))
        elif isinstance(value, list):
            sections.append(EnteredSection(title, [("", _text(value))]))
        else:
            about.rows.append((_label(name), _text(value)))
    return [s for s in sections if s.rows]
