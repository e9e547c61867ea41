"""The master's callback into payments (docs/api.md, "The master's callback"): the keyword
arguments the master builds are exactly the ones the payments job takes, with the same types,
and a callback built from a finished master job moves the purchase. The two apps may not
import each other, so this test is where their two spellings of the contract meet."""

import inspect
import pickle
import typing

import pytest
from django.conf import settings
from django.utils import timezone
from rq.utils import import_attribute

from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.services import SolvedCallback, master_job_callback_kwargs
from payments import jobs
from payments.models import Purchase, PurchaseStatus
from payments.tests.scripted_exchange import Answer
from payments.tests.solving import CHALLENGES, SECRETS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("redis_flushed")]
S = PurchaseStatus


def _finished_master_job(purchase: Purchase) -> MasterJob:
    """The master's record of the purchase's challenges, every one solved."""
    job = MasterJob.objects.create(
        deposit_token=str(purchase.deposit_token),
        reference=str(purchase.pk),
        max_secret=100,
        challenges=CHALLENGES,
        status=MasterJob.Status.SOLVED,
        finished_at=timezone.now(),
    )
    for challenge, solved in zip(CHALLENGES, SECRETS, strict=True):
        ChallengeTask.objects.create(
            job=job,
            challenge_id=str(challenge["challenge_id"]),
            challenge_hash=challenge["challenge_hash"],
            start=1,
            end=100,
            status=ChallengeTask.Status.SOLVED,
            secret=solved["secret"],
        )
    return job


def test_the_master_sends_exactly_the_arguments_the_payments_job_takes_with_their_types():
    job = import_attribute(settings.MASTER_SOLVED_JOB)
    params = inspect.signature(job).parameters.values()

    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)  # no **extra
    assert all(p.default is inspect.Parameter.empty for p in params)  # every one is sent
    master_side = typing.get_type_hints(SolvedCallback)
    payments_side = {k: v for k, v in typing.get_type_hints(job).items() if k != "return"}
    assert payments_side == master_side


def test_a_callback_built_from_a_finished_master_job_submits_the_purchase(scripted, solving):
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": True}))
    master_job = _finished_master_job(solving)
    # What the payments worker receives: the kwargs after RQ's (pickle) round trip.
    kwargs = pickle.loads(pickle.dumps(master_job_callback_kwargs(job=master_job)))

    import_attribute(settings.MASTER_SOLVED_JOB)(**kwargs)

    solving.refresh_from_db()
    assert solving.status == S.VALIDATED and solving.solutions == SECRETS
    assert solving.solved_at == master_job.finished_at
    [sent] = scripted.calls("POST", "/challenges/solution")
    assert sent["challenges"] == SECRETS


def test_a_callback_queued_under_the_job_s_old_name_still_runs(scripted, solving):
    scripted.answer("POST", "/challenges/solution", Answer(200, {"valid": True}))

    jobs.purchase_solution_submit(reference=str(solving.pk), solutions=SECRETS)  # oldest form

    solving.refresh_from_db()
    assert solving.status == S.VALIDATED and solving.solutions == SECRETS
