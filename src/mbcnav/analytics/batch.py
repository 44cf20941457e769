"""Assess many cases: stream an input in chunks, run the reasoning core on each, write Parquet as we go.

Memory stays bounded by (chunk size x chunks in flight): the input is read lazily (JSONL line by
line, Parquet batch by batch, FHIR files one at a time), and each finished chunk becomes one Parquet
row group. A case that fails (bad JSON, a field outside the Case format, an error in the engine)
becomes a row with ``error`` set; the batch goes on.

Scale-out is Dask's: ``workers > 1`` starts a ``distributed.LocalCluster`` on loopback (one
single-threaded worker process per worker), and ``scheduler="tcp://host:port"`` uses an existing
cluster. With one worker the chunks run in this process, so a small batch pays no cluster start-up.
On Dask, the client only plans: for JSONL it cuts the file into byte ranges of ``chunk_size`` lines,
each worker reads its own range, writes its own Parquet part and sends back a small summary; at the
end the parts are copied into the output in input order. (Shipping lines out and rows back through
the client cost a core's worth of pickling on a 2-core machine: 2 workers ran barely faster than 1.)
"""

from __future__ import annotations

import io
import logging
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from mbcnav import jsondoc
from mbcnav.errors import CaseValidationError, MbcnavError

AssessFn = Callable[[Any], Any]

#: one row per case (additive changes only: readers select columns by name)
RESULT_SCHEMA = pa.schema(
    [
        ("source", pa.string()),  # file name
        ("line", pa.int64()),  # 1-based line (JSONL/NDJSON) or row (Parquet) or file index (FHIR .json)
        ("case_id", pa.string()),
        ("subtype", pa.string()),
        ("urgency", pa.string()),
        ("red_flags", pa.list_(pa.string())),
        ("top_options", pa.list_(pa.string())),
        ("alerts", pa.list_(pa.string())),  # "code:drug" (or "code" when no drug), each once
        ("error", pa.string()),
        ("error_field", pa.string()),
    ]
)
TOP_OPTIONS = 3


class BatchError(MbcnavError):
    """The batch as a whole cannot run (input missing or of an unknown kind, output not writable)."""


@dataclass(frozen=True)
class Record:
    """One case as read from the input, before parsing (parsing happens on the worker)."""

    source: str
    line: int
    kind: str  # "json" (bytes of one JSON object), "dict" (already parsed), "fhir" (resources or a path)
    payload: Any


def ranked(counts: Counter[str], limit: int | None = None) -> list[tuple[str, int]]:
    """Most common first, ties by name: the same summary whatever order the workers finished in
    (``Counter.most_common`` breaks ties by insertion order)."""
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))[:limit]


