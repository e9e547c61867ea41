"""Purchases through the whole local stack: buy → validated latency, throughput, per-hop times.

Starts its own stack (`scripts/run.sh`: exchange, web under gunicorn, master, 2 challenge
workers, one worker per queue, clock, Redis) on spare ports with a throw-away data folder, then:

1. one purchase at a time (N purchases): p50/p95 from the POST to "validated";
2. M concurrent buyers: sustained purchases per second, against the hashing bound
   (aggregate solver rate of the live workers ÷ average candidates a purchase needs);
3. the latency of each hop, from the purchases' own timestamps.

    python bench/purchase.py [--n 20] [--buyers 20] [--per-buyer 3] [--backend simd|python]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTS = {"WEB_PORT": 18000, "MASTER_PORT": 18001, "EXCHANGE_PORT": 18100, "REDIS_PORT": 16380}
WEB = f"http://127.0.0.1:{PORTS['WEB_PORT']}"


def call(method: str, path: str, body=None, token: str | None = None, base: str = WEB):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Token {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def wait_until(check, timeout: float, what: str) -> None:
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"timed out waiting for {what}")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Stack:
    def __init__(self, backend: str):
        self.var = Path(tempfile.mkdtemp(prefix="bench-purchase-"))
        self.env = {
            **os.environ,
            **{k: str(v) for k, v in PORTS.items()},
            "VAR_DIR": str(self.var),
            "SOLVER_BACKEND": backend,
            "LOG_LEVEL": "WARNING",
        }
        for name in ("REDIS_URL", "DATABASE_URL", "EXCHANGE_URL", "MASTER_URL"):
            self.env.pop(name, None)

    def __enter__(self):
        self.log = open(self.var / "stack.log", "w")  # closed in __exit__
        self.process = subprocess.Popen(
            ["scripts/run.sh"], cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        wait_until(lambda: call("GET", "/api/v1/events/")[1]["count"] > 0, 120, "the catalogue")
        wait_until(lambda: call("GET", "/api/v1/workers/status/")[1]["workers"] >= 2, 60, "workers")
        return self

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()
        shutil.rmtree(self.var, ignore_errors=True)


def new_buyer(money: int) -> str:
    name = f"bench-{uuid.uuid4().hex[:10]}"
    call("POST", "/api/v1/auth/register/", {"username": name, "email": f"{name}@example.cl",
                                            "password": "bench-pass-2026-x"})  # fmt: skip
    _, body = call(
        "POST", "/api/v1/auth/token/", {"username": name, "password": "bench-pass-2026-x"}
    )
    token = body["token"]
    while money > 0:
        step = min(money, 5_000_000)
        call("POST", "/api/v1/wallet/deposits/", {"amount": step}, token)
        money -= step
    return token


def buy_and_wait(token: str, event_id: int, poll: float = 0.01) -> tuple[float, str, str]:
    started = time.perf_counter()
    status, body = call("POST", "/api/v1/purchases/", {"event": event_id, "quantity": 1}, token)
    if status != 201:
        return time.perf_counter() - started, "refused", str(body)
    purchase_id = body["id"]
    while True:
        _, body = call("GET", f"/api/v1/purchases/{purchase_id}/", token=token)
        if body["status"] in ("validated", "rejected", "expired"):
            return time.perf_counter() - started, body["status"], purchase_id
        time.sleep(poll)


def query_stack(var: Path, code: str) -> list:
    """Run `code` with Django on the stack's database; it prints one JSON line."""
    env = {**os.environ, "VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "ticketseller.settings"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def hop_breakdown(var: Path, purchase_ids: list[str]) -> dict[str, list[float]]:
    """Read the purchases' own timestamps from the stack's database."""
    code = f"""
import json, django
django.setup()
from payments.models import Purchase
rows = []
for p in Purchase.objects.filter(pk__in={purchase_ids!r}):
    rows.append([t.timestamp() if t else None for t in (p.created_at, p.payment_requested_at,
        p.challenges_queued_at, p.solved_at, p.submitted_at, p.finished_at)])
print(json.dumps(rows))
"""
    rows = query_stack(var, code)
    hops = {
        "accepted → payment requested": [], "payment requested → challenges queued": [],
        "challenges queued → solved": [], "solved → submitted": [], "submitted → validated": [],
    }  # fmt: skip
    for row in rows:
        if None in row:
            continue
        for values, a, b in zip(hops.values(), row, row[1:], strict=False):
            values.append(b - a)
    return hops


def task_breakdown(var: Path, purchase_ids: list[str]) -> dict[str, list[float]]:
    """Inside "challenges queued → solved": per challenge job, the wait in the queue, the
    hashing itself, and the job's bookkeeping (claim, record, completion)."""
    code = f"""
import json, django
django.setup()
from challenge_worker.models import ChallengeTask
rows = []
for t in ChallengeTask.objects.filter(job__reference__in={purchase_ids!r}, status="solved"):
    if t.enqueued_at and t.started_at and t.finished_at:
        rows.append([(t.started_at - t.enqueued_at).total_seconds(), t.seconds,
                     (t.finished_at - t.started_at).total_seconds() - t.seconds])
print(json.dumps(rows))
"""
    rows = query_stack(var, code)
    parts = {"waiting in the challenges queue": [], "hashing": [], "job bookkeeping": []}
    for row in rows:
        for values, value in zip(parts.values(), row, strict=True):
            values.append(value)
    return parts


def print_breakdown(title: str, var: Path, ids: list[str]) -> None:
    print(f"{title} (median / p95, seconds):")
    for name, values in hop_breakdown(var, ids).items():
        if values:
            print(f"  {name:<40} {statistics.median(values):.3f} / {pct(values, 95):.3f}")
    print("  per challenge job:")
    for name, values in task_breakdown(var, ids).items():
        if values:
            print(f"    {name:<38} {statistics.median(values):.3f} / {pct(values, 95):.3f}")


def hashing_bound() -> tuple[float, float]:
    """(aggregate candidates/s of the live workers, purchases/s they can hash at most)."""
    _, body = call("GET", "/heartbeat", base=f"http://127.0.0.1:{PORTS['MASTER_PORT']}")
    rate = sum(float(w.get("rate") or 0) for w in body.get("workers_detail", []))
    challenges, max_secret = 5, 500_000  # the exchange's defaults
    candidates_per_purchase = challenges * (max_secret + 1) / 2  # a secret is uniform in range
    return rate, rate / candidates_per_purchase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20, help="sequential purchases")
    parser.add_argument("--buyers", type=int, default=20, help="concurrent buyers")
    parser.add_argument("--per-buyer", type=int, default=3)
    parser.add_argument("--backend", default="auto", choices=["auto", "simd", "python"])
    args = parser.parse_args()

    with Stack(args.backend) as stack:
        _, events = call("GET", "/api/v1/events/")
        event = max(events["results"], key=lambda e: e["available"])
        print(
            f"stack up; event {event['id']} with {event['available']} seats, price {event['price']}"
        )
        rate, bound = hashing_bound()
        print(f"workers' solver rate: {rate / 1e6:.1f} M candidates/s; ", end="")
        print(f"hashing bound {bound:.2f} purchases/s")

        token = new_buyer(event["price"] * (args.n + 1))
        buy_and_wait(token, event["id"])  # warm-up: connections, caches
        sequential, ids = [], []
        for _ in range(args.n):
            seconds, outcome, purchase_id = buy_and_wait(token, event["id"])
            sequential.append(seconds)
            ids.append(purchase_id)
            assert outcome == "validated", (outcome, purchase_id)
        print(f"\none at a time, n={args.n}: p50 {statistics.median(sequential):.3f} s, "
              f"p95 {pct(sequential, 95):.3f} s, max {max(sequential):.3f} s")  # fmt: skip

        print_breakdown("per hop", stack.var, ids)

        tokens = [new_buyer(event["price"] * args.per_buyer) for _ in range(args.buyers)]
        results: list[tuple[float, str, str]] = []
        lock = threading.Lock()

        def buyer(tok: str) -> None:
            for _ in range(args.per_buyer):
                # A slower poll: 20 clients polling every 10 ms would eat the CPU the
                # stack needs (all of it runs on this machine's two cores).
                outcome = buy_and_wait(tok, event["id"], poll=0.1)
                with lock:
                    results.append(outcome)

        started = time.perf_counter()
        threads = [threading.Thread(target=buyer, args=(t,)) for t in tokens]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        done = [r for r in results if r[1] == "validated"]
        throughput = len(done) / elapsed
        latencies = [r[0] for r in done]
        print(f"\n{args.buyers} concurrent buyers × {args.per_buyer}: {len(done)}/{len(results)} "
              f"validated in {elapsed:.1f} s = {throughput:.2f} purchases/s "
              f"({throughput / bound:.0%} of the hashing bound {bound:.2f}/s); "
              f"latency p50 {statistics.median(latencies):.2f} s, "
              f"p95 {pct(latencies, 95):.2f} s")  # fmt: skip
        print_breakdown("per hop under load", stack.var, [r[2] for r in done])


if __name__ == "__main__":
    main()
