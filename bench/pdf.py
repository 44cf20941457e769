"""PDF report downloads: the first download of a saved case renders it (weasyprint), later ones come
from the per-process cache (web/pdf.py PdfCache). Prints the time of each kind and of concurrent
downloads of one case, so the cache's effect is measured, not assumed.

Starts the real server on loopback (temporary data directory), saves one rich case through the form
upload, then downloads its report.

Usage: .venv/bin/python bench/pdf.py [--repeats 5] [--concurrent 4]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import orjson

from mbcnav.web.devserver import running_server

#: the sweep-6 shape: HER2+ with brain metastases, anthracyclines, an order check (a 14-page report)
CASE = {
    "id": "bench-pdf",
    "patient": {"age": 52, "sex": "F", "menopausal": "post", "weight_kg": 82, "height_cm": 160, "ecog": 1},
    "tumor": {"er_percent": 0, "pr_percent": 0, "her2_ihc": "3+"},
    "metastatic_sites": ["brain", "liver", "bone"],
    "brain_mets_count": 3,
    "brain_mets_status": "progressing",
    "labs": {"creatinine_mg_dl": 1.1, "calcium_mg_dl": 9.6, "albumin_g_dl": 3.8, "lvef_percent": 48},
    "cumulative_doxorubicin_mg_m2": 240,
    "cumulative_epirubicin_mg_m2": 100,
    "proposed_treatment": [{"drug": "doxorubicin", "dose_mg_m2": 60}],
    "current_meds": ["paroxetine"],
}


def _get(base: str, path: str) -> float:
    start = time.perf_counter()
    response = httpx.get(base + path, timeout=120)
    response.raise_for_status()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--concurrent", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_server(Path(tmp)) as base:
        cases = []
        for i in range(2):
            response = httpx.post(
                base + "/cases",
                files={"case_file": ("case.json", orjson.dumps({**CASE, "id": f"bench-pdf-{i}"}))},
                headers={"origin": base},
                follow_redirects=False,
                timeout=60,
            )
            if response.status_code != 303:
                raise SystemExit(f"the case was not saved: {response.status_code} {response.text[:300]}")
            cases.append(response.headers["location"])
        first = _get(base, f"{cases[0]}/report.pdf")
        cached = [_get(base, f"{cases[0]}/report.pdf") for _ in range(args.repeats)]
        print(f"first download (rendered):  {first * 1000:8.1f} ms")
        median = statistics.median(cached) * 1000
        print(f"later downloads (cached):   {median:8.1f} ms median of {args.repeats}")
        with ThreadPoolExecutor(args.concurrent) as pool:
            times = list(pool.map(lambda _: _get(base, f"{cases[0]}/report.pdf"), range(args.concurrent)))
        print(f"{args.concurrent} at once (cached):       {max(times) * 1000:8.1f} ms slowest")
        # a case never downloaded before: the render cost every download paid without the cache
        uncached = _get(base, f"{cases[1]}/report.pdf")
        print(f"another case (rendered):    {uncached * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
