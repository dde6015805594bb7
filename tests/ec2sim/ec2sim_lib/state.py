# SPDX-License-Identifier: ISC
"""The simulated account: load balancers, endpoint services, consumer
connections, notifications and idempotency tokens, in memory.

Why lazy state progression: instead of timers, every read calls refresh()
with the current sim time, which moves Pending->Available, finishes deletes
and private-DNS verifications whose time has come.  That keeps the state
deterministic under the admin clock (advance 30 s and every transition due
by then has happened) and needs no background thread.

Thread safety: the server holds World.lock around every call into here.
"""

import bisect
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from .errors import ApiError

ARN_RE = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):elasticloadbalancing:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"loadbalancer/(?P<kind>net|gwy|app)/(?P<name>[A-Za-z0-9-]{1,32})/(?P<id>[0-9a-f]{16})$"
)
REGION_RE = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$")
SERVICE_ID_RE = re.compile(r"^vpce-svc-[0-9a-f]{8,17}$")


@dataclass
class LoadBalancer:
    arn: str
    kind: str  # "net" or "gwy"
    dualstack: bool = False
    zones: List[Tuple[str, str]] = field(default_factory=list)  # (name, id)

    def public(self) -> dict:
        return {"arn": self.arn, "dualstack": self.dualstack, "zones": [{"name": n, "id": i} for n, i in self.zones]}


@dataclass
class Service:
    id: str
    kind: str  # "net" -> Interface, "gwy" -> GatewayLoadBalancer
    lbs: List[str]
    acceptance_required: bool
    ip_types: List[str]
    tags: Dict[str, str]
    created_sim: float
    ready_at: float
    visible_at: float
    created_wall: str
    state: str = "Pending"
    gone_at: Optional[float] = None
    private_dns_name: Optional[str] = None
    dns_state: Optional[str] = None
    dns_record_name: Optional[str] = None
    dns_record_value: Optional[str] = None
    dns_verify_at: Optional[float] = None
    dns_verify_result: Optional[str] = None
    regions: Dict[str, List] = field(default_factory=dict)  # region -> [state, ready_at, fails]
    principals: Dict[str, str] = field(default_factory=dict)  # principal -> permission id
    payer: Optional[str] = None  # the endpoint owner pays until ModifyVpcEndpointServicePayerResponsibility

    def public(self) -> dict:
        return {
            "id": self.id,
            "type": "Interface" if self.kind == "net" else "GatewayLoadBalancer",
            "state": self.state,
            "load_balancers": list(self.lbs),
            "acceptance_required": self.acceptance_required,
            "supported_ip_address_types": list(self.ip_types),
            "private_dns_name": self.private_dns_name,
            "private_dns_state": self.dns_state,
            "supported_regions": {r: v[0] for r, v in self.regions.items()},
            "allowed_principals": sorted(self.principals),
            "tags": dict(self.tags),
            "payer_responsibility": self.payer,
        }


@dataclass
class Connection:
    id: str  # vpce-...
    service_id: str
    owner: str
    state: str
    region: str
    ip_address_type: str
    created_wall: str
    connection_id: str

    def public(self) -> dict:
        return {
            "vpc_endpoint_id": self.id,
            "service_id": self.service_id,
            "owner": self.owner,
            "state": self.state,
            "region": self.region,
            "ip_address_type": self.ip_address_type,
        }


@dataclass
class Notification:
    id: str
    arn: str
    events: List[str]
    service_id: Optional[str]
    endpoint_id: Optional[str]
    state: str = "Enabled"

    def public(self) -> dict:
        return {
            "id": self.id,
            "arn": self.arn,
            "events": list(self.events),
            "service_id": self.service_id,
            "vpc_endpoint_id": self.endpoint_id,
            "state": self.state,
        }


DEFAULT_SETTINGS = {
    "pending_seconds": 2.0,  # Pending -> Available
    "consistency_seconds": 0.0,  # a new id is NotFound for this long
    "delete_seconds": 0.0,  # Deleting -> gone
    "dns_verify_seconds": 1.0,  # StartVpcEndpointServicePrivateDnsVerification -> result
    "credential_seconds": 3600,  # lifetime of IMDS/ECS credentials
    "max_services": 100000,
    "ignore_tag_filters": 0,  # 1: DescribeVpcEndpointServiceConfigurations ignores tag filters
}


