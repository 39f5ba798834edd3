"""Background jobs: queued with the request's transaction, run once by the worker with their
progress and report, started later when the broker was down, seen only by the person (and
partner) that started them."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cosell.core import background, clock, periodic
from cosell.core.models import BackgroundJob, PendingEffect
from opportunities.deals.models import Opportunity
from tests.support.own_redis import drain, own_redis_fixture

pytestmark = pytest.mark.django_db
IMPORT = "/api/v1/opportunities/import/"
CSV = (
    b"name,customer_name,category,customer_country,solutions\n"
    b"Data platform,Northwind,private,US,microsoft:Azure\n"
    b"Analytics,Fabrikam,p2p,CN,third_party:Contoso BI\n"
)


def upload(client, content=CSV, dry_run=False):
    return client.post(
        f"{IMPORT}?dry_run={'true' if dry_run else 'false'}",
        {"file": SimpleUploadedFile("deals.csv", content, content_type="text/csv")},
    )


@pytest.fixture
def own_redis(tmp_path, settings):
    yield from own_redis_fixture(tmp_path, settings)


def test_the_request_answers_at_once_and_the_worker_runs_the_job_once(
    client_for, partner_admin, django_capture_on_commit_callbacks
):
    client = client_for(partner_admin)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(client)
    assert response.status_code == 202
    job = BackgroundJob.objects.get()
    assert response["Location"] == f"http://testserver/api/v1/jobs/{job.pk}/"
    assert response.json()["status"] == "queued" and response.json()["result"] is None
    assert not Opportunity.objects.exists()
    # The run is a recorded side effect, published after the commit.
    effect = PendingEffect.objects.get(task="cosell.core.tasks.background_job_run")
    assert effect.args == [job.pk] and callbacks
    for callback in callbacks:
        callback()  # the eager "broker" runs it here
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (2, 2)
    assert job.result["counts"]["create"] == 2 and job.result["applied"] is True
    assert job.started_at and job.finished_at and job.attempts == 1
    # Delivered again (a redelivery, the periodic job): it does not run twice.
    assert background.run(job.pk) == "skipped"
    periodic.run("effects.deliver", clock.now() + timedelta(hours=1))
    assert Opportunity.objects.count() == 2
    body = client.get(f"/api/v1/jobs/{job.pk}/").json()
    assert body["status"] == "succeeded" and body["progress"]["percent"] == 100
    assert body["links"]["page"].endswith(f"/jobs/{job.pk}/")


def test_a_failing_job_is_failed_not_retried(client_for, partner, partner_admin, monkeypatch):
    response = upload(client_for(partner_admin))

    def broken(job, progress):
        raise RuntimeError("boom")

    monkeypatch.setitem(
        background.REGISTRY,
        "opportunities.import",
        background.Kind("opportunities.import", broken),
    )
    assert background.run(response.json()["id"]) == "failed"
    job = BackgroundJob.objects.get()
    assert "boom" in job.error and job.result["errors"]["non_field_errors"]
    assert background.run(job.pk) == "skipped"


def test_a_job_abandoned_by_a_dead_worker_runs_again(client_for, partner_admin):
    response = upload(client_for(partner_admin))
    job = BackgroundJob.objects.get(pk=response.json()["id"])
    now = clock.now()
    BackgroundJob.objects.filter(pk=job.pk).update(status="running", started_at=now)
    assert background.run(job.pk, now + timedelta(minutes=1)) == "skipped"
    assert background.run(job.pk, now + timedelta(hours=1)) == "succeeded"
    assert Opportunity.objects.count() == 2


def test_a_job_queued_while_redis_is_down_runs_once_it_is_back(
    own_redis, client_for, partner_admin, django_capture_on_commit_callbacks
):
    client = client_for(partner_admin)
    own_redis.stop()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client)
    assert response.status_code == 202
    job_url = response["Location"]
    assert client.get(job_url).json()["status"] == "queued"
    assert PendingEffect.objects.get(task="cosell.core.tasks.background_job_run").status == (
        PendingEffect.Status.PENDING
    )
    own_redis.start()
    later = clock.now() + timedelta(minutes=2)
    periodic.run("effects.deliver", later)
    ran = drain(own_redis)
    assert "cosell.core.tasks.effects_run" in ran
    body = client.get(job_url).json()
    assert body["status"] == "succeeded" and body["result"]["counts"]["create"] == 2
    assert Opportunity.objects.count() == 2
    periodic.run("effects.deliver", later + timedelta(minutes=10))
    drain(own_redis)
    assert Opportunity.objects.count() == 2


def test_only_the_person_who_started_a_job_sees_it(
    client_for, partner_admin, other_partner_admin, partner_user, seller
):
    response = upload(client_for(partner_admin), dry_run=True)
    job_id = response.json()["id"]
    background.run(job_id)
    for user in (other_partner_admin, partner_user, seller):
        client = client_for(user)
        for url in (
            f"/api/v1/jobs/{job_id}/",
            f"/api/v1/jobs/{job_id}/file/",
            f"/jobs/{job_id}/",
            f"/jobs/{job_id}/progress/",
            f"/jobs/{job_id}/file/",
        ):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(f"/jobs/{job_id}/apply/").status_code == 404
    assert BackgroundJob.objects.count() == 1
    assert not Opportunity.objects.exists()


def test_the_job_page_polls_until_the_job_is_done(client_for, partner_admin):
    client = client_for(partner_admin)
    job_id = upload(client, dry_run=True).json()["id"]
    fragment = client.get(f"/jobs/{job_id}/progress/", headers={"HX-Request": "true"})
    assert b'hx-trigger="every 1s"' in fragment.content and b"<progress" in fragment.content
    assert b"<script" not in fragment.content and b"style=" not in fragment.content
    background.run(job_id)
    done = client.get(f"/jobs/{job_id}/progress/", headers={"HX-Request": "true"})
    assert b"hx-trigger" not in done.content and done["HX-Refresh"] == "true"
    page = client.get(f"/jobs/{job_id}/")
    assert b"2 to create" in page.content
