# SPDX-License-Identifier: ISC
"""The EC2 endpoint-service actions: semantics and answers.

Each handler takes the World (lock held by the caller), the request parsed
and type-checked by model.py, and a Ctx (sim time, wall time, request id),
and returns the XML body that goes inside <ActionResponse>.  Anything EC2
would refuse raises ApiError with EC2's code.  Where EC2's exact code is not
documented the choice is marked [infer] and listed in README.md.
"""

import base64
import bisect
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from .errors import ApiError
from .state import ARN_RE, REGION_RE, Connection, Notification, Service, World
from .xmlout import el, items, opt, tag_set, text_items, unsuccessful


@dataclass
class Ctx:
    now: float  # sim seconds
    wall: str  # ISO-8601 wall time with ms, for timestamps
    request_id: str
    page_key: bytes  # HMAC key for NextTokens


MAX_TAGS = 50
MAX_FILTER_VALUES = 200
CONNECTION_EVENTS = ("Accept", "Connect", "Delete", "Reject")
PRINCIPAL_RE = re.compile(
    r"^(\*|arn:aws[a-z-]*:iam::\d{12}:(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+)"
    r"|arn:aws[a-z-]*:organizations::\d{12}:(organization|ou)/[\w/-]+|[a-z0-9.-]+\.amazonaws\.com)$"
)
SNS_RE = re.compile(r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$")


# --- shared checks ----------------------------------------------------------


def _bad(message: str, code: str = "InvalidParameterValue") -> ApiError:
    return ApiError(code, message)


def _max_results(req: dict) -> int:
    if "MaxResults" not in req:
        return 1000
    value = req["MaxResults"]
    if not 5 <= value <= 1000:
        raise _bad(f"Value ( {value} ) for parameter maxResults is invalid. Parameter must be between 5 and 1000.")
    return value


def _wildcard(pattern: str) -> "re.Pattern[str]":
    """EC2 filter values: * and ? are wildcards, backslash escapes them."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return re.compile("^" + "".join(out) + "$", re.S)


def _filters(req: dict, known: Tuple[str, ...], tags: bool) -> List[Tuple[str, List["re.Pattern[str]"]]]:
    out = []
    for f in req.get("Filters", []):
        name = f.get("Name")
        if name is None:
            raise ApiError("MissingParameter", "The request must contain the parameter Filter.N.Name")
        if not (name in known or (tags and (name == "tag-key" or name.startswith("tag:")))):
            raise _bad(f"The filter '{name}' is invalid")
        values = f.get("Values", [])
        if len(values) > MAX_FILTER_VALUES:
            raise ApiError("FilterLimitExceeded", f"The maximum number of filter values specified on a single call is {MAX_FILTER_VALUES}")
        out.append((name, [_wildcard(v) for v in values]))
    return out


def _matches(filters, fields: Callable[[str], List[str]]) -> bool:
    """AND across filters, OR across a filter's values; any field value may match."""
    for name, patterns in filters:
        have = fields(name)
        if not any(p.match(v) for p in patterns for v in have):
            return False
    return True


def _tag_fields(tags: Dict[str, str], name: str) -> Optional[List[str]]:
    if name == "tag-key":
        return list(tags)
    if name.startswith("tag:"):
        key = name[4:]
        return [tags[key]] if key in tags else []
    return None


def _paginate(ctx: Ctx, ids: List[str], req: dict, scope: str, limit: int) -> Tuple[List[str], Optional[str]]:
    """Cursor pagination over sorted ids with an opaque, tamper-checked token.

    The token binds the cursor to the request's filters, so a token reused
    with different filters is refused like EC2 refuses it.
    """
    fingerprint = hashlib.sha256(
        json.dumps({k: v for k, v in req.items() if k not in ("NextToken", "MaxResults", "DryRun")}, sort_keys=True).encode()
        + scope.encode()
    ).hexdigest()[:16]
    start = 0
    token = req.get("NextToken")
    if token is not None:
        cursor = _open_token(ctx, token, fingerprint)
        start = bisect.bisect_right(ids, cursor)
    page = ids[start : start + limit]
    if start + limit < len(ids) and page:
        return page, _seal_token(ctx, page[-1], fingerprint)
    return page, None


def _seal_token(ctx: Ctx, cursor: str, fingerprint: str) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"c": cursor, "f": fingerprint}).encode()).decode().rstrip("=")
    mac = hmac.new(ctx.page_key, payload.encode(), hashlib.sha256).hexdigest()[:24]
    return f"{payload}.{mac}"


