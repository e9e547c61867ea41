"""WSGI entry point of the workers master: the same settings, its own URL conf.

gunicorn challenge_worker.wsgi:application -b 127.0.0.1:8001
"""

import os

from django.core.wsgi import get_wsgi_application

# Before Django reads its settings: the master serves only challenge_worker.urls.
os.environ["ROOT_URLCONF"] = "challenge_worker.urls"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketseller.settings")

application = get_wsgi_application()
