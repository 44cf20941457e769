"""`mbcnav assess ... --fhir-out TARGET`: the assessment as a FHIR R4 Bundle an EHR can file.

One Bundle holds one patient (it is built around one Patient resource), so the target says where
each case's Bundle goes:

- a file (``out.json``): the Bundle of the one case; an input with several cases is refused, since
  writing only the first, or gluing patients together, would both surprise;
- a folder (an existing one, or a path ending in ``/``, created if missing): one Bundle per case,
  named after the case id (``case-N`` when a case has none; ``-N`` added to a repeated id), so a
  JSON list or JSON Lines file of many cases works;
- ``-``: the Bundle on stdout instead of the report, for pipes (one case only, and not with --json,
  which also wants stdout).

The target is checked before any case is assessed and every Bundle is built before anything is
written, so a mistake never leaves half the files behind.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from mbcnav.assessment import Assessment
from mbcnav.errors import MbcnavError

OPTION = "--fhir-out"


class FhirOutError(MbcnavError):
    """The --fhir-out target cannot take the Bundles (several cases into one file, a missing folder)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, field=OPTION)


def is_folder(target: str) -> bool:
    return target.endswith(("/", os.sep)) or Path(target).is_dir()


def check_target(target: str, n_cases: int, *, as_json: bool) -> None:
    """Refuse a target that cannot hold what the run will produce, before anything is computed."""
    if target == "-":
        if as_json:
            raise FhirOutError("'-' prints the Bundle on stdout, where --json also prints; use one of them")
        if n_cases > 1:
            raise FhirOutError(
                f"the input holds {n_cases} cases and stdout takes one Bundle; give a folder "
                "(e.g. --fhir-out bundles/) for one Bundle per case"
            )
        return
    if is_folder(target):
        folder = Path(target)
        if folder.exists() and not folder.is_dir():
            raise FhirOutError(f"{target} is a file, not a folder")
        return
    path = Path(target)
    if n_cases > 1:
        raise FhirOutError(
            f"the input holds {n_cases} cases and a FHIR Bundle holds one patient; give a folder "
            f"(e.g. --fhir-out {path.stem or 'bundles'}/) for one Bundle per case"
        )
    if not path.parent.is_dir():
        raise FhirOutError(f"the folder {path.parent} does not exist")


def bundles(
    results: list[Assessment],
    patient_resource: dict[str, Any] | None = None,
    orders: Sequence[tuple[str, str]] = (),
) -> list[dict[str, Any]]:
    """One Bundle per assessment, all with the same timestamp (one run, one time); ``orders`` are the
    record's draft orders (drug, reference), which the safety alerts reference."""
    from mbcnav.interop.fhir_export import assessment_to_fhir

    issued = dt.datetime.now(dt.UTC)
    return [
        assessment_to_fhir(result, patient_resource=patient_resource, issued=issued, orders=orders)
        for result in results
    ]


def write(target: str, results: list[Assessment], built: list[dict[str, Any]]) -> str:
    """Write the Bundles; returns what was written, in a line for stderr."""
    if target == "-":
        sys.stdout.write(_dump(built[0]))
        return "FHIR Bundle printed on stdout"
    if not is_folder(target):
        _write_file(Path(target), built[0])
        return f"FHIR Bundle written to {target}"
    folder = Path(target)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FhirOutError(f"cannot create the folder {folder} ({exc.strerror or exc})") from None
    paths = _file_names(folder, results)
    for path, bundle in zip(paths, built, strict=True):
        _write_file(path, bundle)
    names = ", ".join(p.name for p in paths[:3]) + (", ..." if len(paths) > 3 else "")
    return f"{len(paths)} FHIR Bundle(s) written to {folder}/ ({names})"


def _file_names(folder: Path, results: list[Assessment]) -> list[Path]:
    used: set[str] = set()
    paths: list[Path] = []
    for n, result in enumerate(results, start=1):
        base = _safe_name(result.case_id) if result.case_id else f"case-{n}"
        name, k = base, n
        while name in used:  # a repeated id gets the case's position (and more, in the rare clash)
            name, k = f"{base}-{k}", k + 1
        used.add(name)
        paths.append(folder / f"{name}.json")
    return paths


def _safe_name(case_id: str) -> str:
    """A case id as a file name: letters, digits, '.', '_' and '-' only, never hidden or a path."""
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "._-") else "-" for ch in case_id)
    return cleaned.lstrip(".")[:100] or "case"


def _write_file(path: Path, bundle: dict[str, Any]) -> None:
    try:
        path.write_text(_dump(bundle), encoding="utf-8")
    except OSError as exc:
        raise FhirOutError(f"cannot write {path} ({exc.strerror or exc})") from None


def _dump(bundle: dict[str, Any]) -> str:
    return orjson.dumps(bundle, option=orjson.OPT_INDENT_2).decode() + "\n"
