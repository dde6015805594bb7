# SPDX-License-Identifier: ISC
"""The admin API under /_sim/ (JSON in, JSON out).

Why: tests must set the scene (load balancers, consumer endpoints, faults,
"someone edited the service in the console") and then assert exactly what
vpcesd did and did not call.  Every route validates its input and answers
400 with {"error": ...} rather than raising.

Routes (method path -> effect):
  GET    /_sim/health                  liveness
  GET    /_sim/state                   world, credentials (no secrets), faults, buckets, clock
  POST   /_sim/reset                   back to the seed; clears faults, log, buckets, wall skew
  POST   /_sim/load-balancers          {arn, dualstack, zones} or {"load_balancers": [...]}
  POST   /_sim/connections             {service_id, owner, state, region, ip_address_type}
  POST   /_sim/connections/state       {vpc_endpoint_id, state}
  POST   /_sim/services                bulk create {count, network_load_balancer_arn, tags, state}
  POST   /_sim/services/<id>           out-of-band patch (see patch_service)
  DELETE /_sim/services/<id>           out-of-band delete (see delete_service)
  GET    /_sim/faults                  rules; POST adds one; DELETE clears; DELETE /_sim/faults/<id>
  GET    /_sim/log?action=X&since=N    request log; DELETE clears it and the counters
  GET    /_sim/counters                per-action totals and outcomes
  POST   /_sim/settings                {time_scale, throttle, pending_seconds, consistency_seconds,
                                        delete_seconds, dns_verify_seconds, credential_seconds,
                                        wall_skew_seconds, imds_v1}
  POST   /_sim/clock                   {advance: seconds of sim time}
  GET    /_sim/credentials             known keys (no secrets); POST adds {access_key, secret_key, session_token}
  POST   /_sim/credentials/expire      {access_key} or {} for every temporary key
"""

import json
import urllib.parse
from typing import Any, Tuple

from . import ec2api
from .creds import Credential
from .faults import FaultError

SERVICE_STATES = ("Pending", "Available", "Deleting", "Deleted", "Failed")


class BadRequest(ValueError):
    pass


def _obj(body: bytes) -> dict:
    if not body:
        return {}
    try:
        doc = json.loads(body)
    except ValueError:
        raise BadRequest("body is not JSON") from None
    if not isinstance(doc, dict):
        raise BadRequest("body must be a JSON object")
    return doc


