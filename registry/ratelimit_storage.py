"""In-process rate-limit counters that start no thread: `registry-memory://`, the default.

limits' MemoryStorage (`memory://`) expires counters from a timer thread that lasts 10 ms
and is started again by the next hit: under load, about 80 new threads a second in every
worker, and each start makes the request wait until the new thread has run (py-spy: ~2 %
of a loaded worker's time; an in-process loop on a busy machine lost a quarter of its
throughput to it). Here the hits themselves sweep expired counters, at most once a second.
A counter past its window is reset when next read anyway (MemoryStorage.get), so limits
behave exactly as with `memory://`; the sweep only frees counters nobody reads again.

Counters live in each worker process: set REGISTRY_RATELIMIT_STORAGE_URL to a Redis URL
for limits shared by all workers and hosts (docs/operations.md).
"""

import time
from typing import ClassVar

from limits.storage import MemoryStorage

SWEEP_EVERY = 1.0  # seconds


class SweptMemoryStorage(MemoryStorage):
    STORAGE_SCHEME: ClassVar[list[str]] = ["registry-memory"]

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one timer MemoryStorage starts; sweeps are inline here
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self):
        """Replaces MemoryStorage's private hook (called before each counter changes),
        which started the timer thread. Should limits rename it, the thread comes back and
        tests/test_api_limits.py fails."""
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY
            self._MemoryStorage__expire_events()