def _open_token(ctx: Ctx, token: str, fingerprint: str) -> str:
    payload, _, mac = token.partition(".")
    good = hmac.new(ctx.page_key, payload.encode(), hashlib.sha256).hexdigest()[:24]
    if not mac or not hmac.compare_digest(mac, good):
        raise ApiError("InvalidNextToken", "The specified NextToken is not valid.")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if data.get("f") != fingerprint:
        raise ApiError("InvalidNextToken", "The specified NextToken is not valid for this request.")
    return data["c"]


def _check_tags(tags: List[dict], where: str) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for i, tag in enumerate(tags, 1):
        key = tag.get("Key")
        if key is None:
            raise ApiError("MissingParameter", f"The request must contain the parameter {where}.{i}.Key")
        if not key or len(key) > 128:
            raise ApiError("InvalidTagKey.Malformed", "Tag keys must be between 1 and 128 characters")
        if key.lower().startswith("aws:"):
            raise ApiError("InvalidTagKey.Malformed", "Tag keys starting with 'aws:' are reserved for internal use")
        value = tag.get("Value", "")
        if len(value) > 256:
            raise _bad(f"Tag value exceeds the maximum length of 256 characters for tag key '{key}'")
        if key in out:
            raise _bad(f"Duplicate tag key '{key}' specified.")
        out[key] = value
    return out


def _idempotent(world: World, ctx: Ctx, action: str, req: dict) -> Optional[Tuple[str, str]]:
    """(token, fingerprint) for a ClientToken request; validates the token."""
    token = req.get("ClientToken")
    if token is None:
        return None
    if not token or len(token) > 64 or not token.isascii():
        raise ApiError("InvalidClientToken", "The client token must be 1 to 64 ASCII characters.")  # [infer]
    fingerprint = json.dumps({k: v for k, v in req.items() if k not in ("ClientToken", "DryRun")}, sort_keys=True)
    return token, hashlib.sha256(fingerprint.encode()).hexdigest()


def _replay(world: World, action: str, idem: Optional[Tuple[str, str]]) -> Optional[Tuple[str, bytes]]:
    if idem is None:
        return None
    seen = world.tokens.get((action, idem[0]))
    if seen is None:
        return None
    if seen[0] != idem[1]:
        raise ApiError(
            "IdempotentParameterMismatch",
            f"The client token you have provided is associated with a resource that was created with different parameters: {idem[0]}",
        )
    return seen[1], seen[2]


# --- rendering ----------------------------------------------------------------


def render_service(world: World, svc: Service) -> str:
    lbs = [world.load_balancers.get(a) for a in svc.lbs]
    zones = sorted({z for lb in lbs if lb for z in lb.zones})
    dns = ""
    if svc.private_dns_name:
        dns = el(
            "privateDnsNameConfiguration",
            [el("state", svc.dns_state), el("type", "TXT"), el("value", svc.dns_record_value), el("name", svc.dns_record_name)],
        )
    lb_set = "networkLoadBalancerArnSet" if svc.kind == "net" else "gatewayLoadBalancerArnSet"
    service_type = "Interface" if svc.kind == "net" else "GatewayLoadBalancer"
    return "".join(
        [
            items("serviceType", [el("serviceType", service_type)]),
            el("serviceId", svc.id),
            el("serviceName", f"com.amazonaws.vpce.{world.region}.{svc.id}"),
            el("serviceState", svc.state),
            text_items("availabilityZoneIdSet", [z[1] for z in zones]),
            text_items("availabilityZoneSet", [z[0] for z in zones]),
            el("acceptanceRequired", svc.acceptance_required),
            el("managesVpcEndpoints", False),
            text_items(lb_set, svc.lbs),
            text_items("supportedIpAddressTypeSet", svc.ip_types),
            text_items("baseEndpointDnsNameSet", [f"{svc.id}.{world.region}.vpce.amazonaws.com"]),
            opt("privateDnsName", svc.private_dns_name),
            dns,
            opt("payerResponsibility", svc.payer),
            tag_set(svc.tags),
            items("supportedRegionSet", (el("region", r) + el("serviceState", s[0]) for r, s in svc.regions.items()))
            if svc.regions
            else "",
            el("remoteAccessEnabled", False),
        ]
    )


def render_connection(world: World, conn: Connection) -> str:
    svc = world.services.get(conn.service_id)
    lbs = svc.lbs if svc else []
    lb_set = "networkLoadBalancerArnSet" if not svc or svc.kind == "net" else "gatewayLoadBalancerArnSet"
    dns = f"{conn.id}-{conn.connection_id[-8:]}.{conn.service_id}.{world.region}.vpce.amazonaws.com"
    return "".join(
        [
            el("serviceId", conn.service_id),
            el("vpcEndpointId", conn.id),
            el("vpcEndpointOwner", conn.owner),
            el("vpcEndpointState", conn.state),
            el("creationTimestamp", conn.created_wall),
            items("dnsEntrySet", [el("dnsName", dns) + el("hostedZoneId", "Z7HUB22UULQXV")]),
            text_items(lb_set, lbs),
            el("ipAddressType", conn.ip_address_type),
            el("vpcEndpointConnectionId", conn.connection_id),
            el("tagSet", []),
            el("vpcEndpointRegion", conn.region),
        ]
    )


