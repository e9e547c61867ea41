import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ticketseller.settings")

application = get_wsgi_application()

from ticketseller.warm_up import url_tables_build  # noqa: E402 (needs the apps loaded)

url_tables_build()  # as the server starts, not in a buyer's request
