"""Receptor subtype by the ASCO/CAP rules: ER/PR (2020) and HER2 IHC/ISH (2018, reaffirmed 2023).

The subtype decides almost every later step (which medicines fit, which tests are missing), so the
function never guesses: when a result needed for a call is absent it says "unknown", names the
missing test in ``missing`` (workup codes the workup step turns into orders) and explains why in
both voices. Thresholds and ISH groups live in ``rules/subtype.yaml``.

ER-low (1-10%) stays HR-positive by definition (``subtype`` is "HR+/...") but ``er_low`` is true:
the therapy step routes it much like triple-negative disease, as ASCO/CAP advises.

Workup codes used in ``missing``: ``er_pr_ihc`` (ER/PR not fully known), ``her2_ihc`` (no HER2
IHC score, or ISH groups 2-4 without the concurrent IHC), ``her2_ish`` (IHC 2+ without ISH).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from mbcnav.case import Tumor
from mbcnav.yamlfile import load_yaml

RULES_FILE = Path(__file__).parent / "rules" / "subtype.yaml"

SubtypeName = Literal["HR+/HER2-", "HR+/HER2+", "HR-/HER2+", "TNBC", "unknown"]
Her2Status = Literal["positive", "negative", "equivocal_needs_ish", "unknown"]


class SubtypeResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    subtype: SubtypeName
    her2_status: Her2Status
    her2_low: bool = False
    her2_ultralow: bool = False
    er_low: bool = False
    #: ER negative, PR positive (ASCO/CAP 2020: rare, often an artefact, closer to ER-negative disease)
    pr_only: bool = False
    #: None when ER/PR results are not enough to decide
    hr_positive: bool | None = None
    #: dual-probe ISH group 1-5 when ratio and copy number were given
    ish_group: int | None = None
    public: str
    clinician: str
    rationale: str
    sources: tuple[str, ...]
    #: workup codes still needed to finish the call (er_pr_ihc, her2_ihc, her2_ish)
    missing: tuple[str, ...] = ()


@functools.cache
def rules() -> dict[str, Any]:
    """The subtype rules, parsed once per process."""
    return load_yaml(RULES_FILE.read_text(encoding="utf-8"))


def _fmt(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:g}"


def ish_group(ratio: float, copies: float) -> int:
    """The ASCO/CAP 2018 dual-probe ISH group (1-5) for a HER2/CEP17 ratio and mean HER2 copies."""
    for row in rules()["ish_groups"]:
        if "ratio_min" in row and ratio < row["ratio_min"]:
            continue
        if "ratio_max_exclusive" in row and ratio >= row["ratio_max_exclusive"]:
            continue
        if "copies_min" in row and copies < row["copies_min"]:
            continue
        if "copies_max_exclusive" in row and copies >= row["copies_max_exclusive"]:
            continue
        return int(row["group"])
    raise AssertionError("ISH groups in subtype.yaml do not cover every ratio/copy pair")  # pragma: no cover


def _group_row(group: int) -> dict[str, Any]:
    return next(row for row in rules()["ish_groups"] if row["group"] == group)


def _her2(tumor: Tumor) -> tuple[Her2Status, int | None, list[str], list[str]]:
    """HER2 status, the ISH group, the reasons (clinician words) and the missing tests."""
    ihc = tumor.her2_ihc
    ihc_call = rules()["her2_ihc"].get(ihc) if ihc is not None else None
    reasons: list[str] = []
    missing: list[str] = []
    ratio, copies = tumor.her2_ish_ratio, tumor.her2_mean_copy_number
    if ihc_call == "positive":
        reasons.append("HER2 IHC 3+ is positive")
        group0 = ish_group(ratio, copies) if ratio is not None and copies is not None else None
        return "positive", group0, reasons, missing
    if ratio is not None and copies is not None:
        group = ish_group(ratio, copies)
        row = _group_row(group)
        if row["needs_ihc"] and ihc is None:
            reasons.append(f"ISH group {group} needs the concurrent IHC score")
            missing.append("her2_ihc")
            return "unknown", group, reasons, missing
        call = row["result"].get(ihc, row["result"]["default"]) if ihc else row["result"]["default"]
        reasons.append(
            rules()["texts"]["ish_group"]["clinician"].format(
                group=group, ratio=_fmt(ratio), copies=_fmt(copies), ihc=ihc or "not given", result=call
            )
        )
        return call, group, reasons, missing
    if tumor.her2_ish is not None:
        call = "positive" if tumor.her2_ish == "amplified" else "negative"
        reasons.append(f"ISH {tumor.her2_ish.replace('_', ' ')}" + (f" with IHC {ihc}" if ihc else ""))
        if ihc is None and call == "negative":
            # HER2-low vs HER2-0 cannot be told apart without the IHC score.
            missing.append("her2_ihc")
        return call, None, reasons, missing
    if ihc_call == "equivocal":
        reasons.append("HER2 IHC 2+ is equivocal and no ISH result was given")
        missing.append("her2_ish")
        return "equivocal_needs_ish", None, reasons, missing
    if ihc_call == "negative":
        reasons.append(f"HER2 IHC {ihc} is negative")
        return "negative", None, reasons, missing
    if tumor.her2_status in ("positive", "negative"):
        # A reported call without the IHC score: HER2-low/ultralow cannot be told apart from HER2-0.
        reasons.append(f"HER2 reported {tumor.her2_status} without an IHC score or ISH result")
        if tumor.her2_status == "negative":
            missing.append("her2_ihc")
        return tumor.her2_status, None, reasons, missing
    if tumor.her2_status == "equivocal":
        reasons.append("HER2 reported equivocal and no ISH result was given")
        missing.append("her2_ish")
        return "equivocal_needs_ish", None, reasons, missing
    reasons.append("no HER2 IHC or ISH result")
    missing.append("her2_ihc")
    return "unknown", None, reasons, missing


def _hr(tumor: Tumor) -> tuple[bool | None, bool, bool, list[str]]:
    """(HR positive?, ER-low?, PR-only?, reasons)."""
    th = rules()["thresholds"]
    er_min = th["er_positive_min_percent"]["value"]
    er_low_max = th["er_low_max_percent"]["value"]
    pr_min = th["pr_positive_min_percent"]["value"]
    er, pr = tumor.er_percent, tumor.pr_percent
    er_pos = (tumor.er_status == "positive" if tumor.er_status else None) if er is None else er >= er_min
    pr_pos = (tumor.pr_status == "positive" if tumor.pr_status else None) if pr is None else pr >= pr_min
    reasons: list[str] = []
    for marker, value, status in (("ER", er, tumor.er_status), ("PR", pr, tumor.pr_status)):
        if value is None and status is not None:
            reasons.append(f"{marker} reported {status} without a percent")
    if er is None and tumor.er_status == "positive":
        reasons.append("ER-low (1-10%) cannot be excluded without the percent")
    if er is not None:
        reasons.append(f"ER {_fmt(er)}% ({'positive' if er_pos else 'negative'} at >= {er_min:g}%)")
    if pr is not None:
        reasons.append(f"PR {_fmt(pr)}% ({'positive' if pr_pos else 'negative'} at >= {pr_min:g}%)")
    er_low = er is not None and er_min <= er <= er_low_max
    if er_pos or pr_pos:
        return True, er_low, bool(pr_pos and er_pos is False), reasons
    if er_pos is False and pr_pos is False:
        return False, False, False, reasons
    reasons.append("ER and PR are not both known")
    return None, False, False, reasons


def classify(tumor: Tumor) -> SubtypeResult:
    """Subtype, HER2 status and HER2-low/ultralow, ER-low, with reasons, sources and missing tests."""
    r = rules()
    texts = r["texts"]
    her2_status, group, her2_reasons, missing = _her2(tumor)
    hr_positive, er_low, pr_only, hr_reasons = _hr(tumor)
    if hr_positive is None:
        missing = ["er_pr_ihc", *missing]

    subtype: SubtypeName = "unknown"
    if hr_positive is not None and her2_status in ("positive", "negative"):
        if her2_status == "positive":
            subtype = "HR+/HER2+" if hr_positive else "HR-/HER2+"
        else:
            subtype = "HR+/HER2-" if hr_positive else "TNBC"

    ihc = tumor.her2_ihc
    # HER2-low: IHC 1+, or IHC 2+ whose ISH came back negative (the only way 2+ ends up negative).
    her2_low = her2_status == "negative" and ihc in ("1+", "2+")
    her2_ultralow = her2_status == "negative" and ihc == "0+ultralow"

    fill = {
        "er": _fmt(tumor.er_percent),
        "pr": _fmt(tumor.pr_percent),
        "ihc": ihc or "?",
        "group": group if group is not None else "?",
        "ratio": _fmt(tumor.her2_ish_ratio),
        "copies": _fmt(tumor.her2_mean_copy_number),
    }
    # ER-negative/PR-positive: the HR+ wording ("hormone medicines often work well") does not hold
    wording = (texts.get("subtype_pr_only") or {}).get(subtype) if pr_only else None
    public = [(wording or texts["subtype"][subtype])["public"]]
    clinician = [(wording or texts["subtype"][subtype])["clinician"]]
    sources: list[str] = [*r["sources"]["er_pr"], *r["sources"]["her2"]]

    def add(key: str, extra_sources: tuple[str, ...] = ()) -> None:
        block = texts[key]
        if "public" in block:
            public.append(block["public"].format(**fill))
        clinician.append(block["clinician"].format(**fill))
        sources.extend(extra_sources)

    if er_low:
        add("er_low")
    if pr_only:
        add("pr_only", tuple(r["sources"]["pr_only"]))
    if her2_low:
        add("her2_low", tuple(r["sources"]["her2_low"]))
    if her2_ultralow:
        add("her2_ultralow", tuple(r["sources"]["her2_ultralow"]))
    if her2_status == "equivocal_needs_ish":
        add("her2_needs_ish")
    elif "her2_ihc" in missing and group is not None:
        add("her2_needs_ihc")
    elif her2_status == "unknown":
        add("her2_missing")
    if hr_positive is None:
        add("hr_missing")

    return SubtypeResult(
        subtype=subtype,
        her2_status=her2_status,
        her2_low=her2_low,
        her2_ultralow=her2_ultralow,
        er_low=er_low,
        pr_only=pr_only,
        hr_positive=hr_positive,
        ish_group=group,
        public=" ".join(public),
        clinician=" ".join(clinician),
        rationale="; ".join([*hr_reasons, *her2_reasons]),
        sources=tuple(dict.fromkeys(sources)),
        missing=tuple(dict.fromkeys(missing)),
    )
