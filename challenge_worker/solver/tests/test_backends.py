"""Backend selection, the generated kernel, fork and cache behaviour."""

import logging
import multiprocessing
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from challenge_worker.solver import (
    BackendUnavailable,
    gen_kernel,
    get_backend,
    solve,
)
from challenge_worker.solver import api as solver_api

from .conftest import TOKEN, challenge_hash

REPO_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fresh_selection(monkeypatch):
    """Let a test re-run backend selection, then put the process-wide choice back."""
    saved = dict(solver_api._backends)
    solver_api._clear_backend_cache()
    monkeypatch.delenv("SOLVER_BACKEND", raising=False)
    yield
    solver_api._clear_backend_cache()
    solver_api._backends.update(saved)


@pytest.fixture
def numba_missing(monkeypatch):
    """Make ``import numba`` fail, as on a machine without it."""
    monkeypatch.setitem(sys.modules, "numba", None)
    for name in list(sys.modules):
        if name.startswith("numba.") or name.endswith(("solver.simd_backend", "_simd_kernel")):
            monkeypatch.delitem(sys.modules, name)


def test_auto_falls_back_to_python_with_a_warning_when_numba_is_missing(
    fresh_selection, numba_missing, caplog
):
    with caplog.at_level(logging.WARNING, logger="challenge_worker.solver.api"):
        backend = get_backend("auto")
    assert backend.name == "python"
    assert "simd backend unavailable" in caplog.text
    result = solve(
        deposit_token=TOKEN,
        challenge_id=2,
        challenge_hash=challenge_hash(TOKEN, 2, 777),
        start=1,
        end=1000,
    )
    assert (result.secret, result.backend) == (777, "python")


def test_asking_for_simd_without_numba_raises(fresh_selection, numba_missing):
    with pytest.raises(BackendUnavailable, match="numba"):
        get_backend("simd")


def test_auto_picks_simd_when_numba_works(fresh_selection, simd_backend):
    assert get_backend().name == "simd"


def test_environment_variable_chooses_the_default_backend(fresh_selection, monkeypatch):
    monkeypatch.setenv("SOLVER_BACKEND", "python")
    assert get_backend().name == "python"
    monkeypatch.setenv("SOLVER_BACKEND", "gpu")
    with pytest.raises(ValueError, match="unknown solver backend"):
        get_backend()


def test_backends_report_a_rate(backend):
    assert backend.measure_rate(seconds=0.02) > 100_000


def test_generated_kernel_is_up_to_date():
    assert gen_kernel.main(["--check"]) == 0


def test_generator_check_fails_on_a_stale_file(tmp_path, monkeypatch, capsys):
    stale = tmp_path / "_simd_kernel.py"
    stale.write_text(gen_kernel.generate().replace("LANES = ", "LANES = 1 + "))
    monkeypatch.setattr(gen_kernel, "TARGET", stale)
    assert gen_kernel.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().out


def _child_solves_without_compiling(conn):
    from challenge_worker.solver import _simd_kernel as kernel

    def refuse(*args, **kwargs):
        raise AssertionError("the child tried to compile a kernel")

    for compiled in (kernel.scan, kernel._lanes, kernel.scan_short, kernel._lanes_short):
        compiled.compile = refuse
    result = solve(
        deposit_token=TOKEN,
        challenge_id=9,
        challenge_hash=challenge_hash(TOKEN, 9, 654_321),
        start=1,
        end=700_000,
        backend=get_backend("simd"),
    )
    conn.send(result.secret)


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork")
def test_forked_child_reuses_compiled_kernels(simd_backend):
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=_child_solves_without_compiling, args=(child,))
    process.start()
    assert parent.poll(30), "child did not answer"
    assert parent.recv() == 654_321
    process.join(10)
    assert process.exitcode == 0


@pytest.mark.slow
def test_second_process_loads_kernels_from_the_numba_cache(tmp_path):
    pytest.importorskip("numba")
    script = textwrap.dedent(
        """
        from challenge_worker.solver import get_backend
        from challenge_worker.solver import _simd_kernel as kernel
        get_backend("simd")
        print(sum(kernel.scan.stats.cache_hits.values()),
              sum(kernel.scan.stats.cache_misses.values()))
        """
    )
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}

    def run():
        out = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=300,
        )
        return tuple(int(x) for x in out.stdout.split())

    assert run() == (0, 1)  # cold cache: compiled
    assert any(tmp_path.rglob("*.nbi"))
    assert run() == (1, 0)  # loaded from the cache
