#!/usr/bin/env python3
"""The hostile configuration corpus of issue 8.

Generates, deterministically, well over a hundred broken or hostile
configuration directories (deep nesting, alias bombs, files and values over
1 MiB, binary and random bytes, NUL bytes, bad encodings, truncations,
special files, symlink loops, unreadable files, number edge cases, floods of
keys and services) and runs `vpcesd --check-config` and `--dump-config` on
each.  Every case must:
  - exit 1 (not 0, not a signal, not a hang: 60 s guard), print nothing on
    stdout (no partial load: --dump-config prints all or nothing);
  - print only well-formed diagnostics on stderr: "FILE:LINE:COL: message"
    for content, "PATH: message" for a file that cannot be read, optionally
    "vpcesd: N more errors not shown", then the summary line
    "vpcesd: configuration in DIR is invalid (N errors)" whose N matches;
    every FILE inside the case directory; only printable UTF-8 (escape.h);
  - name the problem: a per-case regular expression must match, and where
    the case knows it, the exact position.
The committed golden cases (tests/config/bad/) check exact texts; this
corpus checks that nothing hostile escapes those rules.

Usage: hostile.py VPCESD WORKDIR [--keep] [--only SUBSTRING]  (tests/config/hostile.sh)
Permission cases need a non-root reader: as root they run vpcesd through
setpriv(1) as nobody, or are skipped (and counted) when that is impossible.
"""

import argparse
import gzip
import os
import random
import re
import shutil
import stat
import subprocess
import sys

