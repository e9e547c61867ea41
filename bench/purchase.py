"""Purchases through the whole local stack: buy → validated latency, throughput, per-hop times.

Starts its own stack (`scripts/run.sh`, see bench/stack.py) on SQLite or on a throw-away
PostgreSQL (`--database postgres`), then:

1. one purchase at a time (N purchases): p50/p95 from the POST to "validated";
2. M concurrent buyers: sustained purchases per second, against the hashing bound
   (aggregate solver rate of the live workers ÷ average candidates a purchase needs);
3. `--rush N`: N buyers press "buy" at the same moment, each following its purchase at the
   page's own pace (0.5 s, or the 0.5–2 s its answers' `X-Poll-Interval` asks) and passing
   through the event's waiting room when it is on; validated purchases/s, p50/p95/p99,
   answers that were 5xx or never came;
4. the latency of each hop, from the purchases' own timestamps.

    python bench/purchase.py [--database sqlite|postgres] [--n 20] [--buyers 20]
                             [--per-buyer 3] [--rush 100 --rush-per-buyer 2]
                             [--lock-stats] [--pause-tickets] [--hold-buy] [--debug]

`--hold-buy`: the rush's buyers ask for their buy itself to be held until the verdict
(`Prefer: wait` on the `POST`, as an API client that only wants the outcome may), where the
page buys and then holds its first poll.
"""

import argparse
import os
import signal
import statistics
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/stack.py, from anywhere

from stack import (
    MASTER,
    NO_ANSWER,
    REQUESTS,
    Stack,
    call,
    load_average,
    new_buyer,
    pct,
    print_cpu,
)

#: The purchase page polls this often while a purchase is in flight (static/js/shop.js).
PAGE_POLL_SECONDS = 0.5
PAGE_MAX_PACE_SECONDS = 2.0  # the longest X-Poll-Interval the page follows
PAGE_HOLD_SECONDS = 10  # the page's `Prefer: wait` (static/js/shop.js)
FINAL = ("validated", "rejected", "expired")


def buy_and_wait(token: str, event_pk: int, poll: float = 0.01, *, hold_buy: bool = False
                  ) -> tuple[float, str, str, float]:  # fmt: skip
    """(seconds from the click to a final state, outcome, purchase id or the refusal,
    seconds of those spent in the waiting room). At the page's pace (`poll` is
    PAGE_POLL_SECONDS) it polls as the page does: at once, asking to be held until the
    verdict (`Prefer: wait`), then after what each answer's `X-Poll-Interval` says, 0.5 to
    2 s."""
    started = time.perf_counter()
    headers = admission(token, event_pk)
    in_room = time.perf_counter() - started
    pace: dict = {}
    page = poll == PAGE_POLL_SECONDS
    hold = {"Prefer": f"wait={PAGE_HOLD_SECONDS}"} if page else {}
    # `hold_buy`: as an API client that only wants the outcome, the buy itself is held
    status, body = call("POST", "/api/v1/purchases/", {"event": event_pk, "quantity": 1}, token,
                        headers={**headers, **(hold if hold_buy else {})}, pace=pace)  # fmt: skip
    outcome = {NO_ANSWER: "no answer", 201: ""}.get(status, "5xx" if status >= 500 else "refused")
    if outcome:
        return time.perf_counter() - started, outcome, str(body), in_room
    if body["status"] in FINAL:
        return time.perf_counter() - started, body["status"], body["id"], in_room
    purchase_id, seen = body["id"], {}
    # The page asks at once, to be held until the verdict; then at the server's pace.
    first = True
    while True:
        if not page:
            time.sleep(poll)
        elif not first:
            time.sleep(min(PAGE_MAX_PACE_SECONDS, max(poll, pace.get("seconds") or poll)))
        first = False
        # then a conditional GET, as the page's fetch() revalidates
        status, body = call("GET", f"/api/v1/purchases/{purchase_id}/", token=token, seen=seen,
                            headers=hold, pace=pace)  # fmt: skip
        if status == 200 and body["status"] in FINAL:
            return time.perf_counter() - started, body["status"], purchase_id, in_room


