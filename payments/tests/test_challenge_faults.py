"""Challenge work is never lost to a paused worker or a Redis restart (live stack, real
processes and signals: see `stack.py`)."""

import contextlib
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import django_rq
import pytest
from rq.job import Job
from rq.registry import FinishedJobRegistry
from rq.worker import Worker

from challenge_worker.broker import CHEAP_PREFIX
from challenge_worker.models import ChallengeTask, MasterJob
from payments.delivery.models import Notification, TicketFile
from payments.models import Purchase, PurchaseStatus
from payments.services import purchase_create
from payments.tests.conftest import assert_books_balance
from payments.tests.stack import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("requires_postgres")]
S = PurchaseStatus


@pytest.fixture
def fault_stack(stack):
    """The stack with the settings the recoverer needs to act within the tests' bounds."""
    stack.processes.env |= {
        "CHALLENGE_LOST_GRACE_SECONDS": "2",
        # A worker frozen inside a claim's transaction holds the job's row lock until this.
        "DB_IDLE_IN_TRANSACTION_SECONDS": "3",
        "CLOCK_DELIVERY_SWEEP_SECONDS": "1",
        "DELIVERY_SWEEP_GRACE_SECONDS": "3",
    }
    return stack


def _signal(stack, name: str, sig: int) -> None:
    stack.processes.running[name].send_signal(sig)


def _submitted_transitions(purchase: Purchase) -> int:
    return purchase.history.filter(to_status=S.SUBMITTED).count()


def _rq_status(queue, job_id: str) -> str:
    return Job.fetch(job_id, queue.connection).get_status()