ARN_PREFIX = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/web/"
ARN = ARN_PREFIX + "50dc6c495c0c9188"
GOOD_SERVICES = f"""services:
  - name: "api"
    network_load_balancer_arns:
      - "{ARN}"
    acceptance_required: true
    allowed_principals:
      - "arn:aws:iam::210987654321:root"
    tags:
      team: "platform"
"""
MIB = 1024 * 1024
BIDI = re.compile("[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
DIAG = re.compile(r"^(?P<path>.+?):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): (?P<msg>.+)$")
FILE_DIAG = re.compile(r"^(?P<path>/[^:]*): (?P<msg>.+)$")
SUMMARY = re.compile(r"^vpcesd: configuration in (?P<dir>.+) is invalid \((?P<n>[0-9]+) errors?\)$")
DROPPED = re.compile(r"^vpcesd: (?P<n>[0-9]+) more errors not shown$")


class Case:
    """One configuration directory: files (relative path -> bytes), special
    entries made by `make(dir)`, the regex the diagnostics must match and
    optionally the exact position "FILE:LINE:COL" of one of them."""

    def __init__(self, name, files=None, expect=".", where=None, make=None, env=None, unprivileged=False):
        self.name, self.files, self.expect, self.where = name, files or {}, expect, where
        self.make, self.env, self.unprivileged = make, env or {}, unprivileged


def svc(body):
    return {"vpcesd.yaml": b"region: us-east-1\n", "services.d/s.yaml": body}


def top(body):
    return {"vpcesd.yaml": body}


def cases():
    rng = random.Random(8)  # issue 8: the corpus is the same on every run
    out = []
    add = out.append
    good = GOOD_SERVICES.encode()

    # --- nesting ------------------------------------------------------------
    for depth in (33, 100, 1000, 100000):
        add(Case(f"nest-flow-seq-{depth}", svc(b"services: " + b"[" * depth + b"]" * depth + b"\n"), "nested deeper than 32"))
        add(Case(f"nest-flow-map-{depth}", svc(b"services: " + b"{a: " * depth + b"1" + b"}" * depth + b"\n"), "nested deeper than 32"))
    for depth in (33, 200):
        text = "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "v\n"
        add(Case(f"nest-block-map-{depth}", top(text.encode()), "nested deeper than 32"))
        text = "".join("  " * i + "-\n" for i in range(depth)) + "  " * depth + "x\n"
        add(Case(f"nest-block-seq-{depth}", svc(b"services:\n" + text.encode()), "nested deeper than 32"))
    add(Case("nest-unclosed-100k", svc(b"services: " + b"[" * 100000 + b"\n"), "nested deeper than 32|YAML"))

    # --- aliases and anchors ------------------------------------------------
    laughs = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(8))
    add(Case("alias-billion-laughs", svc(laughs.encode()), "aliases are not supported"))
    add(Case("alias-undefined", svc(b"services: *nowhere\n"), "alias|anchor|YAML"))
    add(Case("alias-self", svc(b"services: &a [*a]\n"), "alias|YAML"))
    add(Case("alias-key", svc(b"x: &k region\n*k : us-east-1\nservices: []\n"), "alias"))
    add(Case("alias-merge-bomb", svc(b"base: &b {name: a}\nservices:\n  - <<: *b\n    <<: *b\n"), "alias|merge|<<"))
    add(Case("anchor-10k", svc(b"services:\n" + b"".join(b"  - &a%d x\n" % i for i in range(10000))), "services|anchor|string|mapping"))

    # --- size ---------------------------------------------------------------
    add(Case("file-1mib-plus-1", svc(b"#" * MIB + b"\n"), "larger than 1 MiB"))
    add(Case("value-over-1mib", svc(b'services:\n  - name: "' + b"a" * (MIB + 10) + b'"\n'), "larger than 1 MiB"))
    add(Case("name-512k", svc(b'services:\n  - name: "' + b"n" * (512 * 1024) + b'"\n' + b"    network_load_balancer_arns: [" + ARN.encode() + b"]\n"), "name", "services.d/s.yaml:2:11"))
    # libyaml allows simple keys of at most 1,024 characters.
    add(Case("key-512k", top(b"k" * (512 * 1024) + b": 1\n"), "YAML syntax error", "vpcesd.yaml:1:524289"))
    add(Case("tag-value-300k", svc(good + b"      big: \"" + b"v" * 300000 + b"\"\n"), "tag"))
    add(Case("line-900k-flow", svc(b"services: [" + b"1, " * 300000 + b"1]\n"), "service|mapping"))
    add(Case("principals-50k", svc(b'services:\n  - name: a\n    network_load_balancer_arns: ["' + ARN.encode() + b'"]\n    allowed_principals: [' + b", ".join(b'"arn:aws:iam::%012d:root"' % (i % 7) for i in range(50000)) + b"]\n"), "duplicate|principal"))
    add(Case("unknown-keys-20k", top(b"".join(b"k%05d: 1\n" % i for i in range(20000))), "unknown key"))
    add(Case("empty-docs-100k", svc(b"---\n" * 100000), "document|YAML"))
    for n, parts in ((10001, 11),):
        files = {"vpcesd.yaml": b"region: us-east-1\n"}
        per = -(-n // parts)
        for p in range(parts):
            # Each on its own load balancer: EC2 allows one service per load
            # balancer, and so does vpcesd; the limit is what is tested here.
            body = b"services:\n" + b"".join(b"  - {name: s%05d, network_load_balancer_arns: [%s%016x]}\n" % (i, ARN_PREFIX.encode(), i) for i in range(p * per, min(n, (p + 1) * per)))
            files[f"services.d/p{p:02d}.yaml"] = body
        add(Case(f"services-{n}", files, "more than 10,?000 services|10000"))
    # 10,000 services on one load balancer: 9,999 diagnostics, 1,000 shown.
    files = {"vpcesd.yaml": b"region: us-east-1\n"}
    for p in range(10):
        files[f"services.d/p{p}.yaml"] = b"services:\n" + b"".join(b"  - {name: s%05d, network_load_balancer_arns: [%s]}\n" % (i, ARN.encode()) for i in range(p * 1000, (p + 1) * 1000))
    add(Case("lb-shared-10000", files, r"(?s)service 's00001' uses load balancer [^ ]*, which service 's00000' already uses .*8999 more errors not shown", "services.d/p0.yaml:3:49"))

    # --- bytes --------------------------------------------------------------
    for i, size in enumerate((1, 7, 64, 512, 4096, 65536, 300000, MIB - 1)):
        data = bytes(rng.getrandbits(8) for _ in range(min(size, 4096))) * (size // 4096 + 1)
        add(Case(f"random-{size}", svc(data[:size]), "."))
    for i in range(6):
        data = bytearray(good)
        for _ in range(8):
            data[rng.randrange(len(data))] = rng.getrandbits(8)
        add(Case(f"flipped-bytes-{i}", svc(bytes(data)), "."))
    add(Case("gzip-yaml", svc(gzip.compress(good)), "UTF-8|NUL|YAML"))
    add(Case("elf-header", svc(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56), "NUL|control|YAML|UTF-8"))
    add(Case("png-header", svc(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "UTF-8|NUL"))
    for pos, label in ((0, "start"), (good.index(b"name"), "key"), (good.index(b"platform"), "value"), (len(good), "end")):
        add(Case(f"nul-{label}", svc(good[:pos] + b"\x00" + good[pos:]), "NUL byte"))
    add(Case("nul-only", svc(b"\x00" * 100), "NUL byte", "services.d/s.yaml:1:1"))
    add(Case("nul-escape-in-name", svc(good.replace(b'"api"', b'"a\\0pi"')), "NUL"))
    add(Case("nul-in-vpcesd-yaml", top(b"region: us-east-1\nowner: a\x00b\n"), "NUL byte", "vpcesd.yaml:2:9"))

    # --- encodings ----------------------------------------------------------
    add(Case("utf16-le-bom", svc(b"\xff\xfe" + GOOD_SERVICES.encode("utf-16-le")), "UTF-8"))
    add(Case("utf16-be-bom", svc(b"\xfe\xff" + GOOD_SERVICES.encode("utf-16-be")), "UTF-8"))
    add(Case("utf32-le-bom", svc(b"\xff\xfe\x00\x00" + GOOD_SERVICES.encode("utf-32-le")), "UTF-8|NUL"))
    add(Case("utf16-no-bom", svc(GOOD_SERVICES.encode("utf-16-le")), "UTF-8|NUL"))
    for label, seq in (("overlong-slash", b"\xc0\xaf"), ("surrogate", b"\xed\xa0\x80"), ("past-10ffff", b"\xf4\x90\x80\x80"), ("lone-continuation", b"\x80"), ("truncated-3byte", b"\xe2\x82"), ("latin1", b"caf\xe9"), ("ff", b"\xff")):
        add(Case(f"utf8-{label}", svc(good.replace(b"platform", b"plat" + seq + b"form")), "invalid UTF-8", "services.d/s.yaml:9:"))
    add(Case("control-chars-in-key", top(b"region: us-east-1\n\"\\e]0;pwned\\a\\e[2J\": 1\n"), "unknown key"))
    add(Case("bidi-override-in-name", svc(good.replace(b'"api"', "\"ap\u202ei\"".encode())), "name"))
    add(Case("c1-control-in-value", svc(good.replace(b"platform", "plat\u009bform".encode())), r"control characters are not allowed \(U\+009B\)", "services.d/s.yaml:9:18"))
    add(Case("raw-escape-byte", svc(good.replace(b"platform", b"plat\x1b[31mform")), r"control characters are not allowed \(U\+001B\)", "services.d/s.yaml:9:18"))

    # --- truncations of a valid file (all inside a quoted scalar or a flow) --
    for i, frac in enumerate((0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95)):
        text = b'services: [{name: "web", network_load_balancer_arns: ["' + ARN.encode() + b'"], tags: {team: "platform", env: "prod"}}]\n'
        cut = max(11, int(len(text) * frac))
        add(Case(f"truncated-flow-{i}", svc(text[:cut]), "YAML"))
    for i, needle in enumerate((b'"ap', b'"arn:aws:elasticloadbal', b'"arn:aws:iam::2109', b'"plat')):
        add(Case(f"truncated-quote-{i}", svc(good[: good.index(needle) + len(needle)]), "YAML"))

    # --- YAML shapes --------------------------------------------------------
    for label, body in (
        ("tab-indent", b"services:\n\t- name: a\n"),
        ("multi-doc", good + b"---\n" + good),
        ("tag-binary", b"services: !!binary aGVsbG8=\n"),
        ("tag-python", b"services: !!python/object:os.system [ls]\n"),
        ("tag-custom", b"services:\n  - !svc {name: a}\n"),
        ("complex-key", b"? [a, b]\n: c\nservices: []\n"),
        ("directive-yaml-9", b"%YAML 9.9\n---\nservices: []\n"),
        ("directive-tag", b"%TAG !e! tag:evil.example,2024:\n---\nservices: !e!list []\n"),
        ("services-scalar", b"services: yes\n"),
        ("services-map", b"services: {name: a}\n"),
        ("service-scalar", b"services: [a, b, c]\n"),
        ("service-null", b"services:\n  -\n"),
        ("key-null", b"~: 1\nservices: []\n"),
        ("key-int", b"1: 1\nservices: []\n"),
        ("key-empty", b'"": 1\nservices: []\n'),
        ("key-duplicate-1000", b"services: []\n" + b"services: []\n" * 1000),
        ("top-sequence", b"- services\n"),
        ("top-scalar", b"just a string\n"),
        ("only-comment-bang", b"#!/bin/sh\nrm -rf /\n"),
        ("json-with-trailing", b'{"services": []}}\n'),
        ("unterminated-quote", b'services: "\n'),
        ("unterminated-single", b"services: 'abc\n"),
        ("bad-escape", b'services: [{name: "\\q"}]\n'),
        ("bad-unicode-escape", b'services: [{name: "\\uD800"}]\n'),
        ("block-scalar-huge-indent", b"services: |" + b"9" * 20 + b"\n  x\n"),
        ("flow-in-block-mix", b"services:\n  - name: a\n  {b: c}\n"),
        ("anchor-on-services", b"services: &s []\nx: *s\n"),
        ("shell-injection-name", svc_body(b'"a; rm -rf /"')),
        ("path-traversal-name", svc_body(b'"../../etc/passwd"')),
        ("format-string-name", svc_body(b'"%s%n%x%p"')),
    ):
        add(Case(f"yaml-{label}", svc(body), "."))

    # --- numbers --------------------------------------------------------------
    for label, line in (
        ("interval-huge", b"interval: 99999999999999999999999s\n"),
        ("interval-negative", b"interval: -5s\n"),
        ("interval-float", b"interval: 1.5e308s\n"),
        ("interval-nan", b"interval: .nan\n"),
        ("rate-inf", b"api: {rate: .inf}\n"),
        ("rate-2pow64", b"api: {rate: 18446744073709551617}\n"),
        ("rate-hex", b"api: {rate: 0x10}\n"),
        ("rate-octal", b"api: {rate: 0o17}\n"),
        ("rate-negative-zero", b"api: {rate: -0}\n"),
        ("concurrency-float", b"api: {concurrency: 1.0}\n"),
        ("max-per-cycle-huge", b"delete: {max_per_cycle: 1e400}\n"),
        ("jitter-percent-huge", b"jitter: 1000000000000000000000%\n"),
        ("max-fraction-huge", b"delete: {max_fraction: 18446744073709551617%}\n"),
        ("max-fraction-negative", b"delete: {max_fraction: -0%}\n"),
        ("timeout-units", b"api: {timeout: 1fortnight}\n"),
        ("timeout-overflow-units", b"api: {timeout: 9223372036854775807h}\n"),
    ):
        add(Case(f"number-{label}", top(b"region: us-east-1\n" + line), "."))

    # --- file system ----------------------------------------------------------
    def symlink(target, at):
        return lambda d: os.symlink(target, os.path.join(d, at))

    add(Case("fs-symlink-loop", {"vpcesd.yaml": b"region: us-east-1\n"}, "symbolic links|loop|cannot", make=lambda d: (os.symlink("b.yaml", f"{d}/services.d/a.yaml"), os.symlink("a.yaml", f"{d}/services.d/b.yaml"))))
    add(Case("fs-symlink-self", {"vpcesd.yaml": b"region: us-east-1\n"}, "symbolic links|loop|cannot", make=symlink("self.yaml", "services.d/self.yaml")))
    add(Case("fs-dangling-symlink", {"vpcesd.yaml": b"region: us-east-1\n"}, "No such file|cannot", make=symlink("missing.yaml", "services.d/a.yaml")))
    add(Case("fs-dev-zero", {"vpcesd.yaml": b"region: us-east-1\n"}, "not a regular file", make=symlink("/dev/zero", "services.d/zero.yaml")))
    add(Case("fs-dev-urandom-top", {}, "not a regular file", make=symlink("/dev/urandom", "vpcesd.yaml")))
    add(Case("fs-fifo", {"vpcesd.yaml": b"region: us-east-1\n"}, "not a regular file", make=lambda d: os.mkfifo(f"{d}/services.d/f.yaml")))
    add(Case("fs-fifo-top", {}, "not a regular file", make=lambda d: os.mkfifo(f"{d}/vpcesd.yaml")))
    add(Case("fs-dir-as-file", {"vpcesd.yaml": b"region: us-east-1\n"}, "not a regular file", make=lambda d: os.mkdir(f"{d}/services.d/x.yaml")))
    add(Case("fs-services-d-is-file", {"vpcesd.yaml": b"region: us-east-1\n"}, "not a directory", make=lambda d: (os.rmdir(f"{d}/services.d"), open(f"{d}/services.d", "w").close())))
    # A missing services.d is an error (an empty desired state would delete
    # everything under policy: sync); a dangling symlink is not "missing".
    add(Case("fs-services-d-missing", {"vpcesd.yaml": b"region: us-east-1\n"}, r"services\.d: no such directory: the service specs live there \(create it", make=lambda d: os.rmdir(f"{d}/services.d")))
    add(Case("fs-config-dir-empty", {}, r"services\.d: no such directory", make=lambda d: os.rmdir(f"{d}/services.d")))
    add(Case("fs-services-d-dangling", {"vpcesd.yaml": b"region: us-east-1\n"}, r"services\.d: cannot open directory: No such file", make=lambda d: (os.rmdir(f"{d}/services.d"), os.symlink("missing.d", f"{d}/services.d"))))
    add(Case("fs-services-d-loop", {"vpcesd.yaml": b"region: us-east-1\n"}, "symbolic links|loop|cannot|not a directory", make=lambda d: (os.rmdir(f"{d}/services.d"), os.symlink("services.d", f"{d}/services.d"))))
    add(Case("fs-proc-status", {}, "unknown key", make=symlink("/proc/self/status", "vpcesd.yaml")))
    add(Case("fs-socket", {"vpcesd.yaml": b"region: us-east-1\n"}, "not a regular file", make=make_socket))
    add(Case("fs-unreadable-file", {"vpcesd.yaml": b"region: us-east-1\n", "services.d/s.yaml": good}, "Permission denied", make=lambda d: os.chmod(f"{d}/services.d/s.yaml", 0), unprivileged=True))
    add(Case("fs-unreadable-top", {"vpcesd.yaml": b"region: us-east-1\n"}, "Permission denied", make=lambda d: os.chmod(f"{d}/vpcesd.yaml", 0), unprivileged=True))
    add(Case("fs-unreadable-dir", {"vpcesd.yaml": b"region: us-east-1\n", "services.d/s.yaml": good}, "Permission denied", make=lambda d: os.chmod(f"{d}/services.d", 0), unprivileged=True))
    add(Case("fs-unsearchable-dir", {"vpcesd.yaml": b"region: us-east-1\n", "services.d/s.yaml": good}, "Permission denied", make=lambda d: os.chmod(f"{d}/services.d", 0o444), unprivileged=True))
    add(Case("fs-file-name-escape", {"vpcesd.yaml": b"region: us-east-1\n", "services.d/\x1b]0;t\x07.yaml": b"services: 1\n"}, "services"))
    add(Case("fs-file-name-newline", {"vpcesd.yaml": b"region: us-east-1\n", "services.d/a\nb.yaml": b"services: 1\n"}, "services"))
    return out


def svc_body(name):
    return b"services:\n  - name: " + name + b"\n    network_load_balancer_arns: [" + ARN.encode() + b"]\n"


def make_socket(d):
    import socket

    s = socket.socket(socket.AF_UNIX)
    s.bind(f"{d}/services.d/sock.yaml")
    s.close()


# --- running and judging -------------------------------------------------------


def build(case, root):
    d = os.path.join(root, case.name)
    os.makedirs(os.path.join(d, "services.d"))
    for rel, data in case.files.items():
        path = os.path.join(d, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    if case.make:
        case.make(d)
    return d


def run(argv, d, case, runner):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AWS_REGION": "us-east-1", "LC_ALL": "C"}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    env.update(case.env)
    try:
        p = subprocess.run(runner + argv + ["--config-dir", d], capture_output=True, env=env, timeout=60)
    except subprocess.TimeoutExpired:
        return None
    return p


def judge(case, d, p, label):
    """Problems with one run, as strings (empty: fine)."""
    if p is None:
        return [f"{label}: no answer within 60 s"]
    problems = []
    if p.returncode != 1:
        problems.append(f"{label}: exit {p.returncode}, expected 1" + (" (killed by a signal)" if p.returncode < 0 else ""))
    if p.stdout:
        problems.append(f"{label}: {len(p.stdout)} bytes on stdout (partial output): {p.stdout[:120]!r}")
    try:
        text = p.stderr.decode("utf-8")
    except UnicodeDecodeError as err:
        return problems + [f"{label}: stderr is not UTF-8 ({err})"]
    if re.search(r"[\x00-\x09\x0b-\x1f\x7f]", text) or BIDI.search(text):
        problems.append(f"{label}: control or bidi characters on stderr: {text[:200]!r}")
    lines = text.splitlines()
    if not lines:
        return problems + [f"{label}: no diagnostic at all"]
    m = SUMMARY.match(lines[-1])
    if not m:
        return problems + [f"{label}: last line is not the summary: {lines[-1][:200]!r}"]
    n_diags = 0
    for line in lines[:-1]:
        dm = DIAG.match(line) or FILE_DIAG.match(line)
        if dm:
            path = dm.group("path")
            if not (path == d or path.startswith(d + "/")):
                problems.append(f"{label}: diagnostic names a path outside the case: {line[:200]!r}")
            n_diags += 1
            continue
        dropped = DROPPED.match(line)
        if dropped:
            n_diags += int(dropped.group("n"))
            continue
        problems.append(f"{label}: malformed diagnostic line: {line[:200]!r}")
    if n_diags == 0:
        problems.append(f"{label}: the summary is not preceded by any diagnostic")
    elif int(m.group("n")) != n_diags:
        problems.append(f"{label}: summary says {m.group('n')} errors, {n_diags} shown or counted")
    if not re.search(case.expect, text, re.IGNORECASE):
        problems.append(f"{label}: no diagnostic matches /{case.expect}/: {text[:300]!r}")
    if case.where and f"{d}/{case.where}" not in text:
        problems.append(f"{label}: no diagnostic at {case.where}: {text[:300]!r}")
    return problems


def unprivileged_runner(root, vpcesd):
    """argv prefix running vpcesd as nobody (root only), or None."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        return None
    copy = os.path.join(root, "vpcesd-copy")
    shutil.copy2(vpcesd, copy)
    os.chmod(copy, 0o755)
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"], copy


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vpcesd")
    ap.add_argument("root", help="scratch directory (created, emptied)")
    ap.add_argument("--keep", action="store_true", help="keep the case directories")
    ap.add_argument("--only", help="run the cases whose name contains this")
    args = ap.parse_args()
    vpcesd, root, keep, only = args.vpcesd, args.root, args.keep, args.only
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    os.chmod(root, 0o755)  # the unprivileged cases read through it
    all_cases = [c for c in cases() if only is None or only in c.name]
    names = [c.name for c in all_cases]
    assert len(names) == len(set(names)), "duplicate case names"
    priv = unprivileged_runner(root, vpcesd)
    failed = skipped = 0
    for case in all_cases:
        runner, binary = [], vpcesd
        if case.unprivileged:
            if priv is None:
                print(f"skip {case.name}: running as root without setpriv(1)")
                skipped += 1
                continue
            if priv:
                runner, binary = priv
        d = build(case, root)
        problems = []
        for argv, label in (([binary, "--check-config"], "--check-config"), ([binary, "--dump-config"], "--dump-config")):
            problems += judge(case, d, run(argv, d, case, runner), label)
        if problems:
            failed += 1
            print(f"FAIL {case.name}")
            for pr in problems:
                print(f"  {pr}")
        if not keep:
            for dirpath, dirnames, _ in os.walk(d):  # chmod 0 dirs back so rmtree can enter
                for dn in dirnames:
                    p = os.path.join(dirpath, dn)
                    if not os.path.islink(p):
                        os.chmod(p, stat.S_IRWXU)
            shutil.rmtree(d, ignore_errors=True)
    print(f"{len(all_cases)} hostile configurations, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
