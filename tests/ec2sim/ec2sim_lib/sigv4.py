# SPDX-License-Identifier: ISC
"""An independent SigV4 (AWS4-HMAC-SHA256) verifier for header-mode requests.

Why its own implementation: the sim must catch signing bugs in vpcesd's C
signer, so it cannot reuse that signer, and it must not borrow botocore's
either (botocore signs the fidelity test's requests).  This module is pure:
the caller passes the request, a credential lookup and the current time, and
gets back the verified access key or a SigV4Error naming what is wrong.  The
mapping of those failures to EC2 or STS error codes is the server's business.
"""

import hashlib
import hmac
import re
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, List, Optional, Sequence, Tuple

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


class SigV4Error(Exception):
    """Why a signature was refused.

    kind is one of: missing (no Authorization), incomplete (malformed
    Authorization or missing X-Amz-Date), unknown_key, bad_token (session
    token absent/unknown/mismatched), expired_token, skew (outside the 15
    minute window), scope (wrong region/service/date in the scope), mismatch
    (signature differs).
    """

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Secret:
    """What the verifier needs to know about an access key."""

    secret_key: str
    session_token: Optional[str] = None
    expired: bool = False


@dataclass
class Verified:
    access_key: str
    region: str
    service: str
    signed_at: datetime


def uri_encode(text: str, safe: str = "") -> str:
    """RFC 3986 encoding with SigV4's unreserved set (upper-case hex)."""
    return urllib.parse.quote(text, safe=UNRESERVED + safe)


def canonical_uri(path: str, normalize: bool = True) -> str:
    """Each path segment encoded once; dot segments and // removed if normalize."""
    if not path:
        return "/"
    segments = path.split("/")
    if normalize:
        out: List[str] = []
        for seg in segments[1:]:
            if seg in ("", "."):
                continue
            if seg == "..":
                if out:
                    out.pop()
                continue
            out.append(seg)
        trailing = path.endswith("/") and bool(out)
        result = "/" + "/".join(uri_encode(s) for s in out)
        return result + ("/" if trailing else "")
    return "/".join(uri_encode(s) for s in segments)


def canonical_query(query: str) -> str:
    """Decode then re-encode every pair, sort by encoded key then value."""
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        key = uri_encode(urllib.parse.unquote(key))
        value = uri_encode(urllib.parse.unquote(value))
        pairs.append((key, value))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def canonical_headers(headers: Sequence[Tuple[str, str]], signed: Sequence[str]) -> str:
    """name:value lines for the signed headers; values trimmed, spaces folded,
    repeated headers joined with commas in the order they arrived."""
    values: dict = {}
    for name, value in headers:
        folded = " ".join(value.strip().split())
        values.setdefault(name.lower(), []).append(folded)
    lines = []
    for name in signed:
        lines.append(f"{name}:{','.join(values.get(name, []))}\n")
    return "".join(lines)


def canonical_request(
    method: str,
    target: str,
    headers: Sequence[Tuple[str, str]],
    signed_headers: Sequence[str],
    payload_hash: str,
    normalize: bool = True,
) -> str:
    path, _, query = target.partition("?")
    return "\n".join(
        [
            method,
            canonical_uri(path, normalize),
            canonical_query(query),
            canonical_headers(headers, signed_headers),
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def string_to_sign(amz_date: str, scope: str, creq: str) -> str:
    digest = hashlib.sha256(creq.encode("utf-8")).hexdigest()
    return f"{ALGORITHM}\n{amz_date}\n{scope}\n{digest}"


def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<cred>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+),\s*Signature=(?P<sig>[0-9a-f]{64})\s*$"
)


def parse_amz_date(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def header_value(headers: Sequence[Tuple[str, str]], name: str) -> Optional[str]:
    for key, value in headers:
        if key.lower() == name:
            return value.strip()
    return None


def verify(
    method: str,
    target: str,
    headers: Sequence[Tuple[str, str]],
    body: bytes,
    lookup: Callable[[str], Optional[Secret]],
    now: datetime,
    region: Optional[str],
    service: Optional[str],
    normalize: bool = True,
) -> Verified:
    """Check a header-mode SigV4 signature; raise SigV4Error if it fails.

    region/service None accept any scope (used by the test-vector suite,
    whose service is a placeholder).  The order of checks follows what AWS
    reports first: shape of the header, key, scope, clock, token, signature.
    """
    auth = header_value(headers, "authorization")
    if auth is None:
        raise SigV4Error("missing", "Request is missing Authentication Token")
    match = _AUTH_RE.match(auth)
    if not match:
        raise SigV4Error(
            "incomplete",
            "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' "
            "parameters with algorithm AWS4-HMAC-SHA256",
        )
    cred_parts = match.group("cred").split("/")
    if len(cred_parts) != 5 or cred_parts[4] != "aws4_request":
        raise SigV4Error("incomplete", "Credential must have the form KEY/DATE/REGION/SERVICE/aws4_request")
    access_key, scope_date, scope_region, scope_service, _ = cred_parts
    signed = match.group("signed").split(";")
    if signed != sorted(signed) or any(s != s.lower() for s in signed):
        raise SigV4Error("incomplete", "SignedHeaders must be lower-case and sorted")
    if "host" not in signed:
        raise SigV4Error("incomplete", "'Host' must be a signed header")
    amz_date = header_value(headers, "x-amz-date")
    if amz_date is None:
        raise SigV4Error("incomplete", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header")
    try:
        signed_at = parse_amz_date(amz_date)
    except ValueError:
        raise SigV4Error("incomplete", f"Invalid X-Amz-Date '{amz_date}'") from None

    secret = lookup(access_key)
    if secret is None:
        raise SigV4Error("unknown_key", "The security token included in the request is invalid.")
    if scope_date != amz_date[:8]:
        raise SigV4Error("scope", f"Credential should be scoped to a valid date, not '{scope_date}'")
    if region is not None and scope_region != region:
        raise SigV4Error("scope", f"Credential should be scoped to a valid region, not '{scope_region}'")
    if service is not None and scope_service != service:
        raise SigV4Error("scope", f"Credential should be scoped to correct service: '{service}'")
    if abs((now - signed_at).total_seconds()) > MAX_SKEW_SECONDS:
        raise SigV4Error(
            "skew",
            f"Signature expired: {amz_date} is now earlier than "
            f"{now.strftime('%Y%m%dT%H%M%SZ')} minus 15 min.",
        )
    token = header_value(headers, "x-amz-security-token")
    if secret.session_token is not None or token is not None:
        if token is None or secret.session_token is None or not hmac.compare_digest(token, secret.session_token):
            raise SigV4Error("bad_token", "The security token included in the request is invalid.")
    if secret.expired:
        raise SigV4Error("expired_token", "The security token included in the request is expired")

    payload_hash = hashlib.sha256(body).hexdigest()
    declared = header_value(headers, "x-amz-content-sha256")
    if declared is not None and declared != payload_hash:
        raise SigV4Error("mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.")
    creq = canonical_request(method, target, headers, signed, payload_hash, normalize)
    scope = f"{scope_date}/{scope_region}/{scope_service}/aws4_request"
    sts = string_to_sign(amz_date, scope, creq)
    key = signing_key(secret.secret_key, scope_date, scope_region, scope_service)
    expected = hmac.new(key, sts.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match.group("sig")):
        raise SigV4Error(
            "mismatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        )
    return Verified(access_key, scope_region, scope_service, signed_at)
