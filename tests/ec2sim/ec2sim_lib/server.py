# SPDX-License-Identifier: ISC
"""The Sim (the one object holding all mutable state) and its HTTP servers.

Ports, all on 127.0.0.1:
  ec2    EC2 and STS (told apart by Action), the SSO portal and SSO OIDC
         (GET /federation/credentials, POST /token), plus /_sim/ admin;
         TLS if a cert is given
  admin  /_sim/ only, plain HTTP (so shell tests need no CA for setup calls)
  imds   instance metadata service, plain HTTP
  ecs    container credential endpoint, plain HTTP

Why threads: vpcesd keeps up to 64 requests in flight over reused HTTP/1.1
connections; ThreadingHTTPServer gives each connection a thread, and the
TLS handshake runs in that thread, not in the accept loop.  One lock
(World.lock) serialises state changes; latency and stall faults sleep
outside it so they never block other connections.
"""

import json
import random
import secrets
import socket
import ssl
import struct
import threading
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Deque, Dict, List, Optional, Tuple

from . import ec2api, sts
from .admin import handle_admin, patch_service
from .clock import Clock
from .creds import Credential, CredentialStore
from .errors import STS_RECEIVER, ApiError
from .faults import Fault, Faults
from .meta import Ecs, Imds, Reply
from .sso import Sso
from .model import Ec2Model
from .sigv4 import SigV4Error, verify
from .state import World
from .throttle import Throttle
from .xmlout import ec2_error, ec2_response, request_id, sts_error, sts_response

EC2_VERSION = "2016-11-15"
STS_VERSION = "2011-06-15"
STS_ACTIONS = ("AssumeRole", "AssumeRoleWithWebIdentity")
MAX_BODY = 1 << 20
MAX_LOG = 20000
REDACT = {"WebIdentityToken", "TokenCode"}

# SigV4 failure kind -> (EC2 code, STS code); statuses come from errors.py.
AUTH_CODES = {
    "missing": ("MissingAuthenticationToken", "MissingAuthenticationToken"),
    "incomplete": ("IncompleteSignature", "IncompleteSignature"),
    "unknown_key": ("AuthFailure", "InvalidClientTokenId"),
    "bad_token": ("AuthFailure", "InvalidClientTokenId"),
    "expired_token": ("RequestExpired", "ExpiredToken"),
    "skew": ("RequestExpired", "SignatureDoesNotMatch"),
    "scope": ("SignatureDoesNotMatch", "SignatureDoesNotMatch"),
    "mismatch": ("SignatureDoesNotMatch", "SignatureDoesNotMatch"),
}
EC2_AUTH_MESSAGES = {
    "unknown_key": "AWS was not able to validate the provided access credentials",
    "bad_token": "AWS was not able to validate the provided access credentials",
    "expired_token": "Request has expired.",
    "skew": "Request has expired.",
}


@dataclass
class Outcome:
    """What the HTTP layer must do: a response plus any wire-level fault."""

    status: int
    body: bytes
    content_type: str = "text/xml;charset=UTF-8"
    headers: Dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    wire: Optional[str] = None  # None, "reset", "stall", "truncate"
    stall_seconds: float = 0.0


