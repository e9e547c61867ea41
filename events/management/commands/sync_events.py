import time

from django.core.management.base import BaseCommand, CommandError

from events.services import events_sync_from_exchange
from ticketseller.http import DependencyDown


class Command(BaseCommand):
    help = "Pull the event catalogue from the exchange (EXCHANGE_URL); safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=float, default=0, help="Keep trying this many seconds (start-up)."
        )

    def handle(self, *args, wait: float, **options):
        give_up_at = time.monotonic() + wait
        while True:
            try:
                result = events_sync_from_exchange()
                break
            except DependencyDown as exc:
                if time.monotonic() >= give_up_at:
                    raise CommandError(f"The exchange did not answer: {exc}") from exc
                time.sleep(0.5)
        self.stdout.write(
            f"Catalogue: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged, {result.skipped} skipped."
        )