def admission(token: str, event_pk: int) -> dict:
    """Pass through the event's waiting room as a page does: join, then wait for the turn
    polling no faster than `retry_after`, each poll asking to be held until admitted (near
    the turn the server does; then the next poll follows 1 s later). With the room off,
    joining admits at once."""
    path, pace = f"/api/v1/events/{event_pk}/queue/", {}
    status, ticket = call("POST", path, token=token)
    if status == 404:  # a stack without a waiting room
        return {}
    while status == 200 and not ticket["admitted"]:
        time.sleep(1 if pace.get("held") else max(float(ticket["retry_after"] or 1), 0.5))
        status, ticket = call("GET", path, token=token, pace=pace,
                              headers={"Prefer": f"wait={PAGE_HOLD_SECONDS}"})  # fmt: skip
    token_value = ticket.get("admission_token") if status == 200 else None
    return {"Admission-Token": token_value} if token_value else {}


def hop_breakdown(stack: Stack, purchase_ids: list[str]) -> dict[str, list[float]]:
    """Read the purchases' own timestamps from the stack's database."""
    code = f"""
from payments.models import Purchase
rows = []
for p in Purchase.objects.filter(pk__in={purchase_ids!r}):
    rows.append([t.timestamp() if t else None for t in (p.created_at, p.payment_requested_at,
        p.challenges_queued_at, p.solved_at, p.submitted_at, p.finished_at)])
print(json.dumps(rows))
"""
    rows = stack.query(code)
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


def task_breakdown(stack: Stack, purchase_ids: list[str]) -> dict[str, list[float]]:
    """Inside "challenges queued → solved": per challenge job (one RQ job scans a batch of
    shards one after the other), the wait in the queue, the hashing of its shards, and the
    job's bookkeeping (claim, record, completion: its time minus the hashing)."""
    code = f"""
from collections import defaultdict
from challenge_worker.models import ChallengeTask
jobs = defaultdict(list)
for t in ChallengeTask.objects.filter(job__reference__in={purchase_ids!r}, status="solved"):
    if t.enqueued_at and t.started_at and t.finished_at:
        jobs[t.rq_job_id or t.pk].append(t)
rows = []
for tasks in jobs.values():
    started = min(t.started_at for t in tasks)
    wall = (max(t.finished_at for t in tasks) - started).total_seconds()
    hashing = sum(t.seconds for t in tasks)
    queued = (started - min(t.enqueued_at for t in tasks)).total_seconds()
    rows.append([queued, hashing, wall - hashing])
print(json.dumps(rows))
"""
    rows = stack.query(code)
    parts = {"waiting in the challenges queue": [], "hashing": [], "job bookkeeping": []}
    for row in rows:
        for values, value in zip(parts.values(), row, strict=True):
            values.append(value)
    return parts


def print_breakdown(title: str, stack: Stack, ids: list[str]) -> None:
    print(f"{title} (median / p95, seconds):")
    for name, values in hop_breakdown(stack, ids).items():
        if values:
            print(f"  {name:<40} {statistics.median(values):.3f} / {pct(values, 95):.3f}")
    print("  per challenge job:")
    for name, values in task_breakdown(stack, ids).items():
        if values:
            print(f"    {name:<38} {statistics.median(values):.3f} / {pct(values, 95):.3f}")


def hashing_bound(stack: Stack) -> tuple[float, float]:
    """(aggregate candidates/s of the live workers, purchases/s they can hash at most)."""
    _, body = call("GET", "/heartbeat", base=MASTER, headers=stack.master_headers())
    rate = sum(float(w.get("rate") or 0) for w in body.get("workers_detail", []))
    challenges, max_secret = 5, 500_000  # the exchange's defaults
    candidates_per_purchase = challenges * (max_secret + 1) / 2  # a secret is uniform in range
    return rate, rate / candidates_per_purchase