@dataclass
class BatchSummary:
    total: int = 0
    assessed: int = 0
    errors: int = 0
    subtypes: Counter[str] = field(default_factory=Counter)
    urgency: Counter[str] = field(default_factory=Counter)
    red_flags: Counter[str] = field(default_factory=Counter)
    options: Counter[str] = field(default_factory=Counter)
    alerts: Counter[str] = field(default_factory=Counter)
    #: the first errors, for display (every error is in the output file)
    first_errors: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""
    workers: int = 1
    #: input items that are not cases and were passed over, by kind (e.g. FHIR Organization)
    skipped: Counter[str] = field(default_factory=Counter)
    _error_order: list[tuple[int, int]] = field(default_factory=list, repr=False)

    def add(self, rows: list[dict[str, Any]], keep_errors: int = 20) -> None:
        for row in rows:
            self.total += 1
            if row["error"] is not None:
                self.errors += 1
                if len(self.first_errors) < keep_errors:
                    self.first_errors.append(
                        {k: row[k] for k in ("source", "line", "case_id", "error_field", "error")}
                    )
                continue
            self.assessed += 1
            self.subtypes[row["subtype"]] += 1
            self.urgency[row["urgency"]] += 1
            self.red_flags.update(row["red_flags"])
            if row["top_options"]:
                self.options[row["top_options"][0]] += 1
            # cases with each alert code (one case with 4 renal adjustments counts once)
            self.alerts.update({alert.split(":", 1)[0] for alert in row["alerts"]})

    def merge(self, other: BatchSummary, order: int, keep_errors: int = 20) -> None:
        """Fold in the summary of one slice. Slices finish in any order; ``order`` (the slice's
        index) keeps ``first_errors`` the first ones of the input, as with one worker."""
        self.total += other.total
        self.assessed += other.assessed
        self.errors += other.errors
        for mine, theirs in (
            (self.subtypes, other.subtypes),
            (self.urgency, other.urgency),
            (self.red_flags, other.red_flags),
            (self.options, other.options),
            (self.alerts, other.alerts),
        ):
            mine.update(theirs)
        if other.first_errors:
            keyed = [*self._error_order, *((order, i) for i in range(len(other.first_errors)))]
            errors = [*self.first_errors, *other.first_errors]
            kept = sorted(range(len(errors)), key=keyed.__getitem__)[:keep_errors]
            self.first_errors = [errors[i] for i in kept]
            self._error_order = [keyed[i] for i in kept]

    def to_json(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "workers": self.workers,
            "total": self.total,
            "assessed": self.assessed,
            "errors": self.errors,
            "subtypes": dict(ranked(self.subtypes)),
            "urgency": dict(ranked(self.urgency)),
            "red_flags": dict(ranked(self.red_flags)),
            "top_first_options": dict(ranked(self.options, 10)),
            "alerts": dict(ranked(self.alerts, 10)),
            "skipped": dict(ranked(self.skipped)),
            "first_errors": self.first_errors,
        }


# ------------------------------------------------------------------------------------- reading


def input_kind(path: Path) -> str:
    if path.is_dir():
        return "fhir"
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    if suffix == ".json":
        return "json"  # one JSON document: a list of cases (as `mbcnav assess` reads) or one case
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    raise BatchError(
        f"{path.name}: give a .jsonl/.ndjson file (one case per line), a .json list of cases, "
        "a .parquet file or a folder of FHIR NDJSON",
        field="input",
    )


def count_cases(path: Path) -> int | None:
    """How many cases the input holds, when that is cheap to know (for the progress bar)."""
    kind = input_kind(path)
    if kind == "parquet":
        try:
            return pq.ParquetFile(path).metadata.num_rows
        except (pa.ArrowInvalid, OSError):
            return None  # reading it says what is wrong, in one line
    if kind == "jsonl":
        count = 0
        last = b"\n"
        with path.open("rb") as handle:
            while block := handle.read(1 << 22):
                count += block.count(b"\n")
                last = block[-1:]
        return count + (last != b"\n")  # blank lines are skipped later; the bar may end early
    return None


def iter_json_document(path: Path) -> Iterator[Record]:
    """A ``.json`` file: a list of cases (``line`` is the 1-based position in the list) or one case.
    The document is parsed whole, so it is for files that fit in memory; JSON Lines stream."""
    try:
        data = jsondoc.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise BatchError(
            f"{path.name}: not valid JSON ({exc}); for one case per line, name the file .jsonl", field="input"
        ) from None
    items = data if isinstance(data, list) else [data]
    for number, item in enumerate(items, start=1):
        yield Record(path.name, number, "dict", item)


def iter_jsonl(path: Path) -> Iterator[Record]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield Record(path.name, number, "json", line)


def _drop_nulls(value: Any) -> Any:
    """Parquet fills absent struct fields with null; in a Case, absent is not the same as null."""
    if isinstance(value, dict):
        return {k: _drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_nulls(v) for v in value]
    return value