class World:
    """Everything an account holds; mutate only with `lock` held."""

    def __init__(self, seed: dict, rng: random.Random):
        self.lock = threading.RLock()
        self.rng = rng
        self.seed = seed
        self.region: str = seed.get("region", "us-east-1")
        self.account: str = seed.get("account", "111122223333")
        self.settings = dict(DEFAULT_SETTINGS)
        self.settings.update(seed.get("settings", {}))
        self.verifiable_domains: List[str] = list(seed.get("verifiable_domains", []))
        self.failing_regions: List[str] = list(seed.get("failing_regions", []))
        self.roles: List[str] = list(seed.get("roles", []))
        self.reset()

    def reset(self) -> None:
        """Back to the seed: services, connections, tokens and notifications gone."""
        self.load_balancers: Dict[str, LoadBalancer] = {}
        for lb in self.seed.get("load_balancers", []):
            self.add_load_balancer(lb)
        self.services: Dict[str, Service] = {}
        self.service_order: List[str] = []  # sorted ids, for cursor pagination
        self.connections: Dict[str, Connection] = {}
        self.notifications: Dict[str, Notification] = {}
        self.tokens: Dict[Tuple[str, str], Tuple[str, str, bytes]] = {}

    # --- ids and helpers -------------------------------------------------
    def new_id(self, prefix: str) -> str:
        return prefix + "".join(self.rng.choice("0123456789abcdef") for _ in range(17))

    def add_load_balancer(self, spec: dict) -> LoadBalancer:
        arn = spec.get("arn", "")
        m = ARN_RE.match(arn)
        if not m or m.group("kind") not in ("net", "gwy"):
            raise ValueError(f"bad load balancer ARN {arn!r}")
        zones = [(z["name"], z["id"]) for z in spec.get("zones", [])]
        lb = LoadBalancer(arn, m.group("kind"), bool(spec.get("dualstack", False)), zones)
        self.load_balancers[arn] = lb
        return lb

    # --- lifecycle -------------------------------------------------------
    def refresh(self, svc: Service, now: float) -> None:
        if svc.state == "Pending" and now >= svc.ready_at:
            svc.state = "Available"
        for reg in svc.regions.values():
            if reg[0] == "Pending" and now >= reg[1]:
                reg[0] = "Failed" if reg[2] else "Available"
        if svc.dns_verify_at is not None and now >= svc.dns_verify_at:
            svc.dns_state = svc.dns_verify_result
            svc.dns_verify_at = None

    def sweep(self, now: float) -> None:
        """Finish deletes whose time has come (called before any listing)."""
        gone = [s.id for s in self.services.values() if s.gone_at is not None and now >= s.gone_at]
        for sid in gone:
            self.drop_service(sid)

    def drop_service(self, sid: str) -> None:
        del self.services[sid]
        i = bisect.bisect_left(self.service_order, sid)
        if i < len(self.service_order) and self.service_order[i] == sid:
            del self.service_order[i]
        for nid in [n.id for n in self.notifications.values() if n.service_id == sid]:
            del self.notifications[nid]

    def insert_service(self, svc: Service) -> None:
        if len(self.services) >= int(self.settings["max_services"]):
            raise ApiError("ResourceLimitExceeded", "You have reached the maximum number of VPC endpoint services")
        self.services[svc.id] = svc
        bisect.insort(self.service_order, svc.id)

    def visible(self, svc: Service, now: float) -> bool:
        return now >= svc.visible_at

    def find_service(self, sid: str, now: float) -> Service:
        """A service as the API sees it, or InvalidVpcEndpointServiceId.NotFound."""
        self.sweep(now)
        svc = self.services.get(sid)
        if svc is None or not self.visible(svc, now) or svc.state == "Deleted":
            raise ApiError("InvalidVpcEndpointServiceId.NotFound", f"The VpcEndpointService Id '{sid}' does not exist")
        self.refresh(svc, now)
        return svc

    def region_ready(self, region: str, now: float) -> List:
        return [
            "Pending",
            now + float(self.settings["pending_seconds"]),
            region in self.failing_regions,
        ]

    def blocking_connections(self, sid: str) -> List[Connection]:
        return [c for c in self.connections.values() if c.service_id == sid and c.state in ("available", "pendingAcceptance")]

    def dump(self, now: float) -> dict:
        self.sweep(now)
        for svc in self.services.values():
            self.refresh(svc, now)
        return {
            "region": self.region,
            "account": self.account,
            "settings": dict(self.settings),
            "load_balancers": [lb.public() for lb in self.load_balancers.values()],
            "services": [self.services[s].public() for s in self.service_order],
            "connections": [c.public() for c in self.connections.values()],
            "notifications": [n.public() for n in self.notifications.values()],
            "client_tokens": len(self.tokens),
        }
