"""Lymph node disease in a secondary-cancer Condition: regional (the N category) or distant (M1).

mCODE's SecondaryCancerDisorderVS includes ICD-10 C77.x, so an EHR sends axillary node disease of a stage
III cancer the same way as a liver metastasis. AJCC 8 counts ipsilateral axillary, infraclavicular,
internal mammary and supraclavicular nodes as N; only contralateral or other nodes are M1. Reading every
node Condition as a metastatic site would make a stage IIIA record stage IV and offer metastatic
treatment. Which side the primary is on may come after the node Condition in the record, so the
condition mapper only records what the node Condition says (:func:`regional_group`) and :func:`place`
decides once every Condition is read. The codes live in codes.yaml (``regional_nodes``).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from mbcnav.interop import codes as C
from mbcnav.interop.fhir.state import ImportState

#: AJCC 8 (source ajcc-8), in the words import notes use
_AJCC = (
    "AJCC 8th ed.: ipsilateral axillary, infraclavicular, internal mammary and supraclavicular nodes are N"
)


class NodeFinding(NamedTuple):
    """A secondary-cancer Condition naming a regional node group, before its side is compared."""

    resource: str
    date: str | None
    group: str
    side: str | None
    label: str


@functools.cache
def _table() -> dict[str, Any]:
    return dict(C.codes()["regional_nodes"])


@functools.cache
def _prefixes(key: str) -> C.PrefixTable:
    return C.PrefixTable(_table()[key])


def _in_words(text: str) -> str | None:
    table = _table()
    if any(word in text for word in table["distant_words"]):
        return None
    for rule in table["text"]:
        if all(word in text for word in rule["contains"]):
            return str(rule["value"])
    return None


def regional_group(code: dict[str, Any], res: dict[str, Any]) -> str | None:
    """The regional node group ("axillary", "supraclavicular", ...) a secondary-cancer Condition names by
    its code or bodySite, or None (another site, a code that also covers distant nodes, or words saying
    contralateral)."""
    table = _table()
    bodies = [b for b in res.get("bodySite") or () if isinstance(b, dict)]
    texts = [C.concept_text(code)] + [C.concept_text(b) for b in bodies]
    if any(word in text for text in texts for word in table["distant_words"]):
        return None
    for n, concept in enumerate([code, *bodies]):
        for system, c, _ in C.codings(concept):
            if system == "sct":
                hit = (table["sct"] if n == 0 else table["body_site_sct"]).get(c)
            elif system in ("icd10", "icdo3"):
                hit = _prefixes("icd10_prefixes").get(c)
            else:
                hit = None
            if hit:
                return str(hit)
    for text in texts:
        found = _in_words(text)
        if found:
            return found
    return None


def mixed_nodes(code: dict[str, Any]) -> str | None:
    """Why an ICD-10 C77 code covers regional and distant nodes together (C77.0 head and neck, C77.9
    unspecified, ...), or None."""
    for system, c, _ in C.codings(code):
        if system == "icd10":
            hit = _prefixes("mixed_icd10_prefixes").get(c)
            if hit:
                return str(hit)
    return None


def side_of(res: dict[str, Any]) -> str | None:
    """The side a Condition's bodySite laterality qualifier (mCODE) gives: "left", "right", "both" or None."""
    sides = _table()["laterality_sct"]
    for body in res.get("bodySite") or ():
        if not isinstance(body, dict):
            continue
        for ext in body.get("extension") or ():
            if isinstance(ext, dict) and str(ext.get("url", "")).endswith("laterality-qualifier"):
                for system, c, _ in C.codings(ext.get("valueCodeableConcept")):
                    if system == "sct" and c in sides:
                        return str(sides[c])
    return None


def breast_side(code: dict[str, Any], res: dict[str, Any]) -> str | None:
    """The side of a breast primary: its laterality qualifier, a sided SNOMED code or bodySite, or the
    ICD-10-CM C50 sixth character."""
    side = side_of(res)
    if side:
        return side
    table = _table()
    sided, sixth = table["breast_laterality_sct"], table["breast_laterality_icd10_sixth"]
    for concept in [code] + [b for b in res.get("bodySite") or () if isinstance(b, dict)]:
        for system, c, _ in C.codings(concept):
            if system == "sct" and c in sided:
                return str(sided[c])
            if system == "icd10" and c.upper().startswith("C50") and len(c.replace(".", "")) >= 6:
                hit = sixth.get(c.replace(".", "")[5])
                if hit:
                    return str(hit)
    return None


def place(st: ImportState) -> None:
    """Each regional node finding: a note when it stays out of the metastatic sites, or a distant
    ``lymph_node`` site when it is on the other side from the primary; then a conflict note when a stage
    group III stands beside distant disease that is only lymph nodes."""
    primary_sides = {s for s in st.primary_sides if s}
    for f in st.node_findings:
        where = f"{f.group} nodes"
        other_side = f.side == "both" or (
            f.side is not None and len(primary_sides) == 1 and f.side not in primary_sides
        )
        if other_side:
            st.sites.setdefault("lymph_node", (f.resource, f.date))
            if f.date:
                st.metastasis_dates.append(f.date)
            st.note(
                "info",
                f"{where} on the {f.side} side and the breast primary on the "
                f"{'/'.join(sorted(primary_sides))} side: contralateral nodes are distant (M1), counted "
                f"as a lymph_node metastasis ({_AJCC})",
                f.resource,
                "bodySite",
            )
            continue
        if f.side is not None and primary_sides:
            how = "ipsilateral (the side of the breast primary)"
        else:
            how = "taken as ipsilateral"
            missing = "the nodes" if f.side is None else "the breast primary"
            st.note(
                "needs_review",
                f"'{f.label}': laterality of {missing} is not given, so {where} are read as on the side of "
                "the primary (regional, N); if they are on the other side they are distant (M1): add "
                "lymph_node to metastatic_sites",
                f.resource,
                "bodySite",
                "warning",
            )
        st.note(
            "info",
            f"'{f.label}': {where}, {how}, are regional disease (N category), not a distant metastasis; "
            f"not counted in metastatic_sites ({_AJCC})",
            f.resource,
            "code",
        )
        st.case_notes.append(
            f"FHIR import: regional lymph node disease ({where}, {f.resource}"
            f"{', ' + f.date if f.date else ''}), not counted as a metastatic site."
        )
    _stage_conflict(st)


def _stage_conflict(st: ImportState) -> None:
    if not st.sites or set(st.sites) != {"lymph_node"} or st.stage_iv:
        return
    stage_iii = [(ref, label) for _, ref, label, token in st.stage_groups if token.startswith("iii")]
    if not stage_iii:
        return
    node_ref = st.sites["lymph_node"][0]
    listed = "; ".join(f"{label} ({ref})" for ref, label in stage_iii)
    st.note(
        "conflict",
        f"stage group {listed} says the disease is not metastatic, but lymph node disease ({node_ref}) is "
        "counted as a distant metastasis (stage IV); regional nodes (ipsilateral axillary, infraclavicular, "
        "internal mammary, supraclavicular) are stage III - check which nodes are involved",
        node_ref,
        "code",
        "warning",
    )
