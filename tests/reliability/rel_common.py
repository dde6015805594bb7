# SPDX-License-Identifier: ISC
"""Shared pieces of the reliability campaigns (tests/reliability/faults, crash, mistakes).

The campaigns drive the real daemon binary ($VPCESD) against ec2sim (started
by tests/with-ec2sim.sh, which exports EC2SIM_*).  This module holds what they
share: the admin API client, the incremental request-log reader, the spec
generator, the sim-state diff against desired specs, the configuration
writer and the checks of vpcesd's own files (state file, lock, temporary
files) and a directory watch for moments to kill at.  Python 3 standard
library only (inotify through ctypes: vpcesd itself is Linux-only).
"""

import ctypes
import errno
import fcntl
import hashlib
import json
import os
import random
import select
import struct
import sys
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (read-only in distcheck)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import status_schema  # noqa: E402  (tests/status_schema.py)

ACCOUNT = "111122223333"
LB = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/"
# Each spec has load balancers of its own (lb_pool): EC2 associates a load
# balancer with one endpoint service, and vpcesd refuses a configuration in
# which two specs share one.  Per spec: four NLBs and two GWLBs, some
# dualstack (suffix -> dualstack), registered in the sim by register_lbs().
NLB_KINDS = (("a", False), ("b", True), ("c", True), ("d", False))
GWLB_KINDS = (("a", False), ("b", True))
LB_ZONES = [{"name": "us-east-1a", "id": "use1-az1"}, {"name": "us-east-1b", "id": "use1-az2"}]
PRINCIPALS = [
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::555566667777:root",
    "arn:aws:iam::666677778888:role/consumer",
    "arn:aws:iam::777788889999:user/reader",
]
OWNER_TAG, NAME_TAG = "vpcesd:owner", "vpcesd:name"
CREDS_ENV = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
MUTATING_PREFIXES = ("Create", "Modify", "Delete", "Accept", "Reject", "Start")


class CampaignError(Exception):
    """An assertion of a campaign failed."""


def env(name):
    value = os.environ.get(name)
    if not value:
        raise SystemExit(f"{name} is not set: run through tests/with-ec2sim.sh (see the .sh wrapper)")
    return value


def daemon_env():
    e = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
    e.update(CREDS_ENV)
    if "ASAN_OPTIONS" in e:
        # ASan keeps freed blocks in a quarantine (256 MiB by default) to
        # catch use-after-free, so a sanitized daemon's VmRSS climbs to that
        # much over a long run whatever vpcesd itself holds: the campaigns'
        # memory bound would measure ASan.  A small quarantine still catches
        # a use shortly after the free and lets VmRSS track live memory.
        e["ASAN_OPTIONS"] += ":quarantine_size_mb=16"
    return e


class Admin:
    """The sim's admin API (plain HTTP)."""

    def __init__(self, base):
        self.base = base

    def call(self, method, path, body=None, timeout=30):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read().decode() or "null")

    def state(self):
        return self.call("GET", "/_sim/state", timeout=60)


class LogReader:
    """Reads the sim's request log incrementally (it is a 20,000-entry ring:
    poll often).  A gap in sequence numbers means entries were lost, which
    would make the campaign's scans incomplete: that is an error."""

    def __init__(self, admin):
        self.admin = admin
        self.seq = 0
        self.entries = []  # compact entries, see compact()

    def poll(self, tag=None):
        new = self.admin.call("GET", f"/_sim/log?since={self.seq}", timeout=60)
        for e in new:
            if e["seq"] != self.seq + 1:
                raise CampaignError(f"request log overflowed: seq {self.seq} then {e['seq']} (poll more often)")
            self.seq = e["seq"]
            self.entries.append(compact(e, tag))
        return len(new)


def compact(e, tag):
    """Keep what the scans need: params only of calls that name services."""
    params = e.get("params") or {}
    keep = {}
    if e["action"].startswith(MUTATING_PREFIXES) or e["action"] == "DescribeVpcEndpointServiceConfigurations":
        keep = {k: v for k, v in params.items() if k.startswith(("ServiceId", "ResourceId", "ClientToken", "NextToken", "Filter", "TagSpecification"))}
    return {"seq": e["seq"], "action": e["action"], "code": e.get("code"), "status": e.get("status"), "faults": e.get("faults") or [], "params": keep, "key": e.get("access_key"), "tag": tag}


