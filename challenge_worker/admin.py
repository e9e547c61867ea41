"""Read-only admin of the master's records: workers write results, people only look.

The master jobs changelist also lists the live challenge workers (backend, rate, busy).
"""

import logging

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError

from challenge_worker.models import ChallengeTask, MasterJob
from challenge_worker.selectors import challenges_queue_depth, workers_alive
from ticketseller.admin_mixins import ReadOnlyAdminMixin as ReadOnlyMixin

log = logging.getLogger(__name__)


class ChallengeTaskInline(ReadOnlyMixin, admin.TabularInline):
    model = ChallengeTask
    fields = [
        "challenge_id", "start", "end", "status", "secret", "tried", "seconds",
        "worker_name", "backend", "attempts", "failures", "started_at", "finished_at",
    ]  # fmt: skip
    readonly_fields = fields
    ordering = ["challenge_id", "start"]
    extra = 0
    show_change_link = True


@admin.register(MasterJob)
class MasterJobAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["id", "reference", "status", "created_at", "started_at", "finished_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["id", "deposit_token", "reference"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "id", "deposit_token", "reference", "max_secret", "challenges", "status",
        "created_at", "started_at", "finished_at", "callback_enqueued_at",
    ]  # fmt: skip
    inlines = [ChallengeTaskInline]

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        try:
            extra_context["live_workers"] = workers_alive()
            extra_context["challenges_queued"] = challenges_queue_depth()
        except RedisError:
            log.warning("admin: Redis unreachable, cannot list the workers", exc_info=True)
            extra_context["workers_error"] = _("Redis is unreachable: workers unknown.")
        return super().changelist_view(request, extra_context=extra_context)


@admin.register(ChallengeTask)
class ChallengeTaskAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "id", "job", "challenge_id", "start", "end", "status", "secret", "tried",
        "worker_name", "backend", "attempts", "failures",
    ]  # fmt: skip
    list_filter = ["status", "backend"]
    search_fields = ["job__id", "job__reference", "challenge_id", "worker_name", "rq_job_id"]
    list_select_related = ["job"]
    readonly_fields = [f.name for f in ChallengeTask._meta.fields]
