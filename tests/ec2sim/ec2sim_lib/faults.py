# SPDX-License-Identifier: ISC
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
  answer     replace the answer with a scripted one: `status` (200), `content_type`
             ("text/xml"), `body` or `body_b64` (bytes) repeated `body_repeat` times,
             extra `headers`; phase before (without acting) or after (act, then replace).
             Hostile answers for client tests: HTML pages, empty or binary bodies,
             gzip bombs, huge bodies and headers.
"""

import base64
import binascii
import random
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import List, Optional

KINDS = ("error", "throttle", "latency", "reset", "stall", "truncate", "malformed", "expired", "oob", "answer")
MAX_RULES = 1000
# Scripted answers: big enough for a body past any client cap and for header
# floods, small enough that one rule cannot exhaust the sim's memory.
MAX_ANSWER_BODY = 64 << 20
MAX_HEADER_VALUE = 512 << 10
MAX_HEADERS = 100000
MAX_HEADER_BYTES = 16 << 20
ANSWER_FIELDS = ("content_type", "body", "body_b64", "body_repeat", "headers")
# The sim frames every answer itself (Content-Length); a rule may not add a second framing.
RESERVED_HEADERS = ("content-length", "transfer-encoding", "content-type", "connection")
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


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
    content_type: str = "text/xml"
    body: Optional[str] = None
    body_b64: Optional[str] = None
    body_repeat: int = 1
    headers: dict = field(default_factory=dict)
    fired: int = 0

    def answer_body(self) -> bytes:
        """The scripted body (kind answer), built when the rule fires."""
        if self.body_b64 is not None:
            one = base64.b64decode(self.body_b64)
        else:
            one = (self.body or "").encode("utf-8")
        return one * self.body_repeat


class FaultError(ValueError):
    pass


def _check_answer(spec: dict) -> None:
    """Validate the fields of an `answer` rule (FaultError on the first bad one)."""
    status = spec.get("status", 200)
    if not isinstance(status, int) or isinstance(status, bool) or not 200 <= status <= 599:
        raise FaultError("answer: status must be an integer in [200, 599]")
    ctype = spec.get("content_type", "text/xml")
    if not isinstance(ctype, str) or len(ctype) > 1024 or any(c in ctype for c in "\r\n\0"):
        raise FaultError("answer: content_type must be a string of at most 1024 characters without CR, LF or NUL")
    if "body" in spec and "body_b64" in spec:
        raise FaultError("answer: give body or body_b64, not both")
    if not isinstance(spec.get("body", ""), str):
        raise FaultError("answer: body must be a string")
    size = len(spec.get("body", "").encode("utf-8"))
    if "body_b64" in spec:
        if not isinstance(spec["body_b64"], str):
            raise FaultError("answer: body_b64 must be a base64 string")
        try:
            size = len(base64.b64decode(spec["body_b64"], validate=True))
        except (binascii.Error, ValueError):
            raise FaultError("answer: body_b64 is not valid base64") from None
    repeat = spec.get("body_repeat", 1)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or repeat < 0:
        raise FaultError("answer: body_repeat must be a non-negative integer")
    if size * repeat > MAX_ANSWER_BODY:
        raise FaultError(f"answer: the body would be {size * repeat} bytes, more than {MAX_ANSWER_BODY}")
    headers = spec.get("headers", {})
    if not isinstance(headers, dict):
        raise FaultError("answer: headers must be an object of name: value strings")
    if len(headers) > MAX_HEADERS:
        raise FaultError(f"answer: more than {MAX_HEADERS} headers")
    total = 0
    for name, value in headers.items():
        if not TOKEN.match(name) or name.lower() in RESERVED_HEADERS:
            raise FaultError(f"answer: header name {name[:64]!r} is not a token or is one the sim sets itself")
        if not isinstance(value, str) or len(value) > MAX_HEADER_VALUE or any(c in value for c in "\r\n\0"):
            raise FaultError(f"answer: header {name!r} must be a string of at most {MAX_HEADER_VALUE} characters without CR, LF or NUL")
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise FaultError(f"answer: header {name!r} is not Latin-1 text") from None
        total += len(name) + len(value) + 4
    if total > MAX_HEADER_BYTES:
        raise FaultError(f"answer: headers total more than {MAX_HEADER_BYTES} bytes")


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
        if kind == "answer":
            _check_answer(spec)
        else:
            extra = sorted(k for k in ANSWER_FIELDS if k in spec)
            if extra:
                raise FaultError(f"{extra} only apply to kind answer")
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