def named_ids(entry):
    """Service ids a logged request names."""
    return {v for k, v in entry["params"].items() if k.startswith(("ServiceId", "ResourceId")) and str(v).startswith("vpce-svc-")}


def is_listing_start(entry):
    """First page of the owned-services listing: where a cycle's reads start."""
    p = entry["params"]
    return entry["action"] == "DescribeVpcEndpointServiceConfigurations" and "NextToken" not in p and not any(k.startswith("ServiceId") for k in p)


# --- specs -------------------------------------------------------------------------


def lb_pool(name, gateway):
    """The load balancers spec `name` may use, arn -> dualstack: its own."""
    kind, prefix, kinds = ("gwy", "gwlb", GWLB_KINDS) if gateway else ("net", "nlb", NLB_KINDS)
    pool = {}
    for suffix, dualstack in kinds:
        lb_id = hashlib.sha256(f"{name}/{kind}/{suffix}".encode()).hexdigest()[:16]
        pool[f"{LB}{kind}/{prefix}-{suffix}/{lb_id}"] = dualstack
    return pool


def register_lbs(admin, specs):
    """Make every spec's load balancers known to the sim (idempotent)."""
    lbs = []
    for name, spec in sorted(specs.items()):
        for arn, dualstack in lb_pool(name, "gateway_load_balancer_arns" in spec).items():
            lbs.append({"arn": arn, "dualstack": dualstack, "zones": LB_ZONES})
    if lbs:
        admin.call("POST", "/_sim/load-balancers", {"load_balancers": lbs})


def random_spec(rng, name, generation=0):
    """One random valid service spec (a dict in the YAML schema)."""
    gateway = rng.random() < 0.2
    pool = lb_pool(name, gateway)
    arns = sorted(rng.sample(sorted(pool), rng.choice([1, 1, 1, 2])))
    spec = {"name": name, ("gateway_load_balancer_arns" if gateway else "network_load_balancer_arns"): arns}
    spec["acceptance_required"] = rng.random() < 0.5
    if all(pool[a] for a in arns) and rng.random() < 0.5:
        spec["supported_ip_address_types"] = rng.choice([["ipv4", "ipv6"], ["ipv6"]])
    r = rng.random()
    if r < 0.35:
        spec["allowed_principals"] = sorted(rng.sample(PRINCIPALS, rng.randint(1, 3)))
    elif r < 0.45:
        spec["allowed_principals"] = []
    tags = {"team": rng.choice(["red", "blue", "green"]), "gen": str(generation)}
    if rng.random() < 0.5:
        tags["cost-center"] = str(rng.randint(1000, 9999))
    spec["tags"] = tags
    return spec


def mutate_spec(rng, spec, generation):
    """A changed copy: one or two of acceptance, principals, tags, ip types, LBs."""
    s = json.loads(json.dumps(spec))
    for _ in range(rng.randint(1, 2)):
        what = rng.choice(["acceptance", "principals", "tags", "tags", "lbs", "ip"])
        if what == "acceptance":
            s["acceptance_required"] = not s.get("acceptance_required", True)
        elif what == "principals":
            s["allowed_principals"] = sorted(rng.sample(PRINCIPALS, rng.randint(0, 3)))
        elif what == "tags":
            s["tags"] = dict(s.get("tags", {}), gen=str(generation))
            if rng.random() < 0.5:
                s["tags"].pop("cost-center", None)
            else:
                s["tags"]["cost-center"] = str(rng.randint(1000, 9999))
        elif what == "lbs":
            key = "gateway_load_balancer_arns" if "gateway_load_balancer_arns" in s else "network_load_balancer_arns"
            pool = lb_pool(s["name"], key.startswith("gateway"))
            ips = s.get("supported_ip_address_types", ["ipv4"])
            choices = [a for a in sorted(pool) if "ipv6" not in ips or pool[a]]
            s[key] = sorted(rng.sample(choices, min(len(choices), rng.choice([1, 2]))))
        elif what == "ip":
            key = "gateway_load_balancer_arns" if "gateway_load_balancer_arns" in s else "network_load_balancer_arns"
            pool = lb_pool(s["name"], key.startswith("gateway"))
            if all(pool[a] for a in s[key]):
                cur = s.get("supported_ip_address_types", ["ipv4"])
                s["supported_ip_address_types"] = rng.choice([t for t in (["ipv4"], ["ipv4", "ipv6"], ["ipv6"]) if t != cur])
    return s


def yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    return json.dumps(str(v))  # a JSON string is a valid YAML double-quoted scalar


def spec_yaml(spec):
    lines = [f"  - name: {yaml_scalar(spec['name'])}"]
    for key in ("network_load_balancer_arns", "gateway_load_balancer_arns", "supported_ip_address_types", "allowed_principals"):
        if key in spec:
            items = spec[key]
            lines.append(f"    {key}: [{', '.join(yaml_scalar(x) for x in items)}]")
    if "acceptance_required" in spec:
        lines.append(f"    acceptance_required: {yaml_scalar(spec['acceptance_required'])}")
    if spec.get("tags"):
        lines.append("    tags:")
        for k, v in sorted(spec["tags"].items()):
            lines.append(f"      {yaml_scalar(k)}: {yaml_scalar(v)}")
    return "\n".join(lines) + "\n"


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def write_specs(conf_dir, specs, per_file=10):
    """services.d/NN.yaml, per_file specs each; stale files removed."""
    d = os.path.join(conf_dir, "services.d")
    os.makedirs(d, exist_ok=True)
    names = sorted(specs)
    wanted = set()
    for i in range(0, len(names), per_file):
        fn = f"specs-{i // per_file:03d}.yaml"
        wanted.add(fn)
        write_atomic(os.path.join(d, fn), "services:\n" + "".join(spec_yaml(specs[n]) for n in names[i : i + per_file]))
    for fn in os.listdir(d):
        if fn not in wanted:
            os.unlink(os.path.join(d, fn))


def write_daemon_conf(conf_dir, settings):
    """vpcesd.yaml from a flat dict; nested keys as 'api.timeout'."""
    os.makedirs(conf_dir, exist_ok=True)
    top, nested = [], {}
    for k, v in settings.items():
        if "." in k:
            a, b = k.split(".", 1)
            nested.setdefault(a, []).append((b, v))
        else:
            top.append((k, v))
    lines = [f"{k}: {v}" for k, v in top]
    for a, kv in nested.items():
        lines.append(f"{a}:")
        lines += [f"  {b}: {v}" for b, v in kv]
    write_atomic(os.path.join(conf_dir, "vpcesd.yaml"), "\n".join(lines) + "\n")


# --- comparing the sim with the desired specs ---------------------------------------


def desired_view(spec, owner):
    lbs = spec.get("network_load_balancer_arns") or spec.get("gateway_load_balancer_arns")
    tags = dict(spec.get("tags", {}))
    tags[OWNER_TAG], tags[NAME_TAG] = owner, spec["name"]
    view = {
        "load_balancers": sorted(lbs),
        "acceptance_required": spec.get("acceptance_required", True),
        "supported_ip_address_types": sorted(spec.get("supported_ip_address_types", ["ipv4"])),
        "tags": tags,
    }
    if "allowed_principals" in spec:
        view["allowed_principals"] = sorted(spec["allowed_principals"])
    return view


def live(state):
    return [s for s in state["services"] if s["state"] not in ("Deleting", "Deleted", "Failed")]


def owned_by_name(state, owner):
    out = {}
    for s in live(state):
        if s["tags"].get(OWNER_TAG) == owner:
            out.setdefault(s["tags"].get(NAME_TAG), []).append(s)
    return out


def diff(state, specs, owner, sync):
    """Lines describing how the sim differs from the specs (empty: converged).
    With sync, owned services no spec names must be gone too."""
    lines = []
    by_name = owned_by_name(state, owner)
    for name in sorted(specs):
        got = by_name.get(name, [])
        if len(got) != 1:
            lines.append(f"{name}: {len(got)} owned services (want 1): {[s['id'] for s in got]}")
            continue
        svc, want = got[0], desired_view(specs[name], owner)
        if svc["state"] != "Available":
            lines.append(f"{name} {svc['id']}: state {svc['state']}")
        for key, value in want.items():
            have = svc[key]
            if isinstance(have, list):
                have = sorted(have)
            if have != value:
                lines.append(f"{name} {svc['id']}: {key} is {have!r}, want {value!r}")
    if sync:
        for name, got in sorted(by_name.items(), key=lambda kv: str(kv[0])):
            if name not in specs:
                lines.append(f"{name}: {len(got)} owned service(s) no spec names: {[s['id'] for s in got]}")
    return lines


