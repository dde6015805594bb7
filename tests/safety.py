#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The five ways issue 12 found vpcesd destroying or duplicating what it
manages, each reproduced against ec2sim with the real binary, as an operator
would meet it:

  1. services-d   a missing services.d is a configuration error; an emptied
                  one under policy: sync deletes nothing without
                  delete.allow_empty;
  2. restart      a service deleted behind vpcesd's back, then a restart: one
                  new service, the status names it, no dead id "applied";
  3. owner        renaming owner creates no second copy; previous_owner hands
                  the services over;
  4. two          a second daemon (or a mutating --once) on the same state
                  directory refuses to start; two daemons with their own state
                  fighting over a field are seen (contested) and back off;
  5. read-only    --once --dry-run writes no file of the daemon's; a run during
                  an EC2 outage keeps the known ids and names, marked stale.

Run by tests/safety.sh under tests/with-ec2sim.sh.  No step sleeps to wait:
the daemons are run with --once (or read through their readiness: the
status file of their first cycle), the sim's state is asserted directly.
"""
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (read-only in distcheck)
import status_schema  # tests/status_schema.py, beside this file
from simctl import admin  # tests/simctl.py, beside it too

VPCESD = os.environ["VPCESD"]
DIR = os.environ["EC2SIM_DIR"]
LB = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/"
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
           AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "STATE_DIRECTORY", "RUNTIME_DIRECTORY",
          "NOTIFY_SOCKET", "JOURNAL_STREAM"):
    ENV.pop(k, None)

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + (f" ({detail})" if detail and not ok else ""))
    if not ok:
        failures.append(what)
    return ok


def services(owner=None, name=None):
    """Live services in the sim (optionally of an owner / a name)."""
    out = []
    for s in admin("GET", "/_sim/state")["services"]:
        tags = s.get("tags", {})
        if s.get("state") in ("Deleted", "Deleting"):
            continue
        if owner is not None and tags.get("vpcesd:owner") != owner:
            continue
        if name is not None and tags.get("vpcesd:name") != name:
            continue
        out.append(s)
    return out


def count(action, code="OK"):
    return admin("GET", "/_sim/counters").get(action, {}).get(code, 0)


class Conf:
    """A configuration directory with its own state and status files."""

    def __init__(self, name, owner, policy="sync", extra=""):
        self.dir = os.path.join(DIR, name)
        self.state = os.path.join(self.dir, "state")
        self.status = os.path.join(self.dir, "status.json")
        self.metrics = os.path.join(self.dir, "metrics.prom")
        os.makedirs(os.path.join(self.dir, "services.d"), exist_ok=True)
        self.settings(owner, policy, extra)

    def settings(self, owner, policy="sync", extra=""):
        with open(os.path.join(self.dir, "vpcesd.yaml"), "w") as f:
            f.write(f"""region: us-east-1
