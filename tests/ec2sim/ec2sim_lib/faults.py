"""Fault injection rules, matched per request by action.

A rule fires for a number of matching requests (count) or with a
probability (rate, drawn from the sim's seeded RNG so runs repeat).  The
server decides what each kind means on the wire; this module only stores,
validates and matches rules, so it stays easy to reason about under threads.

kinds:
  error      answer code/status (default InternalError 500) without acting
  throttle   RequestLimitExceeded 503 without acting
  latency    delay the answer by ms + uniform(0, jitter_ms), then act normally
  reset      close the connection with a TCP RST (phase before|after acting)
  stall      hold the connection open for `seconds`, then close (phase before|after)
  truncate   act, then send only half the body (Content-Length says full)
  malformed  act, then answer 200 with XML cut in the middle
  expired    answer as if the credentials had expired (RequestExpired / ExpiredToken)
  oob        apply `patch` to service `service_id` first ("edited in the console")
"""

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import List, Optional

KINDS = ("error", "throttle", "latency", "reset", "stall", "truncate", "malformed", "expired", "oob")
MAX_RULES = 1000


@dataclass
class Fault:
    id: int
    kind: str
    action: str = "*"
    count: Optional[int] = None
    rate: Optional[float] = None
    skip: int = 0  # matching requests to let through before the rule may fire
    code: str = "InternalError"
    status: Optional[int] = None
    message: str = "An internal error has occurred"
    ms: int = 0
    jitter_ms: int = 0
    seconds: float = 30.0
    phase: str = "before"
    service_id: Optional[str] = None
    patch: dict = field(default_factory=dict)
    fired: int = 0


class FaultError(ValueError):
    pass


class Faults:
    def __init__(self, rng: random.Random):
        self._rng = rng
        self._lock = threading.Lock()
        self._rules: List[Fault] = []
        self._next = 1

    def add(self, spec: dict) -> Fault:
        """Validate a JSON rule and store it; raise FaultError on bad input."""
        if not isinstance(spec, dict):
            raise FaultError("a fault is a JSON object")
        known = set(Fault.__dataclass_fields__) - {"id", "fired"}
        unknown = set(spec) - known
        if unknown:
            raise FaultError(f"unknown fault fields: {sorted(unknown)}")
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultError(f"kind must be one of {KINDS}")
        if spec.get("phase", "before") not in ("before", "after"):
            raise FaultError("phase must be before or after")
        rate = spec.get("rate")
        if rate is not None and not (isinstance(rate, (int, float)) and 0 <= rate <= 1):
            raise FaultError("rate must be a number in [0, 1]")
        count = spec.get("count")
        if count is not None and not (isinstance(count, int) and count >= 0):
            raise FaultError("count must be a non-negative integer")
        skip = spec.get("skip", 0)
        if not isinstance(skip, int) or skip < 0:
            raise FaultError("skip must be a non-negative integer")
        if rate is None and count is None:
            spec = dict(spec, count=1)
        seconds = spec.get("seconds", 30.0)
        if not isinstance(seconds, (int, float)) or not 0 <= seconds <= 600:
            raise FaultError("seconds must be in [0, 600]")
        for key in ("ms", "jitter_ms"):
            value = spec.get(key, 0)
            if not isinstance(value, int) or not 0 <= value <= 600000:
                raise FaultError(f"{key} must be an integer in [0, 600000]")
        if kind == "oob" and not (isinstance(spec.get("service_id"), str) and isinstance(spec.get("patch"), dict)):
            raise FaultError("oob needs service_id and a patch object")
        with self._lock:
            if len(self._rules) >= MAX_RULES:
                raise FaultError("too many fault rules")
            fault = Fault(id=self._next, **spec)
            self._next += 1
            self._rules.append(fault)
            return fault

    def clear(self, fault_id: Optional[int] = None) -> None:
        with self._lock:
            self._rules = [r for r in self._rules if fault_id is not None and r.id != fault_id]

    def match(self, action: str) -> List[Fault]:
        """Rules firing for this request (each consumes one count)."""
        fired = []
        with self._lock:
            for rule in self._rules:
                if rule.action not in ("*", action):
                    continue
                if rule.skip > 0:  # e.g. fail page 2 of a listing, not page 1
                    rule.skip -= 1
                    continue
                if rule.count is not None:
                    if rule.count <= 0:
                        continue
                    if rule.rate is None or self._rng.random() < rule.rate:
                        rule.count -= 1
                        rule.fired += 1
                        fired.append(rule)
                elif rule.rate is not None and self._rng.random() < rule.rate:
                    rule.fired += 1
                    fired.append(rule)
            self._rules = [r for r in self._rules if r.count is None or r.count > 0]
        return fired

    def dump(self) -> List[dict]:
        with self._lock:
            return [asdict(r) for r in self._rules]
