import uuid

import django_rq
import pytest
from rest_framework.test import APIClient

from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.services import master_job_create
from challenge_worker.tests.conftest import make_challenges

pytestmark = [pytest.mark.urls("challenge_worker.urls")]

transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def client() -> APIClient:
    return APIClient()


def _error(response, status: int, code: str) -> dict:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert {"code", "message", "details"} <= set(body["error"])
    return body["error"]


def _body(token, secrets, **extra):
    return {"deposit_token": token, "challenges": make_challenges(token, secrets), **extra}


@transactional
def test_post_jobs_records_the_job_and_queues_cheap_challenges_as_one_rq_job(client, token):
    response = client.post(
        "/jobs", _body(token, {1: 5, 2: 77}, max_secret=1000, reference="p-1"), format="json"
    )

    assert response.status_code == 201, response.json()
    job = MasterJob.objects.get(pk=response.json()["job_id"])
    assert response.json()["status"] == "queued"
    assert (job.deposit_token, job.reference, job.max_secret) == (token, "p-1", 1000)
    tasks = list(job.tasks.order_by("challenge_id"))
    assert [(t.challenge_id, t.start, t.end) for t in tasks] == [("1", 1, 1000), ("2", 1, 1000)]
    # 1000 candidates each: far less work than a job costs, so both go in one batch job.
    [queued] = django_rq.get_queue("challenges").get_jobs()
    assert {t.rq_job_id for t in tasks} == {queued.id}
    assert queued.func_name == "challenge_worker.jobs.challenge_solve_batch"
    assert queued.kwargs == {"task_ids": [t.pk for t in sorted(tasks, key=lambda t: t.pk)]}


@transactional
def test_expensive_challenges_get_one_rq_job_each_to_run_in_parallel(token):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 5, 2: 77}),
        max_secret=500_000, rate_per_s=3_000_000, max_shards=1,
    )  # fmt: skip
    queued = django_rq.get_queue("challenges").get_jobs()
    assert {j.func_name for j in queued} == {"challenge_worker.jobs.challenge_solve"}
    assert sorted(j.kwargs["task_id"] for j in queued) == sorted(t.pk for t in job.tasks.all())


@transactional
def test_max_secret_defaults_to_the_exchanges_500000(client, token):
    response = client.post("/jobs/", _body(token, {7: 3}), format="json")

    assert response.status_code == 201
    assert MasterJob.objects.get().max_secret == 500_000


@transactional
def test_the_same_deposit_token_again_answers_200_with_the_same_job_and_queues_nothing(
    client, token
):
    body = _body(token, {1: 5}, max_secret=1000)
    first = client.post("/jobs", body, format="json")
    again = client.post("/jobs", body, format="json")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["job_id"] == first.json()["job_id"]
    assert MasterJob.objects.count() == 1 and ChallengeTask.objects.count() == 1
    assert django_rq.get_queue("challenges").count == 1


@transactional
def test_the_same_deposit_token_with_other_challenges_is_a_409(client, token):
    client.post("/jobs", _body(token, {1: 5}, max_secret=1000), format="json")
    response = client.post("/jobs", _body(token, {1: 6}, max_secret=1000), format="json")

    _error(response, 409, "deposit_token_conflict")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"deposit_token": ""}, "deposit_token"),
        ({"challenges": []}, "challenges"),
        ({"max_secret": 0}, "max_secret"),
        ({"max_secret": 10**12 + 1}, "max_secret"),
        ({"max_secret": 1000.0}, "max_secret"),
        ({"max_secret": "1000"}, "max_secret"),
        ({"challenges": [{"challenge_id": 1, "challenge_hash": "ab" * 31}]}, "challenges"),
        ({"challenges": [{"challenge_id": 1, "challenge_hash": "AB" * 32}]}, "challenges"),
        ({"challenges": [{"challenge_id": True, "challenge_hash": "ab" * 32}]}, "challenges"),
        ({"challenges": [{"challenge_id": 1, "challenge_hash": "ab" * 32}] * 2}, "challenges"),
        ({"challenges": [{"challenge_id": i, "challenge_hash": "ab" * 32} for i in range(51)]},
         "challenges"),
    ],
)  # fmt: skip
def test_bad_input_is_a_400_naming_the_field(client, token, change, field):
    body = {**_body(token, {1: 5}, max_secret=1000), **change}
    error = _error(client.post("/jobs", body, format="json"), 400, "invalid")

    assert field in error["details"]
    assert MasterJob.objects.count() == 0


@pytest.mark.django_db
def test_a_body_that_is_not_json_is_a_400_in_the_error_shape(client):
    response = client.post("/jobs", "{nope", content_type="application/json")

    _error(response, 400, "parse_error")


@transactional
def test_get_job_shows_each_challenge_aggregated_over_its_shards(client, token):
    job_id = client.post(
        "/jobs", _body(token, {1: 5, "b": 9}, max_secret=1000, reference="p-9"), format="json"
    ).json()["job_id"]

    response = client.get(f"/jobs/{job_id}")

    assert response.status_code == 200
    body = response.json()
    assert body["job_id"] == job_id and body["status"] == "queued" and body["reference"] == "p-9"
    assert body["started_at"] is None and body["finished_at"] is None
    assert [
        (c["challenge_id"], c["status"], c["secret"], c["tried"]) for c in body["challenges"]
    ] == [
        (1, "queued", None, 0),
        ("b", "queued", None, 0),
    ]  # the challenge ids keep their JSON type


@pytest.mark.django_db
@pytest.mark.parametrize("job_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_an_unknown_job_is_a_404_in_the_error_shape(client, job_id):
    _error(client.get(f"/jobs/{job_id}"), 404, "not_found")


@pytest.mark.django_db
def test_an_unknown_path_is_a_json_404(client):
    response = client.get("/nothing-here")

    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@transactional
def test_with_a_token_configured_calls_without_it_are_401(client, token, settings):
    settings.MASTER_API_TOKEN = "s3cret-master-token"
    body = _body(token, {1: 5}, max_secret=1000)

    _error(client.post("/jobs", body, format="json"), 401, "not_authenticated")
    _error(client.get("/heartbeat"), 401, "not_authenticated")
    client.credentials(HTTP_AUTHORIZATION="Bearer wrong")
    _error(client.post("/jobs", body, format="json"), 401, "authentication_failed")
    assert MasterJob.objects.count() == 0

    client.credentials(HTTP_AUTHORIZATION="Bearer s3cret-master-token")
    assert client.post("/jobs", body, format="json").status_code == 201


@pytest.mark.django_db
def test_without_a_token_configured_the_api_is_open(client, settings):
    settings.MASTER_API_TOKEN = ""

    assert client.get("/heartbeat").status_code == 503  # open, and no worker is alive