endpoint: {os.environ['EC2SIM_ENDPOINT']}
ca_file: {os.environ['EC2SIM_CA']}
owner: {owner}
policy: {policy}
interval: 5s
min_interval: 1s
status_file: {self.status}
metrics_file: {self.metrics}
{extra}""")

    def specs(self, specs):
        path = os.path.join(self.dir, "services.d", "services.yaml")
        if not specs:
            if os.path.exists(path):
                os.unlink(path)
            return
        with open(path, "w") as f:
            f.write("services:\n")
            for name, lb, acceptance in specs:
                f.write(f"  - name: {name}\n    network_load_balancer_arns: [{LB}{lb}]\n"
                        f"    acceptance_required: {'true' if acceptance else 'false'}\n")

    def env(self):
        # The state directory as systemd's StateDirectory= hands it over.
        return dict(ENV, STATE_DIRECTORY=self.state)

    def run(self, *args):
        p = subprocess.run([VPCESD, "-c", self.dir, "--log-target", "stderr", *args],
                           env=self.env(),
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=120)
        return p.returncode, p.stdout

    def status_json(self):
        with open(self.status) as f:
            doc = json.load(f)
        status_schema.check(doc, self.status)
        return doc

    def entry(self, name):
        return next(s for s in self.status_json()["services"] if s["name"] == name)


def reset():
    admin("POST", "/_sim/reset")
    admin("POST", "/_sim/settings", {"pending_seconds": 0, "consistency_seconds": 0})
    admin("POST", "/_sim/load-balancers", {"load_balancers": [
        {"arn": LB + f"safety-{i}/{i:016x}"} for i in range(8)]})


def lb(i):
    return f"safety-{i}/{i:016x}"


def test_services_d():
    reset()
    c = Conf("services-d", "safety1")
    c.specs([("a", lb(0), True), ("b", lb(1), True), ("c", lb(2), True)])
    rc, out = c.run("--once")
    # 5: created, not yet verified by a cycle (issue 13's exit codes).
    check("1: three services created", rc == 5 and len(services("safety1")) == 3, out)
    os.rename(os.path.join(c.dir, "services.d"), os.path.join(c.dir, "services.d.moved"))
    rc, out = c.run("-n")
    check("1: a missing services.d fails --check-config", rc == 1 and "services.d: no such "
          "directory" in out, out)
    rc, out = c.run("--once")
    check("1: and refuses a cycle, deleting nothing", rc == 1 and len(services("safety1")) == 3,
          out)
    os.rename(os.path.join(c.dir, "services.d.moved"), os.path.join(c.dir, "services.d"))
    c.specs([])
    deletes = count("DeleteVpcEndpointServiceConfigurations")
    rc, out = c.run("--once")
    check("1: an emptied services.d under sync deletes nothing",
          len(services("safety1")) == 3 and
          count("DeleteVpcEndpointServiceConfigurations") == deletes, out)
    check("1: and says why, once", out.count("holding every delete of this cycle") == 1 and
          "delete.allow_empty" in out and rc == 2, out)
    c.settings("safety1", extra="delete:\n  allow_empty: true\n")
    rc, out = c.run("--once")
    check("1: with delete.allow_empty they go", rc == 5 and len(services("safety1")) == 0, out)


def test_restart():
    reset()
    c = Conf("restart", "safety2", policy="upsert-only")
    c.specs([("api", lb(0), True)])
    # --wait: one more cycle verifies the create, and only then exit 0.
    rc, out = c.run("--once", "--wait=60s")
    first = [s["id"] for s in services("safety2", "api")]
    check("2: created and verified (--wait)", rc == 0 and len(first) == 1 and
          "waiting: 0/1 converged" in out and count("CreateVpcEndpointServiceConfiguration") == 1,
          out)
    admin("DELETE", f"/_sim/services/{first[0]}")
    rc, out = c.run("--once")  # a new process: the restart
    now = services("safety2", "api")
    check("2: after a restart, one new service", len(now) == 1 and now[0]["id"] != first[0],
          out)
    check("2: made by one create with a new ClientToken",
          count("CreateVpcEndpointServiceConfiguration") == 2 and "is gone (deleted outside "
          "vpcesd)" in out, out)
    check("2: exit 5 (not verified yet) and the status names the new service",
          rc == 5 and now and c.entry("api")["service_id"] == now[0]["id"], out)
    rc, out = c.run("--once")
    check("2: then converged without a call", rc == 0 and
          count("CreateVpcEndpointServiceConfiguration") == 2, out)


def test_owner():
    reset()
    c = Conf("owner", "team-a")
    c.specs([("api", lb(0), True), ("web", lb(1), True)])
    rc, out = c.run("--once")
    check("3: two services under team-a", rc == 5 and len(services("team-a")) == 2, out)
    creates = count("CreateVpcEndpointServiceConfiguration")
    c.settings("team-b")
    rc, out = c.run("--once")
    check("3: renamed to team-b: no second copy",
          count("CreateVpcEndpointServiceConfiguration") == creates and
          len(services()) == 2, out)
    check("3: held, naming both owners and the fix", rc == 2 and "previous owner 'team-a'" in out
          and "previous_owner: team-a" in out and "'team-b'" in out, out)
    check("3: and nothing of team-a deleted under sync", len(services("team-a")) == 2, out)
    rc, out = c.run("--once")
    check("3: after a restart too (from the state file)",
          rc == 2 and count("CreateVpcEndpointServiceConfiguration") == creates, out)
    c.settings("team-b", extra="previous_owner: team-a\n")
    rc, out = c.run("--once")
    check("3: previous_owner hands them over", len(services("team-b")) == 2 and
          len(services()) == 2 and count("CreateVpcEndpointServiceConfiguration") == creates,
          out)
    rc, out = c.run("--once")
    check("3: then converged under team-b", rc == 0 and len(services("team-b")) == 2, out)


def test_two():
    reset()
    a = Conf("two-a", "shared")
    a.specs([("api", lb(0), True)])
    rc, out = a.run("--once")
    check("4: created", rc == 5, out)
    # A daemon holds the state directory: wait for its first cycle's status file.
    os.unlink(a.status)
    daemon = subprocess.Popen([VPCESD, "-c", a.dir, "--log-target", "stderr"], env=a.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(400):  # readiness: the status file of its first cycle (bounded)
            if os.path.exists(a.status) or daemon.poll() is not None:
                break
            time.sleep(0.05)
        check("4: the first daemon runs", daemon.poll() is None)
        try:
            second = subprocess.run([VPCESD, "-c", a.dir, "--log-target", "stderr"],
                                    env=a.env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, timeout=20)
            rc, out = second.returncode, second.stdout
        except subprocess.TimeoutExpired as e:  # it started: the very failure
            rc, out = None, str(e.stdout)
        check("4: a second daemon on the same state directory refuses to start",
              rc == 4 and f"(pid {daemon.pid})" in out, out)
        rc, out = a.run("--once")
        check("4: so does a mutating --once", rc == 4 and f"(pid {daemon.pid})" in out, out)
        rc, out = a.run("--once", "--dry-run")
        check("4: a dry run does not need the lock", rc in (0, 2), out)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    # Two daemons with their own state, one owner, disagreeing on one field.
    b = Conf("two-b", "shared")
    b.specs([("api", lb(0), False)])
    modifies = []
    outs = []
    for _ in range(4):
        for c in (a, b):
            before = count("ModifyVpcEndpointServiceConfiguration")
            rc, out = c.run("--once")
            modifies.append(count("ModifyVpcEndpointServiceConfiguration") - before)
            outs.append(out)
    text = "".join(outs)
    # The first to see its change undone twice backs off; the other then finds
    # the service as it wants it, so the fight is told once, by the one that yields.
    check("4: the fight is seen, with the field and both values",
          text.count("acceptance_required is changed back outside vpcesd") == 1, text[-3000:])
    yielded = [c for c in (a, b) if c.entry("api")["contested"] is not None]
    check("4: contested in the status file of the one that yields", len(yielded) == 1)
    mine = modifies[1::2] if yielded and yielded[0] is b else modifies[0::2]
    check("4: which backs off: its later runs change nothing", mine[-2:] == [0, 0],
          str(modifies))
    check("4: so the changes stop", sum(modifies[-3:]) == 0, str(modifies))
    check("4: one service all along", len(services("shared", "api")) == 1)


def snapshot(c):
    out = {}
    for p in (c.status, c.metrics, os.path.join(c.state, "state.json")):
        with open(p, "rb") as f:
            out[p] = (f.read(), os.stat(p).st_mtime_ns)
    return out


def test_read_only():
    reset()
    c = Conf("read-only", "safety5")
    c.specs([("api", lb(0), True)])
    rc, out = c.run("--once")
    check("5: created", rc == 5, out)
    known = c.entry("api")
    before = snapshot(c)
    c.specs([("api", lb(0), False)])
    rc, out = c.run("--once", "--dry-run")
    check("5: a dry run plans the change", "acceptance_required: true \u2192 false" in out, out)
    check("5: and writes no file of the daemon's", snapshot(c) == before)
    other = os.path.join(DIR, "dry-status.json")
    rc, out = c.run("--once", "--dry-run", "--status-file", other)
    check("5: --status-file writes elsewhere", os.path.exists(other) and snapshot(c) == before,
          out)
    c.specs([("api", lb(0), True)])
    admin("POST", "/_sim/faults", {"kind": "error", "action": "DescribeVpcEndpointServiceConfigurations",
                                   "code": "Unavailable", "status": 503, "rate": 1})
    rc, out = c.run("--once")
    admin("DELETE", "/_sim/faults")
    e = c.entry("api")
    check("5: an outage: exit 1", rc == 1, out)
    check("5: the status keeps the known id and name, marked stale",
          e["service_id"] == known["service_id"] and e["service_name"] == known["service_name"]
          and e["stale"] is True and e["observed_at"] == known["observed_at"], json.dumps(e))
    rc, out = c.run("--once")
    e = c.entry("api")
    check("5: fresh again once EC2 answers", rc == 0 and e["stale"] is False and
          e["service_id"] == known["service_id"], out)


def main():
    only = sys.argv[1:]
    for name, fn in (("services-d", test_services_d), ("restart", test_restart),
                     ("owner", test_owner), ("two", test_two), ("read-only", test_read_only)):
        if not only or name in only:
            t0 = time.monotonic()
            try:
                fn()
            except Exception as e:  # a file or key that is not there is a failure too
                check(f"{name}: ran to the end", False, f"{type(e).__name__}: {e}")
            print(f"-- {name}: {time.monotonic() - t0:.1f}s")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
