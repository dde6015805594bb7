#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The log records an operator relies on (issue 16), with the real binary
against ec2sim, through --log-format json on stderr:

  - every stderr line is one JSON object with time, level and message, and
    CODE_FILE relative to the source tree (src/…);
  - the events carry their MESSAGE_IDs (src/msgid.h): started, change
    applied, change failed, held, contested, converged, and in a daemon
    reloaded, reload refused, stopped;
  - log.format in vpcesd.yaml selects json, --log-format beats it, and a
    bad --log-format is a usage error.

Run by tests/log-events.sh under tests/with-ec2sim.sh.  No step sleeps to
wait but for bounded polls of the daemon's own log lines.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (read-only in distcheck)
from simctl import admin  # tests/simctl.py, beside this file (sys.path[0])

VPCESD = os.environ["VPCESD"]
DIR = os.environ["EC2SIM_DIR"]
SRC = os.environ["top_srcdir"]
LB = "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/"
ENV = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE",
           AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
for k in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "STATE_DIRECTORY", "RUNTIME_DIRECTORY",
          "NOTIFY_SOCKET", "JOURNAL_STREAM"):
    ENV.pop(k, None)
TIME = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$")

# The ids, read from the header the daemon is built with.
with open(os.path.join(SRC, "src", "msgid.h")) as f:
    ID = dict(re.findall(r'^#define VPCESD_MESSAGE_([A-Z_]+)\s+"([0-9a-f]{32})"', f.read(), re.M))

failures = []


def check(what, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + what + (f" ({detail})" if detail and not ok else ""))
    if not ok:
        failures.append(what)
    return ok


def records(text):
    """Every line as a JSON record; a line that is not one fails the test."""
    out = []
    for line in text.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            check("every stderr line is JSON", False, line)
            continue
        if not (isinstance(r, dict) and TIME.match(r.get("time", "")) and r.get("level") and
                isinstance(r.get("message"), str) and r.get("SYSLOG_IDENTIFIER") == "vpcesd" and
                re.match(r"^src/[a-z_]+\.c$", r.get("CODE_FILE", "")) and
                r.get("CODE_LINE", "").isdigit() and r.get("CODE_FUNC")):
            check("every record has time, level, message and its source", False, line)
        out.append(r)
    return out


def with_id(recs, name, **fields):
    return [r for r in recs if r.get("MESSAGE_ID") == ID[name] and
            all(r.get(k) == v for k, v in fields.items())]


