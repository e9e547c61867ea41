"""What the workers master records: one `MasterJob` per deposit token, and one
`ChallengeTask` per shard of each of its challenges.

Only `challenge_worker.services` writes these rows. Workers report through the services
(claim, record result); the admin shows them read-only.
"""

import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class MasterJob(models.Model):
    """Everything the master was asked to solve for one payment (one deposit token)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SOLVING = "solving", _("Solving")
        SOLVED = "solved", _("Solved")
        FAILED = "failed", _("Failed")

    # queued → solving → solved | failed (queued → solved | failed too, for a job settled
    # before any shard started). The services move it with compare-and-set updates from the
    # ACTIVE statuses only, so a final job never changes.
    ACTIVE = (Status.QUEUED, Status.SOLVING)
    FINAL = (Status.SOLVED, Status.FAILED)

    id = models.UUIDField(_("job id"), primary_key=True, default=uuid.uuid4, editable=False)
    deposit_token = models.CharField(_("deposit token"), max_length=200, unique=True)
    # Opaque to the master (payments passes its purchase id); echoed in the callback.
    reference = models.CharField(_("reference"), max_length=200, blank=True, db_index=True)
    max_secret = models.BigIntegerField(_("max secret"))
    # The challenges exactly as the caller sent them (challenge ids keep their JSON type,
    # e.g. the exchange's integers), so answers and the callback echo them unchanged.
    challenges = models.JSONField(_("challenges"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Set once the "solved"/"failed" callback job is in the queue (see services).
    callback_enqueued_at = models.DateTimeField(_("callback enqueued at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("master job")
        verbose_name_plural = _("master jobs")
        constraints = [
            models.CheckConstraint(
                condition=Q(max_secret__gte=1), name="cw_job_max_secret_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["solved", "failed"], finished_at__isnull=False)
                | Q(status__in=["queued", "solving"], finished_at__isnull=True),
                name="cw_job_finished_at_iff_final",
            ),
        ]
        indexes = [
            # The recoverer looks for final jobs whose callback is not in the queue yet.
            models.Index(
                fields=["finished_at"],
                condition=Q(callback_enqueued_at__isnull=True, status__in=["solved", "failed"]),
                name="cw_job_callback_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL


class ChallengeTask(models.Model):
    """One shard ``[start, end]`` of one challenge, as one RQ job on queue "challenges"."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SOLVED = "solved", _("Solved")
        EXHAUSTED = "exhausted", _("Exhausted")  # scanned to the end (or gave up), no hit
        CANCELLED = "cancelled", _("Cancelled")  # another shard found the secret first

    # queued | running → solved | exhausted | cancelled, queued → running, and running →
    # queued when the recoverer takes a shard back from a dead worker. Every move is a
    # compare-and-set update from an ACTIVE status (services/claims.py, results.py,
    # recovery.py), so a final shard never changes.
    ACTIVE = (Status.QUEUED, Status.RUNNING)
    FINAL = (Status.SOLVED, Status.EXHAUSTED, Status.CANCELLED)

    job = models.ForeignKey(MasterJob, on_delete=models.CASCADE, related_name="tasks")
    challenge_id = models.CharField(_("challenge id"), max_length=100)
    challenge_hash = models.CharField(_("challenge hash"), max_length=64)
    start = models.BigIntegerField(_("first candidate"))
    end = models.BigIntegerField(_("last candidate"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    secret = models.BigIntegerField(_("secret"), null=True, blank=True)
    tried = models.BigIntegerField(_("candidates tried"), default=0)
    seconds = models.FloatField(_("seconds"), default=0.0)
    worker_name = models.CharField(_("worker"), max_length=200, blank=True)
    backend = models.CharField(_("backend"), max_length=50, blank=True)
    # How many times the shard was put in the queue (1 when created); the recoverer queues
    # attempt n > 1 as ``cw-task-<id>-<n>``, so a stale worker's report can be recognised.
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    # How many times the shard was lost while running (its worker died or its job crashed):
    # the recoverer gives up after MAX_ATTEMPTS. Work lost before it started (a worker
    # paused with the RQ job in hand, Redis losing its data) is queued again for free.
    failures = models.PositiveIntegerField(_("failures"), default=0)
    rq_job_id = models.CharField(_("RQ job id"), max_length=100, blank=True)
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["job", "challenge_id", "start"]
        verbose_name = _("challenge task")
        verbose_name_plural = _("challenge tasks")
        constraints = [
            models.CheckConstraint(condition=Q(start__gte=1), name="cw_task_start_positive"),
            models.CheckConstraint(condition=Q(end__gte=F("start")), name="cw_task_end_ge_start"),
            models.CheckConstraint(condition=Q(tried__gte=0), name="cw_task_tried_not_negative"),
            models.CheckConstraint(
                condition=Q(status="solved", secret__isnull=False)
                | (~Q(status="solved") & Q(secret__isnull=True)),
                name="cw_task_secret_iff_solved",
            ),
            models.CheckConstraint(
                condition=Q(secret__isnull=True)
                | (Q(secret__gte=F("start")) & Q(secret__lte=F("end"))),
                name="cw_task_secret_in_shard",
            ),
            models.UniqueConstraint(
                fields=["job", "challenge_id", "start"], name="cw_task_one_shard_per_start"
            ),
            # One solution per challenge: two shards can never both be "solved".
            models.UniqueConstraint(
                fields=["job", "challenge_id"],
                condition=Q(status="solved"),
                name="cw_task_one_solved_per_challenge",
            ),
        ]
        indexes = [
            # The recoverer scans only the (few) shards in flight.
            models.Index(
                fields=["status"],
                condition=Q(status__in=["queued", "running"]),
                name="cw_task_active",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id} #{self.challenge_id} [{self.start}, {self.end}] {self.status}"

    @property
    def size(self) -> int:
        return self.end - self.start + 1

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL
