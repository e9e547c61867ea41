import hashlib

import pytest

from challenge_worker.solver import get_backend

TOKEN = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes seconds (numba compile in a subprocess)")


def challenge_hash(token: str, challenge_id, secret: int) -> str:
    message = f"deposit_token={token}&challenge_id={challenge_id}&secret={secret}"
    return hashlib.sha256(message.encode()).hexdigest()


@pytest.fixture(scope="session")
def simd_backend():
    pytest.importorskip("numba")  # a machine without numba has the python backend only
    # Compiles, or loads from .numba_cache. With numba here, a kernel that fails its warm-up
    # or self-test is an error, not a skip: a wrong kernel must not pass as "unavailable".
    return get_backend("simd")


@pytest.fixture(scope="session", params=["python", "simd"])
def backend(request):
    if request.param == "simd":
        return request.getfixturevalue("simd_backend")
    return get_backend("python")
