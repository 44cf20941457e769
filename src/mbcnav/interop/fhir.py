"""FHIR R4 / mCODE → Case: read the records hospitals already exchange, and say what was done to them.

The default path walks plain dicts from ``orjson`` (fast enough to import and assess thousands of
bundles a second); ``strict=True`` first validates every resource with ``fhir.resources`` and maps
the validated, re-serialised resources, so the two paths can be compared on the same corpus.

Nothing is guessed silently. Every resource or element that is not used, every value that another
value replaced (latest date wins; its date is kept in ``provenance``), every unit conversion and
every assumption becomes an :class:`ImportNote`. Results the Case cannot hold faithfully (an ER
result given only as "Positive", a HER2 "Negative" without the IHC score) are kept as Case
``notes`` instead of being turned into invented numbers. A structurally broken input (not a
resource, a number where a number must be) raises :class:`FhirMappingError` naming the resource
and the element.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple

import orjson
from pydantic import ValidationError

from mbcnav.case import Case, Labs, Patient, parse_case
from mbcnav.drugnames import is_known_drug, resolve_drug
from mbcnav.errors import CaseValidationError, FhirMappingError, MbcnavError, UnknownDrugError
from mbcnav.interop import codes as C
from mbcnav.interop.units import UnitError, convert_value

NoteKind = Literal[
    "unmapped",
    "conversion",
    "conflict",
    "superseded",
    "assumption",
    "dropped",
    "defect",
    "needs_review",
    "info",
]
NoteLevel = Literal["info", "warning", "error"]


class ImportNote(NamedTuple):
    """One thing the importer wants a person to know: what, where, and why.

    A named tuple (immutable, built in one step): an import makes dozens, the benchmark thousands a
    second, and a frozen dataclass spends most of its construction time on per-field setattr calls.
    """

    kind: NoteKind
    message: str
    level: NoteLevel = "info"
    #: "Observation/abc" (or "Bundle.entry[3]" when the resource has no id)
    resource: str | None = None
    #: the element inside the resource, FHIRPath-like ("valueQuantity.unit")
    element: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "kind": self.kind,
            "level": self.level,
            "resource": self.resource,
            "element": self.element,
            "message": self.message,
        }
        return {k: v for k, v in out.items() if v is not None}


class FieldSource(NamedTuple):
    """Where a Case value came from: the resource, the element, the date, and the value as sent."""

    value: Any
    date: str | None = None
    resource: str | None = None
    element: str | None = None
    original: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = {
            "value": self.value,
            "date": self.date,
            "resource": self.resource,
            "element": self.element,
            "original": self.original,
        }
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class ImportResult:
    case: Case
    import_notes: list[ImportNote]
    #: dotted Case field ("labs.creatinine_mg_dl") -> where its value came from
    provenance: dict[str, FieldSource] = field(default_factory=dict)
    patient_id: str | None = None

    @property
    def errors(self) -> list[ImportNote]:
        return [n for n in self.import_notes if n.level == "error"]

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case.model_dump(mode="json", exclude_none=True, exclude_defaults=True),
            "import_notes": [n.to_json() for n in self.import_notes],
            "provenance": {k: v.to_json() for k, v in self.provenance.items()},
        }


class FhirValidationError(FhirMappingError):
    """Strict mode found resources that do not validate against the FHIR models."""

    def __init__(self, defects: list[ImportNote]) -> None:
        self.defects = defects
        head = "; ".join(f"{d.resource}: {d.element}: {d.message}" for d in defects[:5])
        more = f" (and {len(defects) - 5} more)" if len(defects) > 5 else ""
        super().__init__(f"{len(defects)} FHIR validation defect(s): {head}{more}")


# ----------------------------------------------------------------------------------------- reading


def load_fhir_path(path: str | Path) -> Any:
    """A Bundle or resource (.json), an NDJSON bulk export (.ndjson), or a folder of either."""
    p = Path(path)
    if p.is_dir():
        resources: list[Any] = []
        for child in sorted(p.iterdir()):
            if child.suffix in {".json", ".ndjson"}:
                data = load_fhir_path(child)
                resources.extend(data if isinstance(data, list) else [data])
        return resources
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FhirMappingError(f"cannot read {p}: {exc.strerror or exc}") from None
    if p.suffix == ".ndjson":
        out = []
        for n, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                out.append(_loads(line, f"{p.name} line {n}"))
        return out
    return _loads(raw, p.name)


def _loads(raw: bytes | str, where: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FhirMappingError(f"{where}: not valid JSON ({exc})") from None


def case_from_fhir_path(path: str | Path, strict: bool = False, as_of: dt.date | None = None) -> ImportResult:
    """Read a file or folder and import it (the entry point for ``mbcnav import`` and ``assess --fhir``)."""
    return case_from_fhir(load_fhir_path(path), strict=strict, as_of=as_of)


def iter_resources(data: Any) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(where, resource, fullUrl) for a Bundle (searchset Bundles inside are opened too), a resource
    or a list of resources. Raises FhirMappingError for anything that is not a resource."""
    for where, res, full_url in _all_resources(data):
        yield _where_text(where), res, full_url


#: Where a resource sits in the input: a ready string, or (bundle location, entry number) for a
#: Bundle entry, formatted only when a message needs it (most resources have an id and never do).
_Where = str | tuple[str, int]
_Resources = list[tuple[_Where, dict[str, Any], str | None]]


def _where_text(where: _Where) -> str:
    if isinstance(where, str):
        return where
    return f"{where[0]}.entry[{where[1]}].resource"


def _all_resources(data: Any) -> _Resources:
    # a list filled in one pass: nested generators cost a frame switch per entry on the import hot path
    out: _Resources = []
    if isinstance(data, list):
        for n, item in enumerate(data):
            _collect(item, f"[{n}]", None, out)
    else:
        _collect(data, "", None, out)
    return out


def _collect(item: Any, where: _Where, full_url: str | None, out: _Resources) -> None:
    if not isinstance(item, dict):
        raise FhirMappingError(
            f"{_where_text(where) or 'input'}: expected a FHIR resource (JSON object), got {_kind(item)}"
        )
    rtype = item.get("resourceType")
    if rtype == "Bundle":
        _collect_bundle(item, _where_text(where), out)
        return
    if type(rtype) is not str or not rtype:
        raise FhirMappingError(f"{_where_text(where) or 'input'}: resourceType is missing")
    out.append((where, item, full_url))


def _collect_bundle(bundle: dict[str, Any], where: str, out: _Resources) -> None:
    base = where or "Bundle"
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise FhirMappingError(f"{base}.entry: must be a list, got {_kind(entries)}")
    for n, entry in enumerate(entries):
        if type(entry) is not dict:
            raise FhirMappingError(f"{base}.entry[{n}]: must be an object, got {_kind(entry)}")
        resource = entry.get("resource", _NO_RESOURCE)
        if resource is _NO_RESOURCE:
            # a transaction entry without a resource (e.g. DELETE) carries nothing to import
            out.append((f"{base}.entry[{n}]", {"resourceType": "_Empty"}, None))
            continue
        _collect(resource, (base, n), entry.get("fullUrl"), out)


