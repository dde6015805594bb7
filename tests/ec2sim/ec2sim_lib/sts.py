# SPDX-License-Identifier: ISC
"""STS AssumeRole (signed) and AssumeRoleWithWebIdentity (unsigned).

Why in the sim: vpcesd's credential chain assumes roles and exchanges web
identity tokens; the minted credentials must then work (and expire) on the
EC2 endpoint, so STS shares the credential store with it.  Query protocol:
lists are `Name.member.N`, results PascalCase, errors in <ErrorResponse>.
"""

import base64
import json
import re
from datetime import datetime
from typing import Dict, List

from .creds import CredentialStore
from .errors import ApiError
from .xmlout import el

ROLE_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/([\w+=,.@/-]{1,64})$")
SESSION_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
SCALARS = {
    "AssumeRole": {"RoleArn", "RoleSessionName", "DurationSeconds", "ExternalId", "Policy", "SerialNumber", "TokenCode", "SourceIdentity"},
    "AssumeRoleWithWebIdentity": {"RoleArn", "RoleSessionName", "WebIdentityToken", "ProviderId", "Policy", "DurationSeconds"},
}
LISTS = {
    "AssumeRole": ("PolicyArns.member.", "Tags.member.", "TransitiveTagKeys.member.", "ProvidedContexts.member."),
    "AssumeRoleWithWebIdentity": ("PolicyArns.member.",),
}
REQUIRED = {
    "AssumeRole": ("RoleArn", "RoleSessionName"),
    "AssumeRoleWithWebIdentity": ("RoleArn", "RoleSessionName", "WebIdentityToken"),
}


def _validation(message: str) -> ApiError:
    return ApiError("ValidationError", message)


def _check(action: str, params: Dict[str, str]) -> None:
    for key in params:
        if key in SCALARS[action] or (key.startswith(LISTS[action]) or key in ("PolicyArns", "Tags", "TransitiveTagKeys")):
            continue
        raise ApiError("InvalidParameter", f"The parameter {key} is not recognized")  # [infer]
    for key in REQUIRED[action]:
        if key not in params:
            field = key[0].lower() + key[1:]
            raise _validation(f"1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null")
    if not ROLE_RE.match(params["RoleArn"]) or not 20 <= len(params["RoleArn"]) <= 2048:
        raise _validation(f"{params['RoleArn']} is invalid")
    if not SESSION_RE.match(params["RoleSessionName"]):
        raise _validation(
            f"1 validation error detected: Value '{params['RoleSessionName']}' at 'roleSessionName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )
    tags = [k for k in params if k.startswith("Tags.member.") and k.endswith(".Key")]
    if len(tags) > 50:
        raise _validation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")


def _duration(params: Dict[str, str]) -> int:
    raw = params.get("DurationSeconds", "3600")
    if not raw.isdigit() or not 900 <= int(raw) <= 43200:
        raise _validation(
            f"1 validation error detected: Value '{raw}' at 'durationSeconds' failed to satisfy constraint: "
            "Member must have value greater than or equal to 900 and less than or equal to 43200"
        )
    return int(raw)


def _credentials_xml(cred) -> str:
    return el(
        "Credentials",
        [
            el("AccessKeyId", cred.access_key),
            el("SecretAccessKey", cred.secret_key),
            el("SessionToken", cred.session_token),
            el("Expiration", cred.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")),
        ],
    )


def _assumed(role_arn: str, session: str) -> str:
    m = ROLE_RE.match(role_arn)
    assert m is not None
    role_name = m.group(2).split("/")[-1]
    return el(
        "AssumedRoleUser",
        [el("AssumedRoleId", f"AROA3XFRBF535PLBIFPI4:{session}"), el("Arn", f"arn:aws:sts::{m.group(1)}:assumed-role/{role_name}/{session}")],
    )


def _role_allowed(roles: List[str], role_arn: str, caller: str) -> None:
    if "*" not in roles and role_arn not in roles:
        raise ApiError("AccessDenied", f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


def assume_role(store: CredentialStore, roles: List[str], params: Dict[str, str], caller: str, now: datetime) -> str:
    _check("AssumeRole", params)
    duration = _duration(params)
    _role_allowed(roles, params["RoleArn"], caller)
    ext = params.get("ExternalId")
    if ext is not None and not 2 <= len(ext) <= 1224:
        raise _validation("ExternalId must be 2 to 1224 characters")
    cred = store.mint("sts", duration, now, params["RoleArn"])
    return _credentials_xml(cred) + _assumed(params["RoleArn"], params["RoleSessionName"]) + el("PackedPolicySize", 6)


def _jwt_claims(token: str) -> dict:
    parts = token.split(".")
    if len(parts) != 3 or not 4 <= len(token) <= 20000:
        raise ApiError("InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS.")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        raise ApiError("InvalidIdentityToken", "The web identity token that was passed could not be validated by AWS.") from None
    if not isinstance(claims, dict) or not all(isinstance(claims.get(k), str) for k in ("iss", "sub")) or "aud" not in claims:
        raise ApiError("InvalidIdentityToken", "The web identity token must carry iss, sub and aud claims.")
    return claims


def assume_role_with_web_identity(
    store: CredentialStore, roles: List[str], issuers: List[str], params: Dict[str, str], now: datetime
) -> str:
    _check("AssumeRoleWithWebIdentity", params)
    duration = _duration(params)
    claims = _jwt_claims(params["WebIdentityToken"])
    if issuers and claims["iss"] not in issuers:
        raise ApiError("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {claims['iss']}")
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and exp <= now.timestamp():
        raise ApiError("ExpiredTokenException", "Token expired: current date/time must be before the expiration date/time.")
    _role_allowed(roles, params["RoleArn"], f"web identity {claims['sub']}")
    cred = store.mint("sts", duration, now, params["RoleArn"])
    aud = claims["aud"] if isinstance(claims["aud"], str) else ",".join(claims["aud"])
    return (
        _credentials_xml(cred)
        + el("SubjectFromWebIdentityToken", claims["sub"])
        + _assumed(params["RoleArn"], params["RoleSessionName"])
        + el("Provider", claims["iss"].removeprefix("https://"))
        + el("Audience", aud)
    )
