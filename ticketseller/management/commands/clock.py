"""The clock: enqueues the periodic jobs on the "maintenance" queue. One clock per deployment.

What runs when, and how a run lost by a paused or dead worker is found and queued again, is
in `ticketseller.periodic`; the jobs themselves skip bad rows instead of failing, so one bad
row cannot crash-loop them.
"""

import signal
import time

from django.core.management.base import BaseCommand

from ticketseller.periodic import QUEUE, LostJobs, periodic_tick, schedule
from ticketseller.queues import get_queue


class Command(BaseCommand):
    help = (
        "Enqueue the periodic jobs (reconcile purchases, recover lost challenges, sweep "
        "deliveries, sync events)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue each job once and exit.")

    def handle(self, *args, once: bool, **options):
        running = True

        def stop(*_):
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        tasks, lost = schedule(), LostJobs()
        queue = get_queue(QUEUE)  # one client (and connection pool) for the clock
        self.stdout.write(", ".join(f"{t.job} every {t.every:g}s" for t in tasks))
        while running:
            periodic_tick(tasks, lost=lost, queue=queue)
            if once:
                return
            time.sleep(0.2)