_NO_RESOURCE: Any = object()


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false"}.get(
        type(value),
        "a number" if isinstance(value, int | float) else "null" if value is None else type(value).__name__,
    )


# ----------------------------------------------------------------------------------------- helpers


def _ref(resource: dict[str, Any], where: _Where) -> str:
    rid = resource.get("id")
    if rid:
        return f"{resource['resourceType']}/{rid}"
    return f"{resource['resourceType']} at {_where_text(where) or 'input'}"


def _date_of(resource: dict[str, Any]) -> str | None:
    for key in (
        "effectiveDateTime",
        "effectiveInstant",
        "onsetDateTime",
        "recordedDate",
        "authoredOn",
        "occurrenceDateTime",
        "issued",
        "dateAsserted",
    ):
        value = resource.get(key)
        if isinstance(value, str) and value:
            return value
    for key in ("effectivePeriod", "onsetPeriod", "occurrencePeriod"):
        period = resource.get(key)
        if isinstance(period, dict):
            value = period.get("end") or period.get("start")
            if isinstance(value, str) and value:
                return value
    return None


def _date_key(value: str | None) -> str:
    # ISO 8601 strings sort in time order once cut to the same length; undated values sort first.
    return value[:19] if value else ""


def _parse_date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        parts = value[:10].split("-")
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 1
        day = int(parts[2]) if len(parts) > 2 else 1
        return dt.date(year, month, day)
    except (ValueError, IndexError):
        return None


