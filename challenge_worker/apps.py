from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengeWorkerConfig(AppConfig):
    name = "challenge_worker"
    verbose_name = _("Workers master")
