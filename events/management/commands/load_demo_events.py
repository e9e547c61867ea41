from django.core.management.base import BaseCommand

from events.demo import demo_catalogue
from events.services import event_upsert_many


class Command(BaseCommand):
    help = "Load the reproducible demo catalogue (safe to run again: it upserts by event_id)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--count", type=int, default=80)

    def handle(self, *args, seed: int, count: int, **options):
        result = event_upsert_many(events=demo_catalogue(seed=seed, count=count))
        self.stdout.write(
            f"Demo catalogue: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
