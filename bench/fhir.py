"""Benchmark: FHIR bundles per second for import+assess, fhir.resources parsing alone, orjson alone.

Usage: .venv/bin/python bench/fhir.py [--n 10000]

The bundles are variants of the test corpus (two mCODE bundles written by others and one written for
the tests): each variant gets its own patient id, creatinine, calcium and dates, so no cache can
help. All three measurements run in the same process over the same bytes, one after another, and
the ratios are printed together. Targets (issue 7): import+assess faster than fhir.resources parsing
alone, and within 5x of raw orjson parsing.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import gc
import sys
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
# this file is called fhir.py: drop its folder from the path so `import fhir.resources` finds the package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(ROOT / "tests"))

from interop import mcode as M  # noqa: E402
from mbcnav.interop.fhir import case_from_fhir  # noqa: E402

FIXTURES = ROOT / "tests" / "interop" / "fixtures"


def _bases() -> list[dict[str, Any]]:
    trial = orjson.loads((FIXTURES / "mcode-ctm-app_TrialMatching_Patient01.json").read_bytes())
    trial["id"] = "trial-matching-01"  # the original id has a "_", which fhir.resources rejects outright
    eom = orjson.loads((FIXTURES / "mcode-ctms_eom_patient_1.json").read_bytes())
    return [M.hr_positive_renal_record(), trial, eom]


def make_bundles(n: int) -> list[bytes]:
    bases = _bases()
    out: list[bytes] = []
    for i in range(n):
        bundle = copy.deepcopy(bases[i % len(bases)])
        day = dt.date(2024, 1, 1) + dt.timedelta(days=i % 365)
        bundle["entry"].append(
            {"resource": M.lab(f"cr-{i}", "14682-9", 60 + i % 90, "umol/L", day.isoformat())}
        )
        bundle["entry"].append(
            {"resource": M.lab(f"ca-{i}", "2000-8", 2.1 + (i % 7) / 10, "mmol/L", day.isoformat())}
        )
        for entry in bundle["entry"]:
            res = entry["resource"]
            if res["resourceType"] == "Patient":
                res["id"] = f"{res.get('id', 'p')}-{i}"
            subject = res.get("subject")
            if isinstance(subject, dict) and "reference" in subject and res["resourceType"] != "Patient":
                subject["reference"] = "Patient/" + next(
                    e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
                )
        out.append(orjson.dumps(bundle))
    return out


def timed(label: str, fn: Any, items: list[bytes]) -> float:
    gc.collect()
    start = time.perf_counter()
    for raw in items:
        fn(raw)
    elapsed = time.perf_counter() - start
    rate = len(items) / elapsed
    print(f"  {label:<38} {len(items):>6} bundles in {elapsed:7.2f} s = {rate:10.0f} bundles/s", flush=True)
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="number of bundles (default 10000)")
    args = parser.parse_args()

    from fhir.resources.R4B.bundle import Bundle

    from mbcnav.reasoning.assess import assess

    bundles = make_bundles(args.n)
    size = sum(map(len, bundles)) / len(bundles) / 1024
    print(f"{len(bundles)} bundles, mean {size:.1f} KiB; Python {sys.version.split()[0]}")
    as_of = dt.date(2025, 1, 1)
    # warm up once: knowledge base, rules and model classes load on first use, not per bundle
    assess(case_from_fhir(orjson.loads(bundles[0]), as_of=as_of).case)
    Bundle.model_validate(orjson.loads(bundles[0]))

    def import_and_assess(raw: bytes) -> None:
        assess(case_from_fhir(orjson.loads(raw), as_of=as_of).case)

    def import_only(raw: bytes) -> None:
        case_from_fhir(orjson.loads(raw), as_of=as_of)

    def fhir_resources(raw: bytes) -> None:
        Bundle.model_validate(orjson.loads(raw))

    orjson_rate = timed("orjson.loads alone", orjson.loads, bundles)
    import_rate = timed("import (orjson + mapping + Case)", import_only, bundles)
    full_rate = timed("import + assess", import_and_assess, bundles)
    fr_rate = timed("fhir.resources R4B Bundle parse", fhir_resources, bundles)

    print("\nratios (higher = faster)")
    print(f"  import+assess / fhir.resources parse : {full_rate / fr_rate:6.2f}x  (target > 1)")
    print(f"  orjson / import+assess               : {orjson_rate / full_rate:6.2f}x  (target <= 5)")
    print(f"  orjson / import alone                : {orjson_rate / import_rate:6.2f}x")
    print(f"  orjson / fhir.resources parse        : {orjson_rate / fr_rate:6.2f}x")


if __name__ == "__main__":
    main()