def iter_parquet(path: Path, batch_size: int = 1000) -> Iterator[Record]:
    """One case per row: a JSON text column (``case``, ``json``, or the only column), or nested columns."""
    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BatchError(f"{path.name}: not a readable Parquet file ({exc})", field="input") from None
    names = file.schema_arrow.names
    json_column = next((c for c in ("case", "json", "case_json") if c in names), None)
    if json_column is None and len(names) == 1 and pa.types.is_string(file.schema_arrow.field(0).type):
        json_column = names[0]
    row = 0
    columns = [json_column] if json_column else None
    for batch in file.iter_batches(batch_size=batch_size, columns=columns):
        if json_column:
            for text in batch.column(0).to_pylist():
                row += 1
                yield Record(path.name, row, "json", (text or "").encode())
        else:
            for item in batch.to_pylist():
                row += 1
                yield Record(path.name, row, "dict", _drop_nulls(item))


def iter_fhir_folder(path: Path, skipped: Counter[str] | None = None) -> Iterator[Record]:
    """A folder of FHIR data, one patient per Bundle: each ``.json`` file is one patient (a Bundle or
    resource list), and each line of an ``.ndjson`` file is one patient's Bundle. A bulk export split
    by resource type (Patient.ndjson, Observation.ndjson, ...) is grouped by patient first."""
    files = sorted(p for p in path.iterdir() if p.suffix in {".json", ".ndjson"})
    if not files:
        raise BatchError(f"{path}: no .json or .ndjson files in this folder", field="input")
    if _is_bulk_export(files):
        yield from _iter_bulk_export(files, Counter() if skipped is None else skipped)
        return
    for number, file in enumerate(files, start=1):
        if file.suffix == ".json":
            yield Record(file.name, number, "fhir", str(file))
            continue
        with file.open("rb") as handle:
            for line_no, line in enumerate(handle, start=1):
                if line.strip():
                    yield Record(file.name, line_no, "fhir_json", line)


def _first_resource_type(file: Path) -> str | None:
    with file.open("rb") as handle:
        for line in handle:
            if line.strip():
                try:
                    data = jsondoc.loads(line)
                except orjson.JSONDecodeError:
                    return None
                return data.get("resourceType") if isinstance(data, dict) else None
    return None


def _is_bulk_export(files: list[Path]) -> bool:
    ndjson = [f for f in files if f.suffix == ".ndjson"]
    return bool(ndjson) and all(_first_resource_type(f) not in {"Bundle", None} for f in ndjson)


def _patient_of(resource: dict[str, Any]) -> str | None:
    if resource.get("resourceType") == "Patient":
        return f"Patient/{resource.get('id')}"
    for key in ("subject", "patient", "beneficiary"):
        ref = resource.get(key)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            return ref["reference"].split("/_history")[0].removeprefix("urn:uuid:")
    return None


#: resource types that belong to no patient (shared directory data in a bulk export): passed over and
#: counted in the summary, not reported as errors
NON_PATIENT_RESOURCES = frozenset(
    {
        "Organization",
        "Practitioner",
        "PractitionerRole",
        "Location",
        "Endpoint",
        "HealthcareService",
        "Medication",
        "Substance",
        "Device",
        "Group",
        "OrganizationAffiliation",
    }
)


def _iter_bulk_export(files: list[Path], skipped: Counter[str]) -> Iterator[Record]:
    """Group a type-split bulk export by patient. This holds one folder's resources in memory: the
    FHIR importer (mbcnav.interop.fhir) reads whole patients, and a bulk export scatters them.
    Resources of a non-patient type (Organization, Practitioner, ...) are counted in ``skipped``."""
    by_patient: dict[str, list[dict[str, Any]]] = {}
    orphans: list[tuple[str, int]] = []
    for file in files:
        with file.open("rb") as handle:
            for line_no, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    resource = jsondoc.loads(line)
                except orjson.JSONDecodeError:
                    orphans.append((file.name, line_no))
                    continue
                key = _patient_of(resource) if isinstance(resource, dict) else None
                if key is None:
                    kind = resource.get("resourceType") if isinstance(resource, dict) else None
                    if kind in NON_PATIENT_RESOURCES:
                        skipped[str(kind)] += 1
                    else:
                        orphans.append((file.name, line_no))
                    continue
                by_patient.setdefault(key.removeprefix("Patient/"), []).append(resource)
    for number, (patient, resources) in enumerate(sorted(by_patient.items()), start=1):
        yield Record(f"Patient/{patient}", number, "fhir", resources)
    for name, line_no in orphans:
        yield Record(name, line_no, "orphan", None)


