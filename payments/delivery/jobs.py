"""RQ jobs of ticket delivery: thin, and safe to run twice (see `services`).

Failures are recorded on the TicketFile / Notification by the services and re-raised here,
so RQ retries the job with `services.DELIVERY_RETRY`; the sweep covers what those retries
give up on.
"""

from payments.delivery import services, sweep


def purchase_deliver(*, purchase_id: str) -> str:
    return services.purchase_deliver(purchase_id=purchase_id)


def deliveries_sweep() -> dict[str, int]:
    """Periodic (see the `clock` command)."""
    return sweep.deliveries_sweep()
