# SPDX-License-Identifier: ISC
"""Known access keys: the seed's static keys and temporary ones the sim mints.

STS, IMDS and ECS all mint temporary credentials here, so a credential chain
test can fetch credentials from one endpoint and use them on another, and the
admin API can force them to expire.  Lookups feed the SigV4 verifier.
"""

import secrets
import string
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Dict, List, Optional

from .sigv4 import Secret


@dataclass
class Credential:
    access_key: str
    secret_key: str
    session_token: Optional[str] = None
    expiration: Optional[datetime] = None  # wall clock, UTC
    forced_expired: bool = False
    source: str = "static"  # static, sts, imds, ecs, admin
    role_arn: Optional[str] = None

    def public(self) -> dict:
        """Dump for the admin API: never the secret or the token."""
        return {
            "access_key": self.access_key,
            "temporary": self.session_token is not None,
            "expiration": self.expiration.strftime("%Y-%m-%dT%H:%M:%SZ") if self.expiration else None,
            "forced_expired": self.forced_expired,
            "source": self.source,
            "role_arn": self.role_arn,
        }


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


class CredentialStore:
    MAX_MINTED = 100000  # bounded: old temporary keys are dropped first

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._creds: Dict[str, Credential] = {}

    def add(self, cred: Credential) -> None:
        with self._lock:
            self._creds[cred.access_key] = cred

    def mint(self, source: str, lifetime_s: int, now: datetime, role_arn: Optional[str] = None) -> Credential:
        cred = Credential(
            access_key="ASIA" + _random(string.ascii_uppercase + string.digits, 16),
            secret_key=_random(string.ascii_letters + string.digits + "/+", 40),
            session_token="IQoJb3JpZ2luX2VjE" + _random(string.ascii_letters + string.digits + "/+", 300) + "=",
            expiration=(now + timedelta(seconds=lifetime_s)).replace(microsecond=0),
            source=source,
            role_arn=role_arn,
        )
        with self._lock:
            if len(self._creds) >= self.MAX_MINTED:
                oldest = next(k for k, c in self._creds.items() if c.session_token is not None)
                del self._creds[oldest]
            self._creds[cred.access_key] = cred
        return cred

    def expire(self, access_key: Optional[str] = None) -> int:
        """Force one key (or every temporary key) to count as expired."""
        n = 0
        with self._lock:
            for cred in self._creds.values():
                if (access_key is None and cred.session_token is not None) or cred.access_key == access_key:
                    cred.forced_expired = True
                    n += 1
        return n

    def get(self, access_key: str) -> Optional[Credential]:
        with self._lock:
            return self._creds.get(access_key)

    def lookup(self, access_key: str, now: datetime) -> Optional[Secret]:
        """The verifier's view of a key at time `now`."""
        cred = self.get(access_key)
        if cred is None:
            return None
        expired = cred.forced_expired or (cred.expiration is not None and now >= cred.expiration)
        return Secret(cred.secret_key, cred.session_token, expired)

    def dump(self) -> List[dict]:
        with self._lock:
            return [c.public() for c in self._creds.values()]