def _number(value: Any, resource: str, element: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FhirMappingError(f"{element}: must be a number, got {_kind(value)} {value!r}", field=resource)
    return float(value)


def _profile(resource: dict[str, Any]) -> str:
    meta = resource.get("meta")
    if isinstance(meta, dict):
        return " ".join(str(p) for p in meta.get("profile") or ())
    return ""


def _fmt(value: float) -> str:
    return f"{value:.4g}" if abs(value) < 1e4 else f"{value:.0f}"


@functools.cache
def _drug_categories() -> dict[str, str]:
    """generic name -> knowledge-base category (endocrine, cdk46, ..., bone, supportive)."""
    try:
        from mbcnav.knowledge.loader import load_knowledge_base

        return {d.generic: d.category for d in load_knowledge_base().of_kind("drug")}  # type: ignore[attr-defined]
    except Exception:  # the knowledge base is someone else's; a broken one must not break import
        return {}


_NON_LINE = {"bone", "supportive"}

# Compiled once here, not looked up in re's pattern cache on every resource.
_M1 = re.compile(r"\b[cp]?m1")
_M0 = re.compile(r"\b[cp]?m0")
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_STAGE_IV = re.compile(r"(^|[^a-z])(iv|4)[abc]?($|[^a-z0-9])")
_STAGE_EARLY = re.compile(r"(^|[^a-z])(0|i{1,3}|1|2|3)[abc]?($|[^a-z0-9])")
_IHC_PLUS = re.compile(r"(?:^|[^0-9])([0-3])\s*\+")
_IHC_ZERO = re.compile(r"\s*(?:score\s*)?0\s*")
_DRUG_WORD_SPLIT = re.compile(r"[\s,;()\[\]]+")
_NUMBER_START = re.compile(r"^[\d.]+")
_OVARIAN_SUPPRESSION = {"goserelin", "leuprolide"}


@dataclass(slots=True)
class _Candidate:
    value: Any
    date: str | None
    resource: str
    element: str
    original: str
    order: int


@dataclass(slots=True)
class _Med:
    drug: str
    status: Literal["current", "prior"]
    start: str | None
    end: str | None
    resource: str
    dose: dict[str, float] = field(default_factory=dict)
    metastatic_intent: bool = False
    progressed: bool | None = None


# ----------------------------------------------------------------------------------------- mapping


class _Importer:
    _HANDLERS: dict[str, Callable[[_Importer, dict[str, Any], str], None]]

    def __init__(self, as_of: dt.date) -> None:
        self.as_of = as_of
        self.notes: list[ImportNote] = []
        self.values: dict[str, list[_Candidate]] = {}
        self.sites: dict[str, tuple[str, str | None]] = {}
        self.case_notes: list[str] = []
        self.meds: list[_Med] = []
        self.allergies: list[dict[str, Any]] = []
        self.comorbidities: list[str] = []
        self.genes: dict[str, list[_Candidate]] = {}
        self.stage_iv: list[tuple[str | None, str]] = []
        self.early_stage: list[tuple[str | None, str]] = []
        self.metastasis_dates: list[str] = []
        self.primary_seen = False
        self.order = 0

    # -- notes ---------------------------------------------------------------------------------
    def note(
        self,
        kind: NoteKind,
        message: str,
        resource: str | None = None,
        element: str | None = None,
        level: NoteLevel = "info",
    ) -> None:
        self.notes.append(ImportNote(kind, message, level, resource, element))

    def add(
        self, path: str, value: Any, date: str | None, resource: str, element: str, original: str
    ) -> None:
        self.order += 1
        self.values.setdefault(path, []).append(
            _Candidate(value, date, resource, element, original, self.order)
        )

    # -- dispatch ------------------------------------------------------------------------------
    def run(self, resources: _Resources) -> None:
        patients = [(w, r, u) for w, r, u in resources if r["resourceType"] == "Patient"]
        if len(patients) > 1:
            ids = ", ".join(_ref(r, w) for w, r, _ in patients)
            raise FhirMappingError(
                f"the input holds {len(patients)} patients ({ids}); import one patient at a time"
            )
        self.patient_keys: set[str] = set()
        self.patient_id: str | None = None
        if patients:
            where, patient, full_url = patients[0]
            self.patient_id = patient.get("id")
            if self.patient_id:
                self.patient_keys.add(f"Patient/{self.patient_id}")
                self.patient_keys.add(str(self.patient_id))
            if full_url:
                self.patient_keys.add(full_url)
            self.patient(patient, _ref(patient, where))
        else:
            self.note("info", "no Patient resource: age and sex are unknown")
        self.resources = resources
        self._index: dict[str, dict[str, Any]] | None = None
        self._subjects: dict[str, bool] = {}
        handlers = self._HANDLERS
        for where, res, _ in resources:
            rtype = res["resourceType"]
            if rtype == "Patient" or rtype == "_Empty":
                continue
            ref = _ref(res, where)
            handler = handlers.get(rtype)
            if handler is None:
                self.note("unmapped", f"{rtype} resources are not used by mbcnav", ref)
                continue
            if not self.for_patient(res, ref):
                continue
            handler(self, res, ref)

    @property
    def index(self) -> dict[str, dict[str, Any]]:
        """"Type/id" and fullUrl -> resource; built on first use (only medicationReference needs it)."""
        if self._index is None:
            index: dict[str, dict[str, Any]] = {}
            for _where, res, full_url in self.resources:
                rid = res.get("id")
                if rid:
                    index[f"{res['resourceType']}/{rid}"] = res
                if full_url:
                    index[full_url] = res
            self._index = index
        return self._index

    def for_patient(self, res: dict[str, Any], ref: str) -> bool:
        subject = res.get("subject") or res.get("patient")
        if not self.patient_keys or not isinstance(subject, dict):
            return True
        target = subject.get("reference")
        if not isinstance(target, str) or not target:
            return True
        # every resource of a bundle names the same subject: decide once per reference
        ours = self._subjects.get(target)
        if ours is None:
            ours = self._subjects[target] = (
                target in self.patient_keys
                or target.rsplit("/", 1)[-1] in self.patient_keys
                or target.rsplit(":", 1)[-1] in self.patient_keys
            )
        if ours:
            return True
        self.note("dropped", f"refers to another patient ({target}); not used", ref, "subject", "warning")
        return False

    # -- Patient -------------------------------------------------------------------------------
    def patient(self, res: dict[str, Any], ref: str) -> None:
        birth = res.get("birthDate")
        if birth is not None:
            born = _parse_date(birth) if isinstance(birth, str) else None
            if born is None:
                raise FhirMappingError(f"birthDate: not a date: {birth!r}", field=ref)
            age = self.as_of.year - born.year - ((self.as_of.month, self.as_of.day) < (born.month, born.day))
            self.add("patient.age", age, None, ref, "birthDate", birth)
            self.note(
                "info",
                f"age {age} computed from birthDate {birth} as of {self.as_of.isoformat()}",
                ref,
                "birthDate",
            )
        birth_sex = None
        for ext in res.get("extension") or ():
            if isinstance(ext, dict) and str(ext.get("url", "")).endswith("us-core-birthsex"):
                birth_sex = ext.get("valueCode")
        gender = res.get("gender")
        sex = {"F": "F", "M": "M"}.get(str(birth_sex)) if birth_sex else None
        from_gender = {"female": "F", "male": "M"}.get(str(gender)) if gender else None
        if sex is None and from_gender is not None:
            sex = from_gender
            self.note(
                "assumption", f"sex at birth not given; taken from Patient.gender '{gender}'", ref, "gender"
            )
        elif sex and from_gender and sex != from_gender:
            self.note(
                "conflict",
                f"birth sex {birth_sex} differs from gender '{gender}'; birth sex used",
                ref,
                "gender",
                "warning",
            )
        elif sex is None and (gender or birth_sex):
            self.note("unmapped", f"sex '{birth_sex or gender}' has no Case value (F or M)", ref, "gender")
        if sex:
            self.add("patient.sex", sex, None, ref, "gender", str(birth_sex or gender))
        if res.get("deceasedBoolean") is True or res.get("deceasedDateTime"):
            self.note("needs_review", "the record says this person has died", ref, "deceased[x]", "warning")

    # -- Condition -----------------------------------------------------------------------------
    def condition(self, res: dict[str, Any], ref: str) -> None:
        verification = C.codings(res.get("verificationStatus"))
        if any(code in {"refuted", "entered-in-error"} for _, code, _ in verification):
            self.note(
                "dropped", "condition is refuted or entered in error; not used", ref, "verificationStatus"
            )
            return
        code = res.get("code")
        if not isinstance(code, dict):
            self.note("unmapped", "condition has no code", ref, "code")
            return
        t = C.tables()
        text = C.concept_text(code)
        coded = C.codings(code)
        profile = _profile(res)
        is_secondary = (
            any(p in profile for p in t.secondary_profiles)
            or any(k in text for k in t.secondary_words)
            or any(s == "icd10" and c.upper().startswith(t.secondary_icd10) for s, c, _ in coded)
        )
        date = _date_of(res) or self._asserted(res)
        if is_secondary:
            site = self._site(code, coded, res)
            if site is None:
                self.note(
                    "unmapped",
                    f"metastasis '{C.label(code)}' has no site mbcnav knows; recorded as 'other'",
                    ref,
                    "code",
                    "warning",
                )
                site = "other"
            self.sites.setdefault(site, (ref, date))
            if date:
                self.metastasis_dates.append(date)
            return
        histology = None
        is_breast = False
        for system, c, _ in coded:
            if system == "sct" and c in t.breast_sct:
                is_breast = True
                histology = t.breast_sct[c]
            elif (system == "icd10" and c.startswith(t.breast_icd10)) or (
                system == "icdo3" and c.startswith(t.breast_icdo3)
            ):
                is_breast = True
        if (
            not is_breast
            and any(k in text for k in t.breast_words)
            and ("neoplasm" in text or "carcinoma" in text or "cancer" in text)
        ):
            is_breast = True
        if is_breast:
            self.primary_seen = True
            hist = self._histology(res) or histology or C.match_text_rules(text, t.histology_text)
            if hist:
                self.add("tumor.histology", hist, date, ref, "code/extension(histology)", C.label(code))
            else:
                self.note(
                    "unmapped",
                    "histology not given or not recognised",
                    ref,
                    "extension(mcode-histology-morphology-behavior)",
                )
            for stage in res.get("stage") or ():
                if isinstance(stage, dict) and isinstance(stage.get("summary"), dict):
                    self._stage(stage["summary"], date, ref, "stage.summary")
            return
        comorbid = self._comorbidity(coded)
        if comorbid:
            self.comorbidities.append(comorbid)
            return
        if any(k in text for k in ("neoplasm", "carcinoma", "cancer", "malignan")):
            self.note(
                "needs_review",
                f"a cancer condition that is not breast cancer: '{C.label(code)}'",
                ref,
                "code",
                "warning",
            )
            return
        self.note("unmapped", f"condition '{C.label(code)}' is not used", ref, "code")

    def _asserted(self, res: dict[str, Any]) -> str | None:
        for ext in res.get("extension") or ():
            if isinstance(ext, dict) and str(ext.get("url", "")).endswith("condition-assertedDate"):
                return ext.get("valueDateTime")
        return None

    def _histology(self, res: dict[str, Any]) -> str | None:
        t = C.tables()
        for ext in res.get("extension") or ():
            if isinstance(ext, dict) and "histology-morphology" in str(ext.get("url", "")):
                concept = ext.get("valueCodeableConcept")
                for system, c, _ in C.codings(concept):
                    if system == "sct" and c in t.histology_sct:
                        return str(t.histology_sct[c])
                    if system == "icdo3" and c in t.histology_icdo3:
                        return str(t.histology_icdo3[c])
                found = C.match_text_rules(C.concept_text(concept), t.histology_text)
                if found:
                    return found
        return None

    def _site(
        self, code: dict[str, Any], coded: list[tuple[str | None, str, str]], res: dict[str, Any]
    ) -> str | None:
        t = C.tables()
        for system, c, _ in coded:
            if system == "sct" and c in t.site_sct:
                return str(t.site_sct[c])
            if system == "icd10":
                hit = t.site_icd10.get(c)
                if hit:
                    return str(hit)
            if system == "icdo3":
                hit = t.site_icdo3.get(c)
                if hit:
                    return str(hit)
        for body in res.get("bodySite") or ():
            for system, c, _ in C.codings(body):
                if system == "sct" and c in t.site_body_sct:
                    return str(t.site_body_sct[c])
                if system == "icdo3":
                    hit = t.site_icdo3.get(c)
                    if hit:
                        return str(hit)
        found = C.match_text_rules(C.concept_text(code), t.site_text)
        if found:
            return found
        for body in res.get("bodySite") or ():
            found = C.match_text_rules(C.concept_text(body), t.site_text)
            if found:
                return found
        return None

    def _comorbidity(self, coded: list[tuple[str | None, str, str]]) -> str | None:
        t = C.tables()
        for system, c, _ in coded:
            if system == "sct" and c in t.comorbidity_sct:
                return str(t.comorbidity_sct[c])
            if system == "icd10":
                hit = t.comorbidity_icd10.get(c)
                if hit:
                    return str(hit)
        return None

    # -- Observation ---------------------------------------------------------------------------
    def observation(self, res: dict[str, Any], ref: str) -> None:
        status = res.get("status")
        if status in {"entered-in-error", "cancelled"}:
            self.note("dropped", f"observation status is '{status}'; not used", ref, "status")
            return
        code = res.get("code")
        if code is not None and not isinstance(code, dict):
            raise FhirMappingError(f"code: must be an object, got {_kind(code)}", field=ref)
        index = C.observation_index()
        hit = None
        coded = C.codings(code)
        for system, c, _ in coded:
            hit = index.get((system or "", c))
            if hit:
                break
        if hit is None:
            profile = _profile(res)
            if "genetic-variant" in profile or "genomic-variant" in profile:
                hit = ("variant", "")
        if hit is None:
            self.note("unmapped", f"observation '{C.label(code)}' is not used", ref, "code")
            return
        kind, detail = hit
        date = _date_of(res)
        if kind == "lab":
            self._lab(res, ref, detail, date, coded)
        elif kind == "marker":
            self._marker(res, ref, detail, date)
        elif kind == "ecog":
            self._ecog(res, ref, date)
        elif kind == "kps":
            value = self._quantity_or_int(res, ref)
            if value is not None:
                self.add("patient.kps", round(value), date, ref, "value[x]", _fmt(value))
        elif kind == "stage":
            self._stage(res.get("valueCodeableConcept"), date, ref, "valueCodeableConcept")
        elif kind == "m_category":
            concept = res.get("valueCodeableConcept")
            text = (C.concept_text(concept) + " " + " ".join(c for _, c, _ in C.codings(concept))).lower()
            if _M1.search(text):
                self.stage_iv.append((date, ref))
            elif _M0.search(text):
                self.early_stage.append((date, ref))
        elif kind == "variant":
            self._variant(res, ref, date)

    def _quantity_or_int(self, res: dict[str, Any], ref: str) -> float | None:
        if "valueInteger" in res:
            return _number(res["valueInteger"], ref, "valueInteger")
        q = res.get("valueQuantity")
        if isinstance(q, dict) and "value" in q:
            return _number(q["value"], ref, "valueQuantity.value")
        self.note("unmapped", "no numeric value", ref, "value[x]")
        return None

    def _lab(
        self,
        res: dict[str, Any],
        ref: str,
        path: str,
        date: str | None,
        coded: list[tuple[str | None, str, str]],
    ) -> None:
        q = res.get("valueQuantity")
        if not isinstance(q, dict):
            if q is not None:
                raise FhirMappingError(f"valueQuantity: must be an object, got {_kind(q)}", field=ref)
            what = next((k for k in res if k.startswith("value")), None)
            self.note(
                "unmapped", f"{path} needs a valueQuantity; got {what or 'no value'}", ref, what or "value[x]"
            )
            return
        if "value" not in q:
            self.note("unmapped", "valueQuantity has no value", ref, "valueQuantity.value")
            return
        value = _number(q["value"], ref, "valueQuantity.value")
        unit = (
            q.get("code")
            if q.get("system") == "http://unitsofmeasure.org" and q.get("code")
            else q.get("unit")
        )
        unit = unit if unit is not None else q.get("code")
        try:
            converted, unit_out, changed = convert_value(path, value, unit)
        except UnitError as exc:
            self.note("dropped", f"{path}: {exc}", ref, "valueQuantity.unit", "warning")
            return
        original = f"{_fmt(value)} {unit}"
        if changed:
            self.note(
                "conversion",
                f"{path}: {original} converted to {_fmt(converted)} {unit_out}",
                ref,
                "valueQuantity",
            )
        caveat = C.tables().lab_caveats.get(next((c for s, c, _ in coded if s == "loinc"), ""))
        if caveat:
            self.note("assumption", caveat, ref, "code")
        self.add(path, round(converted, 4), date, ref, "valueQuantity", original)

    def _marker(self, res: dict[str, Any], ref: str, marker: str, date: str | None) -> None:
        concept = res.get("valueCodeableConcept")
        q = res.get("valueQuantity")
        text_value = res.get("valueString")
        if marker in {"er", "pr"}:
            if isinstance(q, dict) and "value" in q:
                value = _number(q["value"], ref, "valueQuantity.value")
                unit = str(q.get("code") or q.get("unit") or "")
                if unit.strip() == "%":
                    self.add(f"tumor.{marker}_percent", value, date, ref, "valueQuantity", f"{_fmt(value)}%")
                    return
                self.note(
                    "dropped",
                    f"{marker.upper()} quantity in '{unit}' (need %)",
                    ref,
                    "valueQuantity.unit",
                    "warning",
                )
                return
            if isinstance(text_value, str):
                m = _PERCENT.search(text_value)
                if m:
                    self.add(
                        f"tumor.{marker}_percent", float(m.group(1)), date, ref, "valueString", text_value
                    )
                    return
            meaning = C.answer_meaning(concept) or C.answer_meaning({"text": text_value or ""})
            if meaning is None:
                for interp in res.get("interpretation") or ():
                    meaning = meaning or C.answer_meaning(interp)
            if meaning in {"positive", "negative"}:
                self.add(f"status.{marker}", meaning, date, ref, "valueCodeableConcept", meaning)
            else:
                self.note(
                    "unmapped",
                    f"{marker.upper()} result not understood: '{C.label(concept)}'",
                    ref,
                    "value[x]",
                    "warning",
                )
            return
        words = " ".join(
            p
            for p in (
                C.concept_text(concept),
                " ".join(c for _, c, _ in C.codings(concept)),
                str(text_value or ""),
            )
            if p
        )
        score = _ihc_score(words)
        if marker in {"her2_ihc", "her2_unspecified"} and score:
            self.add("tumor.her2_ihc", score, date, ref, "value[x]", words)
            return
        meaning = C.answer_meaning(concept) or C.answer_meaning({"text": str(text_value or "")})
        if marker == "her2_ish" and meaning in {"positive", "negative"}:
            self.add(
                "tumor.her2_ish",
                "amplified" if meaning == "positive" else "not_amplified",
                date,
                ref,
                "value[x]",
                meaning,
            )
            return
        if meaning in {"positive", "negative", "equivocal"}:
            self.add("status.her2", meaning, date, ref, "valueCodeableConcept", meaning)
            return
        self.note("unmapped", f"HER2 result not understood: '{C.label(concept)}'", ref, "value[x]", "warning")

    def _ecog(self, res: dict[str, Any], ref: str, date: str | None) -> None:
        answers = C.tables().ecog_answers
        value: float | None = None
        if "valueInteger" in res:
            value = _number(res["valueInteger"], ref, "valueInteger")
        else:
            for _, c, _ in C.codings(res.get("valueCodeableConcept")):
                if c in answers:
                    value = float(answers[c])
        if value is None:
            self.note("unmapped", "ECOG value not understood", ref, "value[x]", "warning")
            return
        self.add("patient.ecog", int(value), date, ref, "value[x]", _fmt(value))

    def _stage(self, concept: Any, date: str | None, ref: str, element: str) -> None:
        words = (C.concept_text(concept) + " " + " ".join(c for _, c, _ in C.codings(concept))).strip()
        label = C.label(concept)
        if _STAGE_IV.search(words.lower()):
            self.stage_iv.append((date, ref))
            self.case_notes.append(f"FHIR import: stage group {label} ({ref}{', ' + date if date else ''}).")
        elif _STAGE_EARLY.search(words.lower()):
            self.early_stage.append((date, ref))
            self.case_notes.append(f"FHIR import: stage group {label} ({ref}{', ' + date if date else ''}).")
        else:
            self.note("unmapped", f"stage group '{label}' not understood", ref, element, "warning")

    def _variant(self, res: dict[str, Any], ref: str, date: str | None) -> None:
        t = C.tables()
        gene = None
        source = None
        for comp in res.get("component") or ():
            if not isinstance(comp, dict):
                continue
            comp_codes = {c for _, c, _ in C.codings(comp.get("code"))}
            if comp_codes & t.gene_component_codes:
                gene = gene or _gene(comp.get("valueCodeableConcept"))
            if comp_codes & t.genomic_source_component_codes:
                source = C.answer_meaning(comp.get("valueCodeableConcept"))
        if gene is None:
            self.note(
                "unmapped",
                "variant in a gene mbcnav does not use (or gene not named)",
                ref,
                "component(48018-6)",
            )
            return
        meaning = C.answer_meaning(res.get("valueCodeableConcept")) if "valueCodeableConcept" in res else None
        if meaning is None:
            meaning = "present"
            self.note(
                "assumption",
                f"{gene} variant observation has no value; read as 'present'",
                ref,
                "valueCodeableConcept",
            )
        if meaning not in {"present", "absent", "positive", "negative"}:
            self.note(
                "unmapped", f"{gene} variant result '{meaning}' not understood", ref, "valueCodeableConcept"
            )
            return
        found = meaning in {"present", "positive"}
        self.genes.setdefault(gene, []).append(
            _Candidate(
                (found, source),
                date,
                ref,
                "valueCodeableConcept",
                f"{gene} {'present' if found else 'absent'}",
                self.order,
            )
        )
        self.order += 1

    # -- Medicines -----------------------------------------------------------------------------
    def medication(self, res: dict[str, Any], ref: str) -> None:
        rtype = res["resourceType"]
        status = str(res.get("status") or "unknown")
        if status in {"entered-in-error", "cancelled", "not-taken", "not-done"}:
            self.note("dropped", f"{rtype} status '{status}'; not used", ref, "status")
            return
        concept = res.get("medicationCodeableConcept")
        element = "medicationCodeableConcept"
        if concept is None and isinstance(res.get("medicationReference"), dict):
            target = res["medicationReference"].get("reference", "")
            med = self._contained(res, target) or self.index.get(target)
            concept = med.get("code") if isinstance(med, dict) else None
            element = "medicationReference"
            if concept is None:
                self.note(
                    "unmapped",
                    f"medication reference '{target}' not found in the input",
                    ref,
                    element,
                    "warning",
                )
                return
        drug = self.drug(concept, ref, element)
        if drug is None:
            return
        start, end = _med_period(res)
        if rtype == "MedicationAdministration":
            current = status == "in-progress" or (
                status == "completed"
                and (d := _parse_date(end or start)) is not None
                and (self.as_of - d).days <= 42
            )
            if status == "completed" and current:
                self.note(
                    "assumption",
                    f"{drug} given within 6 weeks of {self.as_of.isoformat()}: counted as current",
                    ref,
                    "effective[x]",
                )
        else:
            current = status in {"active", "on-hold", "draft", "intended", "unknown"}
        t = C.tables()
        intent_ok = any(
            s == "sct" and c in t.intent_metastatic_sct
            for ext in res.get("extension") or ()
            if isinstance(ext, dict) and "intent" in str(ext.get("url", ""))
            for s, c, _ in C.codings(ext.get("valueCodeableConcept"))
        )
        reasons = res.get("statusReason")
        reasons = list(reasons) if isinstance(reasons, list) else [reasons]
        reason_text = " ".join(C.concept_text(x) for x in (*reasons, *(res.get("reasonCode") or ())))
        progressed = True if any(w in reason_text for w in t.progression_text) else None
        self.meds.append(
            _Med(
                drug,
                "current" if current else "prior",
                start,
                end,
                ref,
                _dose(res, ref),
                intent_ok,
                progressed,
            )
        )

    def drug(self, concept: Any, ref: str, element: str) -> str | None:
        try:
            drug = _drug_name(concept)
        except MbcnavError as exc:  # the drug index lives in the knowledge base, which can be broken
            self.note(
                "unmapped",
                f"medicine '{C.label(concept)}' not used: mbcnav's drug index could not be "
                f"loaded ({exc.message[:120]})",
                ref,
                element,
                "error",
            )
            return None
        if drug is None:
            self.note(
                "unmapped",
                f"medicine '{C.label(concept)}' is not known to mbcnav; not used",
                ref,
                element,
                "warning",
            )
        return drug

    def _contained(self, res: dict[str, Any], target: str) -> dict[str, Any] | None:
        if target.startswith("#"):
            for item in res.get("contained") or ():
                if isinstance(item, dict) and item.get("id") == target[1:]:
                    return item
        return None

    def allergy(self, res: dict[str, Any], ref: str) -> None:
        verification = {c for _, c, _ in C.codings(res.get("verificationStatus"))}
        if verification & {"refuted", "entered-in-error"}:
            self.note("dropped", "allergy refuted or entered in error", ref, "verificationStatus")
            return
        drug = self.drug(res.get("code"), ref, "code")
        if drug is None:
            return
        reaction = None
        for r in res.get("reaction") or ():
            for m in (r.get("manifestation") or ()) if isinstance(r, dict) else ():
                reaction = reaction or C.label(m)
        entry: dict[str, Any] = {"drug": drug}
        if reaction and reaction != "?":
            entry["reaction"] = reaction[:200]
        self.allergies.append(entry)

    # -- assembling the Case -------------------------------------------------------------------
    def resolve(self) -> tuple[dict[str, Any], dict[str, FieldSource]]:
        data: dict[str, Any] = {}
        provenance: dict[str, FieldSource] = {}
        status: dict[str, _Candidate] = {}
        self.chosen: dict[str, _Candidate] = {}
        for path, cands in self.values.items():
            chosen = self._latest(path, cands)
            if path.startswith("status."):
                status[path[7:]] = chosen
                continue
            section, name = path.split(".", 1)
            data.setdefault(section, {})[name] = chosen.value
            provenance[path] = FieldSource(
                chosen.value, chosen.date, chosen.resource, chosen.element, chosen.original
            )
            self.chosen[path] = chosen
        self._statuses(status, data)
        self._genomics(data, provenance)
        self._metastatic(data)
        self._treatments(data)
        if self.allergies:
            data["allergies"] = self.allergies
        if self.comorbidities:
            data["comorbidities"] = list(dict.fromkeys(self.comorbidities))
        if self.case_notes:
            data["notes"] = list(dict.fromkeys(self.case_notes))
        return data, provenance

    def _latest(self, path: str, cands: list[_Candidate]) -> _Candidate:
        if len(cands) == 1:  # the common case: nothing to compare, no note
            return cands[0]
        ordered = sorted(cands, key=lambda c: (_date_key(c.date), c.order))
        chosen = ordered[-1]
        others = [c for c in ordered[:-1] if c.value != chosen.value]
        for other in others:
            same_time = _date_key(other.date) == _date_key(chosen.date)
            when = f" on {chosen.date}" if chosen.date else " (no date)"
            was = f" on {other.date}" if other.date else " (no date)"
            if same_time:
                self.note(
                    "conflict",
                    f"{path}: {other.original!s} ({other.resource}) and {chosen.original!s} "
                    f"({chosen.resource}) have the same date{when}; the later entry in the input is used",
                    chosen.resource,
                    chosen.element,
                    "warning",
                )
            else:
                self.note(
                    "conflict",
                    f"{path}: {chosen.original!s}{when} ({chosen.resource}) replaces "
                    f"{other.original!s}{was} ({other.resource}); latest value wins",
                    chosen.resource,
                    chosen.element,
                    "warning",
                )
        superseded = len(ordered) - 1 - len(others)
        if superseded:
            self.note(
                "superseded",
                f"{path}: {superseded} older result(s) with the same value",
                chosen.resource,
                chosen.element,
            )
        return chosen

    def drop_invalid(self, data: dict[str, Any], provenance: dict[str, FieldSource]) -> bool:
        """After a failed Case parse: drop each imported lab/patient value the Case refuses, with a note.

        Checked only when the whole Case fails, so the common path pays for one validation, not one per field.
        """
        dropped = False
        for path, cand in list(self.chosen.items()):
            section, name = path.split(".", 1)
            model = {"labs": Labs, "patient": Patient}.get(section)
            if model is None or name not in data.get(section, {}):
                continue
            try:
                model.model_validate({name: cand.value})
            except ValidationError as exc:
                msg = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
                self.note(
                    "dropped",
                    f"{path} = {cand.value} (sent as {cand.original}) is not accepted: {msg}",
                    cand.resource,
                    cand.element,
                    "warning",
                )
                del data[section][name]
                provenance.pop(path, None)
                dropped = True
        return dropped

    def _statuses(self, status: dict[str, _Candidate], data: dict[str, Any]) -> None:
        tumor = data.get("tumor", {})
        names = {"er": "ER", "pr": "PR", "her2": "HER2"}
        for marker, cand in status.items():
            when = f", {cand.date}" if cand.date else ""
            if marker in {"er", "pr"} and f"{marker}_percent" in tumor:
                pct = tumor[f"{marker}_percent"]
                if (pct >= 1) != (cand.value == "positive"):
                    self.note(
                        "conflict",
                        f"{names[marker]} reported '{cand.value}' ({cand.resource}) but the "
                        f"percent is {pct}%; the percent is used",
                        cand.resource,
                        cand.element,
                        "warning",
                    )
                continue
            if marker == "her2" and ("her2_ihc" in tumor or "her2_ish" in tumor):
                continue
            # Keep the reported call in the Case (tumor.<marker>_status); the subtype step uses it
            # and names what is still missing (ER-low cannot be excluded, HER2-low needs the IHC score).
            tumor[f"{marker}_status"] = cand.value
            data["tumor"] = tumor
            need = (
                "the percent of stained cells (ER-low 1-10% cannot be excluded)"
                if marker != "her2"
                else "the IHC score (0, 1+, 2+, 3+) or ISH result (HER2-low cannot be decided)"
            )
            self.note(
                "needs_review",
                f"{names[marker]} reported only as '{cand.value}'{when}; kept as tumor.{marker}_status; "
                f"still needed: {need}",
                cand.resource,
                cand.element,
                "warning",
            )

    def _genomics(self, data: dict[str, Any], provenance: dict[str, FieldSource]) -> None:
        tumor = data.setdefault("tumor", {})
        for gene, cands in self.genes.items():
            ordered = sorted(cands, key=lambda c: (_date_key(c.date), c.order))
            latest = ordered[-1]
            found, source = latest.value
            if len({c.value[0] for c in ordered}) > 1:
                self.note(
                    "conflict",
                    f"{gene}: results differ over time; latest ({latest.original}, "
                    f"{latest.date or 'no date'}) used",
                    latest.resource,
                    latest.element,
                    "warning",
                )
            if gene in {"PIK3CA", "ESR1", "AKT1", "PTEN"}:
                name = gene.lower()
                tumor[name] = "mutant" if found else "wildtype"
                provenance[f"tumor.{name}"] = FieldSource(
                    value=tumor[name], date=latest.date, resource=latest.resource, element=latest.element
                )
                continue
            if source != "germline":
                self.case_notes.append(
                    f"FHIR import: {gene} variant {'present' if found else 'absent'} "
                    f"({source or 'germline or somatic not stated'}; {latest.resource})."
                )
                self.note(
                    "needs_review",
                    f"{gene} result is {source or 'not marked germline or somatic'}; "
                    "the germline fields are left empty and the result is kept in notes",
                    latest.resource,
                    "component(48002-0)",
                    "warning",
                )
                continue
            if gene == "PALB2":
                tumor["gpalb2"] = "mutant" if found else "negative"
            elif found:
                if tumor.get("gbrca") in {"BRCA1", "BRCA2"} and tumor["gbrca"] != gene:
                    self.note(
                        "info",
                        f"germline variants in both BRCA1 and BRCA2; {tumor['gbrca']} kept",
                        latest.resource,
                    )
                    continue
                tumor["gbrca"] = gene
            elif "gbrca" not in tumor and {"BRCA1", "BRCA2"} <= set(self.genes):
                tumor["gbrca"] = "negative"
        if not tumor:
            data.pop("tumor")

    def _metastatic(self, data: dict[str, Any]) -> None:
        if self.sites:
            data["metastatic_sites"] = list(self.sites)
        elif self.stage_iv:
            data["metastatic_sites"] = ["other"]
            self.note(
                "assumption",
                "stage IV / M1 recorded but no metastasis Condition names a site; "
                "metastatic_sites set to ['other']",
                self.stage_iv[0][1],
                None,
                "warning",
            )
        elif self.early_stage:
            self.note(
                "needs_review",
                "the record describes early (non-metastatic) breast cancer; mbcnav is "
                "built for metastatic disease",
                self.early_stage[0][1],
                None,
                "warning",
            )
        if self.stage_iv:
            self.metastasis_dates.extend(d for d, _ in self.stage_iv if d)

    def _treatments(self, data: dict[str, Any]) -> None:
        if not self.meds:
            return
        categories = _drug_categories()
        met_start = min((_date_key(d) for d in self.metastasis_dates), default=None)
        de_novo = bool(self.stage_iv) and not self.early_stage
        current_tx: list[dict[str, Any]] = []
        current_meds: list[str] = []
        prior: list[dict[str, Any]] = []
        line_items: list[tuple[str, str, bool]] = []  # (start, drug, current)
        for med in self.meds:
            category = categories.get(med.drug)
            if category is None or category == "supportive":
                if med.status == "current":
                    current_meds.append(med.drug)
                else:
                    self.note("unmapped", f"past non-cancer medicine {med.drug} is not used", med.resource)
                continue
            if med.status == "current":
                entry: dict[str, Any] = {"drug": med.drug, **med.dose}
                current_tx.append(entry)
            setting = self._setting(med, met_start, de_novo)
            if med.status == "prior":
                p: dict[str, Any] = {"drug": med.drug}
                if setting:
                    p["setting"] = setting
                start, end = _parse_date(med.start), _parse_date(med.end)
                if start and end and end >= start:
                    p["months"] = round((end - start).days / 30.4375, 1)
                if med.progressed is not None:
                    p["progressed"] = med.progressed
                prior.append(p)
            if setting == "metastatic" and category not in _NON_LINE:
                line_items.append((_date_key(med.start), med.drug, med.status == "current"))
        if current_tx:
            data["current_treatment"] = _dedupe(current_tx)
        if current_meds:
            data["current_meds"] = list(dict.fromkeys(current_meds))
        if prior:
            data["prior_treatment"] = prior
        self._line(line_items, data)

    def _setting(self, med: _Med, met_start: str | None, de_novo: bool) -> str | None:
        if med.metastatic_intent:
            return "metastatic"
        if met_start and med.start:
            if _date_key(med.start) >= met_start:
                return "metastatic"
            self.note(
                "needs_review",
                f"{med.drug} started before the metastatic diagnosis; adjuvant or "
                "neoadjuvant is not stated, so no setting is given",
                med.resource,
                "effective[x]",
            )
            return None
        if de_novo:
            self.note(
                "assumption",
                f"{med.drug}: stage IV with no earlier stage recorded, so counted as "
                "metastatic-setting treatment",
                med.resource,
            )
            return "metastatic"
        self.note(
            "needs_review",
            f"{med.drug}: setting (metastatic or early disease) cannot be told from the record",
            med.resource,
        )
        return None

    def _line(self, items: list[tuple[str, str, bool]], data: dict[str, Any]) -> None:
        if not items:
            return
        if any(not start for start, _, _ in items):
            self.note("needs_review", "some metastatic treatments have no dates; line of therapy not derived")
            return
        groups: dict[str, list[tuple[str, bool]]] = {}
        for start, drug, current in items:
            groups.setdefault(start[:10], []).append((drug, current))
        regimens = [
            (start, g)
            for start, g in sorted(groups.items())
            if not all(drug in _OVARIAN_SUPPRESSION for drug, _ in g)
        ]
        if not regimens:
            return
        current_idx = [i for i, (_, g) in enumerate(regimens) if any(cur for _, cur in g)]
        if current_idx:
            line = current_idx[-1] + 1
            how = f"current regimen started {regimens[current_idx[-1]][0]} is regimen {line} by start date"
        else:
            line = len(regimens) + 1
            how = (
                f"{len(regimens)} earlier metastatic regimen(s) and none current, so the next line is {line}"
            )
        if line > 20:
            self.note("dropped", f"derived line {line} is above 20; not used", None, None, "warning")
            return
        data["line"] = line
        names = "; ".join(f"{s}: {' + '.join(d for d, _ in g)}" for s, g in regimens)
        self.note("assumption", f"line of therapy {line} derived from start dates ({how}; regimens: {names})")


#: resource type -> the _Importer method that maps it (one table for the class, not one per import)
_Importer._HANDLERS = {
    "Condition": _Importer.condition,
    "Observation": _Importer.observation,
    "MedicationRequest": _Importer.medication,
    "MedicationStatement": _Importer.medication,
    "MedicationAdministration": _Importer.medication,
    "AllergyIntolerance": _Importer.allergy,
}


def _dedupe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in rows:
        seen[row["drug"]] = {**seen.get(row["drug"], {}), **row}
    return list(seen.values())


def _ihc_score(words: str) -> str | None:
    text = words.lower()
    if "ultralow" in text or "ultra-low" in text:
        return "0+ultralow"
    m = _IHC_PLUS.search(text)
    if m:
        return "0" if m.group(1) == "0" else f"{m.group(1)}+"
    if _IHC_ZERO.fullmatch(text):
        return "0"
    return None


def _gene(concept: Any) -> str | None:
    cd = C.codes()
    for _, c, display in C.codings(concept):
        if c in cd["genes"]:
            return str(cd["genes"][c])
        if c.upper() in cd["gene_symbols"]:
            return c.upper()
        if display.upper() in cd["gene_symbols"]:
            return display.upper()
    text = C.concept_text(concept)
    if text in cd["gene_names"]:
        return str(cd["gene_names"][text])
    for name, symbol in cd["gene_names"].items():
        if name in text:
            return str(symbol)
    for symbol in cd["gene_symbols"]:
        if re.search(rf"\b{symbol.lower()}\b", text):
            return str(symbol)
    return None


def _drug_name(concept: Any) -> str | None:
    """Canonical generic name for a medicine concept, or None. RxNorm map first, then the words."""
    rx = C.tables().rxnorm
    for system, c, _ in C.codings(concept):
        if system == "rxnorm" and c in rx:
            try:
                return resolve_drug(str(rx[c]))
            except UnknownDrugError:
                return None
    text = C.concept_text(concept)
    if not text:
        return None
    noise = C.tables().drug_text_noise
    words = [w for w in _DRUG_WORD_SPLIT.split(text) if w and w not in noise and not _NUMBER_START.match(w)]
    for size in range(min(5, len(words)), 0, -1):
        for i in range(len(words) - size + 1):
            candidate = " ".join(words[i : i + size])
            if is_known_drug(candidate):
                return resolve_drug(candidate)
    return None


def _med_period(res: dict[str, Any]) -> tuple[str | None, str | None]:
    for key in ("effectivePeriod",):
        period = res.get(key)
        if isinstance(period, dict):
            return period.get("start"), period.get("end")
    for key in ("effectiveDateTime", "authoredOn", "dateAsserted"):
        if isinstance(res.get(key), str):
            return res[key], None
    validity = (
        (res.get("dispenseRequest") or {}).get("validityPeriod")
        if isinstance(res.get("dispenseRequest"), dict)
        else None
    )
    if isinstance(validity, dict):
        return validity.get("start"), validity.get("end")
    return None, None


_DOSE_UNITS = {"mg": "dose_mg", "mg/m2": "dose_mg_m2", "mg/m^2": "dose_mg_m2", "mg/kg": "dose_mg_kg"}


def _dose(res: dict[str, Any], ref: str) -> dict[str, float]:
    """The first dose quantity in mg, mg/m² or mg/kg (what the safety rules compare); else nothing."""
    dosages: list[Any] = []
    if isinstance(res.get("dosageInstruction"), list):
        dosages = res["dosageInstruction"]
    elif isinstance(res.get("dosage"), list):
        dosages = res["dosage"]
    quantities: list[tuple[Any, str]] = []
    for n, dosage in enumerate(dosages):
        for m, dr in enumerate((dosage.get("doseAndRate") or ()) if isinstance(dosage, dict) else ()):
            if isinstance(dr, dict) and isinstance(dr.get("doseQuantity"), dict):
                quantities.append((dr["doseQuantity"], f"dosage[{n}].doseAndRate[{m}].doseQuantity"))
    if isinstance(res.get("dosage"), dict) and isinstance(res["dosage"].get("dose"), dict):
        quantities.append((res["dosage"]["dose"], "dosage.dose"))
    for q, element in quantities[:1]:
        if "value" not in q:
            continue
        value = _number(q["value"], ref, f"{element}.value")
        unit = str(q.get("code") or q.get("unit") or "").strip().lower().replace("²", "2")
        key = _DOSE_UNITS.get(unit)
        if key:
            return {key: value}
        if unit == "g":
            return {"dose_mg": value * 1000}
    return {}


# ----------------------------------------------------------------------------------------- strict


# mCODE is written against FHIR R4 (4.0.1), but fhir.resources 8 ships no plain R4 package (only R4B,
# R5 and STU3). R4B changed none of the resources mbcnav reads (Patient, Condition, Observation,
# Medication*, AllergyIntolerance, Bundle) in ways that matter here, so its models parse R4 mCODE data.
def _strict_validate(resources: _Resources, data: Any) -> tuple[_Resources, list[ImportNote]]:
    from fhir.resources.R4B import get_fhir_model_class

    defects: list[ImportNote] = []
    kept: _Resources = []
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        shell = {k: v for k, v in data.items() if k != "entry"}
        defects.extend(
            _validate_one(
                get_fhir_model_class, shell, "Bundle" + (f"/{data['id']}" if data.get("id") else "")
            )[1]
        )
    for where, res, full_url in resources:
        if res["resourceType"] == "_Empty":
            continue
        model, errs = _validate_one(get_fhir_model_class, res, _ref(res, where))
        defects.extend(errs)
        if model is not None:
            kept.append((where, model, full_url))
    return kept, defects


def _validate_one(
    get_class: Any, res: dict[str, Any], ref: str
) -> tuple[dict[str, Any] | None, list[ImportNote]]:
    try:
        cls = get_class(res["resourceType"])
    except (KeyError, ValueError, AttributeError):
        return None, [
            ImportNote(
                kind="defect",
                level="error",
                resource=ref,
                element="resourceType",
                message=f"unknown resource type '{res['resourceType']}'",
            )
        ]
    try:
        model = cls.model_validate(res)
    except ValidationError as exc:
        return None, [
            ImportNote(
                kind="defect",
                level="error",
                resource=ref,
                element=".".join(str(p) for p in err["loc"]) or None,
                message=err["msg"],
            )
            for err in exc.errors(include_url=False)
        ]
    except Exception as exc:  # fhir.resources raises its own errors for some shapes
        return None, [ImportNote(kind="defect", level="error", resource=ref, message=str(exc)[:300])]
    dumped = orjson.loads(model.model_dump_json(by_alias=True, exclude_none=True))
    return dumped, []


# ----------------------------------------------------------------------------------------- public


def case_from_fhir(data: Any, *, strict: bool = False, as_of: dt.date | None = None) -> ImportResult:
    """Map a parsed FHIR Bundle, resource, or list of resources to a Case with import notes.

    ``strict``: validate every resource against the fhir.resources R4B models first; resources that
    fail are left out and each defect becomes an error-level note (``ImportResult.errors``).
    ``as_of``: the date ages and "current" are reckoned from (default: today).
    """
    resources = _all_resources(data)
    defects: list[ImportNote] = []
    if strict:
        resources, defects = _strict_validate(resources, data)
    importer = _Importer(as_of or dt.date.today())
    importer.notes.extend(defects)
    importer.run(resources)
    case_data, provenance = importer.resolve()
    if importer.patient_id:
        case_data["id"] = str(importer.patient_id)[:200]
    try:
        case = parse_case(case_data)
    except CaseValidationError as exc:
        if not importer.drop_invalid(case_data, provenance):
            raise FhirMappingError(f"the imported values do not form a valid case: {exc}") from None
        try:
            case = parse_case(case_data)
        except CaseValidationError as exc2:
            raise FhirMappingError(f"the imported values do not form a valid case: {exc2}") from None
    return ImportResult(
        case=case, import_notes=importer.notes, provenance=provenance, patient_id=importer.patient_id
    )


def resources_of(data: Any) -> Iterable[dict[str, Any]]:
    """Every resource in a Bundle/list/resource (for callers such as the CDS service)."""
    return (res for _, res, _ in iter_resources(data) if res["resourceType"] != "_Empty")


def drug_from_concept(concept: Any) -> str | None:
    """Canonical drug name for a medication CodeableConcept (RxNorm or words), or None."""
    return _drug_name(concept)


def dose_of(resource: dict[str, Any]) -> dict[str, float]:
    """dose_mg / dose_mg_m2 / dose_mg_kg of a MedicationRequest's first dose."""
    return _dose(resource, _ref(resource, ""))
