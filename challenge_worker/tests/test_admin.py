import pytest

from challenge_worker.services import master_job_create
from challenge_worker.tests.conftest import make_challenges

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(admin)
    return client


def test_the_jobs_changelist_lists_the_live_workers(staff_client, make_worker):
    worker = make_worker("admin-visible")
    worker.prepare_solver()
    worker.register_birth()
    worker.start_liveness()

    page = staff_client.get("/admin/challenge_worker/masterjob/").content.decode()

    assert "admin-visible" in page and "python" in page


def test_a_job_shows_its_shards_read_only(staff_client, token):
    job, _ = master_job_create(
        deposit_token=token, challenges=make_challenges(token, {1: 5}), max_secret=99,
        reference="purchase-1",
    )  # fmt: skip

    response = staff_client.get(f"/admin/challenge_worker/masterjob/{job.pk}/change/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "purchase-1" in page and 'id="tasks-group"' in page
    assert 'name="tasks-0-status"' not in page and 'name="tasks-0-secret"' not in page
    assert staff_client.get("/admin/challenge_worker/masterjob/add/").status_code == 403