def read_json_file(path):
    """A status (or state) file: None if absent; raises CampaignError if it is
    not valid JSON, or a status that does not match the published schema."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    try:
        doc = json.loads(data)
    except ValueError as err:
        raise CampaignError(f"{path} is not valid JSON ({err}); {len(data)} bytes") from None
    # Each status a campaign reads matches the published schema (issue 13).
    if not (status_schema.looks_like_status(doc) or "status" in os.path.basename(path)):
        return doc  # the state file, read the same way
    try:
        status_schema.check(doc, path)
    except status_schema.SchemaError as err:
        raise CampaignError(str(err)) from None
    return doc


# --- vpcesd's own files ----------------------------------------------------------------

STATE_VERSION = 1


def read_state_file(path):
    """The state file: None if absent; raises CampaignError unless it is a
    whole state document of version 1 (the keys state.c writes, the right
    types): a reader must never find half a file."""
    doc = read_json_file(path)
    if doc is None:
        return None
    if not isinstance(doc, dict) or doc.get("version") != STATE_VERSION:
        raise CampaignError(f"{path}: not a state document of version {STATE_VERSION}: {str(doc)[:200]}")
    if not isinstance(doc.get("services"), dict) or not isinstance(doc.get("previous_owners"), list):
        raise CampaignError(f"{path}: services or previous_owners missing or of the wrong type")
    for name, rec in doc["services"].items():
        if not isinstance(rec, dict) or not isinstance(rec.get("generation"), int) or rec["generation"] < 0:
            raise CampaignError(f"{path}: services.{name}: no valid generation: {rec!r}")
    return doc


def temporaries(path):
    """The temporary files atomic.c makes for `path` (".<name>.XXXXXX" beside it)."""
    d, base = os.path.split(path)
    prefix = f".{base}."
    try:
        return sorted(f for f in os.listdir(d or ".") if f.startswith(prefix) and len(f) == len(prefix) + 6)
    except FileNotFoundError:
        return []


def lock_holder(state_dir):
    """None when <state_dir>/lock is free (or absent), else the pid written
    in it (0 if none).  Takes a POSIX record lock for a moment, which
    conflicts with vpcesd's OFD lock, and drops it at once."""
    path = os.path.join(state_dir, "lock")
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            if err.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            return int(text) if text.isdigit() else 0
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class DirWatch:
    """inotify on one directory: wait for a file event instead of sleeping.

    The campaigns kill vpcesd at moments that last milliseconds (a state
    file being written); polling would miss most of them, a sleep would
    guess.  An event arrives as the daemon acts, and wait() returns it at
    once."""

    IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE = 0x2, 0x8, 0x80, 0x100
    _HEADER = struct.Struct("iIII")

    def __init__(self, path, mask):
        libc = ctypes.CDLL(None, use_errno=True)
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1")
        if libc.inotify_add_watch(self.fd, os.fsencode(path), ctypes.c_uint32(mask)) < 0:
            e = ctypes.get_errno()
            os.close(self.fd)
            raise OSError(e, f"inotify_add_watch {path}")
        self.pending = []

    def close(self):
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self):
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return
        off = 0
        while off + self._HEADER.size <= len(data):
            _, mask, _, n = self._HEADER.unpack_from(data, off)
            name = data[off + self._HEADER.size : off + self._HEADER.size + n].rstrip(b"\0").decode(errors="replace")
            self.pending.append((mask, name))
            off += self._HEADER.size + n

    def wait(self, pred, timeout, alive=None):
        """The first (mask, name) event that satisfies pred, or None when
        `timeout` seconds passed or alive() turned false first.  alive is
        asked at least every 50 ms."""
        end = time.monotonic() + timeout
        while True:
            while self.pending:
                ev = self.pending.pop(0)
                if pred(*ev):
                    return ev
            left = end - time.monotonic()
            if left <= 0 or (alive is not None and not alive()):
                return None
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.05))
            if ready:
                self._read()


def vm_rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def sanitized_daemon():
    """True if $VPCESD was built with AddressSanitizer (--enable-sanitizers):
    a slower daemon, for which the campaigns scale down their service count
    (never their fault or kill counts)."""
    try:
        with open(env("VPCESD"), "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def seeded(seed, label):
    return random.Random(f"{seed}/{label}")
