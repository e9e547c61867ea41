"""Benchmark of the challenge solver backends against OpenSSL and the naive Python loop.

    python bench/solver.py            # about 25 s on 2 cores
    python bench/solver.py --quick    # about 15 s

Prints candidates per second for: ``openssl speed -evp sha256 -bytes 64`` (one core), the
naive ``hashlib...hexdigest() == h`` loop, the ``python`` backend, the ``simd`` backend on
one core and on all cores (one forked process per core), as medians of short repetitions,
plus the numba compile time (cold cache in a temporary ``NUMBA_CACHE_DIR``) and the
warm-up time of a second process that loads the kernels from that cache.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

TOKEN = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
CHALLENGE_ID = 3
NO_SOLUTION = hashlib.sha256(b"nothing hashes to this").hexdigest()

WARM_UP_SCRIPT = """
import time
t0 = time.perf_counter()
from challenge_worker.solver.simd_backend import SimdBackend
t1 = time.perf_counter()
seconds = SimdBackend().warm_up()
print(t1 - t0, seconds)
"""


def openssl_rate(seconds: int) -> float | None:
    """Single-core SHA-256 hashes/s of 64-byte messages, from ``openssl speed``."""
    if shutil.which("openssl") is None:
        return None
    cmd = ["openssl", "speed", "-evp", "sha256", "-bytes", "64", "-seconds", str(seconds)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    # "sha256   419203.63k": thousands of bytes per second for 64-byte blocks
    match = re.search(r"^sha256\s+([\d.]+)k\s*$", out, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"cannot parse openssl output:\n{out}")
    return float(match.group(1)) * 1000 / 64


def median_rate(scan, count: int, repeat: int) -> float:
    """Median candidates/s of ``repeat`` runs of ``scan()`` over ``count`` candidates."""
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        scan()
        rates.append(count / (time.perf_counter() - t0))
    return statistics.median(rates)


def naive_loop(start: int, end: int, challenge_hash: str) -> int | None:
    token, cid = TOKEN, CHALLENGE_ID
    for n in range(start, end + 1):
        message = f"deposit_token={token}&challenge_id={cid}&secret={n}"
        if hashlib.sha256(message.encode()).hexdigest() == challenge_hash:
            return n
    return None


def warm_up_in_subprocess(cache_dir: str) -> tuple[float, float, float]:
    """(process wall time, import seconds, warm_up seconds) of a fresh process."""
    env = {**os.environ, "NUMBA_CACHE_DIR": cache_dir}
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", WARM_UP_SCRIPT],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    ).stdout
    wall = time.perf_counter() - t0
    import_s, warm_s = (float(x) for x in out.split())
    return wall, import_s, warm_s


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def row(label: str, rate: float | None, openssl: float | None, extra: str = "") -> None:
    if rate is None:
        print(f"{label:<46} {'n/a':>9}")
        return
    ratio = f"{rate / openssl:6.2f}x OpenSSL" if openssl else ""
    print(f"{label:<46} {rate / 1e6:7.2f} M/s  {ratio}  {extra}".rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs (about 15 s)")
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    quick = args.quick
    repeat = 3 if quick else 5

    import numba

    print(
        f"solver benchmark: {cpu_model()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, numba {numba.__version__}"
        f"{' (quick)' if quick else ''}"
    )
    print(f"load average before: {load_average()} (other work on the machine skews rates)")

    # compile first, in a throwaway cache, then reuse that cache in this process
    cache_dir = tempfile.mkdtemp(prefix="solver-bench-numba-")
    try:
        cold = warm_up_in_subprocess(cache_dir)
        cached = warm_up_in_subprocess(cache_dir)
        os.environ["NUMBA_CACHE_DIR"] = cache_dir
        report(args, quick, repeat, cold, cached)
    finally:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return 0


def report(args, quick, repeat, cold, cached) -> None:
    from solve_parallel import solve_parallel  # bench/, the script's directory

    from challenge_worker.solver import build_prefix, get_backend

    openssl = openssl_rate(1 if quick else 3)
    if openssl is None:
        print("openssl: not installed, ratios to OpenSSL are left out")
    row("openssl speed -evp sha256 -bytes 64, 1 core", openssl, openssl)

    n = 200_000 if quick else 500_000
    first = 100_000
    naive = median_rate(lambda: naive_loop(first, first + n - 1, NO_SOLUTION), n, repeat)
    row("naive Python loop (f-string, hexdigest)", naive, openssl)

    prefix = build_prefix(TOKEN, CHALLENGE_ID)
    target = bytes.fromhex(NO_SOLUTION)
    python = get_backend("python")
    py_rate = median_rate(lambda: python.search(prefix, target, first, first + n - 1), n, repeat)
    row("python backend (hashlib midstate)", py_rate, openssl, f"{py_rate / naive:.2f}x naive")

    simd = get_backend("simd")  # loads from the cache filled above
    n = 20_000_000 if quick else 50_000_000
    first = 100_000_000  # 9-digit secrets
    simd_rate = median_rate(lambda: simd.search(prefix, target, first, first + n - 1), n, repeat)
    row("simd backend, 1 core", simd_rate, openssl)

    procs = args.processes
    n_all = n * procs

    def scan_all_cores():
        solve_parallel(
            deposit_token=TOKEN,
            challenge_id=CHALLENGE_ID,
            challenge_hash=NO_SOLUTION,
            start=first,
            end=first + n_all - 1,
            processes=procs,
            backend=simd,
        )

    all_rate = median_rate(scan_all_cores, n_all, repeat)
    per_core = f"({all_rate / procs / 1e6:.2f} M/s per process, fork included)"
    row(f"simd backend, {procs} processes", all_rate, openssl, per_core)

    print_default_challenge_times(python, simd, repeat)

    print(f"load average after: {load_average()}")
    print_compile_times(cold, cached)


def print_default_challenge_times(python, simd, repeat) -> None:
    from challenge_worker.solver import solve

    for name, backend in (("python", python), ("simd", simd)):
        times = []
        for _ in range(repeat):
            result = solve(
                deposit_token=TOKEN,
                challenge_id=CHALLENGE_ID,
                challenge_hash=NO_SOLUTION,
                start=1,
                end=500_000,
                backend=backend,
            )
            times.append(result.seconds)
        label = f"whole default challenge [1, 500000], {name}"
        print(f"{label:<46} {statistics.median(times) * 1000:7.1f} ms")


def print_compile_times(cold, cached) -> None:
    wall, import_s, warm_s = cold
    print(f"{'simd compile (cold cache, first warm_up)':<46} {warm_s:7.2f} s", end="")
    print(f"   (import {import_s:.2f} s, whole process {wall:.2f} s)")
    wall, import_s, warm_s = cached
    print(f"{'simd warm_up from cache (second process)':<46} {warm_s:7.2f} s", end="")
    print(f"   (import {import_s:.2f} s, whole process {wall:.2f} s)")


if __name__ == "__main__":
    raise SystemExit(main())
