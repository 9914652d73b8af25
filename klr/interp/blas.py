"""Single-threaded BLAS during runs: OpenBLAS's float32 results depend on its thread count,
so matmuls give the same bits on every machine (klr/interp/machine.py)."""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any


# ---------------------------------------------------------------------------
# BLAS threads
# ---------------------------------------------------------------------------


class _BlasThreads:
    """Runs use single-threaded BLAS (OpenBLAS, which NumPy's wheels bundle).

    * OpenBLAS's float32 results depend on its thread count (the work split changes the
      rounding), so with one thread a matmul gives the same bits on every machine, however
      many cores it has;
    * many small multi-threaded BLAS calls degrade badly when other processes load the
      cores (each call synchronizes its threads); the interpreter parallelizes batches of
      independent products itself instead (`_matmul_loop`).

    Without OpenBLAS thread control (another BLAS, no /proc), runs use the BLAS as it is
    and batches run on one thread.
    """

    _SYMBOLS = (
        ("openblas_get_num_threads", "openblas_set_num_threads"),
        ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
        ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
        ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    )

    def __init__(self) -> None:
        self._found = False
        self._libs: list[tuple[Any, Any]] = []  # (get, set) of every OpenBLAS loaded
        self._lock = threading.Lock()
        self._depth = 0
        self._saved: list[int] = []
        self._pool: ThreadPoolExecutor | None = None
        self._pool_pid = 0
        self.workers = 1

    def _find(self) -> None:
        self._found = True
        try:
            with open("/proc/self/maps") as f:
                paths = {
                    line.split()[-1] for line in f if "openblas" in line.rsplit("/", 1)[-1].lower()
                }
            for path in sorted(paths):
                lib = ctypes.CDLL(path)
                for get, set_ in self._SYMBOLS:
                    if hasattr(lib, get) and hasattr(lib, set_):
                        getter, setter = getattr(lib, get), getattr(lib, set_)
                        getter.restype, getter.argtypes = ctypes.c_int, []
                        setter.restype, setter.argtypes = None, [ctypes.c_int]
                        self._libs.append((getter, setter))
                        break
        except (OSError, ValueError, IndexError, AttributeError):
            self._libs = []
        if self._libs:
            affinity = getattr(os, "sched_getaffinity", None)
            cpus = len(affinity(0)) if affinity is not None else os.cpu_count()
            self.workers = max(1, min(4, cpus or 1))

    @contextmanager
    def single(self) -> Iterator[None]:
        """BLAS on one thread for the duration (nested and concurrent uses are counted)."""
        with self._lock:
            if not self._found:
                self._find()
            if self._depth == 0:
                self._saved = [get() for get, _ in self._libs]
                for _, set_ in self._libs:
                    set_(1)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    for (_, set_), n in zip(self._libs, self._saved):
                        set_(n)

    def pool(self) -> ThreadPoolExecutor | None:
        """Worker threads for independent products (None: compute them in line)."""
        if not self._found:
            with self._lock:
                if not self._found:
                    self._find()
        if self.workers <= 1:
            return None
        if self._pool is None or self._pool_pid != os.getpid():  # none yet, or forked
            with self._lock:
                if self._pool is None or self._pool_pid != os.getpid():
                    self._pool = ThreadPoolExecutor(
                        self.workers - 1, thread_name_prefix="klr-interp"
                    )
                    self._pool_pid = os.getpid()
        return self._pool


BLAS = _BlasThreads()