class Sim:
    """All sim state; every server thread works through this object."""

    def __init__(self, seed: dict, time_scale: float = 1.0, rng_seed: Optional[int] = None, throttle: bool = True):
        self.rng = random.Random(rng_seed)
        self.clock = Clock(time_scale)
        self.world = World(seed, random.Random(self.rng.random()))
        self.creds = CredentialStore()
        for c in seed.get("credentials", []):
            self.creds.add(Credential(c["access_key"], c["secret_key"], c.get("session_token")))
        self.model = Ec2Model(ec2api.HANDLERS)
        self.throttle = Throttle(self.clock.sim, throttle)
        self.faults = Faults(random.Random(self.rng.random()))
        self.page_key = secrets.token_bytes(32)
        self.stop = threading.Event()
        meta = seed.get("metadata", {})
        role = meta.get("role_name", "vpcesd-instance-role")
        self.imds = Imds(self.creds, role, self.world.account, self.world.region)
        self.ecs = Ecs(self.creds, self.world.account, meta.get("ecs_role_name", "vpcesd-task-role"), meta.get("ecs_token"))
        self.sso = Sso(self.creds, self.world.account)
        self.web_identity_issuers: List[str] = list(seed.get("web_identity_issuers", []))
        self._log_lock = threading.Lock()
        self.log: Deque[dict] = deque(maxlen=MAX_LOG)
        self.seq = 0
        self.counters: Dict[str, Dict[str, int]] = {}

    # --- observation ---------------------------------------------------------
    def record(self, entry: dict) -> None:
        with self._log_lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.log.append(entry)
            per = self.counters.setdefault(entry["action"], {})
            per["total"] = per.get("total", 0) + 1
            outcome = entry["code"] or "OK"
            per[outcome] = per.get(outcome, 0) + 1

    def clear_log(self) -> None:
        with self._log_lock:
            self.log.clear()
            self.counters.clear()

    # --- API entry point ----------------------------------------------------------
    def handle_api(self, method: str, target: str, headers: List[Tuple[str, str]], body: bytes) -> Outcome:
        rid = request_id()
        action, protocol, params = "?", "ec2", {}
        entry = {"t": self.clock.wall().strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "request_id": rid}
        fired: List[Fault] = []
        out: Optional[Outcome] = None
        try:
            params = self._form(method, body)
            action = params.pop("Action", "?")
            protocol = "sts" if action in STS_ACTIONS else "ec2"
            fired = self.faults.match(action)
            out = self._dispatch(action, protocol, params, method, target, headers, body, rid, fired, entry)
        except ApiError as err:
            out = self._error(protocol, err, rid)
            entry["code"] = err.code
        assert out is not None
        out = self._answer_after(out, fired, entry)
        entry.update(
            action=action,
            protocol=protocol,
            params={k: ("<redacted>" if k in REDACT else v) for k, v in params.items()},
            status=out.status,
            faults=[f.kind for f in fired],
        )
        entry.setdefault("code", None)
        entry.setdefault("access_key", None)
        self._wire_faults(out, fired)
        self.record(entry)
        return out

    def _form(self, method: str, body: bytes) -> Dict[str, str]:
        if method != "POST":
            raise ApiError("InvalidRequest", "Only POST requests with form bodies are supported.")  # sim simplification
        try:
            pairs = urllib.parse.parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False, max_num_fields=20000)
        except (UnicodeDecodeError, ValueError):
            raise ApiError("InvalidParameterValue", "The request body is not valid form data.") from None
        params: Dict[str, str] = {}
        for key, value in pairs:
            if key in params:
                raise ApiError("InvalidParameter", f"The parameter {key} was specified more than once.")  # [infer]
            params[key] = value
        return params

    def _error(self, protocol: str, err: ApiError, rid: str) -> Outcome:
        if protocol == "sts":
            return Outcome(err.sts_status(), sts_error(err.code, err.message, rid, err.code in STS_RECEIVER), headers={"x-amzn-RequestId": rid})
        return Outcome(err.ec2_status(), ec2_error(err.code, err.message, rid))

    def _dispatch(self, action, protocol, params, method, target, headers, body, rid, fired, entry) -> Outcome:
        for fault in fired:
            if fault.kind == "oob":
                with self.world.lock:
                    try:
                        patch_service(self, fault.service_id, fault.patch)
                    except ValueError:
                        entry["oob_error"] = "service not found or bad patch"
        for fault in fired:
            if fault.kind == "error":
                raise ApiError(fault.code, fault.message, fault.status)
            if fault.kind == "throttle":
                raise ApiError("RequestLimitExceeded" if protocol == "ec2" else "Throttling", "Request limit exceeded.")
            if fault.kind == "expired":
                raise ApiError(*(("RequestExpired", "Request has expired.") if protocol == "ec2" else ("ExpiredToken", "The security token included in the request is expired")))
            if fault.kind in ("reset", "stall") and fault.phase == "before":
                return Outcome(0, b"", wire=fault.kind, stall_seconds=fault.seconds)
            if fault.kind == "answer" and fault.phase == "before":
                out = scripted(fault)
                entry["code"] = None if out.status < 400 else str(out.status)
                return out
        now_wall = self.clock.wall()
        unsigned = action == "AssumeRoleWithWebIdentity"
        caller = None
        if not unsigned:
            try:
                verified = verify(
                    method,
                    target,
                    headers,
                    body,
                    lambda key: self.creds.lookup(key, now_wall),
                    now_wall,
                    self.world.region,
                    protocol,
                )
            except SigV4Error as err:
                codes = AUTH_CODES[err.kind]
                code = codes[0] if protocol == "ec2" else codes[1]
                message = EC2_AUTH_MESSAGES.get(err.kind, err.message) if protocol == "ec2" else err.message
                raise ApiError(code, message) from None
            caller = verified.access_key
            entry["access_key"] = caller
        if action == "?":
            raise ApiError("MissingAction", "The request must contain the parameter Action")
        if protocol == "sts":
            return self._sts(action, params, rid, caller, now_wall)
        if not self.throttle.take(action):
            raise ApiError("RequestLimitExceeded", "Request limit exceeded.")
        version = params.pop("Version", None)
        if action not in ec2api.HANDLERS:
            raise ApiError("InvalidAction", f"The action {action} is not valid for this web service.")
        if version is None:
            raise ApiError("MissingParameter", "The request must contain the parameter Version")
        if version != EC2_VERSION:
            raise ApiError("NoSuchVersion", f"The requested version ({version}) of service AmazonEC2 does not exist")
        req = self.model.parse(action, params)
        with self.world.lock:
            ctx = ec2api.Ctx(self.clock.sim(), now_wall.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now_wall.microsecond // 1000:03d}Z", rid, self.page_key)
            result = ec2api.HANDLERS[action](self.world, ctx, req)
        return Outcome(200, ec2_response(action, rid, result))

    def _sts(self, action: str, params: Dict[str, str], rid: str, caller: Optional[str], now) -> Outcome:
        version = params.pop("Version", None)
        if version != STS_VERSION:
            raise ApiError("InvalidAction", f"Could not find operation {action} for version {version}")
        if action == "AssumeRole":
            result = sts.assume_role(self.creds, self.world.roles, params, f"arn:aws:iam::{self.world.account}:user/{caller}", now)
        else:
            result = sts.assume_role_with_web_identity(self.creds, self.world.roles, self.web_identity_issuers, params, now)
        return Outcome(200, sts_response(action, rid, result), headers={"x-amzn-RequestId": rid})

    def _answer_after(self, out: Outcome, fired: List[Fault], entry: dict) -> Outcome:
        """An `answer` rule of phase after: the action ran, its answer is replaced."""
        for fault in fired:
            if fault.kind == "answer" and fault.phase == "after":
                out = scripted(fault, out.delay)
                entry["code"] = None if out.status < 400 else str(out.status)
        return out

    def _wire_faults(self, out: Outcome, fired: List[Fault]) -> None:
        for fault in fired:
            if fault.kind == "latency":
                out.delay += (fault.ms + self.rng.uniform(0, fault.jitter_ms)) / 1000.0
            elif fault.kind in ("reset", "stall") and fault.phase == "after":
                out.wire, out.stall_seconds = fault.kind, fault.seconds
            elif fault.kind == "truncate":
                out.wire = "truncate"
            elif fault.kind == "malformed":
                out.body = out.body[: max(1, len(out.body) // 2)]

    # --- SSO portal and OIDC ----------------------------------------------------
    def handle_sso(self, method: str, target: str, headers, body: bytes) -> Outcome:
        """Fault rules name the action "SSO" (the portal) or "SSO-OIDC" (CreateToken)."""
        which = "SSO" if target.split("?")[0] == "/federation/credentials" else "SSO-OIDC"
        fired = self.faults.match(which)
        out: Optional[Outcome] = None
        for fault in fired:
            if fault.kind == "error":
                out = Outcome(fault.status or 500, json.dumps({"message": fault.message}).encode(), "application/json",
                              {"x-amzn-ErrorType": fault.code})
                break
            if fault.kind in ("reset", "stall") and fault.phase == "before":
                out = Outcome(0, b"", wire=fault.kind, stall_seconds=fault.seconds)
                break
            if fault.kind == "answer" and fault.phase == "before":
                out = scripted(fault)
                break
        if out is None:
            lifetime = int(self.world.settings["credential_seconds"])
            reply = self.sso.handle(method, target, headers, body, self.clock.wall(), lifetime)
            out = Outcome(reply.status, reply.body, reply.content_type, reply.headers or {})
            out = self._answer_after(out, fired, {})
        self._wire_faults(out, fired)
        # Never the token, the client secret or the refresh token: only the path and method.
        self.record({"t": self.clock.wall().isoformat(), "action": which, "protocol": "sso", "params": {"path": target.split("?")[0], "method": method}, "status": out.status, "code": None if out.status < 400 else str(out.status), "faults": [f.kind for f in fired]})
        return out

    # --- metadata endpoints -----------------------------------------------------
    def handle_meta(self, which: str, method: str, path: str, headers) -> Outcome:
        fired = self.faults.match(which.upper())
        out: Optional[Outcome] = None
        for fault in fired:
            if fault.kind == "error":
                return Outcome(fault.status or 500, b"", "text/plain")
            if fault.kind in ("reset", "stall"):
                return Outcome(0, b"", wire=fault.kind, stall_seconds=fault.seconds)
            if fault.kind == "answer" and fault.phase == "before":
                out = scripted(fault)
                break
        if out is None:
            lifetime = int(self.world.settings["credential_seconds"])
            handler = self.imds if which == "imds" else self.ecs
            reply: Reply = handler.handle(method, path.split("?")[0], headers, self.clock.wall(), lifetime)
            out = Outcome(reply.status, reply.body, reply.content_type, reply.headers or {})
            out = self._answer_after(out, fired, {})
        self._wire_faults(out, fired)
        self.record({"t": self.clock.wall().isoformat(), "action": which.upper(), "protocol": which, "params": {"path": path, "method": method}, "status": out.status, "code": None if out.status < 400 else str(out.status), "faults": [f.kind for f in fired]})
        return out


def scripted(fault: Fault, delay: float = 0.0) -> Outcome:
    """The answer an `answer` rule scripts (body built only now: it may be large)."""
    return Outcome(fault.status or 200, fault.answer_body(), fault.content_type, dict(fault.headers), delay=delay)


# --- HTTP plumbing ---------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AmazonEC2"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        pass  # the request log in the Sim is the record

    def _body(self) -> Optional[bytes]:
        if self.headers.get("Transfer-Encoding"):
            self._send(Outcome(411, b"", "text/plain"))
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            self._send(Outcome(413, b"", "text/plain"))
            return None
        return self.rfile.read(length)

    def _handle(self) -> None:
        body = self._body()
        if body is None:
            return
        sim: Sim = self.server.sim  # type: ignore[attr-defined]
        role = self.server.role  # type: ignore[attr-defined]
        headers = list(self.headers.items())
        if self.path.startswith("/_sim/") and role in ("ec2", "admin"):
            status, doc = handle_admin(sim, self.command, self.path, body)
            self._send(Outcome(status, (json.dumps(doc, indent=1) + "\n").encode(), "application/json"))
            return
        if role == "ec2" and sim.sso.handles(self.path):
            out = sim.handle_sso(self.command, self.path, headers, body)
        elif role == "ec2":
            out = sim.handle_api(self.command, self.path, headers, body)
        elif role in ("imds", "ecs"):
            out = sim.handle_meta(role, self.command, self.path, headers)
        else:
            out = Outcome(404, b'{"error":"not found"}\n', "application/json")
        if out.delay:
            sim.stop.wait(out.delay)
        if out.wire in ("reset", "stall"):
            self._cut(out)
            return
        self._send(out)

    def _cut(self, out: Outcome) -> None:
        sim: Sim = self.server.sim  # type: ignore[attr-defined]
        if out.wire == "stall":
            sim.stop.wait(out.stall_seconds)
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.rfile.close()
        self.connection.close()

    def _send(self, out: Outcome) -> None:
        # send_response() would add a Date from the host clock; EC2 sends its
        # own time, and SDKs correct clock skew from it, so the Date here is
        # the sim's wall clock (skewed by wall_skew_seconds).  A scripted
        # answer that names its own Date (or none: "") replaces it.
        self.log_request(out.status)
        self.send_response_only(out.status)
        self.send_header("Server", self.version_string())
        if not any(k.lower() == "date" for k in out.headers):
            self.send_header("Date", self.date_time_string(self.server.sim.clock.wall().timestamp()))  # type: ignore[attr-defined]
        self.send_header("Content-Type", out.content_type)
        self.send_header("Content-Length", str(len(out.body)))
        for k, v in out.headers.items():
            if k.lower() != "date" or v != "":
                self.send_header(k, v)
        self.end_headers()
        if out.wire == "truncate":
            self.wfile.write(out.body[: len(out.body) // 2])
            self._cut(Outcome(0, b"", wire="reset"))
            return
        self.wfile.write(out.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, sim: Sim, role: str, tls: Optional[ssl.SSLContext] = None, port: int = 0):
        self.sim = sim
        self.role = role
        self.tls = tls
        super().__init__(("127.0.0.1", port), Handler)

    def finish_request(self, request, client_address) -> None:
        """TLS handshake here, in the connection's own thread."""
        if self.tls is not None:
            request.settimeout(10)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            request.settimeout(None)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address) -> None:
        pass  # a client that goes away mid-request is normal under fault tests


def tls_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


def start(sim: Sim, tls: Optional[ssl.SSLContext], ports: Dict[str, int]) -> Dict[str, Server]:
    """Bind every server (port 0 = any free port) and serve each in a thread."""
    servers = {
        "ec2": Server(sim, "ec2", tls, ports.get("ec2", 0)),
        "admin": Server(sim, "admin", None, ports.get("admin", 0)),
        "imds": Server(sim, "imds", None, ports.get("imds", 0)),
        "ecs": Server(sim, "ecs", None, ports.get("ecs", 0)),
    }
    for srv in servers.values():
        threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    return servers


def stop(sim: Sim, servers: Dict[str, Server]) -> None:
    sim.stop.set()
    for srv in servers.values():
        srv.shutdown()
        srv.server_close()
