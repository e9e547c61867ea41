"""Proof-of-work solver for exchange challenges: pure functions, no Django.

Find the integer ``secret`` in ``[start, end]`` such that
``sha256(f"deposit_token={token}&challenge_id={cid}&secret={secret}")`` equals the
challenge hash. Two backends share one interface:

- ``simd``: a numba kernel hashing 32 candidates side by side in vector registers
  (about 63 M candidates/s per core on the 2-core AVX-512 EPYC, 9.7x OpenSSL's
  single-core ``openssl speed -evp sha256 -bytes 64``);
- ``python``: hashlib with a saved midstate (about 3.4 M/s per core, 2x the naive loop),
  always available.

``python bench/solver.py`` measures both against OpenSSL and the naive loop.

``get_backend()`` picks one (env ``SOLVER_BACKEND`` = auto | simd | python), ``solve()`` scans
a range, ``plan_shards()`` cuts a wide range into shards worth queueing.

Environment: ``SOLVER_BACKEND`` (default ``auto``); ``NUMBA_CACHE_DIR`` (default
``<repo>/.numba_cache``) is where compiled kernels are cached between processes: the first
process compiles for about 5 s, later ones load in about 0.15 s. Warm up (``get_backend()``)
before forking: children reuse the compiled kernels. The worker fleet runs one process per
core, each solving the shards the master plans.

The kernel is generated: edit ``gen_kernel.py`` and run
``python -m challenge_worker.solver.gen_kernel`` (``--check`` in CI).
"""

from .api import BACKEND_NAMES, get_backend, solve
from .base import Backend, BackendUnavailable, SolveResult, build_prefix
from .shards import SHARD_ALIGN, plan_shards

__all__ = [
    "BACKEND_NAMES",
    "SHARD_ALIGN",
    "Backend",
    "BackendUnavailable",
    "SolveResult",
    "build_prefix",
    "get_backend",
    "plan_shards",
    "solve",
]
