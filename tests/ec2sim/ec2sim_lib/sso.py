# SPDX-License-Identifier: ISC
"""IAM Identity Center (SSO) on the ec2 port (TLS, like the real services):
the portal's GetRoleCredentials and SSO OIDC's CreateToken refresh grant.

Why: an SSO profile is only proven when the client reads the token that
`aws sso login` cached, renews it with the refresh grant, trades it for role
credentials at the portal and then signs EC2 calls with them.  The wire
forms are the services' (botocore's sso and sso-oidc models, rest-json):

  GET  /federation/credentials?role_name=R&account_id=A
       x-amz-sso_bearer_token: TOKEN
       200 {"roleCredentials": {"accessKeyId", "secretAccessKey",
            "sessionToken", "expiration" (epoch ms)}}
       401 UnauthorizedException (unknown or expired token),
       403 ForbiddenException (another account, a role not allowed),
       400 InvalidRequestException (parameters missing)
  POST /token  {"grantType": "refresh_token", "clientId", "clientSecret",
       "refreshToken"}
       200 {"accessToken", "tokenType": "Bearer", "expiresIn", "refreshToken"}
       400 invalid_grant / unsupported_grant_type / invalid_request,
       401 invalid_client

Tokens the sim accepts are registered through the admin API (the test
writes the same values into the cache file it gives the client); renewing
one rotates the refresh token, as the service does.  Minted role
credentials live in the shared store, so EC2 accepts them.
"""

import json
import secrets
import threading
import urllib.parse
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Set, Tuple

from .creds import CredentialStore
from .meta import MetadataCredentials, Reply

Headers = List[Tuple[str, str]]
PORTAL_PATH = "/federation/credentials"
OIDC_PATH = "/token"


def _header(headers: Headers, name: str) -> Optional[str]:
    for k, v in headers:
        if k.lower() == name:
            return v
    return None


def _error(status: int, kind: str, message: str) -> Reply:
    body = json.dumps({"message": message}).encode()
    return Reply(status, body, "application/json", {"x-amzn-ErrorType": kind})


def _oidc_error(status: int, error: str, description: str) -> Reply:
    body = json.dumps({"error": error, "error_description": description}).encode()
    return Reply(status, body, "application/json")


