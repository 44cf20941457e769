"""Facts read from a case's free-text ``notes``: a DPYD result, an allergy, and the parts that tell the past.

case-format.md promises that notes are scanned for facts the engine recognises and that the assessment
says which notes it used. These readings matter for safety (third pharmacist sweep, H4):

- a DPYD result written only in a note ("DPYD*2A homozygous, activity score 0") must weigh like the
  structured ``pharmacogenomics.dpyd`` field, or capecitabine is offered at full dose;
- an allergy written only in a note ("anaphylaxis to paclitaxel in 2021") must block that drug;
- the same note must not be read as anaphylaxis happening now (emergency epinephrine advice), nor a
  pneumonitis "after RT 2019" as one to act on today;
- yet that past pneumonitis is the lung history the ILD rules are about (T-DXd, Dato-DXd, everolimus): it
  raises the same safety fact as the comorbidity would.

The patterns and bands are data (``rules/notes.yaml``); this module cuts notes into parts, matches them and
builds the case the rest of the engine sees. The structured fields always win: a note only fills an empty
DPYD field or adds an allergy not yet recorded, and a note that disagrees with a recorded DPYD value is
named (and raises a ``dpyd_conflict:<value>`` safety fact), never used in its place.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from mbcnav.case import Allergy, Case
from mbcnav.drugnames import name_index, normalise
from mbcnav.reasoning.triage import triage
from mbcnav.yamlfile import load_yaml

_RULES_FILE = Path(__file__).parent / "rules" / "notes.yaml"
#: most cautious first: when readings differ, the first of these present is used
_CAUTION = ("poor", "intermediate", "normal")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\s*[;\n]+\s*")
_WORD = re.compile(r"[a-z0-9][a-z0-9\-]*")
_EVIDENCE_CHARS = 160


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


@dataclass(frozen=True)
class _Rules:
    dates: re.Pattern[str]
    past: re.Pattern[str]
    settled: re.Pattern[str]
    not_findings: re.Pattern[str]
    current: re.Pattern[str]
    time_only: re.Pattern[str]
    record_heading: re.Pattern[str]
    part_breaks: re.Pattern[str]
    dpyd_context: re.Pattern[str]
    dpyd_not_result: re.Pattern[str]
    phenotypes: tuple[tuple[str, re.Pattern[str]], ...]
    activity_score: re.Pattern[str]
    score_bands: dict[float, str]
    variants: tuple[tuple[str, float, re.Pattern[str]], ...]
    homozygous: re.Pattern[str]
    heterozygous: re.Pattern[str]
    allergy_cues: tuple[tuple[str, re.Pattern[str]], ...]
    allergy_heading: re.Pattern[str]
    allergy_negated: re.Pattern[str]
    allergy_not_a_reaction: re.Pattern[str]
    allergy_stop: re.Pattern[str]
    min_name_length: int
    texts: dict[str, str]
    dpyd_sources: tuple[str, ...]
    lung_cue: re.Pattern[str]
    lung_negated: re.Pattern[str]
    lung_negated_after: re.Pattern[str]
    lung_not_a_history: re.Pattern[str]
    lung_uncertain: re.Pattern[str]
    lung_grade_1: re.Pattern[str]
    #: (fact for a pneumonitis history, fact for a grade 1 pneumonitis)
    lung_facts: tuple[str, str]
    dental_procedures: re.Pattern[str]
    dental_negated: re.Pattern[str]
    dental_fact: str
    #: pegfilgrastim named with a timing on or before the chemotherapy day (notes.yaml, gcsf_timing)
    gcsf_timing: re.Pattern[str]
    gcsf_negated: re.Pattern[str]
    gcsf_on_body: re.Pattern[str]
    gcsf_fact: str
    #: (tumor field, pattern naming the gene) for the mutations a note may report (notes.yaml, mutations)
    mutation_genes: tuple[tuple[str, re.Pattern[str]], ...]
    mutation_not_a_result: re.Pattern[str]
    mutation_uncertain: re.Pattern[str]
    mutation_negative: re.Pattern[str]
    mutation_positive: re.Pattern[str]


@functools.cache
def _rules() -> _Rules:
    data: dict[str, Any] = load_yaml(_RULES_FILE.read_text(encoding="utf-8"))
    time, dpyd, allergy, lung = data["time"], data["dpyd"], data["allergy"], data["lung"]
    gcsf = data["gcsf_timing"]
    phenotypes = dpyd["phenotypes"]
    unknown = set(phenotypes) - set(_CAUTION)
    if unknown:
        raise ValueError(f"notes.yaml: unknown DPYD phenotype(s) {sorted(unknown)}")
    bands = {float(b["value"]): b["phenotype"] for b in dpyd["score_bands"]}
    if not set(bands.values()) <= set(_CAUTION):
        raise ValueError("notes.yaml: a DPYD score band names an unknown phenotype")
    return _Rules(
        dates=_any(time["dates"]),
        past=_any(time["past"]),
        settled=_any(time["settled"]),
        not_findings=_any(time["not_findings"]),
        current=_any(time["current"]),
        time_only=_any(time["time_only"]),
        record_heading=re.compile(time["record_heading"]),
        part_breaks=re.compile(time["part_breaks"]),
        dpyd_context=re.compile(dpyd["context"]),
        dpyd_not_result=re.compile(dpyd["not_a_result"]),
        phenotypes=tuple((name, _any(phenotypes[name])) for name in _CAUTION if name in phenotypes),
        activity_score=re.compile(dpyd["activity_score"]),
        score_bands=bands,
        variants=tuple(
            (name, float(spec["loss"]), _any(spec["patterns"])) for name, spec in dpyd["variants"].items()
        ),
        homozygous=re.compile(dpyd["homozygous"]),
        heterozygous=re.compile(dpyd["heterozygous"]),
        allergy_cues=tuple((name, re.compile(p)) for name, p in allergy["cues"].items()),
        allergy_heading=re.compile(allergy["heading"]),
        allergy_negated=re.compile(allergy["negated"]),
        allergy_not_a_reaction=re.compile(allergy["not_a_reaction"]),
        allergy_stop=re.compile(allergy["stop"]),
        min_name_length=int(allergy["min_name_length"]),
        texts=data["texts"],
        dpyd_sources=tuple(dpyd["sources"]),
        lung_cue=re.compile(lung["cue"]),
        lung_negated=re.compile(lung["negated"]),
        lung_negated_after=re.compile(lung["negated_after"]),
        lung_not_a_history=re.compile(lung["not_a_history"]),
        lung_uncertain=re.compile(lung["uncertain"]),
        lung_grade_1=re.compile(lung["grade_1"]),
        lung_facts=(str(lung["fact"]), str(lung["fact_grade_1"])),
        dental_procedures=_any(data["dental"]["procedures"]),
        dental_negated=re.compile(data["dental"]["negated"]),
        dental_fact=str(data["dental"]["fact"]),
        gcsf_timing=_any([p.replace("{drug}", gcsf["drug"]) for p in gcsf["patterns"]]),
        gcsf_negated=re.compile(gcsf["negated"]),
        gcsf_on_body=re.compile(gcsf["on_body"]),
        gcsf_fact=str(gcsf["fact"]),
        mutation_genes=tuple((gene, re.compile(p)) for gene, p in data["mutations"]["genes"].items()),
        mutation_not_a_result=re.compile(data["mutations"]["not_a_result"]),
        mutation_uncertain=re.compile(data["mutations"]["uncertain"]),
        mutation_negative=re.compile(data["mutations"]["negative"]),
        mutation_positive=re.compile(data["mutations"]["positive"]),
    )


# --- one note --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NoteRead:
    """What one note says, read once per distinct text."""

    #: the note with the parts that only tell the past set aside (the note itself when there are none)
    current: str
    #: the parts set aside, as written
    past: tuple[str, ...] = ()
    #: (DPYD phenotype, the sentence it was read from)
    dpyd: tuple[tuple[str, str], ...] = ()
    #: sentences that mention a DPYD result that could not be read
    dpyd_unread: tuple[str, ...] = ()
    #: (generic drug name, reaction, the words it was read from)
    allergies: tuple[tuple[str, str, str], ...] = ()
    #: (grade 1?, the words it was read from): a pneumonitis or ILD the note reports, past or present
    lung: tuple[tuple[bool, str], ...] = ()
    #: the words an invasive dental procedure (planned or under way) was read from
    dental: tuple[str, ...] = ()
    #: (tumor field, "mutant" or "wildtype", the words it was read from): an ESR1 or PIK3CA result
    mutations: tuple[tuple[str, str, str], ...] = ()
    #: (tumor field, the words): a result mentioned that could not be read (uncertain significance, mixed)
    mutations_unread: tuple[tuple[str, str], ...] = ()
    #: the sentences that time pegfilgrastim on or before the chemotherapy day
    gcsf_timing: tuple[str, ...] = ()


def _evidence(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EVIDENCE_CHARS else text[: _EVIDENCE_CHARS - 3] + "..."


def _sentences(note: str) -> list[str]:
    return [s for s in _SENTENCES.split(note) if s and s.strip()]


def _past_parts(rules: _Rules, parts: list[str]) -> list[bool]:
    """Which parts of one sentence only tell the past (see notes.yaml, time)."""
    masked = [rules.dates.sub(" ", p.lower()) for p in parts]
    current = [bool(rules.current.search(m)) for m in masked]
    record = bool(masked) and bool(rules.record_heading.search(masked[0]))
    past = [
        bool(rules.settled.search(m))
        or ((record or bool(rules.past.search(m)) or bool(rules.not_findings.search(m))) and not now)
        for m, now in zip(masked, current, strict=True)
    ]
    for k in range(1, len(parts)):
        if rules.time_only.search(masked[k]) and not current[k - 1]:
            past[k - 1] = True
    return past


def _split_time(rules: _Rules, note: str) -> tuple[str, tuple[str, ...]]:
    kept_sentences: list[str] = []
    set_aside: list[str] = []
    for sentence in _sentences(note):
        parts = [p for p in rules.part_breaks.split(sentence) if p.strip()]
        past = _past_parts(rules, parts)
        set_aside.extend(p.strip() for p, old in zip(parts, past, strict=True) if old)
        kept = [p.strip() for p, old in zip(parts, past, strict=True) if not old]
        if kept:
            text = ", ".join(kept)
            kept_sentences.append(text if text.endswith((".", "!", "?")) else text + ".")
    if not set_aside:
        return note, ()
    return " ".join(kept_sentences), tuple(set_aside)


def _dpyd(rules: _Rules, sentence: str) -> tuple[str | None, bool]:
    """(phenotype, mentioned but unread) of one sentence."""
    if not rules.dpyd_context.search(sentence.lower()):
        return None, False
    # a part that is a plan or a condition ("test pending", "if poor metabolizer") is not a result; the
    # other parts of the sentence still are ("intermediate metabolizer, escalate if tolerated")
    low = " , ".join(
        p for p in rules.part_breaks.split(sentence.lower()) if not rules.dpyd_not_result.search(p)
    )
    if not low.strip(" ,"):
        return None, False
    found = {name for name, pattern in rules.phenotypes if pattern.search(low)}
    for match in rules.activity_score.finditer(low):
        band = rules.score_bands.get(float(match.group(1).replace(",", ".")))
        if band is not None:
            found.add(band)
    named = [(name, loss) for name, loss, pattern in rules.variants if pattern.search(low)]
    unread = False
    if named and not found:
        homo, hetero = bool(rules.homozygous.search(low)), bool(rules.heterozygous.search(low))
        if homo == hetero or (homo and len(named) > 1):
            unread = True
        else:
            score = 2.0 - sum(loss * (2 if homo else 1) for _, loss in named)
            band = rules.score_bands.get(max(score, 0.0))
            if band is None:
                unread = True
            else:
                found.add(band)
    elif not found and re.search(r"\b(?:variant|mutation|carrier|deficien|genotype|phenotype)", low):
        unread = True
    if not found:
        return None, unread
    return next(p for p in _CAUTION if p in found), False


@functools.cache
def _name_lengths() -> tuple[dict[str, str], int]:
    index = name_index()
    return index, max(len(name.split()) for name in index)


def _drugs_in(rules: _Rules, text: str) -> list[str]:
    """Generic names of the drugs named in ``text``, in order (longest name first at each word)."""
    index, longest = _name_lengths()
    words = _WORD.findall(text.lower())
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            if n == 1 and len(words[i]) < rules.min_name_length:
                continue
            generic = index.get(normalise(" ".join(words[i : i + n])))
            if generic is not None:
                if generic not in out:
                    out.append(generic)
                i += n
                break
        else:
            i += 1
    return out


def _allergies_in_part(rules: _Rules, part: str, heading: bool) -> list[tuple[str, str, str]]:
    low = part.lower()
    cue = next(((name, m) for name, pattern in rules.allergy_cues if (m := pattern.search(low))), None)
    if (cue is None and not heading) or rules.allergy_not_a_reaction.search(low):
        return []
    if cue is not None:
        reaction, match = cue
        if rules.allergy_negated.search(low[: match.start()]):
            return []
        start, end = match.start(), match.end()
    else:
        reaction, start, end = "allergy", 0, 0
        heading_match = rules.allergy_heading.search(low)
        if heading_match:
            end = heading_match.end()
        if rules.allergy_negated.search(low):
            return []
    after = low[end:]
    stop = rules.allergy_stop.search(after)
    drugs = _drugs_in(rules, after[: stop.start()] if stop else after)
    if not drugs and start:
        drugs = _drugs_in(rules, low[:start])
    return [(drug, reaction, _evidence(part)) for drug in drugs]


def _lung_in_part(rules: _Rules, part: str) -> bool | None:
    """Whether one part of a sentence reports a pneumonitis or ILD graded 1 (False: ungraded or higher), or
    None when it reports none (see notes.yaml, lung).

    A past one counts as much as a present one: the lung rules are about any history of it."""
    low = part.lower()
    cue = rules.lung_cue.search(low)
    if cue is None:
        return None
    if (
        rules.lung_negated.search(low[: cue.start()])
        or rules.lung_negated_after.search(low[cue.end() :])
        or rules.lung_not_a_history.search(low)
        or rules.lung_uncertain.search(low)
    ):
        return None
    return bool(rules.lung_grade_1.search(low))


def _dental_in(rules: _Rules, current: str) -> tuple[str, ...]:
    """The sentences of a note's current parts that tell of an invasive dental procedure (notes.yaml, dental).

    Why only current parts: a healed extraction years ago is not the ONJ trigger a planned one is."""
    found: list[str] = []
    for sentence in _sentences(current):
        for part in rules.part_breaks.split(sentence):
            low = part.lower()
            cue = rules.dental_procedures.search(low)
            if cue is not None and not rules.dental_negated.search(low[: cue.end()]):
                found.append(_evidence(sentence))
                break
    return tuple(found)


def _gcsf_timing_in(rules: _Rules, current: str) -> tuple[str, ...]:
    """The sentences of a note's current parts that time pegfilgrastim on or before the chemotherapy day
    (notes.yaml, gcsf_timing).

    Why whole sentences, not parts: the timing often follows the drug after a comma ("pegfilgrastim 6 mg, same
    day as docetaxel"); the patterns themselves keep the cue within one clause-length span of the drug."""
    found: list[str] = []
    for sentence in _sentences(current):
        low = sentence.lower()
        if rules.gcsf_on_body.search(low):
            continue
        for match in rules.gcsf_timing.finditer(low):
            if not rules.gcsf_negated.search(match.group(0)):
                found.append(_evidence(sentence))
                break
    return tuple(found)


def _mutations_in(
    rules: _Rules, sentence: str
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """The ESR1 / PIK3CA results of one sentence (notes.yaml, mutations): (gene, value, words), and the genes
    mentioned with a result that could not be read.

    Why part by part: one ctDNA report lists several genes ("PIK3CA H1047R detected, ESR1 not detected"), and
    each result belongs to the gene in its own part."""
    read: list[tuple[str, str, str]] = []
    unread: list[tuple[str, str]] = []
    for part in rules.part_breaks.split(sentence):
        low = part.lower()
        genes = [gene for gene, pattern in rules.mutation_genes if pattern.search(low)]
        if not genes or rules.mutation_not_a_result.search(low):
            continue
        negative = bool(rules.mutation_negative.search(low))
        positive = bool(rules.mutation_positive.search(rules.mutation_negative.sub(" ", low)))
        if rules.mutation_uncertain.search(low) or (negative and positive):
            unread.extend((gene, _evidence(part)) for gene in genes)
            continue
        if negative:
            read.extend((gene, "wildtype", _evidence(part)) for gene in genes)
        elif positive:
            read.extend((gene, "mutant", _evidence(part)) for gene in genes)
    return read, unread


@functools.lru_cache(maxsize=4096)
def read_note(note: str) -> NoteRead:
    """The time split, DPYD result, allergies and lung history of one note (cached: cases repeat notes)."""
    rules = _rules()
    current, past = _split_time(rules, note)
    dpyd: list[tuple[str, str]] = []
    unread: list[str] = []
    allergies: list[tuple[str, str, str]] = []
    lung: list[tuple[bool, str]] = []
    mutations: list[tuple[str, str, str]] = []
    mutations_unread: list[tuple[str, str]] = []
    for sentence in _sentences(note):
        found_mutations, not_read_mutations = _mutations_in(rules, sentence)
        mutations.extend(found_mutations)
        mutations_unread.extend(not_read_mutations)
        value, not_read = _dpyd(rules, sentence)
        if value is not None:
            dpyd.append((value, _evidence(sentence)))
        elif not_read:
            unread.append(_evidence(sentence))
        heading = bool(rules.allergy_heading.search(sentence.lower()))
        for part in rules.part_breaks.split(sentence):
            if part.strip():
                for found in _allergies_in_part(rules, part.strip(), heading):
                    if all(found[0] != a[0] for a in allergies):
                        allergies.append(found)
        # the grade may sit in another part of the sentence ("pneumonitis on T-DXd, grade 1")
        found_lung = [_lung_in_part(rules, p.strip()) for p in rules.part_breaks.split(sentence) if p.strip()]
        if any(g is not None for g in found_lung):
            grade_1 = any(found_lung) or bool(rules.lung_grade_1.search(sentence.lower()))
            lung.append((grade_1, _evidence(sentence)))
    return NoteRead(
        current,
        past,
        tuple(dpyd),
        tuple(unread),
        tuple(allergies),
        tuple(lung),
        _dental_in(rules, current),
        tuple(mutations),
        tuple(mutations_unread),
        _gcsf_timing_in(rules, current),
    )


# --- the case --------------------------------------------------------------------------------------------
#: comorbidities that already are a lung-inflammation history (safety.yaml ild_history, pneumonitis_risk)
_LUNG_COMORBIDITIES = frozenset({"interstitial_lung_disease", "pneumonitis", "pulmonary_fibrosis"})


def _lung_facts(
    case: Case, reads: list[NoteRead], rules: _Rules, used: list[tuple[int, str]], facts: set[str]
) -> None:
    """A pneumonitis or ILD in a note becomes the lung safety fact the comorbidity would give.

    Why a fact rather than an added comorbidity: only the safety checks read it, and the case the rest
    of the engine sees keeps the comorbidities as recorded. Any ungraded or grade >= 2 report counts as
    the history (the deruxtecan trials excluded ILD that needed steroids, and a note rarely says); a report
    the note grades 1 gives the grade 1 fact, as a stopped_for entry would."""
    recorded = bool(_LUNG_COMORBIDITIES.intersection(case.comorbidities))
    history, grade_1_fact = rules.lung_facts
    texts = rules.texts
    for i, read in enumerate(reads):
        for grade_1, evidence in read.lung:
            if recorded:
                used.append((i, texts["lung_recorded"].format(i=i, evidence=evidence)))
                continue
            facts.add(grade_1_fact if grade_1 else history)
            key = "lung_read_grade_1" if grade_1 else "lung_read"
            used.append((i, texts[key].format(i=i, evidence=evidence)))


#: what a tumor field holds when no deciding result is recorded: a note's result may fill it
_NO_RESULT = (None, "unknown")


def _mutation_updates(
    case: Case, reads: list[NoteRead], texts: dict[str, str], used: list[tuple[int, str]]
) -> dict[str, str]:
    """ESR1 / PIK3CA results read from notes → the tumor fields they fill, each named in notes_used.

    Why "unknown" is filled too: it means no deciding result (case-format.md), not a result a note could
    contradict. A recorded mutant or wildtype is never replaced; a note that differs is named. When the notes
    differ, mutant is used: an ESR1 mutation arises under treatment, so an earlier negative does not undo
    it."""
    by_gene: dict[str, list[tuple[int, str, str]]] = {}
    for i, read in enumerate(reads):
        for gene, value, evidence in read.mutations:
            by_gene.setdefault(gene, []).append((i, value, evidence))
        for gene, evidence in read.mutations_unread:
            line = texts["mutation_unread"].format(i=i, label=gene.upper(), gene=gene, evidence=evidence)
            used.append((i, line))
    out: dict[str, str] = {}
    for gene, found in by_gene.items():
        recorded = getattr(case.tumor, gene)
        chosen = "mutant" if any(value == "mutant" for _, value, _ in found) else "wildtype"
        for i, value, evidence in found:
            fields = {
                "i": i,
                "label": gene.upper(),
                "gene": gene,
                "value": value,
                "evidence": evidence,
                "recorded": recorded,
            }
            if recorded in _NO_RESULT:
                key = "mutation_read" if value == chosen else "mutation_mixed"
                fields["value"] = chosen
            elif value == recorded:
                key = "mutation_same"
            else:
                key = "mutation_conflict"
            used.append((i, texts[key].format(**fields)))
        if recorded in _NO_RESULT:
            out[gene] = chosen
    return out


@dataclass(frozen=True)
class NotesReading:
    """What the engine takes from a case's notes."""

    #: the case with the notes' facts applied (an empty DPYD field filled, allergies added)
    case: Case
    #: the same case with the parts of notes that tell the past set aside, for triage
    triage_case: Case
    #: each note as triage reads it
    current_notes: tuple[str, ...]
    #: (note index, notes_used line)
    used: tuple[tuple[int, str], ...]
    #: extra safety facts (``dpyd_conflict:<value>``: a note disagrees with the recorded DPYD value)
    facts: frozenset[str]


def read_notes(case: Case) -> NotesReading:
    """The notes' facts and the case to assess with them (see the module docstring)."""
    rules = _rules()
    texts = rules.texts
    reads = [read_note(note) for note in case.notes]
    used: list[tuple[int, str]] = []
    facts: set[str] = set()
    updates: dict[str, Any] = {}

    for i, (note, read) in enumerate(zip(case.notes, reads, strict=True)):
        if read.past:
            line = texts["past"].format(i=i, parts="; ".join(f"'{_evidence(p)}'" for p in read.past))
            before = {f.code for f in triage(note).red_flags}
            after = {f.code for f in triage(read.current).red_flags} if read.current.strip() else set()
            lost = sorted(before - after)
            if lost:
                line += texts["past_not_raised"].format(codes=", ".join(lost))
            used.append((i, line))
        for evidence in read.dpyd_unread:
            used.append((i, texts["dpyd_unread"].format(i=i, evidence=evidence)))

    found = [(i, value, evidence) for i, read in enumerate(reads) for value, evidence in read.dpyd]
    if found:
        recorded = case.pharmacogenomics.dpyd
        values = {value for _, value, _ in found}
        chosen = next(p for p in _CAUTION if p in values)
        for i, value, evidence in found:
            fields = {"i": i, "value": value, "evidence": evidence, "recorded": recorded}
            if recorded is None:
                key = "dpyd_read" if value == chosen else "dpyd_mixed"
                fields["value"] = chosen
            elif value == recorded:
                key = "dpyd_same"
            else:
                key = "dpyd_conflict"
                facts.add(f"dpyd_conflict:{value}")
            used.append((i, texts[key].format(**fields)))
        if recorded is None:
            updates["pharmacogenomics"] = case.pharmacogenomics.model_copy(update={"dpyd": chosen})

    recorded_allergies = {a.drug for a in case.allergies}
    added: list[Allergy] = []
    for i, read in enumerate(reads):
        for drug, reaction, evidence in read.allergies:
            fields = {"i": i, "drug": drug, "reaction": reaction, "evidence": evidence}
            if drug in recorded_allergies:
                used.append((i, texts["allergy_recorded"].format(**fields)))
                continue
            if any(a.drug == drug for a in added):
                continue
            try:
                allergy = Allergy.model_validate({"drug": drug, "reaction": f"{reaction}, from notes[{i}]"})
            except ValidationError:
                continue
            added.append(allergy)
            used.append((i, texts["allergy_read"].format(**fields)))
    if added:
        updates["allergies"] = (*case.allergies, *added)

    _lung_facts(case, reads, rules, used, facts)
    tumor_updates = _mutation_updates(case, reads, texts, used)
    if tumor_updates:
        updates["tumor"] = case.tumor.model_copy(update=tumor_updates)
    for i, read in enumerate(reads):
        for evidence in read.dental:
            facts.add(rules.dental_fact)
            used.append((i, texts["dental_read"].format(i=i, evidence=evidence)))
        for evidence in read.gcsf_timing:
            facts.add(rules.gcsf_fact)
            used.append((i, texts["gcsf_timing_read"].format(i=i, evidence=evidence)))

    applied = case.model_copy(update=updates) if updates else case
    current_notes = tuple(read.current for read in reads)
    for_triage = (
        applied if current_notes == case.notes else applied.model_copy(update={"notes": current_notes})
    )
    used.sort(key=lambda t: t[0])
    return NotesReading(applied, for_triage, current_notes, tuple(used), frozenset(facts))
