"""Reading the input: files and folders into parsed JSON, and parsed JSON into a flat list of resources.

Everything the mapping modules see has passed through here, so this is the one place that decides what
counts as a resource (a JSON object with a ``resourceType``), opens Bundles (searchset Bundles inside
are opened too) and says where each resource sat, for the notes that name it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from mbcnav import jsondoc
from mbcnav.errors import FhirMappingError
from mbcnav.interop.fhir.values import kind

#: Where a resource sits in the input: a ready string, or (bundle location, entry number) for a
#: Bundle entry, formatted only when a message needs it (most resources have an id and never do).
Where = str | tuple[str, int]
Resources = list[tuple[Where, dict[str, Any], str | None]]


def load_fhir_path(path: str | Path) -> Any:
    """A Bundle or resource (.json), an NDJSON bulk export (.ndjson), or a folder of either."""
    p = Path(path)
    if p.is_dir():
        resources: list[Any] = []
        # the folder and its subfolders (a bulk export may be split by type); the suffix in any case
        for child in sorted(c for c in p.rglob("*") if c.is_file()):
            if child.suffix.lower() in {".json", ".ndjson"}:
                data = load_fhir_path(child)
                resources.extend(data if isinstance(data, list) else [data])
        if not resources:
            raise FhirMappingError(f"{p}: the folder holds no FHIR resources (.json or .ndjson files)")
        return resources
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise FhirMappingError(f"cannot read {p}: {exc.strerror or exc}") from None
    if p.suffix.lower() == ".ndjson":
        out = []
        for n, line in enumerate(raw.splitlines(), start=1):
            if line.strip():
                out.append(_loads(line, f"{p.name} line {n}"))
        return out
    return _loads(raw, p.name)


def _loads(raw: bytes | str, where: str) -> Any:
    try:
        return jsondoc.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FhirMappingError(f"{where}: not valid JSON ({exc})") from None


def iter_resources(data: Any) -> Iterator[tuple[str, dict[str, Any], str | None]]:
    """(where, resource, fullUrl) for a Bundle (searchset Bundles inside are opened too), a resource
    or a list of resources. Raises FhirMappingError for anything that is not a resource."""
    for where, res, full_url in all_resources(data):
        yield where_text(where), res, full_url


def resources_of(data: Any) -> Iterable[dict[str, Any]]:
    """Every resource in a Bundle/list/resource (for callers such as the CDS service)."""
    return (res for _, res, _ in iter_resources(data) if res["resourceType"] != "_Empty")


def where_text(where: Where) -> str:
    if isinstance(where, str):
        return where
    return f"{where[0]}.entry[{where[1]}].resource"


def patient_part(target: str) -> str:
    """A subject reference without its version or server base: "https://ehr/fhir/Patient/p1/_history/3"
    and "Patient/p1" name the same patient."""
    target = target.split("/_history/", 1)[0]
    return "Patient/" + target.rsplit("Patient/", 1)[1] if "Patient/" in target else target


def ref_of(resource: dict[str, Any], where: Where) -> str:
    """How notes name a resource: "Type/id", or its place in the input when it has no id."""
    rid = resource.get("id")
    if rid:
        return f"{resource['resourceType']}/{rid}"
    return f"{resource['resourceType']} at {where_text(where) or 'input'}"


def index_of(resources: Iterable[tuple[Any, dict[str, Any], str | None]]) -> dict[str, dict[str, Any]]:
    """Resources by "Type/id" and by fullUrl: what a reference inside the input (medicationReference)
    can name. Takes the (where, resource, fullUrl) triples of :func:`all_resources` or
    :func:`iter_resources`."""
    index: dict[str, dict[str, Any]] = {}
    for _where, res, full_url in resources:
        rid = res.get("id")
        if rid:
            index[f"{res['resourceType']}/{rid}"] = res
        if isinstance(full_url, str) and full_url:  # only text can be the target of a reference
            index[full_url] = res
    return index


def all_resources(data: Any) -> Resources:
    """(where, resource, fullUrl) for every resource of the input, Bundles opened, in input order."""
    # a list filled in one pass: nested generators cost a frame switch per entry on the import hot path
    out: Resources = []
    if isinstance(data, list):
        for n, item in enumerate(data):
            _collect(item, f"[{n}]", None, out)
    else:
        _collect(data, "", None, out)
    return out


def _collect(item: Any, where: Where, full_url: str | None, out: Resources) -> None:
    if not isinstance(item, dict):
        raise FhirMappingError(
            f"{where_text(where) or 'input'}: expected a FHIR resource (JSON object), got {kind(item)}"
        )
    rtype = item.get("resourceType")
    if rtype == "Bundle":
        _collect_bundle(item, where_text(where), out)
        return
    if type(rtype) is not str or not rtype:
        raise FhirMappingError(f"{where_text(where) or 'input'}: resourceType is missing")
    out.append((where, item, full_url))


def _collect_bundle(bundle: dict[str, Any], where: str, out: Resources) -> None:
    base = where or "Bundle"
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise FhirMappingError(f"{base}.entry: must be a list, got {kind(entries)}")
    for n, entry in enumerate(entries):
        if type(entry) is not dict:
            raise FhirMappingError(f"{base}.entry[{n}]: must be an object, got {kind(entry)}")
        resource = entry.get("resource", _NO_RESOURCE)
        if resource is _NO_RESOURCE:
            if "request" not in entry and "response" not in entry:
                # FHIR bdl-5: an entry must hold a resource unless it is a request or a response
                raise FhirMappingError(
                    f"{base}.entry[{n}]: has no resource (and no request or response); "
                    "every entry of this Bundle must hold a resource (FHIR R4 Bundle rule bdl-5)"
                )
            # a transaction entry without a resource (e.g. DELETE) carries nothing to import
            out.append((f"{base}.entry[{n}]", {"resourceType": "_Empty"}, None))
            continue
        # the usual entry, a plain resource, is taken here without a call; _collect does the rest
        if type(resource) is dict:
            rtype = resource.get("resourceType")
            if type(rtype) is str and rtype and rtype != "Bundle":
                out.append(((base, n), resource, entry.get("fullUrl")))
                continue
        _collect(resource, (base, n), entry.get("fullUrl"), out)


_NO_RESOURCE: Any = object()
