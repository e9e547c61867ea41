"""The purchase flow's numbers, read from the environment (see `.env.example`): how much one
purchase may take, its deadlines and back-offs, the clock's periods, the waiting room, the
delivery sweep and the challenge workers' liveness. Imported whole by `ticketseller.settings`.
"""

from ticketseller.env import env_float, env_int, env_str

# --- Purchases ------------------------------------------------------------------------------
PURCHASE_MAX_QUANTITY = env_int("PURCHASE_MAX_QUANTITY", 10)
# After this a purchase in flight is settled with the exchange's word (or expired + refunded).
# Longer than the exchange's own solution timeout (120 s), so its verdict normally comes first.
PURCHASE_DEADLINE_SECONDS = env_int("PURCHASE_DEADLINE_SECONDS", 150)
PURCHASE_EXPIRE_GRACE_SECONDS = env_int("PURCHASE_EXPIRE_GRACE_SECONDS", 30)
PURCHASE_STALE_SECONDS = env_int("PURCHASE_STALE_SECONDS", 15)  # no progress → push it again
# The longest pause between two tries of an HTTP call (exchange, master), Retry-After included:
# a job retrying inside a worker never sleeps away more than its share of the deadline.
HTTP_BACKOFF_CAP_SECONDS = env_float("HTTP_BACKOFF_CAP_SECONDS", PURCHASE_DEADLINE_SECONDS / 50)
CLOCK_RECONCILE_SECONDS = env_float("CLOCK_RECONCILE_SECONDS", 2.0)
CLOCK_SYNC_EVENTS_SECONDS = env_float("CLOCK_SYNC_EVENTS_SECONDS", 600.0)
CLOCK_DELIVERY_SWEEP_SECONDS = env_float("CLOCK_DELIVERY_SWEEP_SECONDS", 30.0)
# A periodic job a worker took off the queue but never started is queued again after this.
CLOCK_LOST_JOB_GRACE_SECONDS = env_float("CLOCK_LOST_JOB_GRACE_SECONDS", 10.0)

# --- Waiting room (on-sale rush; events/waiting_room.py) -------------------------------------
# The most buyers admitted per second while an event's room is on (the pipeline's target).
WAITING_ROOM_RATE = env_float("WAITING_ROOM_RATE", 30.0)
# What the pipeline holds: the room admits only while fewer purchases than this are in flight
# (made in the last WAITING_ROOM_IN_FLIGHT_SECONDS and not final), and a buy without a token
# when it is full switches the room on. About the sustained rate x the latency wanted
# (8/s x 2.5 s on two cores). 0 disables the gauge: then only WAITING_ROOM_RATE paces.
WAITING_ROOM_MAX_IN_FLIGHT = env_int("WAITING_ROOM_MAX_IN_FLIGHT", 20)
WAITING_ROOM_IN_FLIGHT_SECONDS = env_int("WAITING_ROOM_IN_FLIGHT_SECONDS", 120)
# Buyers admitted but not yet buying count as in flight for at most this long (seconds): the
# gauge cannot see them, and one who walks away must not hold the room shut.
WAITING_ROOM_PENDING_SECONDS = env_int("WAITING_ROOM_PENDING_SECONDS", 20)
# Admissions that may go at once after a quiet spell (the line never banks more than this).
WAITING_ROOM_BURST = env_int("WAITING_ROOM_BURST", 30)
# How long an admission token is good for (seconds); polling the queue gives a fresh one.
WAITING_ROOM_TOKEN_SECONDS = env_int("WAITING_ROOM_TOKEN_SECONDS", 300)
# Staff's switch: the room is on from an event's `on_sale_at` for this long.
WAITING_ROOM_ON_SALE_SECONDS = env_int("WAITING_ROOM_ON_SALE_SECONDS", 3600)
# The automatic switch: more arrivals than this in one second (buy attempts without a token,
# joins while the room is off) turn the room on for WAITING_ROOM_AUTO_SECONDS, held on while
# anyone still waits. 0 disables the automatic switch.
WAITING_ROOM_AUTO_ARRIVALS = env_int("WAITING_ROOM_AUTO_ARRIVALS", 60)
WAITING_ROOM_AUTO_SECONDS = env_int("WAITING_ROOM_AUTO_SECONDS", 300)
# Line polls one web process holds until their buyer is admitted (`Prefer: wait`), each
# keeping a server thread: with PURCHASE_WAIT_MAX_HELD, at most half of gunicorn's threads.
WAITING_ROOM_MAX_HELD = env_int("WAITING_ROOM_MAX_HELD", 4)
# The line's keys outlive the last join or poll by this long, then Redis forgets them.
WAITING_ROOM_KEY_SECONDS = env_int("WAITING_ROOM_KEY_SECONDS", 6 * 3600)
# The longest poll interval (retry_after) the room asks of someone far back in the line.
WAITING_ROOM_MAX_RETRY_SECONDS = env_int("WAITING_ROOM_MAX_RETRY_SECONDS", 20)
# The room's Redis calls wait at most this long; when Redis fails the room admits (fail-open)
# and skips Redis for a few seconds.
WAITING_ROOM_REDIS_TIMEOUT = env_float("WAITING_ROOM_REDIS_TIMEOUT", 0.5)

# --- Ticket delivery sweep ------------------------------------------------------------------
# The sweep re-queues the delivery of a final purchase still missing its ticket or email this
# long after it ended (RQ's own retries give up after about four minutes).
DELIVERY_SWEEP_GRACE_SECONDS = env_int("DELIVERY_SWEEP_GRACE_SECONDS", 120)
DELIVERY_SWEEP_BATCH = env_int("DELIVERY_SWEEP_BATCH", 200)
# The "tickets ready" email stops waiting for the PDF after this many failed renders or this
# long after validation; it then links to the purchase page, where the ticket appears later.
DELIVERY_EMAIL_WAITS_FOR_RENDERS = env_int("DELIVERY_EMAIL_WAITS_FOR_RENDERS", 3)
DELIVERY_EMAIL_WAITS_SECONDS = env_int("DELIVERY_EMAIL_WAITS_SECONDS", 300)

# Tickets rendered on the shop's own cores give way to purchases in flight, but no delivery
# waits longer than this (payments/delivery/worker.py; DELIVERY_GIVE_WAY_IN_FLIGHT in settings).
DELIVERY_GIVE_WAY_MAX_SECONDS = env_float("DELIVERY_GIVE_WAY_MAX_SECONDS", 30.0)

# --- Challenge workers ----------------------------------------------------------------------
SOLVER_BACKEND = env_str("SOLVER_BACKEND", "auto")  # auto | simd | python
WORKER_ALIVE_TTL = env_int("WORKER_ALIVE_TTL", 5)  # seconds a silent worker still counts as alive
# Seconds a shard's work may look lost (its worker silent, its RQ job taken off the queue
# but never started) before the recoverer queues it again.
CHALLENGE_LOST_GRACE_SECONDS = env_float("CHALLENGE_LOST_GRACE_SECONDS", 3.0)
# Seconds of hashing a worker that ends a cheap challenge job may take along from the cheap
# jobs waiting behind it, in the same RQ job (challenge_worker/take_along.py); 0: never.
CHALLENGE_TAKE_ALONG_SECONDS = env_float("CHALLENGE_TAKE_ALONG_SECONDS", 0.25)