def concurrent(event: dict, tokens: list[str], *, per_buyer: int, poll: float,
               hold_buy: bool = False):  # fmt: skip
    """One thread per buyer, each buying `per_buyer` times; returns (results, elapsed s)."""
    buyers = len(tokens)
    results: list[tuple[float, str, str, float]] = []
    lock = threading.Lock()
    go = threading.Barrier(buyers)

    def buyer(tok: str) -> None:
        go.wait()
        for _ in range(per_buyer):
            outcome = buy_and_wait(tok, event["id"], poll=poll, hold_buy=hold_buy)
            with lock:
                results.append(outcome)

    started = time.perf_counter()
    threads = [threading.Thread(target=buyer, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def print_requests(requests: Counter, purchases: int, web_seconds: float) -> None:
    """What the buyers asked of the web, per validated purchase, and what a request cost."""
    n, total = max(purchases, 1), sum(requests.values())
    print(f"  web requests per validated purchase: {total / n:.1f} "
          f"({1000 * web_seconds / max(total, 1):.1f} ms of web CPU each)")  # fmt: skip
    for (method, path, status), count in sorted(requests.items(), key=lambda kv: -kv[1]):
        print(f"    {method:<5} {path:<38} {status:>3}  {count / n:.2f}")


def summarize(title: str, results: list, elapsed: float, bound: float) -> list[str]:
    done = [r for r in results if r[1] == "validated"]
    counts = {k: sum(1 for r in results if r[1] == k) for k in ("5xx", "no answer", "refused")}
    throughput = len(done) / elapsed
    latencies = [r[0] for r in done] or [float("nan")]
    after_room = [r[0] - r[3] for r in done] or [float("nan")]
    in_room = [r[3] for r in done] or [float("nan")]
    print(f"\n{title}: {len(done)}/{len(results)} validated in {elapsed:.1f} s = "
          f"{throughput:.2f} validated purchases/s ({throughput / bound:.0%} of the hashing "
          f"bound {bound:.2f}/s); buy → validated p50 {statistics.median(latencies):.2f} s, "
          f"p95 {pct(latencies, 95):.2f} s, p99 {pct(latencies, 99):.2f} s; "
          f"5xx {counts['5xx']}, no answer {counts['no answer']}, "
          f"other refusals {counts['refused']}")  # fmt: skip
    print(f"  of which in the waiting room: p50 {statistics.median(in_room):.2f} s, "
          f"max {max(in_room):.2f} s; admitted → validated p50 "
          f"{statistics.median(after_room):.2f} s, p95 {pct(after_room, 95):.2f} s, "
          f"p99 {pct(after_room, 99):.2f} s")  # fmt: skip
    for r in results:
        if r[1] in counts and counts[r[1]]:
            print(f"  e.g. {r[1]}: {r[2][:160]}")
            break
    return [r[2] for r in done]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--n", type=int, default=20, help="sequential purchases")
    parser.add_argument("--buyers", type=int, default=20, help="concurrent buyers")
    parser.add_argument("--per-buyer", type=int, default=3)
    parser.add_argument("--rush", type=int, default=0, help="buyers at once, page-paced")
    parser.add_argument("--rush-per-buyer", type=int, default=2)
    parser.add_argument("--backend", default="auto", choices=["auto", "simd", "python"])
    for flag, what in [
        ("--lock-stats", "SQLite only: count each process's lock waits"),
        ("--debug", "make run's development settings (DEBUG on)"),
        ("--hold-buy", "the rush's buys are held until the verdict (Prefer)"),
    ]:
        parser.add_argument(flag, action="store_true", help=what)  # fmt: skip
    parser.add_argument(
        "--pause-tickets", action="store_true",
        help="pause the delivery worker (SIGSTOP) through the rush: what tickets cost it",
    )  # fmt: skip
    args = parser.parse_args()

    print(f"load average before: {load_average()}")
    extra_env = {}
    if args.lock_stats and args.database == "sqlite":
        extra_env = {"SQLITE_ENGINE": "bench.sqlite_lock_stats"}
    with Stack(backend=args.backend, database=args.database, debug=args.debug,
               extra_env=extra_env) as stack:  # fmt: skip
        _, events = call("GET", "/api/v1/events/")
        event = max(events["results"], key=lambda e: e["available"])
        settings = "development settings (DEBUG on)" if args.debug else "production settings"
        print(f"stack up on {args.database} with {settings}; event {event['id']} with "
              f"{event['available']} seats, price {event['price']}")  # fmt: skip
        rate, bound = hashing_bound(stack)
        print(f"workers' solver rate: {rate / 1e6:.1f} M candidates/s; ", end="")
        print(f"hashing bound {bound:.2f} purchases/s")

        if args.n:
            token = new_buyer(event["price"] * (args.n + 1))
            buy_and_wait(token, event["id"])  # warm-up: connections, caches
            sequential, ids = [], []
            for _ in range(args.n):
                seconds, outcome, purchase_id, _ = buy_and_wait(token, event["id"])
                sequential.append(seconds)
                ids.append(purchase_id)
                assert outcome == "validated", (outcome, purchase_id)
            print(f"\none at a time, n={args.n}: p50 {statistics.median(sequential):.3f} s, "
                  f"p95 {pct(sequential, 95):.3f} s, max {max(sequential):.3f} s")  # fmt: skip
            print_breakdown("per hop", stack, ids)

        if args.buyers:
            # A 0.1 s poll: 20 clients polling every 10 ms would eat the CPU the stack needs.
            tokens = [new_buyer(event["price"] * args.per_buyer) for _ in range(args.buyers)]
            results, elapsed = concurrent(event, tokens, per_buyer=args.per_buyer, poll=0.1)
            title = f"{args.buyers} concurrent buyers × {args.per_buyer}"
            print_breakdown("per hop under load", stack, summarize(title, results, elapsed, bound))

        if args.rush:
            rush(stack, event, bound, buyers=args.rush, per_buyer=args.rush_per_buyer,
                 pause_tickets=args.pause_tickets, hold_buy=args.hold_buy)  # fmt: skip
    print(f"load average after: {load_average()}")


def rush(stack: Stack, event: dict, bound: float, *, buyers: int, per_buyer: int,
         pause_tickets: bool = False, hold_buy: bool = False) -> None:  # fmt: skip
    """`buyers` at once, each buying `per_buyer` times at the page's pace; the figures, the
    CPU per purchase by process and the web requests it took. `pause_tickets` stops the
    delivery worker until the last buyer is done (an experiment: what tickets cost)."""
    tokens = [new_buyer(event["price"] * per_buyer) for _ in range(buyers)]
    cpu = stack.cpu_seconds()  # from here on: the rush only, not the sign-ups
    locks = stack.lock_stats()
    requests_before = REQUESTS.copy()
    paused = stack.pids("delivery worker") if pause_tickets else []
    for pid in paused:
        os.kill(pid, signal.SIGSTOP)
    try:
        results, elapsed = concurrent(event, tokens, per_buyer=per_buyer,
                                      poll=PAGE_POLL_SECONDS, hold_buy=hold_buy)  # fmt: skip
    finally:
        for pid in paused:
            os.kill(pid, signal.SIGCONT)
    # The CPU first: the queries below start a Django process, and meanwhile the tickets
    # (free to render once the last purchase is final) would count as the rush's.
    used = stack.cpu_seconds()
    title = f"rush: {buyers} buyers × {per_buyer} at once, page-paced"
    done = summarize(title, results, elapsed, bound)
    print_steady(stack, done)
    print_cpu(cpu, used, len(done))
    print_requests(REQUESTS - requests_before, len(done), used["web"] - cpu["web"])
    if locks is not None:
        time.sleep(1)  # the processes write their counts every half second
        print_lock_stats(locks, stack.lock_stats(), len(done))
    # The tickets and emails may still be catching up (their worker gives way to the
    # purchases in flight): wait for them, and count their CPU too. The pages stop polling
    # at "validated": the ticket's link shows then, and its own page says "being prepared".
    lag = delivered_after(stack, done)
    print(
        f"  every ticket and email delivered {lag:.1f} s after the rush's last validation; "
        "with the CPU spent until then:"
    )
    print_cpu(cpu, stack.cpu_seconds(), len(done))
    print_breakdown("per hop in the rush", stack, done)


def print_lock_stats(before: dict, after: dict, purchases: int) -> None:
    """SQLite's write lock per validated purchase, by kind of process (`--lock-stats`)."""
    n = max(purchases, 1)
    print("  SQLite's write lock per validated purchase (transactions: taken, ms waited for "
          "the lock, ms held; autocommit writes: taken, ms with their wait):")  # fmt: skip
    for kind in sorted(after, key=lambda k: -after[k]["held"]):
        d = {k: after[kind][k] - before.get(kind, {}).get(k, 0) for k in after[kind]}
        if d["transactions"] or d["autocommit_writes"]:
            print(f"    {kind:<28} {d['transactions'] / n:5.2f} {1000 * d['waited'] / n:7.1f} "
                  f"{1000 * d['held'] / n:6.1f}   {d['autocommit_writes'] / n:5.2f} "
                  f"{1000 * d['autocommit'] / n:6.1f}")  # fmt: skip


def print_steady(stack: Stack, purchase_ids: list[str]) -> None:
    """The rate between the rush's ramps: the whole-rush figure also counts the line forming
    at the start and the last few purchases draining with the pipeline half empty."""
    code = f"""
from payments.models import Purchase
from payments.delivery.models import TicketFile
done = Purchase.objects.filter(pk__in={purchase_ids!r}, finished_at__isnull=False)
times = sorted(p.finished_at.timestamp() for p in done)
last = max(done.values_list("finished_at", flat=True), default=None)
tickets = TicketFile.objects.filter(purchase_id__in={purchase_ids!r})
print(json.dumps([times, tickets.filter(rendered_at__lte=last).count() if last else 0]))
"""
    times, rendered = stack.query(code)
    if len(times) < 10:
        return
    first, last = len(times) // 10, len(times) - 1 - len(times) // 10
    steady = (last - first) / (times[last] - times[first])
    per_second = Counter(int(t - times[0]) for t in times)
    timeline = " ".join(str(per_second[s]) for s in range(max(per_second) + 1))
    print(f"  sustained: validations {first + 1} to {last + 1} of {len(times)} came at "
          f"{steady:.2f}/s; validations in each second from the first: {timeline}")  # fmt: skip
    print(f"  tickets rendered before the rush's last validation: {rendered} of {len(times)} "
          "(the delivery worker gives way to the purchases in flight)")  # fmt: skip


def delivered_after(stack: Stack, purchase_ids: list[str], timeout: float = 180) -> float:
    """Seconds from now until every purchase has its ticket rendered and its email sent."""
    started = time.monotonic()
    code = f"""
from payments.delivery.models import Notification, TicketFile
ids = {purchase_ids!r}
rendered = TicketFile.objects.filter(purchase_id__in=ids, rendered_at__isnull=False).count()
sent = Notification.objects.filter(purchase_id__in=ids, sent_at__isnull=False).count()
print(json.dumps(min(rendered, sent)))
"""
    while stack.query(code) < len(purchase_ids):
        if time.monotonic() - started > timeout:
            raise SystemExit(f"tickets or emails still missing after {timeout:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - started


if __name__ == "__main__":
    main()
