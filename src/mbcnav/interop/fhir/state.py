"""The state of one import: what the mapping functions found, before it becomes a Case.

Each resource family (patient, condition, observation, medication) writes into one
:class:`ImportState`; :mod:`.resolve` then turns it into Case data. Keeping the state in its own
module lets every family module name it without importing the dispatcher, which imports them all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

from mbcnav.interop.fhir.notes import ImportNote, NoteKind, NoteLevel
from mbcnav.interop.fhir.reading import Resources, index_of


class Candidate(NamedTuple):
    """One value for a Case field, as found in one resource; :mod:`.resolve` picks among them.

    A named tuple, built with ``tuple.__new__`` on the hot path (no per-field setattr)."""

    value: Any
    date: str | None
    resource: str
    element: str
    original: str
    order: int


@dataclass(slots=True)
class Med:
    """One medicine use, before :mod:`.resolve` sorts it into current, prior and line of therapy."""

    drug: str
    status: Literal["current", "prior", "proposed"]
    start: str | None
    end: str | None
    resource: str
    dose: dict[str, float] = field(default_factory=dict)
    metastatic_intent: bool = False
    progressed: bool | None = None
    #: a MedicationAdministration (a dose given), with its FHIR status: what the cumulative doses add up
    administered: bool = False
    admin_status: str = ""
    #: a proposed order's dose as written when its unit is not read ("4 mL"): proposed_treatment's
    #: dose_as_written, so the order check says "not checked" instead of seeing no dose
    written_dose: str | None = None


class BrainStatus(NamedTuple):
    """A cancer disease status Observation (mCODE, LOINC 97509-4): its trend and the Conditions it judges."""

    date: str | None
    trend: str
    resource: str
    focus: tuple[str, ...]
    label: str


class BrainSymptoms(NamedTuple):
    """Whether brain metastases cause symptoms, as one resource says; ``focus`` is empty when the resource
    is the brain metastasis Condition itself."""

    date: str | None
    symptomatic: bool
    resource: str
    element: str
    focus: tuple[str, ...]


class LocalTreatment(NamedTuple):
    """A radiotherapy or surgery Procedure that targets the brain (``brain``) or may, through a reason
    reference to a Condition (``reasons``); :mod:`.brain` decides once every Condition is known."""

    date: str | None
    resource: str
    kind: str
    brain: bool
    reasons: tuple[str, ...]
    label: str


class Implication(NamedTuple):
    """A variant's clinical significance stated in another Observation (Genomics Reporting Diagnostic
    Implication) that names the variant in ``derivedFrom``; :mod:`.resolve` joins the two."""

    targets: tuple[str, ...]
    significance: str
    resource: str
    label: str


#: ``tuple.__new__(NamedTupleClass, values)``: what a named tuple's own constructor ends in, without the
#: Python-level ``__new__`` frame in front of it (the importer makes a dozen notes per bundle)
new_tuple = tuple.__new__


class ImportState:
    """Everything one import has gathered so far, and the notes it has made."""

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.notes: list[ImportNote] = []
        self.values: dict[str, list[Candidate]] = {}
        self.sites: dict[str, tuple[str, str | None]] = {}
        self.case_notes: list[str] = []
        self.meds: list[Med] = []
        self.allergies: list[dict[str, Any]] = []
        self.comorbidities: list[str] = []
        self.genes: dict[str, list[Candidate]] = {}
        self.stage_iv: list[tuple[str | None, str]] = []
        self.early_stage: list[tuple[str | None, str]] = []
        #: every stage group read: (date, resource, label, group such as "iiic" or "iv"), for conflict notes
        self.stage_groups: list[tuple[str | None, str, str, str]] = []
        self.metastasis_dates: list[str] = []
        #: (performed date, resource) of each breast cancer surgery
        self.surgeries: list[tuple[str, str]] = []
        #: id() of each brain metastasis Condition resource -> how notes name it (focus references resolve
        #: to the resource through the index, whatever form the reference takes)
        self.brain_conditions: dict[int, str] = {}
        self.brain_status: list[BrainStatus] = []
        self.brain_symptoms: list[BrainSymptoms] = []
        self.local_treatments: list[LocalTreatment] = []
        #: Diagnostic Implication Observations, and id() of each variant Observation -> how notes name it
        self.implications: list[Implication] = []
        self.variant_ids: dict[int, str] = {}
        self.primary_seen = False
        #: the side of each breast primary read ("left", "right", "both" or None when not given)
        self.primary_sides: list[str | None] = []
        #: secondary-cancer Conditions naming a regional node group (nodes.NodeFinding), placed by resolve
        self.node_findings: list[Any] = []
        self.order = 0
        #: "Patient/id", the bare id and the fullUrl of the one Patient: what a subject may name
        self.patient_keys: set[str] = set()
        self.patient_id: str | None = None
        #: subject reference -> whether it names our patient (every resource of a bundle names the same)
        self.subjects: dict[str, bool] = {}
        #: dotted Case path -> the candidate that won (set by resolve; drop_invalid reads it)
        self.chosen: dict[str, Candidate] = {}
        self.resources: Resources = []
        self._index: dict[str, dict[str, Any]] | None = None

    def note(
        self,
        kind: NoteKind,
        message: str,
        resource: str | None = None,
        element: str | None = None,
        level: NoteLevel = "info",
    ) -> None:
        self.notes.append(new_tuple(ImportNote, (kind, message, level, resource, element)))

    def add(
        self, path: str, value: Any, date: str | None, resource: str, element: str, original: str
    ) -> None:
        self.order += 1
        self.values.setdefault(path, []).append(
            new_tuple(Candidate, (value, date, resource, element, original, self.order))
        )

    @property
    def index(self) -> dict[str, dict[str, Any]]:
        """Resources by "Type/id" and by fullUrl; built on first use (only medicationReference needs it)."""
        if self._index is None:
            self._index = index_of(self.resources)
        return self._index