def iter_input(path: Path, batch_size: int = 1000, skipped: Counter[str] | None = None) -> Iterator[Record]:
    if not path.exists():
        raise BatchError(f"input not found: {path}", field="input")
    kind = input_kind(path)
    if kind == "jsonl":
        return iter_jsonl(path)
    if kind == "json":
        return iter_json_document(path)
    if kind == "parquet":
        return iter_parquet(path, batch_size)
    return iter_fhir_folder(path, skipped)


def chunked(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ------------------------------------------------------------------------------------ assessing


def default_assess() -> AssessFn:
    try:
        from mbcnav.reasoning.assess import assess
    except ImportError as exc:
        raise BatchError(f"the reasoning core is not available (mbcnav.reasoning.assess): {exc}") from None
    return assess


def _json(payload: bytes) -> Any:
    try:
        return jsondoc.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise CaseValidationError([("", f"not valid JSON ({exc})")]) from None


def _case_from(record: Record, row: dict[str, Any]) -> Any:
    """The Case of one record; the case id goes into the row as soon as it is known (even if the
    case then fails validation, so the error row names the case)."""
    from mbcnav.case import parse_case

    if record.kind in {"json", "dict"}:
        data = _json(record.payload) if record.kind == "json" else record.payload
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            row["case_id"] = data["id"][:200]
        return parse_case(data)
    if record.kind in {"fhir", "fhir_json"}:
        from mbcnav.interop.fhir import case_from_fhir, case_from_fhir_path

        # a record with no Patient (an empty Bundle) is this case's error, not an empty case assessed
        if record.kind == "fhir_json":
            result = case_from_fhir(_json(record.payload), refuse_empty=True)
        elif isinstance(record.payload, str):
            result = case_from_fhir_path(record.payload, refuse_empty=True)
        else:
            result = case_from_fhir(record.payload, refuse_empty=True)
        row["case_id"] = result.case.id or result.patient_id
        return result.case
    raise CaseValidationError([("", "resource with no patient reference (subject/patient)")])


def _empty_row(record: Record) -> dict[str, Any]:
    return {
        "source": record.source,
        "line": record.line,
        "case_id": None,
        "subtype": None,
        "urgency": None,
        "red_flags": [],
        "top_options": [],
        "alerts": [],
        "error": None,
        "error_field": None,
    }


def assess_record(record: Record, assess: AssessFn) -> dict[str, Any]:
    """One result row; never raises for a bad case (the error goes in the row)."""
    row = _empty_row(record)
    try:
        result = assess(_case_from(record, row))
    except CaseValidationError as exc:
        row["error"] = "; ".join(f"{loc}: {msg}" if loc else msg for loc, msg in exc.problems)
        row["error_field"] = (exc.problems[0][0] or None) if exc.problems else None
        return row
    except MbcnavError as exc:
        row["error"], row["error_field"] = exc.message, exc.field
        return row
    except Exception as exc:  # an engine bug must not stop a million-case batch; it is reported per case
        row["error"] = f"internal error: {type(exc).__name__}: {exc}"
        return row
    row["case_id"] = result.case_id or row["case_id"]
    row["subtype"] = result.subtype
    row["urgency"] = result.urgency
    row["red_flags"] = [flag.code for flag in result.red_flags]
    row["top_options"] = [option.regimen for option in result.therapy_options[:TOP_OPTIONS]]
    # "code:drug", each once: the same code for four drugs says which four, not "code" four times
    row["alerts"] = list(
        dict.fromkeys(
            f"{a.code}:{a.drug}" if getattr(a, "drug", None) else a.code for a in result.safety_alerts
        )
    )
    return row


def assess_chunk(records: list[Record], assess: AssessFn | None = None) -> list[dict[str, Any]]:
    """The unit of work sent to a Dask worker (or run in-process)."""
    fn = assess or default_assess()
    return [assess_record(record, fn) for record in records]


# ------------------------------------------------------------------------------ planning (Dask)


@dataclass(frozen=True)
class JsonlSlice:
    """Lines ``first_line ...`` of a JSONL file, as the byte range [start, end): the worker reads them
    itself, so the client never touches case data (on one machine it would otherwise share a core with
    the workers just to pickle lines out and rows back)."""

    path: str
    start: int
    end: int
    first_line: int

    def records(self) -> Iterator[Record]:
        with open(self.path, "rb") as handle:
            handle.seek(self.start)
            data = handle.read(self.end - self.start)
        name = Path(self.path).name
        # BytesIO splits exactly as iterating the file does (on b"\n", ends kept), so rows match the
        # in-process path byte for byte, JSON error positions included
        for number, line in enumerate(io.BytesIO(data), start=self.first_line):
            if line.strip():
                yield Record(name, number, "json", line)


def plan_jsonl(path: Path, lines_per_slice: int, block_size: int = 1 << 22) -> Iterator[JsonlSlice]:
    """Cut a JSONL file into slices of ``lines_per_slice`` lines by scanning it for newlines (numpy,
    ~1 GB/s): only byte offsets and line numbers are kept, never the lines."""
    import numpy as np

    lines = 0  # complete lines seen so far
    slice_start, slice_line = 0, 1
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(block_size):
            newlines = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
            # indices (in this block) of the newline that ends each slice: line numbers that are
            # multiples of lines_per_slice
            first = (lines_per_slice - 1 - lines) % lines_per_slice
            for index in newlines[first::lines_per_slice].tolist():
                end = offset + index + 1
                yield JsonlSlice(str(path), slice_start, end, slice_line)
                slice_line += lines_per_slice
                slice_start = end
            lines += len(newlines)
            offset += len(block)
    if offset > slice_start:
        yield JsonlSlice(str(path), slice_start, offset, slice_line)


Work = JsonlSlice | list[Record]


def _records_of(work: Work) -> Iterable[Record]:
    return work.records() if isinstance(work, JsonlSlice) else work


def assess_part(work: Work, part: str | None, assess: AssessFn | None = None) -> tuple[BatchSummary, Any]:
    """The unit of work on a Dask worker: assess a slice, write its rows to the Parquet file ``part``
    (shared file system) and return only the small summary; with no ``part``, return the Arrow table
    too (a remote cluster that cannot see our disk)."""
    rows = assess_chunk(list(_records_of(work)), assess)
    summary = BatchSummary()
    summary.add(rows)
    table = _results_table(rows)
    del rows
    if part is None:
        return summary, table
    pq.write_table(table, part, compression="zstd")
    return summary, None


def _sees(paths: list[str]) -> bool:
    """Run on each worker: can it read the input and write the parts folder?"""
    return os.access(paths[0], os.R_OK) and os.access(paths[1], os.W_OK)


# -------------------------------------------------------------------------------------- running


def _results_table(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)


#: Dask's statistical profiler samples the running task's stack every 10 ms (and the GIL monitor every
#: 1 ms): diagnostics for a dashboard nobody watches here, paid on every case of a pure-Python engine.
WORKER_CONFIG = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.system-monitor.gil.enabled": False,
}