class Conf:
    def __init__(self, name, owner, specs, extra=""):
        self.dir = os.path.join(DIR, name)
        self.state = os.path.join(self.dir, "state")
        self.status = os.path.join(self.dir, "status.json")
        os.makedirs(os.path.join(self.dir, "services.d"), exist_ok=True)
        self.owner = owner
        self.settings(extra)
        self.specs(specs)

    def settings(self, extra=""):
        with open(os.path.join(self.dir, "vpcesd.yaml"), "w") as f:
            f.write(f"""region: us-east-1
endpoint: {os.environ['EC2SIM_ENDPOINT']}
ca_file: {os.environ['EC2SIM_CA']}
owner: {self.owner}
policy: sync
interval: 5s
min_interval: 1s
status_file: {self.status}
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
        return dict(ENV, STATE_DIRECTORY=self.state)

    def run(self, *args):
        p = subprocess.run([VPCESD, "-c", self.dir, "--log-target", "stderr", *args],
                           env=self.env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, timeout=120)
        return p.returncode, p.stderr


def lb(i):
    return f"logs-{i}/{i:016x}"


def test_once():
    a = Conf("once", "logs", [("api", lb(0), True), ("web", lb(1), True)])
    rc, out = a.run("--log-format", "xml")
    check("a bad --log-format is a usage error", rc == 64 and
          "invalid --log-format 'xml' (accepted: text, json)" in out, out)
    rc, out = a.run("--once", "--log-format", "json")
    recs = records(out)
    check("started", len(with_id(recs, "STARTED")) == 1, out)
    applied = with_id(recs, "CHANGE_APPLIED", VPCESD_ACTION="create")
    check("change applied, with the service, its id and the request id",
          sorted(r["VPCESD_SERVICE"] for r in applied) == ["api", "web"] and
          all(r["VPCESD_SERVICE_ID"].startswith("vpce-svc-") and r.get("AWS_REQUEST_ID") and
              r["CODE_FILE"] == "src/apply.c" and r["level"] == "notice" for r in applied), out)
    check("not converged yet: no converged record", not with_id(recs, "CONVERGED"), out)

    # log.format in the file; --log-format on the command line beats it.
    a.settings("log:\n  format: json\n")
    rc, out = a.run("--once")
    recs = records(out)
    check("log.format: json; then converged", rc == 0 and len(with_id(recs, "CONVERGED")) == 1,
          out)
    rc, out = a.run("--once", "--log-format", "text")
    lines = out.splitlines()
    check("--log-format text beats log.format: json, and off the journal each line has a time",
          lines and all(re.match(r"^[0-9-]{10}T[0-9:]{8}\.[0-9]{3}Z [a-z]+: ", l) for l in lines)
          and not any(l.startswith("{") for l in lines), out)
    a.settings("log:\n  format: json\n")

    # A change EC2 refuses.
    a.specs([("api", lb(0), False), ("web", lb(1), True)])
    admin("POST", "/_sim/faults", {"kind": "error", "action": "ModifyVpcEndpointServiceConfiguration",
                                   "code": "InvalidParameter", "status": 400, "count": 1,
                                   "message": "no \u202e way\n<3>forged"})
    rc, out = a.run("--once")
    admin("DELETE", "/_sim/faults")
    failed = with_id(records(out), "CHANGE_FAILED", VPCESD_SERVICE="api")
    check("change failed, with EC2's error code", rc == 2 and len(failed) == 1 and
          failed[0].get("AWS_ERROR_CODE") == "InvalidParameter" and failed[0]["level"] == "error",
          out)
    # A bidi control and a newline from EC2: \u-escaped on the line, exact once parsed.
    check("EC2's words are in the record, escaped", failed and
          "no \u202e way\n<3>forged" in failed[0]["message"] and "\u202e" not in out and
          "\\u202e way\\n<3>forged" in out, out)

    # Held: an emptied services.d under sync deletes nothing.
    a.specs([])
    rc, out = a.run("--once")
    check("held", rc == 2 and len(with_id(records(out), "HELD", VPCESD_ACTION="guard")) == 1, out)


def test_contested():
    a = Conf("fight-a", "shared", [("api", lb(2), True)], "log:\n  format: json\n")
    b = Conf("fight-b", "shared", [("api", lb(2), False)], "log:\n  format: json\n")
    recs = []
    for _ in range(4):
        for c in (a, b):
            rc, out = c.run("--once")
            recs += records(out)
    contested = with_id(recs, "CONTESTED", VPCESD_SERVICE="api")
    check("contested, once", len(contested) == 1 and contested[0]["level"] == "warning",
          json.dumps(recs)[-2000:])


def test_daemon():
    c = Conf("daemon", "logs-d", [("db", lb(3), True)], "log:\n  format: json\n")
    log = os.path.join(c.dir, "stderr.jsonl")
    with open(log, "w") as err:
        d = subprocess.Popen([VPCESD, "-c", c.dir, "--log-target", "stderr"], env=c.env(),
                             stdout=subprocess.DEVNULL, stderr=err)

    def text():
        with open(log) as f:
            return f.read()

    def wait_for(name, n=1):
        for _ in range(400):  # 20 s at most
            got = with_id(records(text()), name)
            if len(got) >= n or d.poll() is not None:
                return got
            time.sleep(0.05)
        return with_id(records(text()), name)

    try:
        check("daemon: started", len(wait_for("STARTED")) == 1, text()[-2000:])
        check("daemon: its first cycle", wait_for("CHANGE_APPLIED"), text()[-2000:])
        d.send_signal(signal.SIGHUP)
        check("daemon: reloaded", len(wait_for("RELOADED")) == 1, text()[-2000:])
        with open(os.path.join(c.dir, "vpcesd.yaml"), "a") as f:
            f.write("interval: soon\n")
        d.send_signal(signal.SIGHUP)
        refused = wait_for("RELOAD_REFUSED")
        check("daemon: reload refused", len(refused) == 1 and refused[0]["level"] == "error",
              text()[-2000:])
        d.send_signal(signal.SIGTERM)
        rc = d.wait(timeout=30)
        stopped = with_id(records(text()), "STOPPED")
        check("daemon: stopped, the last record", rc == 0 and len(stopped) == 1 and
              records(text())[-1] == stopped[0], text()[-2000:])
    finally:
        if d.poll() is None:
            d.kill()
            d.wait()


def main():
    check("src/msgid.h lists the nine events", len(ID) == 9, str(ID))
    admin("POST", "/_sim/reset")
    admin("POST", "/_sim/settings", {"pending_seconds": 0, "consistency_seconds": 0})
    admin("POST", "/_sim/load-balancers", {"load_balancers": [
        {"arn": LB + lb(i)} for i in range(4)]})
    test_once()
    test_contested()
    test_daemon()
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
