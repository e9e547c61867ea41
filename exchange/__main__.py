"""``python -m exchange [--host H] [--port P] [--db PATH]``: run the reference exchange.

Prints ``exchange listening on <url>`` to stdout once it accepts connections; logs one
line per request to stderr; SIGTERM or SIGINT stop it cleanly.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from exchange.config import ConfigError, load_settings
from exchange.server import READY_PREFIX, ExchangeHandle


def main(argv: list[str] | None = None) -> int:
    try:
        defaults = load_settings()
    except ConfigError as exc:
        print(f"exchange: configuration error: {exc}", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(prog="python -m exchange", description=__doc__)
    parser.add_argument("--host", default=defaults.host, help="default: EXCHANGE_HOST or 127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=defaults.port, help="default: EXCHANGE_PORT or 8100; 0 = any"
    )
    parser.add_argument("--db", default=defaults.db_path, help="default: EXCHANGE_DB")
    args = parser.parse_args(argv)

    level = logging.getLevelName(defaults.log_level.upper())
    if not isinstance(level, int):
        print(f"exchange: EXCHANGE_LOG_LEVEL {defaults.log_level!r} is unknown", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s", stream=sys.stderr
    )
    try:
        settings = load_settings(host=args.host, port=args.port, db_path=args.db)
        handle = ExchangeHandle(settings)
    except (ConfigError, OSError) as exc:
        logging.getLogger("exchange").error("cannot start: %s", exc)
        return 1

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        logging.getLogger("exchange").info("signal %d received, stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    handle.start()
    print(f"{READY_PREFIX}{handle.url}", flush=True)
    # Wake up regularly: the signal handler runs between these waits in the main thread.
    while not stop.wait(0.5):
        pass
    handle.stop()
    logging.getLogger("exchange").info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