def _local_cluster(workers: int) -> Any:
    """One single-threaded worker process per core asked for (the engine is pure Python: threads
    would share one GIL). The nannies live in this process as asyncio objects, not extra processes."""
    import dask
    from distributed import LocalCluster

    # the nannies hand this config to the worker processes they start
    with dask.config.set(WORKER_CONFIG):
        return LocalCluster(
            n_workers=workers,
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,  # no dashboard ...
            # ... but the scheduler still serves HTTP (health, metrics), on :8787 unless told otherwise:
            # a free loopback port, so a second run never warns "Port 8787 is already in use"
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            host="127.0.0.1",
            silence_logs=logging.ERROR,
        )


def check_batch_args(
    input_path: Path | str,
    out: Path | str,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    chunk_size: int = 1000,
) -> tuple[Path, Path]:
    """Every check that needs no case data, so a mistake is reported before any work (or progress
    bar) starts. Returns the input and output as absolute paths: Dask workers may run in another
    directory, so a relative path would name a different file there."""
    if chunk_size < 1:
        raise BatchError("--chunk-size must be at least 1", field="chunk_size")
    if workers < 1:
        raise BatchError("--workers must be at least 1", field="workers")
    if scheduler is not None:
        if workers != 1:
            raise BatchError(
                "--workers starts a local cluster; with --scheduler the cluster's own workers run the batch",
                field="workers",
            )
        _check_address(scheduler)
    source, target = Path(input_path).absolute(), Path(out).absolute()
    if not source.exists():
        raise BatchError(f"input not found: {input_path}", field="input")
    input_kind(source)
    if target.suffix.lower() not in {".parquet", ".pq"}:
        raise BatchError(f"{target.name}: the output must be a .parquet file", field="out")
    if target.resolve() == source.resolve() or (target.exists() and os.path.samefile(target, source)):
        raise BatchError(f"--out {out} is the input file: write the results to another file", field="out")
    return source, target


