"""Requests per key: a token bucket each (refilled at a steady rate, up to a burst)."""

from __future__ import annotations

import threading
import time

from earnest.errors import RateLimited


class TokenBuckets:
    def __init__(self, per_minute: float, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, burst))
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, last time)
        self._lock = threading.Lock()

    def take(self, key: str, now: float | None = None) -> None:
        """Spend one token of ``key``'s bucket, or raise RateLimited with the wait."""
        if self.rate <= 0:
            return
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                wait = (1 - tokens) / self.rate
                raise RateLimited(f"too many requests for this key; retry in {wait:.1f} s "
                                  "(auth.rate_per_minute)", retry_after=wait)
            self._buckets[key] = (tokens - 1, now)


__all__ = ["TokenBuckets"]
