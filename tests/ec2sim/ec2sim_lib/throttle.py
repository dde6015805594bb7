# SPDX-License-Identifier: ISC
"""EC2's per-action request token buckets (ec2-api.md section 8).

Each action has its own bucket (per account and region; the sim is one
account in one region).  A request takes one token; an empty bucket answers
RequestLimitExceeded.  Buckets refill in sim time, so --time-scale makes a
benchmark's refill as fast as it needs without changing the bucket shapes.
"""

import threading
from typing import Callable, Dict, Tuple

# action -> (bucket capacity, refill tokens per second)
OWN_BUCKETS: Dict[str, Tuple[float, float]] = {
    "CreateVpcEndpointServiceConfiguration": (10, 1),
    "ModifyVpcEndpointServiceConfiguration": (10, 1),
    "DeleteVpcEndpointServiceConfigurations": (10, 1),
    "AcceptVpcEndpointConnections": (10, 1),
    "RejectVpcEndpointConnections": (10, 1),
    "CreateTags": (100, 10),
    "DeleteTags": (100, 10),
}
NON_MUTATING = (100.0, 20.0)
MUTATING = (50.0, 5.0)


def bucket_shape(action: str) -> Tuple[float, float]:
    if action in OWN_BUCKETS:
        return OWN_BUCKETS[action]
    if action.startswith(("Describe", "List", "Search", "Get")):
        return NON_MUTATING
    return MUTATING


class Throttle:
    def __init__(self, now: Callable[[], float], enabled: bool = True):
        self._now = now
        self._lock = threading.Lock()
        self.enabled = enabled
        self._buckets: Dict[str, Tuple[float, float]] = {}  # action -> (tokens, last refill)

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()

    def take(self, action: str) -> bool:
        """Take one token; False means throttled."""
        if not self.enabled:
            return True
        capacity, rate = bucket_shape(action)
        now = self._now()
        with self._lock:
            tokens, last = self._buckets.get(action, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[action] = (tokens, now)
                return False
            self._buckets[action] = (tokens - 1.0, now)
            return True

    def dump(self) -> dict:
        now = self._now()
        with self._lock:
            out = {}
            for action, (tokens, last) in self._buckets.items():
                capacity, rate = bucket_shape(action)
                out[action] = {"tokens": min(capacity, tokens + (now - last) * rate), "capacity": capacity, "refill_per_s": rate}
            return out
