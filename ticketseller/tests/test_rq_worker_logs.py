"""Our RQ workers log at the settings' LOG_LEVEL unless `rqworker -v` asks for another."""

import logging

import django_rq
import pytest

from challenge_worker.worker import ChallengeWorker
from ticketseller.rq_worker import TolerantWorker


@pytest.fixture
def root_level():
    root = logging.getLogger()
    before = root.level
    yield root.setLevel
    root.setLevel(before)
    logging.getLogger("rq.worker").setLevel(logging.NOTSET)


@pytest.mark.parametrize("worker_class", [TolerantWorker, ChallengeWorker])
@pytest.mark.parametrize(
    ("log_level", "asked", "expected"),
    [
        (logging.WARNING, "INFO", logging.WARNING),  # -v left at its default: LOG_LEVEL
        (logging.DEBUG, "INFO", logging.DEBUG),
        (logging.WARNING, "DEBUG", logging.DEBUG),  # -v 2 asked for more: as asked
        (logging.INFO, "WARNING", logging.WARNING),  # -v 0 asked for less
    ],
)
def test_the_worker_logs_at_the_settings_level_unless_asked_otherwise(
    redis_flushed, root_level, worker_class, log_level, asked, expected, monkeypatch
):
    root_level(log_level)
    if worker_class is ChallengeWorker:  # no solver to warm up for this
        monkeypatch.setattr(ChallengeWorker, "prepare_solver", lambda self: None)
        monkeypatch.setattr(ChallengeWorker, "start_liveness", lambda self: None)
    worker = worker_class(
        [django_rq.get_queue("maintenance")], connection=django_rq.get_connection("maintenance")
    )

    worker.work(burst=True, logging_level=asked)

    assert logging.getLogger("rq.worker").level == expected
