from events.services import SyncResult, events_sync_from_exchange


def events_sync() -> SyncResult:
    """Periodic: refresh the catalogue from the exchange (idempotent upsert)."""
    return events_sync_from_exchange()
