"""Reference central exchange: a stand-in for the course's external payment exchange.

It runs as its own process (``python -m exchange``), imports nothing from Django or the
seller's apps and uses only the standard library. Start it in-process from tests with
``exchange.server.start_exchange`` or as a subprocess with
``exchange.server.start_exchange_process``; see ``exchange/README.md``.
"""
