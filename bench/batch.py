"""`mbcnav assess-batch` at scale: cases/s with 1 and 2 workers, peak RSS of the process tree, scaling.

Generates N SYNTHETIC cases as JSONL in a temporary folder, then runs the real command
(`mbcnav assess-batch cases.jsonl --out results.parquet --workers W`) as a child process while a
sampler sums the resident memory of that process and all its children (Dask scheduler, nanny and
worker processes) every 0.2 s. Target: peak RSS < 1 GiB. Prints figures; asserts nothing.

Usage: .venv/bin/python bench/batch.py [--n 1000000] [--workers 1,2] [--chunk-size 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson
import psutil
import pyarrow.parquet as pq

from mbcnav.analytics.synthetic import synthetic_cases

GIB = 1024**3
CLI = [sys.executable, "-c", "from mbcnav.cli import main; main()"]


def generate(path: Path, n: int) -> float:
    start = time.perf_counter()
    with path.open("wb") as handle:
        for case in synthetic_cases(n, seed=2024):
            handle.write(orjson.dumps(case))
            handle.write(b"\n")
    return time.perf_counter() - start


def tree_rss(process: psutil.Process) -> tuple[int, dict[int, int]]:
    """Resident memory of a process and all its descendants (0 once the process has gone), and of each
    process by pid (the CLI process hosts the Dask client, scheduler and nannies; its children are the
    worker processes)."""
    try:
        procs = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0, {}
    each: dict[int, int] = {}
    for proc in procs:
        with contextlib.suppress(psutil.Error):  # a child may exit between listing and reading
            each[proc.pid] = proc.memory_info().rss
            cpu = proc.cpu_times()
            CPU_SECONDS[proc.pid] = cpu.user + cpu.system
    return sum(each.values()), each


#: CPU seconds used by each process of the measured tree (last sample)
CPU_SECONDS: dict[int, float] = {}


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (all processes, all cores)."""
    times = psutil.cpu_times()
    return sum(getattr(times, name, 0.0) for name in ("user", "nice", "system", "irq", "softirq", "steal"))


def run(source: Path, out: Path, workers: int, chunk_size: int) -> tuple[float, int, int, int, list[int]]:
    """(seconds, peak RSS bytes of the tree, rows written, peak RSS of the CLI process, peak RSS of
    each child process, largest first)."""
    command = [
        *CLI,
        "assess-batch",
        str(source),
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--chunk-size",
        str(chunk_size),
        "--json",
    ]
    peak = 0
    peaks: dict[int, int] = {}
    CPU_SECONDS.clear()
    busy_before = busy_seconds()
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    handle = psutil.Process(child.pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            total, each = tree_rss(handle)
            peak = max(peak, total)
            for pid, rss in each.items():
                peaks[pid] = max(peaks.get(pid, 0), rss)
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = child.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    others = max(0.0, busy_seconds() - busy_before - sum(CPU_SECONDS.values())) / seconds
    if child.returncode != 0:
        sys.exit(f"assess-batch failed (exit {child.returncode}): {stderr.decode()[-2000:]}")
    main_peak = peaks.pop(child.pid, 0)
    children = sorted(peaks.values(), reverse=True)
    return seconds, peak, pq.ParquetFile(out).metadata.num_rows, main_peak, children, others


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1_000_000, help="number of synthetic cases")
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to compare")
    parser.add_argument("--chunk-size", type=int, default=2000)
    parser.add_argument("--keep", type=Path, default=None, help="keep the input and outputs in this folder")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]

    with tempfile.TemporaryDirectory(prefix="mbcnav-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        source = folder / "cases.jsonl"
        seconds = generate(source, args.n)
        print(
            f"generated {args.n:,} SYNTHETIC cases in {seconds:.1f} s "
            f"({source.stat().st_size / 1e6:.0f} MB JSONL, {args.n / seconds:,.0f} cases/s)"
        )
        print(f"cpu cores visible: {psutil.cpu_count()}; chunk size {args.chunk_size}")
        rates: dict[int, float] = {}
        for workers in counts:
            seconds, peak, rows, main_peak, children, others = run(
                source, folder / f"results-{workers}w.parquet", workers, args.chunk_size
            )
            rates[workers] = rows / seconds
            verdict = "ok" if peak < GIB else "OVER 1 GiB"
            print(
                f"workers={workers}: {rows:,} rows in {seconds:.1f} s = {rates[workers]:,.0f} cases/s; "
                f"peak RSS (process tree) {peak / 2**20:,.0f} MiB [{verdict}]"
            )
            print(
                f"  peak RSS by process: CLI (client, scheduler, nannies) {main_peak / 2**20:,.0f} MiB; "
                f"children {', '.join(f'{c / 2**20:,.0f}' for c in children) or 'none'} MiB"
            )
            print(
                f"  other processes used {others:.1f} of {psutil.cpu_count()} cores meanwhile"
                + (" (shared machine: repeat for a clean figure)" if others > 0.2 else "")
            )
        if 1 in rates:
            for workers, rate in rates.items():
                if workers != 1:
                    print(f"scaling {workers} vs 1 worker: {rate / rates[1]:.2f}x (ideal {workers}.00x)")


if __name__ == "__main__":
    main()