def _check_address(address: str) -> None:
    """A scheduler address Dask can parse (tcp://host:port, host:port, tls://...), else one line."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(address)
        if scheme in {"tcp", "tls", "ws", "wss"}:
            parse_host_port(location)
    except (ValueError, TypeError) as exc:
        raise BatchError(
            f"--scheduler {address!r} is not a Dask scheduler address (e.g. tcp://10.0.0.5:8786): {exc}",
            field="scheduler",
        ) from None


def run_batch(
    input_path: Path | str,
    out: Path | str,
    *,
    workers: int = 1,
    scheduler: str | None = None,
    chunk_size: int = 1000,
    assess: AssessFn | None = None,
    on_progress: Callable[[int], None] | None = None,
    in_flight_per_worker: int = 2,
) -> BatchSummary:
    """Assess every case of ``input_path`` and write one row per case to the Parquet file ``out``.

    The output appears only when the batch has finished (it is written to ``out.partial`` first), so
    an interrupted run never leaves a half file that looks whole. Rows are in input order.
    """
    shown = str(out)
    source, target = check_batch_args(
        input_path, out, workers=workers, scheduler=scheduler, chunk_size=chunk_size
    )
    skipped: Counter[str] = Counter()
    records = iter_input(source, batch_size=chunk_size, skipped=skipped)
    if assess is None and scheduler is None and workers == 1:
        assess = default_assess()  # fail early, before any output, when the core is missing
    partial = target.with_name(target.name + ".partial")
    parts = target.with_name(target.name + ".parts")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        writer = pq.ParquetWriter(partial, RESULT_SCHEMA, compression="zstd")
    except OSError as exc:
        raise BatchError(f"cannot write {target}: {exc.strerror or exc}", field="out") from None
    summary = BatchSummary(output=shown, workers=workers, skipped=skipped)

    try:
        if scheduler is None and workers == 1:
            for chunk in chunked(records, chunk_size):
                rows = assess_chunk(chunk, assess)
                writer.write_table(_results_table(rows))
                summary.add(rows)
                if on_progress is not None:
                    on_progress(len(rows))
        else:
            parts.mkdir(exist_ok=True)

            def plan(shared: bool) -> Iterator[Work]:
                if shared and input_kind(source) == "jsonl":
                    return plan_jsonl(source, chunk_size)
                # Parquet, FHIR, or a cluster that cannot see our disk: we read, the workers assess
                return chunked(records, chunk_size)

            summary.workers = _run_dask(
                source,
                plan,
                parts,
                writer,
                summary,
                workers,
                scheduler,
                assess,
                in_flight_per_worker,
                on_progress,
            )
        writer.close()
        os.replace(partial, target)
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    return summary


class _InOrder:
    """Writes tables indexed 0, 1, 2, ... in that order, whatever order they arrive in."""

    def __init__(self, writer: pq.ParquetWriter) -> None:
        self.writer = writer
        self.next = 0
        self.buffer: dict[int, pa.Table] = {}

    @property
    def waiting(self) -> int:
        return len(self.buffer)

    def add(self, index: int, table: pa.Table) -> None:
        self.buffer[index] = table
        while self.next in self.buffer:
            self.writer.write_table(self.buffer.pop(self.next))
            self.next += 1

    def finish(self) -> None:
        for index in sorted(self.buffer):  # only when slices were missing (never in a full run)
            self.writer.write_table(self.buffer.pop(index))


def _run_dask(
    source: Path,
    plan: Callable[[bool], Iterator[Work]],
    parts: Path,
    writer: pq.ParquetWriter,
    summary: BatchSummary,
    workers: int,
    scheduler: str | None,
    assess: AssessFn | None,
    in_flight_per_worker: int,
    on_progress: Callable[[int], None] | None,
) -> int:
    """Submit slices with a bounded number in flight; each worker writes its own Parquet part and
    sends back a summary, which we merge. At the end the parts are copied into ``writer`` in input
    order, one row group at a time (never all in memory).

    A remote cluster that cannot see our disk gets the cases themselves and sends back Arrow tables,
    which are written in input order too (a slice that finishes early waits for the ones before it).
    """
    from distributed import Client, as_completed

    cluster = None
    try:
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout="10s")
            except (OSError, TimeoutError, ValueError) as exc:
                raise BatchError(
                    f"cannot reach the Dask scheduler at {scheduler}: {exc}", field="scheduler"
                ) from None
        else:
            cluster = _local_cluster(workers)
            client = Client(cluster)
        with client:
            n_workers = max(1, len(client.scheduler_info().get("workers", {})) or workers)
            shared = cluster is not None or all(
                client.run(_sees, [str(source.resolve()), str(parts.resolve())]).values()
            )
            limit = max(2, n_workers * in_flight_per_worker)
            pending = as_completed(with_results=True)
            index_of: dict[str, int] = {}
            written: list[int] = []  # part files on disk, copied into the output at the end
            in_order = _InOrder(writer)  # tables sent back by a cluster that cannot see our disk

            def collect() -> None:
                future, (part_summary, table) = next(pending)
                index = index_of.pop(future.key)
                summary.merge(part_summary, order=index)
                if table is None:
                    written.append(index)
                else:
                    in_order.add(index, table)
                future.release()
                if on_progress is not None:
                    on_progress(part_summary.total)

            for index, item in enumerate(plan(shared)):
                part = str(parts / f"part-{index:06d}.parquet") if shared else None
                future = client.submit(assess_part, item, part, assess, pure=False)
                index_of[future.key] = index
                pending.add(future)
                # tables waiting for an earlier slice count against the limit: memory stays bounded
                while len(index_of) + in_order.waiting >= limit and index_of:
                    collect()
            while index_of:
                collect()
            in_order.finish()
        for index in sorted(written):
            part_file = pq.ParquetFile(parts / f"part-{index:06d}.parquet")
            for group in range(part_file.num_row_groups):
                writer.write_table(part_file.read_row_group(group))
        return n_workers
    finally:
        if cluster is not None:
            cluster.close()