def patch_service(sim, sid: str, patch: dict) -> dict:
    """Out-of-band change, as if made in the console (World.lock held)."""
    world = sim.world
    svc = world.services.get(sid)
    if svc is None:
        raise BadRequest(f"unknown service {sid!r}")
    allowed = {"acceptance_required", "tags", "state", "private_dns_state", "supported_ip_address_types", "allowed_principals", "payer_responsibility"}
    unknown = set(patch) - allowed
    if unknown:
        raise BadRequest(f"unknown patch fields {sorted(unknown)}")
    if "acceptance_required" in patch:
        if not isinstance(patch["acceptance_required"], bool):
            raise BadRequest("acceptance_required must be a boolean")
        svc.acceptance_required = patch["acceptance_required"]
    if "tags" in patch:
        tags = patch["tags"]
        if not isinstance(tags, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
            raise BadRequest("tags must be an object of strings")
        svc.tags = dict(tags)
    if "state" in patch:
        if patch["state"] not in SERVICE_STATES:
            raise BadRequest(f"state must be one of {SERVICE_STATES}")
        svc.state = patch["state"]
        svc.ready_at = float("inf") if svc.state == "Pending" else svc.ready_at
    if "private_dns_state" in patch:
        if patch["private_dns_state"] not in ("pendingVerification", "verified", "failed") or not svc.private_dns_name:
            raise BadRequest("private_dns_state needs a private DNS name and a valid state")
        svc.dns_state, svc.dns_verify_at = patch["private_dns_state"], None
    if "supported_ip_address_types" in patch:
        types = patch["supported_ip_address_types"]
        if not isinstance(types, list) or not types or any(t not in ("ipv4", "ipv6") for t in types):
            raise BadRequest("supported_ip_address_types must be a non-empty list of ipv4/ipv6")
        svc.ip_types = list(dict.fromkeys(types))
    if "allowed_principals" in patch:
        principals = patch["allowed_principals"]
        if not isinstance(principals, list) or not all(isinstance(p, str) for p in principals):
            raise BadRequest("allowed_principals must be a list of strings")
        svc.principals = {p: svc.principals.get(p) or world.new_id("vpce-svc-perm-") for p in principals}
    if "payer_responsibility" in patch:
        svc.payer = str(patch["payer_responsibility"])
    return svc.public()


def delete_service(sim, sid: str, now: float) -> dict:
    """Out-of-band delete, as if made in the console (World.lock held).

    Like DeleteVpcEndpointServiceConfigurations (refused while consumers are
    connected; Deleting for delete_seconds, then gone) but outside the API,
    so vpcesd's request log does not show it.  The service's ClientToken
    stays remembered: a create with it answers with the deleted service,
    as EC2 does.
    """
    world = sim.world
    world.sweep(now)
    svc = world.services.get(sid)
    if svc is None or svc.gone_at is not None:
        raise LookupError(f"unknown service {sid!r}")
    if world.blocking_connections(sid):
        raise BadRequest(f"service {sid} has active endpoint connections")
    delay = float(world.settings["delete_seconds"])
    if delay <= 0:
        world.drop_service(sid)
        return {"id": sid, "state": "Deleted"}
    svc.state, svc.gone_at = "Deleting", now + delay
    return {"id": sid, "state": svc.state}


def _settings(sim, doc: dict) -> dict:
    world = sim.world
    for key, value in doc.items():
        if key == "time_scale":
            if not isinstance(value, (int, float)) or value <= 0:
                raise BadRequest("time_scale must be > 0")
            sim.clock.set_scale(float(value))
        elif key == "throttle":
            if not isinstance(value, bool):
                raise BadRequest("throttle must be a boolean")
            sim.throttle.enabled = value
        elif key == "wall_skew_seconds":
            if not isinstance(value, (int, float)):
                raise BadRequest("wall_skew_seconds must be a number")
            sim.clock.set_wall_skew(float(value))
        elif key == "imds_v1":
            sim.imds.allow_v1 = bool(value)
        elif key in world.settings:
            if not isinstance(value, (int, float)) or value < 0:
                raise BadRequest(f"{key} must be a number >= 0")
            world.settings[key] = value
        else:
            raise BadRequest(f"unknown setting {key!r}")
    return _settings_view(sim)


def _settings_view(sim) -> dict:
    view = dict(sim.world.settings)
    view.update(time_scale=sim.clock.scale, throttle=sim.throttle.enabled, imds_v1=sim.imds.allow_v1,
                wall_skew_seconds=sim.clock.wall_skew)
    return view


def handle_admin(sim, method: str, target: str, body: bytes) -> Tuple[int, Any]:
    """Route one admin call; returns (HTTP status, JSON document)."""
    url = urllib.parse.urlsplit(target)
    path = url.path.rstrip("/")
    query = dict(urllib.parse.parse_qsl(url.query))
    try:
        return 200, _route(sim, method, path, query, body)
    except (BadRequest, FaultError, ValueError) as err:
        return 400, {"error": str(err)}
    except LookupError as err:
        return 404, {"error": str(err)}


def _route(sim, method: str, path: str, query: dict, body: bytes) -> Any:
    world = sim.world
    key = (method, path)
    if key == ("GET", "/_sim/health"):
        return {"ok": True}
    if key == ("GET", "/_sim/state"):
        with world.lock:
            state = world.dump(sim.clock.sim())
        state.update(
            credentials=sim.creds.dump(),
            faults=sim.faults.dump(),
            buckets=sim.throttle.dump(),
            sim_time=sim.clock.sim(),
            settings=_settings_view(sim),
        )
        return state
    if key == ("POST", "/_sim/reset"):
        with world.lock:
            world.reset()
        sim.faults.clear()
        sim.clear_log()
        sim.sso.reset()
        sim.throttle.reset()
        sim.clock.set_wall_skew(0.0)
        return {"ok": True}
    if key == ("POST", "/_sim/load-balancers"):
        doc = _obj(body)
        specs = doc.get("load_balancers", [doc])
        with world.lock:
            return {"added": [world.add_load_balancer(s).arn for s in specs]}
    if key == ("POST", "/_sim/connections"):
        doc = _obj(body)
        with world.lock:
            ctx = ec2api.Ctx(sim.clock.sim(), sim.clock.wall().strftime("%Y-%m-%dT%H:%M:%S.000Z"), "admin", sim.page_key)
            return ec2api.add_connection(world, ctx, doc).public()
    if key == ("POST", "/_sim/connections/state"):
        doc = _obj(body)
        with world.lock:
            conn = world.connections.get(doc.get("vpc_endpoint_id"))
            if conn is None:
                raise LookupError("unknown vpc_endpoint_id")
            if doc.get("state") not in ("pendingAcceptance", "pending", "available", "deleting", "deleted", "rejected", "failed", "expired"):
                raise BadRequest("bad state")
            conn.state = doc["state"]
            return conn.public()
    if key == ("POST", "/_sim/services"):
        doc = _obj(body)
        with world.lock:
            ctx = ec2api.Ctx(sim.clock.sim(), sim.clock.wall().strftime("%Y-%m-%dT%H:%M:%S.000Z"), "admin", sim.page_key)
            return {"service_ids": ec2api.bulk_create(world, ctx, doc)}
    if method == "POST" and path.startswith("/_sim/services/"):
        with world.lock:
            return patch_service(sim, path.rsplit("/", 1)[1], _obj(body))
    if method == "DELETE" and path.startswith("/_sim/services/"):
        with world.lock:
            return delete_service(sim, path.rsplit("/", 1)[1], sim.clock.sim())
    if path == "/_sim/faults":
        if method == "GET":
            return sim.faults.dump()
        if method == "POST":
            return {"id": sim.faults.add(_obj(body)).id}
        if method == "DELETE":
            sim.faults.clear()
            return {"ok": True}
    if method == "DELETE" and path.startswith("/_sim/faults/"):
        sim.faults.clear(int(path.rsplit("/", 1)[1]))
        return {"ok": True}
    if path == "/_sim/log":
        if method == "DELETE":
            sim.clear_log()
            return {"ok": True}
        since = int(query.get("since", "0"))
        action = query.get("action")
        with sim._log_lock:
            return [e for e in sim.log if e["seq"] > since and (action is None or e["action"] == action)]
    if key == ("GET", "/_sim/counters"):
        with sim._log_lock:
            return json.loads(json.dumps(sim.counters))
    if key == ("POST", "/_sim/settings"):
        return _settings(sim, _obj(body))
    if key == ("GET", "/_sim/settings"):
        return _settings_view(sim)
    if key == ("POST", "/_sim/clock"):
        advance = _obj(body).get("advance", 0)
        if not isinstance(advance, (int, float)):
            raise BadRequest("advance must be a number")
        sim.clock.advance(float(advance))
        return {"sim_time": sim.clock.sim()}
    if path == "/_sim/credentials":
        if method == "GET":
            return sim.creds.dump()
        if method == "POST":
            doc = _obj(body)
            if not isinstance(doc.get("access_key"), str) or not isinstance(doc.get("secret_key"), str):
                raise BadRequest("access_key and secret_key are required strings")
            sim.creds.add(Credential(doc["access_key"], doc["secret_key"], doc.get("session_token"), source="admin"))
            return {"ok": True}
    if key == ("POST", "/_sim/credentials/expire"):
        doc = _obj(body)
        n = sim.creds.expire(doc.get("access_key"))
        if doc.get("imds_tokens"):
            sim.imds.expire_tokens()
        return {"expired": n}
    if path == "/_sim/sso":
        if method == "GET":
            return sim.sso.dump()
    if key == ("POST", "/_sim/sso/tokens"):
        return sim.sso.add_token(_obj(body), sim.clock.wall())
    if key == ("POST", "/_sim/sso/expire"):
        return {"expired": sim.sso.expire()}
    if key == ("POST", "/_sim/sso/revoke"):
        return {"revoked": sim.sso.revoke()}
    if key == ("POST", "/_sim/sso/settings"):
        doc = _obj(body)
        if "roles" in doc:
            sim.sso.set_roles(doc["roles"])
        if "token_seconds" in doc:
            if not isinstance(doc["token_seconds"], int) or not 1 <= doc["token_seconds"] <= 86400 * 90:
                raise BadRequest("token_seconds must be an integer of seconds")
            sim.sso.token_seconds = doc["token_seconds"]
        return sim.sso.dump()
    raise LookupError(f"no admin route {method} {path}")