def render_notification(n: Notification, region: str) -> str:
    return "".join(
        [
            el("connectionNotificationId", n.id),
            opt("serviceId", n.service_id),
            opt("vpcEndpointId", n.endpoint_id),
            el("connectionNotificationType", "Topic"),
            el("connectionNotificationArn", n.arn),
            text_items("connectionEvents", n.events),
            el("connectionNotificationState", n.state),
            el("serviceRegion", region),
        ]
    )


# --- load balancers -----------------------------------------------------------


def _check_lbs(world: World, arns: List[str], kind: str) -> None:
    label = "NetworkLoadBalancerArn" if kind == "net" else "GatewayLoadBalancerArn"
    for arn in arns:
        m = ARN_RE.match(arn)
        if not m:
            raise ApiError(f"Invalid{label}.Malformed", f"The ARN '{arn}' is malformed.")  # GWLB code [infer]
        lb = world.load_balancers.get(arn)
        if m.group("kind") != kind:
            raise _bad(f"The load balancer '{arn}' is not a {'network' if kind == 'net' else 'gateway'} load balancer.")  # [infer]
        if lb is None or m.group("region") != world.region or m.group("account") != world.account:
            raise ApiError(f"Invalid{label}.NotFound", f"The load balancer ARN '{arn}' does not exist.")


def _check_lb_free(world: World, arns: List[str], sid: Optional[str] = None) -> None:
    """EC2 associates a load balancer with one endpoint service at most (PrivateLink guide)."""
    for arn in arns:
        for other in world.services.values():
            if other.id != sid and other.gone_at is None and other.state != "Deleted" and arn in other.lbs:
                raise ApiError(
                    "InvalidParameter",  # [infer]
                    f"The load balancer '{arn}' is already associated with VPC endpoint service '{other.id}'.",
                )


def _check_ip_types(world: World, types: List[str], lbs: List[str]) -> None:
    for t in types:
        if t not in ("ipv4", "ipv6"):
            raise _bad(f"Invalid value '{t}' for SupportedIpAddressType. Valid values: ipv4, ipv6")
    if "ipv6" in types:
        for arn in lbs:
            if not world.load_balancers[arn].dualstack:
                raise _bad(f"The load balancer '{arn}' does not support the ipv6 IP address type. It must be dualstack.")


def _check_regions(regions: List[str]) -> None:
    for r in regions:
        if not REGION_RE.match(r):
            raise _bad(f"Invalid region '{r}'")


def _dns_record(world: World, svc: Service, name: str) -> None:
    svc.private_dns_name = name
    svc.dns_state = "pendingVerification"
    svc.dns_record_name = "_" + "".join(world.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(20))
    svc.dns_record_value = "vpce:" + "".join(world.rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(20))
    svc.dns_verify_at = None