class Sso:
    MAX_TOKENS = 10000

    def __init__(self, store: CredentialStore, account: str):
        self.store = store
        self.account = account
        self._lock = threading.Lock()
        self.access: Dict[str, datetime] = {}  # access token -> expiry (wall clock)
        self.refresh: Dict[str, str] = {}  # refresh token -> client id
        self.clients: Dict[str, str] = {}  # client id -> client secret
        self.roles: Optional[Set[str]] = None  # None: any role name
        self.token_seconds = 3600  # lifetime of a renewed access token
        self._creds: Dict[Tuple[str, str], MetadataCredentials] = {}
        self.calls = {"portal": 0, "oidc": 0}

    # --- admin --------------------------------------------------------------------
    def reset(self) -> None:
        with self._lock:
            self.access.clear()
            self.refresh.clear()
            self.clients.clear()
            self.roles = None
            self.token_seconds = 3600
            self._creds.clear()
            self.calls = {"portal": 0, "oidc": 0}

    def add_token(self, doc: dict, now: datetime) -> dict:
        token = doc.get("access_token")
        if not isinstance(token, str) or not token:
            raise ValueError("access_token is a required string")
        expires_in = doc.get("expires_in", 3600)
        if not isinstance(expires_in, int):
            raise ValueError("expires_in must be an integer (seconds, may be negative)")
        with self._lock:
            if len(self.access) >= self.MAX_TOKENS:
                self.access.clear()
            self.access[token] = now + timedelta(seconds=expires_in)
            refresh, cid, csecret = doc.get("refresh_token"), doc.get("client_id"), doc.get("client_secret")
            if refresh is not None or cid is not None or csecret is not None:
                if not all(isinstance(v, str) and v for v in (refresh, cid, csecret)):
                    raise ValueError("refresh_token, client_id and client_secret go together")
                self.refresh[refresh] = cid
                self.clients[cid] = csecret
        return {"ok": True}

    def expire(self) -> int:
        """Every access token becomes unknown to the portal (it answers 401)."""
        with self._lock:
            n = len(self.access)
            self.access.clear()
            return n

    def revoke(self) -> int:
        """Every refresh token becomes invalid (CreateToken answers invalid_grant)."""
        with self._lock:
            n = len(self.refresh)
            self.refresh.clear()
            return n

    def set_roles(self, roles: Optional[List[str]]) -> None:
        if roles is not None and not (isinstance(roles, list) and all(isinstance(r, str) for r in roles)):
            raise ValueError("roles is a list of role names, or null for any")
        with self._lock:
            self.roles = None if roles is None else set(roles)

    def dump(self) -> dict:
        with self._lock:
            return {"access_tokens": len(self.access), "refresh_tokens": len(self.refresh),
                    "clients": len(self.clients), "roles": sorted(self.roles) if self.roles is not None else None,
                    "token_seconds": self.token_seconds, "calls": dict(self.calls)}

    # --- the services -----------------------------------------------------------------
    def handles(self, path: str) -> bool:
        return path.split("?")[0] in (PORTAL_PATH, OIDC_PATH)

    def handle(self, method: str, target: str, headers: Headers, body: bytes, now: datetime, lifetime_s: int) -> Reply:
        url = urllib.parse.urlsplit(target)
        if url.path == PORTAL_PATH:
            return self._portal(method, url.query, headers, now, lifetime_s)
        return self._create_token(method, body, now)

    def _portal(self, method: str, query: str, headers: Headers, now: datetime, lifetime_s: int) -> Reply:
        with self._lock:
            self.calls["portal"] += 1
        if method != "GET":
            return _error(405, "InvalidRequestException", "GetRoleCredentials is a GET")
        params = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        role, account = params.get("role_name"), params.get("account_id")
        token = _header(headers, "x-amz-sso_bearer_token")
        if not token:
            return _error(400, "InvalidRequestException", "x-amz-sso_bearer_token is required")
        if not role or not account:
            return _error(400, "InvalidRequestException", "role_name and account_id are required")
        with self._lock:
            expiry = self.access.get(token)
            roles = self.roles
        if expiry is None or expiry <= now:
            return _error(401, "UnauthorizedException", "Session token not found or invalid")
        if account != self.account or (roles is not None and role not in roles):
            return _error(403, "ForbiddenException", "No access")
        with self._lock:
            holder = self._creds.setdefault(
                (account, role), MetadataCredentials(self.store, "sso", f"arn:aws:iam::{account}:role/{role}"))
        cred = holder.current(now, lifetime_s)
        doc = {"roleCredentials": {
            "accessKeyId": cred.access_key,
            "secretAccessKey": cred.secret_key,
            "sessionToken": cred.session_token,
            "expiration": int(cred.expiration.timestamp() * 1000),
        }}
        return Reply(200, json.dumps(doc).encode(), "application/json")

    def _create_token(self, method: str, body: bytes, now: datetime) -> Reply:
        with self._lock:
            self.calls["oidc"] += 1
        if method != "POST":
            return _oidc_error(405, "invalid_request", "CreateToken is a POST")
        try:
            doc = json.loads(body)
        except ValueError:
            return _oidc_error(400, "invalid_request", "the body is not JSON")
        if not isinstance(doc, dict):
            return _oidc_error(400, "invalid_request", "the body is not a JSON object")
        if doc.get("grantType") != "refresh_token":
            return _oidc_error(400, "unsupported_grant_type", "only refresh_token is simulated")
        cid, csecret, refresh = doc.get("clientId"), doc.get("clientSecret"), doc.get("refreshToken")
        with self._lock:
            if not isinstance(cid, str) or self.clients.get(cid) != csecret:
                return _oidc_error(401, "invalid_client", "Invalid client provided")
            if not isinstance(refresh, str) or self.refresh.get(refresh) != cid:
                return _oidc_error(400, "invalid_grant", "Invalid refresh token provided")
            access = "aoa" + secrets.token_urlsafe(96)
            new_refresh = "aor" + secrets.token_urlsafe(96)
            del self.refresh[refresh]
            self.refresh[new_refresh] = cid
            self.access[access] = now + timedelta(seconds=self.token_seconds)
            seconds = self.token_seconds
        out = {"accessToken": access, "tokenType": "Bearer", "expiresIn": seconds, "refreshToken": new_refresh}
        return Reply(200, json.dumps(out).encode(), "application/json")
