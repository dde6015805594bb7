# SPDX-License-Identifier: ISC
"""Two clocks: wall time for signatures and credentials, sim time for delays.

Why two: SigV4 and credential expiry are judged against the client's real
clock, while state delays (Pending->Available, eventual consistency, bucket
refill) should run faster in tests.  Sim time runs at `scale` times real
time and can be advanced by the admin API, so tests never sleep to wait for
a state change.  wall() can be skewed by the admin API to test RequestExpired
and clock skew correction (it is also the time of every answer's Date header).
"""

import threading
import time
from datetime import datetime, timezone


class Clock:
    def __init__(self, scale: float = 1.0):
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self._lock = threading.Lock()
        self._scale = scale
        self._real0 = time.monotonic()
        self._sim0 = 0.0
        self._wall_skew = 0.0

    @property
    def scale(self) -> float:
        return self._scale

    def sim(self) -> float:
        """Seconds of simulated time since start (monotonic)."""
        with self._lock:
            return self._sim0 + (time.monotonic() - self._real0) * self._scale

    def set_scale(self, scale: float) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        with self._lock:
            now = time.monotonic()
            self._sim0 += (now - self._real0) * self._scale
            self._real0 = now
            self._scale = scale

    def advance(self, seconds: float) -> None:
        """Jump sim time forward (never backward: states only move on)."""
        if seconds < 0:
            raise ValueError("cannot move the sim clock backward")
        with self._lock:
            self._sim0 += seconds

    @property
    def wall_skew(self) -> float:
        with self._lock:
            return self._wall_skew

    def set_wall_skew(self, seconds: float) -> None:
        with self._lock:
            self._wall_skew = seconds

    def wall(self) -> datetime:
        with self._lock:
            skew = self._wall_skew
        return datetime.fromtimestamp(time.time() + skew, tz=timezone.utc)