def _heartbeat_status(stack) -> int:
    try:
        with urllib.request.urlopen(f"{stack.master.url}/heartbeat", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def test_a_paused_challenge_worker_loses_no_purchase_and_reports_nothing_twice(
    fault_stack, buyer, event
):
    stack = fault_stack
    stack.processes.jobs_worker()
    stack.processes.clock()
    stack.processes.challenge_worker("w1")
    stack.processes.challenge_worker("paused")
    stack.wait_workers(2)
    # Blocked in BLPOP and stopped: Redis hands it the next job, which it cannot run.
    _signal(stack, "paused", signal.SIGSTOP)
    try:
        purchases = [purchase_create(user=buyer, event_pk=event.pk, quantity=2) for _ in range(4)]
        finals = [stack.wait_final(p.pk, timeout=30) for p in purchases]
    finally:
        _signal(stack, "paused", signal.SIGCONT)

    assert [p.status for p in finals] == [S.VALIDATED] * 4
    requeued = list(ChallengeTask.objects.filter(attempts__gt=1))
    assert requeued, "the paused worker took no job: the test proved nothing"
    # Work lost before it started does not count towards giving up.
    assert all(t.failures == 0 for t in requeued)

    # Awake again, the paused worker runs the RQ job it held: its claim loses.
    finished = FinishedJobRegistry(queue=django_rq.get_queue("challenges"))

    def stale_results():
        jobs = Job.fetch_many(finished.get_job_ids(), finished.connection)
        return [
            j.return_value() for j in jobs if j is not None and j.worker_name.startswith("paused")
        ]

    [stale] = wait_for(stale_results, timeout=15, what="the paused worker's stale job to run")
    # one shard: {"claimed": False}; a batch: nothing of it claimed
    assert stale == [] or (isinstance(stale, dict) and stale["claimed"] is False)
    time.sleep(1)  # anything it could still report would have arrived

    for purchase in finals:
        purchase.refresh_from_db()
        assert purchase.status == S.VALIDATED
        assert _submitted_transitions(purchase) == 1
    for job in MasterJob.objects.all():
        assert job.status == MasterJob.Status.SOLVED and job.callback_enqueued_at
        solved = job.tasks.filter(status=ChallengeTask.Status.SOLVED)
        assert solved.count() == len(job.challenges)
    assert_books_balance()


def test_a_challenge_worker_paused_mid_shard_is_replaced_and_its_late_result_ignored(
    fault_stack, buyer, event
):
    stack = fault_stack
    stack.exchange.exchange.switches_update(changes={"max_secret": 3_000_000})
    stack.processes.jobs_worker()
    stack.processes.clock()
    stack.processes.challenge_worker("paused")
    stack.wait_workers(1)
    purchase = purchase_create(user=buyer, event_pk=event.pk, quantity=1)
    held = []
    for _ in range(5):  # pause it while it holds a shard, not between two shards
        wait_for(
            lambda: ChallengeTask.objects.filter(status=ChallengeTask.Status.RUNNING).exists(),
            timeout=20,
            what="a shard running on the worker",
        )
        _signal(stack, "paused", signal.SIGSTOP)
        held = list(ChallengeTask.objects.filter(status=ChallengeTask.Status.RUNNING))
        if held:
            break
        _signal(stack, "paused", signal.SIGCONT)
    assert held, "the worker was never caught holding a shard: the test proved nothing"
    try:
        stack.processes.challenge_worker("rescuer")
        final = stack.wait_final(purchase.pk, timeout=30)
    finally:
        _signal(stack, "paused", signal.SIGCONT)

    assert final.status == S.VALIDATED
    for task in held:
        task.refresh_from_db()
        assert task.attempts >= 2 and task.failures >= 1
    time.sleep(3)  # the paused worker finishes its shard and reports: a stale report
    final.refresh_from_db()
    assert final.status == S.VALIDATED and _submitted_transitions(final) == 1
    assert MasterJob.objects.get().status == MasterJob.Status.SOLVED
    assert_books_balance()


def test_a_worker_paused_with_jobs_taken_along_loses_none_of_them(fault_stack, buyer, event):
    """Taken along, a purchase's challenge job is off the queue and in one worker's hands:
    paused there, it is found by the recoverer like any job a worker held."""
    stack = fault_stack
    stack.processes.env["CHALLENGE_TAKE_ALONG_SECONDS"] = "60"  # as many as the cap allows
    # Challenges of [1, 20 000]: a purchase's job is cheap (under MIN_SHARD_SECONDS of
    # hashing) at any rate over 0.6 M candidates/s, and the python solver does 2 M/s alone but
    # measures less while the stack's other processes start (at 40 000 it once measured too
    # little, and the jobs were queued as not cheap).
    stack.exchange.exchange.switches_update(changes={"max_secret": 20_000})
    stack.processes.jobs_worker()
    stack.processes.clock()
    stack.processes.challenge_worker("taker")
    stack.wait_workers(1)
    queue = django_rq.get_queue("challenges")
    _signal(stack, "taker", signal.SIGSTOP)  # it will hold the first job, the rest queue up
    try:
        purchases = [purchase_create(user=buyer, event_pk=event.pk, quantity=1) for _ in range(9)]
        wait_for(lambda: queue.count == 8, timeout=20, what="eight jobs behind the held one")
        assert all(j.id.startswith(CHEAP_PREFIX) for j in queue.get_jobs())
        held, along = [], []
        for _ in range(20):  # pause it while it scans a job it took along
            _signal(stack, "taker", signal.SIGCONT)
            wait_for(lambda: queue.count == 0, timeout=10, what="the jobs taken along")
            _signal(stack, "taker", signal.SIGSTOP)
            held = list(ChallengeTask.objects.filter(status=ChallengeTask.Status.RUNNING))
            # A job taken along is still "queued" in RQ; the one RQ handed it is "started"
            # (on a slow host the worker can be caught on that first one).
            along = [t for t in held if _rq_status(queue, t.rq_job_id) == "queued"]
            if along and MasterJob.objects.filter(status=MasterJob.Status.SOLVED).exists():
                break
        assert along, "the worker was never caught on a job it took along: the test proved nothing"
        stack.processes.challenge_worker("rescuer")
        finals = [stack.wait_final(p.pk, timeout=40) for p in purchases]
    finally:
        _signal(stack, "taker", signal.SIGCONT)

    assert [p.status for p in finals] == [S.VALIDATED] * 9
    for task in held:
        task.refresh_from_db()
        assert task.attempts >= 2 and task.status == ChallengeTask.Status.SOLVED
    time.sleep(3)  # awake, the paused worker reports a stale result and claims nothing more
    for purchase in finals:
        purchase.refresh_from_db()
        assert purchase.status == S.VALIDATED and _submitted_transitions(purchase) == 1
    assert set(MasterJob.objects.values_list("status", flat=True)) == {MasterJob.Status.SOLVED}
    assert_books_balance()


# --- Redis restarted with its data lost ----------------------------------------------------------


def _jobs_workers_in_their_loop() -> bool:
    workers = Worker.all(connection=django_rq.get_connection("default"))
    looping = {
        name
        for worker in workers
        if worker.get_state() not in ("starting", "started")
        for name in worker.queue_names()
    }
    return {"payments", "maintenance", "delivery"} <= looping


def _restart_redis_empty() -> None:
    """Stop the test Redis and start a fresh, empty one on the same port and files."""
    connection = django_rq.get_connection("default")
    info = connection.info("server")
    executable, port = info.get("executable"), info["tcp_port"]
    config = connection.config_get("dir") | connection.config_get("pidfile")
    if not executable or not Path(executable).exists():
        pytest.skip("the test Redis is not a local process this test can restart")
    with contextlib.suppress(Exception):  # the connection drops as the server exits
        connection.shutdown(nosave=True)
    subprocess.run(
        [
            executable, "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes",
            "--save", "", "--appendonly", "no", "--dir", config["dir"],
            "--pidfile", config["pidfile"] or str(Path(config["dir"]) / "redis.pid"),
            "--logfile", str(Path(config["dir"]) / "redis.log"),
        ],
        check=True,
        timeout=10,
    )  # fmt: skip
    wait_for(lambda: _pings(connection), timeout=10, what="the new Redis")


def _pings(connection) -> bool:
    try:
        return connection.ping()
    except Exception:
        return False


def test_after_a_redis_restart_without_data_workers_are_back_and_purchases_end_final(
    fault_stack, buyer, event, client
):
    stack = fault_stack
    stack.exchange.exchange.switches_update(changes={"max_secret": 3_000_000})
    stack.processes.jobs_worker()
    stack.processes.clock()
    stack.processes.challenge_worker("w1")
    stack.processes.challenge_worker("w2")
    stack.wait_workers(2)
    # The restart is meant for workers in their loop; one that starts while Redis is away
    # is ticketseller/tests/test_rq_worker_start.py's.
    wait_for(_jobs_workers_in_their_loop, timeout=30, every=0.2, what="the jobs workers")
    purchases = [purchase_create(user=buyer, event_pk=event.pk, quantity=2) for _ in range(2)]
    wait_for(
        lambda: ChallengeTask.objects.filter(status=ChallengeTask.Status.RUNNING).exists(),
        timeout=20,
        what="shards in flight",
    )

    _restart_redis_empty()
    restarted = time.monotonic()

    wait_for(lambda: _heartbeat_status(stack) == 200, timeout=10, every=0.2,
             what="the master's heartbeat to answer 200")  # fmt: skip
    wait_for(lambda: client.get("/api/v1/workers/status/").json()["available"], timeout=10,
             every=0.2, what="the indicator to be green")  # fmt: skip
    assert time.monotonic() - restarted < 10
    for process in ("w1", "w2", "payments", "maintenance", "delivery"):
        assert stack.processes.running[process].poll() is None, f"{process} quit on the restart"

    finals = [stack.wait_final(p.pk, timeout=40) for p in purchases]
    assert all(p.status in (S.VALIDATED, S.REJECTED, S.EXPIRED) for p in finals)
    # Redis losing its data is not the shards' fault: none was given up for it.
    assert not ChallengeTask.objects.filter(failures__gt=0).exists()
    assert [p.status for p in finals] == [S.VALIDATED] * 2
    for purchase in finals:
        assert _submitted_transitions(purchase) == 1
    # Delivery jobs lost with Redis's data come back through the sweep: one of each, no more.
    ids = [p.pk for p in finals]

    def delivered():
        tickets = TicketFile.objects.filter(purchase__in=ids, rendered_at__isnull=False).count()
        emails = Notification.objects.filter(purchase__in=ids, sent_at__isnull=False).count()
        return tickets == emails == len(ids)

    wait_for(delivered, timeout=30, every=0.5, what="one ticket and one email per purchase")
    assert TicketFile.objects.filter(purchase__in=ids).count() == len(ids)
    assert Notification.objects.filter(purchase__in=ids).count() == len(ids)
    assert_books_balance()