DNS_RE = re.compile(r"^(?=.{1,253}$)(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _check_dns(name: str) -> None:
    if not DNS_RE.match(name):
        raise _bad(f"Private DNS name '{name}' is not a valid domain name.")


# --- actions ------------------------------------------------------------------


def create_service(world: World, ctx: Ctx, req: dict) -> str:
    action = "CreateVpcEndpointServiceConfiguration"
    idem = _idempotent(world, ctx, action, req)
    seen = _replay(world, action, idem)
    if seen is not None:
        sid, cached = seen
        svc = world.services.get(sid)
        body = render_service(world, svc) if svc is not None else cached.decode()
        return el("serviceConfiguration", [body]) + el("clientToken", idem[0] if idem else None)
    nlbs, gwlbs = req.get("NetworkLoadBalancerArns", []), req.get("GatewayLoadBalancerArns", [])
    if nlbs and gwlbs:
        raise ApiError("InvalidParameterCombination", "You cannot specify both network and gateway load balancers.")
    if not nlbs and not gwlbs:
        raise ApiError("MissingParameter", "The request must contain the parameter NetworkLoadBalancerArn or GatewayLoadBalancerArn")
    kind = "net" if nlbs else "gwy"
    lbs = list(dict.fromkeys(nlbs or gwlbs))
    _check_lbs(world, lbs, kind)
    ip_types = list(dict.fromkeys(req.get("SupportedIpAddressTypes", ["ipv4"])))
    _check_ip_types(world, ip_types, lbs)
    regions = list(dict.fromkeys(req.get("SupportedRegions", [])))
    _check_regions(regions)
    tags: Dict[str, str] = {}
    for i, spec in enumerate(req.get("TagSpecifications", []), 1):
        rtype = spec.get("ResourceType")
        if rtype != "vpc-endpoint-service":
            raise _bad(f"'{rtype}' is not a valid taggable resource type for this operation.")
        for key, value in _check_tags(spec.get("Tags", []), f"TagSpecification.{i}.Tag").items():
            if key in tags:
                raise _bad(f"Duplicate tag key '{key}' specified.")
            tags[key] = value
    if len(tags) > MAX_TAGS:
        raise ApiError("TagLimitExceeded", f"The maximum number of tags ({MAX_TAGS}) for a resource has been exceeded.")
    dns_name = req.get("PrivateDnsName")
    if dns_name is not None:
        if kind != "net":
            raise ApiError("InvalidParameterCombination", "Private DNS names are supported only for services with network load balancers.")
        _check_dns(dns_name)
    if req.get("DryRun"):
        raise dry_run()
    # After DryRun: a dry run checks permissions, not whether the load balancer is free [infer].
    _check_lb_free(world, lbs)
    settings = world.settings
    svc = Service(
        id=world.new_id("vpce-svc-"),
        kind=kind,
        lbs=lbs,
        acceptance_required=bool(req.get("AcceptanceRequired", False)),
        ip_types=ip_types,
        tags=tags,
        created_sim=ctx.now,
        ready_at=ctx.now + float(settings["pending_seconds"]),
        visible_at=ctx.now + float(settings["consistency_seconds"]),
        created_wall=ctx.wall,
    )
    for r in regions:
        svc.regions[r] = world.region_ready(r, ctx.now)
    if dns_name is not None:
        _dns_record(world, svc, dns_name)
    world.insert_service(svc)
    body = render_service(world, svc)
    if idem is not None:
        world.tokens[(action, idem[0])] = (idem[1], svc.id, body.encode())
    return el("serviceConfiguration", [body]) + el("clientToken", idem[0] if idem else None)


def describe_services(world: World, ctx: Ctx, req: dict) -> str:
    limit = _max_results(req)
    filters = _filters(req, ("service-name", "service-id", "service-state", "supported-ip-address-types"), tags=True)
    if req.get("DryRun"):
        raise dry_run()
    if world.settings.get("ignore_tag_filters"):
        # A misbehaving server (setting ignore_tag_filters): tag filters are validated, then
        # ignored, so a client that trusts the server-side filter would see other owners' services.
        filters = [f for f in filters if not (f[0] == "tag-key" or f[0].startswith("tag:"))]
    world.sweep(ctx.now)
    wanted = req.get("ServiceIds")
    if wanted:
        for sid in wanted:
            world.find_service(sid, ctx.now)
        candidates = sorted(set(wanted))
    else:
        candidates = world.service_order

    def fields(svc: Service) -> Callable[[str], List[str]]:
        def get(name: str) -> List[str]:
            tag = _tag_fields(svc.tags, name)
            if tag is not None:
                return tag
            return {
                "service-name": [f"com.amazonaws.vpce.{world.region}.{svc.id}"],
                "service-id": [svc.id],
                "service-state": [svc.state],
                "supported-ip-address-types": svc.ip_types,
            }[name]

        return get

    matching = []
    for sid in candidates:
        svc = world.services[sid]
        if not world.visible(svc, ctx.now):
            continue
        world.refresh(svc, ctx.now)
        if _matches(filters, fields(svc)):
            matching.append(sid)
    page, token = _paginate(ctx, matching, req, "svc", limit)
    body = items("serviceConfigurationSet", (render_service(world, world.services[s]) for s in page))
    return body + opt("nextToken", token)


def modify_service(world: World, ctx: Ctx, req: dict) -> str:
    svc = world.find_service(req["ServiceId"], ctx.now)
    if "PrivateDnsName" in req and req.get("RemovePrivateDnsName"):
        raise ApiError("InvalidParameterCombination", "You cannot specify both PrivateDnsName and RemovePrivateDnsName.")
    if "PrivateDnsName" in req:
        if svc.kind != "net":
            raise ApiError("InvalidParameterCombination", "Private DNS names are supported only for services with network load balancers.")
        _check_dns(req["PrivateDnsName"])
    add_n, rem_n = req.get("AddNetworkLoadBalancerArns", []), req.get("RemoveNetworkLoadBalancerArns", [])
    add_g, rem_g = req.get("AddGatewayLoadBalancerArns", []), req.get("RemoveGatewayLoadBalancerArns", [])
    if (svc.kind == "net" and (add_g or rem_g)) or (svc.kind == "gwy" and (add_n or rem_n)):
        raise ApiError("InvalidParameterCombination", "A service cannot mix network and gateway load balancers.")  # [infer]
    add, rem = (add_n, rem_n) if svc.kind == "net" else (add_g, rem_g)
    _check_lbs(world, add, svc.kind)
    for arn in rem:
        if arn not in svc.lbs:
            raise _bad(f"The load balancer '{arn}' is not associated with service {svc.id}.")  # [infer]
    lbs = [a for a in svc.lbs if a not in rem] + [a for a in dict.fromkeys(add) if a not in svc.lbs]
    if not lbs:
        raise ApiError("InvalidParameter", "A service must have at least one load balancer.")  # [infer]
    add_ip, rem_ip = req.get("AddSupportedIpAddressTypes", []), req.get("RemoveSupportedIpAddressTypes", [])
    ip_types = [t for t in svc.ip_types if t not in rem_ip] + [t for t in dict.fromkeys(add_ip) if t not in svc.ip_types]
    if not ip_types:
        raise ApiError("InvalidParameter", "A service must support at least one IP address type.")  # [infer]
    _check_ip_types(world, ip_types, lbs)
    add_r, rem_r = req.get("AddSupportedRegions", []), req.get("RemoveSupportedRegions", [])
    _check_regions(add_r + rem_r)
    if req.get("DryRun"):
        raise dry_run()
    _check_lb_free(world, [a for a in add if a not in svc.lbs], svc.id)
    svc.lbs, svc.ip_types = lbs, ip_types
    if "AcceptanceRequired" in req:
        svc.acceptance_required = req["AcceptanceRequired"]
    if req.get("RemovePrivateDnsName"):
        svc.private_dns_name = svc.dns_state = svc.dns_record_name = svc.dns_record_value = None
        svc.dns_verify_at = None
    elif "PrivateDnsName" in req and req["PrivateDnsName"] != svc.private_dns_name:
        _dns_record(world, svc, req["PrivateDnsName"])
    for r in rem_r:
        svc.regions.pop(r, None)
    for r in add_r:
        if r not in svc.regions:
            svc.regions[r] = world.region_ready(r, ctx.now)
    return el("return", True)


def delete_services(world: World, ctx: Ctx, req: dict) -> str:
    if req.get("DryRun"):
        raise dry_run()
    world.sweep(ctx.now)
    failures = []
    for sid in dict.fromkeys(req["ServiceIds"]):
        svc = world.services.get(sid)
        if svc is None or not world.visible(svc, ctx.now) or svc.gone_at is not None:
            failures.append((sid, "InvalidVpcEndpointService.NotFound", f"The VpcEndpointService Id '{sid}' does not exist"))
            continue
        if world.blocking_connections(sid):
            failures.append((sid, "ExistingVpcEndpointConnections", "Service has existing active VPC Endpoint connections!"))
            continue
        delay = float(world.settings["delete_seconds"])
        if delay <= 0:
            world.drop_service(sid)
        else:
            svc.state, svc.gone_at = "Deleting", ctx.now + delay
    return unsuccessful(failures)


def describe_permissions(world: World, ctx: Ctx, req: dict) -> str:
    limit = _max_results(req)
    filters = _filters(req, ("principal", "principal-type"), tags=False)
    svc = world.find_service(req["ServiceId"], ctx.now)
    if req.get("DryRun"):
        raise dry_run()
    rows = {p: (principal_type(p), pid) for p, pid in svc.principals.items()}
    names = sorted(p for p, (ptype, _) in rows.items() if _matches(filters, lambda n, p=p, t=ptype: [p] if n == "principal" else [t]))
    page, token = _paginate(ctx, names, req, "perm", limit)
    body = items(
        "allowedPrincipals",
        (el("principalType", rows[p][0]) + el("principal", p) + el("servicePermissionId", rows[p][1]) + el("serviceId", svc.id) for p in page),
    )
    return body + opt("nextToken", token)


def principal_type(p: str) -> str:
    if p == "*":
        return "All"
    if p.endswith(".amazonaws.com"):
        return "Service"
    if ":organizations::" in p:
        return "OrganizationUnit"
    if p.endswith(":root"):
        return "Account"
    return "Role" if ":role/" in p else "User"


def modify_permissions(world: World, ctx: Ctx, req: dict) -> str:
    svc = world.find_service(req["ServiceId"], ctx.now)
    add, rem = req.get("AddAllowedPrincipals", []), req.get("RemoveAllowedPrincipals", [])
    for p in add + rem:
        if not PRINCIPAL_RE.match(p):
            raise _bad(f"Invalid principal '{p}'.")  # [infer]
    if req.get("DryRun"):
        raise dry_run()
    for p in rem:
        svc.principals.pop(p, None)
    added = []
    for p in dict.fromkeys(add):
        if p not in svc.principals:
            svc.principals[p] = world.new_id("vpce-svc-perm-")
            added.append(p)
    body = (
        items(
            "addedPrincipalSet",
            (el("principalType", principal_type(p)) + el("principal", p) + el("servicePermissionId", svc.principals[p]) + el("serviceId", svc.id) for p in added),
        )
        if added
        else ""
    )
    return body + el("return", True)


def describe_connections(world: World, ctx: Ctx, req: dict) -> str:
    limit = _max_results(req)
    filters = _filters(
        req,
        ("service-id", "vpc-endpoint-id", "vpc-endpoint-owner", "vpc-endpoint-state", "vpc-endpoint-region", "ip-address-type"),
        tags=False,
    )
    if req.get("DryRun"):
        raise dry_run()
    world.sweep(ctx.now)

    def fields(c: Connection) -> Callable[[str], List[str]]:
        return lambda n: {
            "service-id": [c.service_id],
            "vpc-endpoint-id": [c.id],
            "vpc-endpoint-owner": [c.owner],
            "vpc-endpoint-state": [c.state],
            "vpc-endpoint-region": [c.region],
            "ip-address-type": [c.ip_address_type],
        }[n]

    ids = sorted(c.id for c in world.connections.values() if c.service_id in world.services and _matches(filters, fields(c)))
    page, token = _paginate(ctx, ids, req, "conn", limit)
    body = items("vpcEndpointConnectionSet", (render_connection(world, world.connections[i]) for i in page))
    return body + opt("nextToken", token)


def _endpoint_decisions(world: World, ctx: Ctx, req: dict, accept: bool) -> str:
    svc = world.find_service(req["ServiceId"], ctx.now)
    if req.get("DryRun"):
        raise dry_run()
    failures = []
    for eid in dict.fromkeys(req["VpcEndpointIds"]):
        conn = world.connections.get(eid)
        if conn is None or conn.service_id != svc.id:
            failures.append((eid, "InvalidVpcEndpointId.NotFound", f"The Vpc Endpoint Id '{eid}' does not exist"))
        elif accept:
            if conn.state == "pendingAcceptance":
                conn.state = "available"
            elif conn.state != "available":
                failures.append((eid, "InvalidState", f"Endpoint {eid} is in state {conn.state}."))  # [infer]
        elif conn.state in ("pendingAcceptance", "pending", "available"):
            conn.state = "rejected"
        elif conn.state != "rejected":
            failures.append((eid, "InvalidState", f"Endpoint {eid} is in state {conn.state}."))  # [infer]
    return unsuccessful(failures)


def accept_connections(world: World, ctx: Ctx, req: dict) -> str:
    return _endpoint_decisions(world, ctx, req, accept=True)


def reject_connections(world: World, ctx: Ctx, req: dict) -> str:
    return _endpoint_decisions(world, ctx, req, accept=False)


def _tag_targets(world: World, ctx: Ctx, req: dict) -> List[Service]:
    ids = req["Resources"]
    if len(ids) > 1000:
        raise _bad("You can specify at most 1000 resource IDs.")
    targets = []
    for rid in ids:
        if not rid.startswith("vpce-svc-"):
            raise ApiError("InvalidID", f"The ID '{rid}' is not valid")
        targets.append(world.find_service(rid, ctx.now))
    return targets


def create_tags(world: World, ctx: Ctx, req: dict) -> str:
    targets = _tag_targets(world, ctx, req)
    tags = _check_tags(req["Tags"], "Tag")
    for svc in targets:
        if len(set(svc.tags) | set(tags)) > MAX_TAGS:
            raise ApiError("TagLimitExceeded", f"The maximum number of tags ({MAX_TAGS}) for a resource has been exceeded.")
    if req.get("DryRun"):
        raise dry_run()
    for svc in targets:
        svc.tags.update(tags)
    return el("return", True)


def delete_tags(world: World, ctx: Ctx, req: dict) -> str:
    """Three semantics: no Tag params -> all user tags; Key only -> that key
    whatever its value; Key and Value (even empty) -> only if the value matches."""
    targets = _tag_targets(world, ctx, req)
    specs = req.get("Tags")
    for i, tag in enumerate(specs or [], 1):
        if "Key" not in tag:
            raise ApiError("MissingParameter", f"The request must contain the parameter Tag.{i}.Key")
        if tag["Key"].lower().startswith("aws:"):
            raise ApiError("InvalidTagKey.Malformed", "Tag keys starting with 'aws:' are reserved for internal use")
    if req.get("DryRun"):
        raise dry_run()
    for svc in targets:
        if specs is None:
            svc.tags = {k: v for k, v in svc.tags.items() if k.lower().startswith("aws:")}
            continue
        for tag in specs:
            key = tag["Key"]
            if key in svc.tags and ("Value" not in tag or svc.tags[key] == tag["Value"]):
                del svc.tags[key]
    return el("return", True)


def start_dns_verification(world: World, ctx: Ctx, req: dict) -> str:
    svc = world.find_service(req["ServiceId"], ctx.now)
    if not svc.private_dns_name:
        raise ApiError("InvalidParameter", f"The service {svc.id} does not have a private DNS name.")  # [infer]
    if req.get("DryRun"):
        raise dry_run()
    if svc.dns_state != "verified":
        name = svc.private_dns_name.lstrip("*.")
        ok = any(name == d or name.endswith("." + d) for d in world.verifiable_domains)
        svc.dns_state = "pendingVerification"
        svc.dns_verify_result = "verified" if ok else "failed"
        svc.dns_verify_at = ctx.now + float(world.settings["dns_verify_seconds"])
        world.refresh(svc, ctx.now)
    return el("return", True)


def modify_payer(world: World, ctx: Ctx, req: dict) -> str:
    svc = world.find_service(req["ServiceId"], ctx.now)
    if req.get("DryRun"):
        raise dry_run()
    svc.payer = req["PayerResponsibility"]
    return el("return", True)


def create_notification(world: World, ctx: Ctx, req: dict) -> str:
    action = "CreateVpcEndpointConnectionNotification"
    idem = _idempotent(world, ctx, action, req)
    seen = _replay(world, action, idem)
    if seen is not None:
        nid, cached = seen
        n = world.notifications.get(nid)
        body = render_notification(n, world.region) if n else cached.decode()
        return el("connectionNotification", [body]) + el("clientToken", idem[0] if idem else None)
    sid, eid = req.get("ServiceId"), req.get("VpcEndpointId")
    if (sid is None) == (eid is None):
        raise ApiError("InvalidParameterCombination", "You must specify exactly one of ServiceId or VpcEndpointId.")  # [infer]
    if sid is not None:
        world.find_service(sid, ctx.now)
    elif eid not in world.connections:
        raise ApiError("InvalidVpcEndpointId.NotFound", f"The Vpc Endpoint Id '{eid}' does not exist")
    arn = req["ConnectionNotificationArn"]
    if not SNS_RE.match(arn):
        raise _bad(f"Invalid SNS topic ARN '{arn}'.")  # [infer]
    events = list(dict.fromkeys(req["ConnectionEvents"]))
    if not events or any(e not in CONNECTION_EVENTS for e in events):
        raise _bad(f"Connection events must be a non-empty subset of {', '.join(CONNECTION_EVENTS)}.")
    if req.get("DryRun"):
        raise dry_run()
    n = Notification(world.new_id("vpce-nfn-"), arn, events, sid, eid)
    world.notifications[n.id] = n
    body = render_notification(n, world.region)
    if idem is not None:
        world.tokens[(action, idem[0])] = (idem[1], n.id, body.encode())
    return el("connectionNotification", [body]) + el("clientToken", idem[0] if idem else None)


def describe_notifications(world: World, ctx: Ctx, req: dict) -> str:
    limit = _max_results(req)
    filters = _filters(
        req,
        (
            "connection-notification-arn",
            "connection-notification-id",
            "connection-notification-state",
            "connection-notification-type",
            "service-id",
            "vpc-endpoint-id",
        ),
        tags=False,
    )
    if req.get("DryRun"):
        raise dry_run()
    world.sweep(ctx.now)
    one = req.get("ConnectionNotificationId")
    if one is not None and one not in world.notifications:
        raise ApiError("InvalidConnectionNotification", f"The connection notification '{one}' does not exist.")

    def fields(n: Notification) -> Callable[[str], List[str]]:
        return lambda f: {
            "connection-notification-arn": [n.arn],
            "connection-notification-id": [n.id],
            "connection-notification-state": [n.state],
            "connection-notification-type": ["Topic"],
            "service-id": [n.service_id] if n.service_id else [],
            "vpc-endpoint-id": [n.endpoint_id] if n.endpoint_id else [],
        }[f]

    ids = sorted(i for i, n in world.notifications.items() if (one is None or i == one) and _matches(filters, fields(n)))
    page, token = _paginate(ctx, ids, req, "nfn", limit)
    body = items("connectionNotificationSet", (render_notification(world.notifications[i], world.region) for i in page))
    return body + opt("nextToken", token)


def delete_notifications(world: World, ctx: Ctx, req: dict) -> str:
    if req.get("DryRun"):
        raise dry_run()
    failures = []
    for nid in dict.fromkeys(req["ConnectionNotificationIds"]):
        if world.notifications.pop(nid, None) is None:
            failures.append((nid, "InvalidConnectionNotification", f"The connection notification '{nid}' does not exist."))
    return unsuccessful(failures)


def dry_run() -> ApiError:
    return ApiError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.")


HANDLERS: Dict[str, Callable[[World, Ctx, dict], str]] = {
    "CreateVpcEndpointServiceConfiguration": create_service,
    "DescribeVpcEndpointServiceConfigurations": describe_services,
    "ModifyVpcEndpointServiceConfiguration": modify_service,
    "DeleteVpcEndpointServiceConfigurations": delete_services,
    "DescribeVpcEndpointServicePermissions": describe_permissions,
    "ModifyVpcEndpointServicePermissions": modify_permissions,
    "DescribeVpcEndpointConnections": describe_connections,
    "AcceptVpcEndpointConnections": accept_connections,
    "RejectVpcEndpointConnections": reject_connections,
    "CreateTags": create_tags,
    "DeleteTags": delete_tags,
    "StartVpcEndpointServicePrivateDnsVerification": start_dns_verification,
    "ModifyVpcEndpointServicePayerResponsibility": modify_payer,
    "CreateVpcEndpointConnectionNotification": create_notification,
    "DescribeVpcEndpointConnectionNotifications": describe_notifications,
    "DeleteVpcEndpointConnectionNotifications": delete_notifications,
}


def add_connection(world: World, ctx: Ctx, spec: dict) -> Connection:
    """Admin: a consumer creates an endpoint to one of our services."""
    sid = spec.get("service_id")
    if not isinstance(sid, str) or sid not in world.services:
        raise ValueError(f"unknown service_id {sid!r}")
    svc = world.services[sid]
    owner = str(spec.get("owner", "444455556666"))
    if not re.match(r"^\d{12}$", owner):
        raise ValueError("owner must be a 12-digit account id")
    default_state = "pendingAcceptance" if svc.acceptance_required else "available"
    state = spec.get("state", default_state)
    if state not in ("pendingAcceptance", "pending", "available", "deleting", "deleted", "rejected", "failed", "expired"):
        raise ValueError(f"bad state {state!r}")
    ip = spec.get("ip_address_type", "ipv4")
    if ip not in ("ipv4", "dualstack", "ipv6"):
        raise ValueError(f"bad ip_address_type {ip!r}")
    conn = Connection(
        id=world.new_id("vpce-"),
        service_id=sid,
        owner=owner,
        state=state,
        region=str(spec.get("region", world.region)),
        ip_address_type=ip,
        created_wall=ctx.wall,
        connection_id=world.new_id("vpce-con-"),
    )
    world.connections[conn.id] = conn
    return conn


def bulk_create(world: World, ctx: Ctx, spec: dict) -> List[str]:
    """Admin: many services at once (benchmarks, pagination tests), bypassing
    the API's buckets.  Each gets its own copy of `tags`."""
    count = spec.get("count", 1)
    if not isinstance(count, int) or not 1 <= count <= 100000:
        raise ValueError("count must be an integer in [1, 100000]")
    nlbs = [lb.arn for lb in world.load_balancers.values() if lb.kind == "net"]
    arn = spec.get("network_load_balancer_arn", nlbs[0] if nlbs else None)
    if arn not in world.load_balancers:
        raise ValueError(f"unknown load balancer {arn!r}")
    tags = spec.get("tags", {})
    if not isinstance(tags, dict) or len(tags) > MAX_TAGS:
        raise ValueError("tags must be an object with at most 50 entries")
    state = spec.get("state", "Available")
    if state not in ("Pending", "Available"):
        raise ValueError("state must be Pending or Available")
    ids = []
    for _ in range(count):
        svc = Service(
            id=world.new_id("vpce-svc-"),
            kind=world.load_balancers[arn].kind,
            lbs=[arn],
            acceptance_required=bool(spec.get("acceptance_required", True)),
            ip_types=["ipv4"],
            tags={str(k): str(v) for k, v in tags.items()},
            created_sim=ctx.now,
            ready_at=ctx.now if state == "Available" else float("inf"),
            visible_at=ctx.now,
            created_wall=ctx.wall,
            state=state,
        )
        world.insert_service(svc)
        ids.append(svc.id)
    return ids
