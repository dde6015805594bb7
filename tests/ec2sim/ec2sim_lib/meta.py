# SPDX-License-Identifier: ISC
"""The EC2 instance metadata service (IMDSv2) and the ECS container
credential endpoint, each on its own port.

Why: credential providers are only proven when they fetch credentials the
way botocore does (token PUT, role listing, JSON document; Authorization
header for ECS) and then use them.  Both mint temporary credentials in the
shared store and reuse them until they expire or the admin API expires them.
"""

import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, List, Optional, Tuple

from .creds import Credential, CredentialStore

Headers = List[Tuple[str, str]]


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "text/plain"
    headers: Optional[Dict[str, str]] = None


def _header(headers: Headers, name: str) -> Optional[str]:
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def _cred_json(cred: Credential, extra: dict) -> bytes:
    doc = {
        "AccessKeyId": cred.access_key,
        "SecretAccessKey": cred.secret_key,
        "Token": cred.session_token,
        "Expiration": cred.expiration.strftime("%Y-%m-%dT%H:%M:%SZ") if cred.expiration else None,
    }
    doc.update(extra)
    return json.dumps(doc, indent=2).encode()


class MetadataCredentials:
    """One provider's current credentials, re-minted when they lapse."""

    def __init__(self, store: CredentialStore, source: str, role_arn: str):
        self._store = store
        self._source = source
        self._role_arn = role_arn
        self._lock = threading.Lock()
        self._current: Optional[str] = None

    def current(self, now: datetime, lifetime_s: int) -> Credential:
        with self._lock:
            cred = self._store.get(self._current) if self._current else None
            if cred is None or cred.forced_expired or (cred.expiration is not None and cred.expiration <= now):
                cred = self._store.mint(self._source, lifetime_s, now, self._role_arn)
                self._current = cred.access_key
            return cred


class Imds:
    """IMDSv2: PUT /latest/api/token, then GETs carrying the token."""

    MAX_TOKENS = 10000

    def __init__(self, store: CredentialStore, role_name: str, account: str, region: str):
        self.role_name = role_name
        self.account = account
        self.region = region
        self.allow_v1 = False
        self._creds = MetadataCredentials(store, "imds", f"arn:aws:iam::{account}:role/{role_name}")
        self._lock = threading.Lock()
        self._tokens: Dict[str, float] = {}  # token -> monotonic expiry

    def expire_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def handle(self, method: str, path: str, headers: Headers, now: datetime, lifetime_s: int) -> Reply:
        if path == "/latest/api/token":
            if method != "PUT":
                return Reply(405, b"")
            if _header(headers, "x-forwarded-for") is not None:
                return Reply(403, b"")
            ttl = _header(headers, "x-aws-ec2-metadata-token-ttl-seconds")
            if ttl is None or not ttl.strip().isdigit() or not 1 <= int(ttl) <= 21600:
                return Reply(400, b"")
            token = secrets.token_urlsafe(42)
            with self._lock:
                if len(self._tokens) >= self.MAX_TOKENS:
                    self._tokens.clear()
                self._tokens[token] = time.monotonic() + int(ttl)
            return Reply(200, token.encode(), headers={"X-aws-ec2-metadata-token-ttl-seconds": ttl.strip()})
        if method != "GET":
            return Reply(405, b"")
        token = _header(headers, "x-aws-ec2-metadata-token")
        if token is None:
            if not self.allow_v1:
                return Reply(401, b"")
        else:
            with self._lock:
                expiry = self._tokens.get(token)
            if expiry is None or expiry < time.monotonic():
                return Reply(401, b"")
        base = "/latest/meta-data/iam/security-credentials/"
        if path == base:
            return Reply(200, self.role_name.encode())
        if path == base + self.role_name:
            cred = self._creds.current(now, lifetime_s)
            extra = {"Code": "Success", "LastUpdated": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "Type": "AWS-HMAC"}
            return Reply(200, _cred_json(cred, extra), "application/json")
        if path == "/latest/meta-data/placement/region":
            return Reply(200, self.region.encode())
        if path == "/latest/dynamic/instance-identity/document":
            doc = {"accountId": self.account, "region": self.region, "instanceId": "i-0123456789abcdef0"}
            return Reply(200, json.dumps(doc).encode(), "application/json")
        return Reply(404, b"")


class Ecs:
    """Container credentials: GET with the Authorization token, if one is set."""

    def __init__(self, store: CredentialStore, account: str, role_name: str, token: Optional[str]):
        self.account = account
        self.token = token
        self._creds = MetadataCredentials(store, "ecs", f"arn:aws:iam::{account}:role/{role_name}")

    def handle(self, method: str, path: str, headers: Headers, now: datetime, lifetime_s: int) -> Reply:
        if method != "GET":
            return Reply(405, b"")
        if self.token is not None and _header(headers, "authorization") != self.token:
            return Reply(401, b'{"code":"AccessDenied","message":"Authorization token is invalid"}', "application/json")
        cred = self._creds.current(now, lifetime_s)
        return Reply(200, _cred_json(cred, {"RoleArn": cred.role_arn, "AccountId": self.account}), "application/json")
