"""CPU milliseconds of each request a buyer makes in a rush, measured in this process.

A rush's throughput moves ±15 % between runs on a shared 2-core machine, more than most
single changes to a request; the CPU a request costs in one process does not. This starts
the stack (bench/stack.py, production's settings, SQLite), makes one buyer and one validated
purchase through it, then calls Django's WSGI handler in this process, as gunicorn would,
`--n` times per request kind, and prints the CPU each took (`time.process_time`), against
Django answering a constant JSON in the same process (the baseline):

    purchase poll (200), purchase poll (304), line join, line poll, buy, exchange webhook

The stack's other processes (all but Redis) are paused while it measures. Not measured:
gunicorn's own work around each request (reading and writing the socket, about 0.5 ms), which
`bench/catalogue.py`'s baseline shows.

    python bench/web_requests.py [--n 300] [--rounds 3] [--profile "buy"]

`--profile KIND` prints a cProfile (CPU time) of that request kind's calls.
"""

import argparse
import cProfile
import hashlib
import hmac
import io
import json
import os
import pstats
import signal
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/stack.py, from anywhere

from purchase import admission, buy_and_wait
from stack import PORTS, ROOT, Stack, call, load_average, new_buyer

#: Calls of each kind before each measured round (connections, caches, lazy imports).
WARM_UP = 5
#: The stack's processes paused while this one measures (Redis keeps answering it).
PAUSED = ("web", "master", "challenge workers", "payments workers", "maintenance worker",
          "delivery worker", "clock", "exchange")  # fmt: skip


class InProcess:
    """Django's WSGI handler in this process, on the stack's database and Redis."""

    def __init__(self, stack: Stack, token: str):
        os.environ.update(stack.env)
        os.environ.update(
            DJANGO_SETTINGS_MODULE="ticketseller.settings",
            REDIS_URL=f"redis://127.0.0.1:{PORTS['REDIS_PORT']}/0",
            MASTER_URL=f"http://127.0.0.1:{PORTS['MASTER_PORT']}",
            EXCHANGE_URL=f"http://127.0.0.1:{PORTS['EXCHANGE_PORT']}/v1",
        )
        sys.path.insert(0, str(ROOT))
        import django  # configured from the stack's environment, set just above

        django.setup()
        from django.core.handlers.wsgi import WSGIHandler

        self.app, self.token = WSGIHandler(), token

    def __call__(self, method: str, path: str, body: bytes = b"", **headers) -> tuple[int, dict]:
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(PORTS["WEB_PORT"]),
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/json", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": f"127.0.0.1:{PORTS['WEB_PORT']}", "HTTP_ACCEPT": "*/*",
            "HTTP_AUTHORIZATION": f"Token {self.token}",
            **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
        }  # fmt: skip
        started: list = []
        answer = self.app(environ, lambda status, headers, exc_info=None: started.append(
            (int(status.split()[0]), dict(headers))))  # fmt: skip
        b"".join(answer)
        answer.close()
        return started[0]


def webhook(purchase_id: str, deposit_token: str, secret: str) -> tuple[bytes, dict]:
    """The exchange's signed validation of a purchase already validated (its usual echo of
    the synchronous answer; docs/exchange-protocol.md)."""
    body = json.dumps({"request_id": purchase_id, "deposit_token": deposit_token,
                       "valid": True}).encode()  # fmt: skip
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"x_exchange_signature": f"sha256={signature}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="calls per kind and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, kinds interleaved")
    parser.add_argument("--profile", default="", help="cProfile the kind whose name has this")
    args = parser.parse_args()
    print(f"load average before: {load_average()}")
    with Stack(extra_env={"BENCH_ENDPOINTS": "true"}) as stack:
        _, events = call("GET", "/api/v1/events/")
        event = max(events["results"], key=lambda e: e["available"])
        token = new_buyer(event["price"] * (args.rounds * (args.n + WARM_UP) + 10))
        _, outcome, purchase_id, _ = buy_and_wait(token, event["id"], poll=0.1)
        if outcome != "validated":
            raise SystemExit(f"the first purchase ended {outcome}: {purchase_id}")
        admitted = admission(token, event["id"])  # the same place again: a token to buy with
        deposit = stack.query(
            f"from payments.models import Purchase\n"
            f"print(json.dumps(str(Purchase.objects.get(pk={purchase_id!r}).deposit_token)))"
        )
        request = InProcess(stack, token)
        _, first = request("GET", f"/api/v1/purchases/{purchase_id}/")
        buy = json.dumps({"event": event["id"], "quantity": 1}).encode()
        signed, signature = webhook(purchase_id, deposit, stack.env["EXCHANGE_WEBHOOK_SECRET"])
        queue = f"/api/v1/events/{event['id']}/queue/"
        kinds = {
            "baseline: constant JSON": lambda: request("GET", "/bench/constant/"),
            "purchase poll, 200": lambda: request("GET", f"/api/v1/purchases/{purchase_id}/"),
            "purchase poll, 304": lambda: request(
                "GET", f"/api/v1/purchases/{purchase_id}/", if_none_match=first["ETag"]),
            "line join": lambda: request("POST", queue),
            "line poll": lambda: request("GET", queue),
            "buy": lambda: request("POST", "/api/v1/purchases/", buy,
                                   admission_token=admitted.get("Admission-Token", "")),
            "exchange webhook (an echo)": lambda: request(
                "POST", "/api/v1/exchange/validations/", signed, **signature),
        }  # fmt: skip
        cpu: dict[str, list[float]] = {kind: [] for kind in kinds}
        # The stack's own processes would work on the purchases bought here and take the
        # cores from this one (its CPU time per call rose up to 2× with them running): all
        # but Redis are paused while it measures.
        paused = [pid for kind in PAUSED for pid in stack.pids(kind)]
        for pid in paused:
            os.kill(pid, signal.SIGSTOP)
        try:
            for _ in range(args.rounds):
                for kind, call_once in kinds.items():
                    cpu[kind].append(measure(kind, call_once, args.n, args.profile))
        finally:
            for pid in paused:
                os.kill(pid, signal.SIGCONT)
    print(f"CPU per request in this process (median of {args.rounds} rounds of {args.n}):")
    base = statistics.median(cpu["baseline: constant JSON"])
    for kind, rounds in cpu.items():
        ms = statistics.median(rounds)
        print(f"  {kind:<30} {1000 * ms:6.3f} ms  ({ms / base:4.1f}× the baseline)")
    print(f"load average after: {load_average()}")


def measure(kind: str, call_once, n: int, profile: str) -> float:
    """Seconds of CPU per call of `call_once`, after a few warm-up calls. The cache is
    emptied first: it holds the user's throttling history, which would otherwise grow with
    every call of the run (a buyer in a rush makes a few a minute) until it throttles."""
    from django.core.cache import cache

    cache.clear()
    for _ in range(WARM_UP):
        call_once()
    profiler = cProfile.Profile(time.process_time) if profile and profile in kind else None
    started = time.process_time()
    if profiler:
        profiler.enable()
    for _ in range(n):
        status, _ = call_once()
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    seconds = (time.process_time() - started) / n
    if status >= 400:  # a refusal costs less than the request measured: say so
        raise SystemExit(f"{kind}: HTTP {status}")
    return seconds


if __name__ == "__main__":
    main()
