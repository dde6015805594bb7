#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""http-fixture.py: a small HTTPS server for tests/test-http.c.

The HTTP client is tested against real sockets and real TLS, not mocks, so
that keep-alive, timeouts, resets and certificate checks are exercised the
way libcurl meets them in production.  This server listens on loopback only
(port 0, the kernel picks) and offers:

  /echo            JSON of method, path, request headers and body
  /status/N        status N; ?retry_after=MS adds x-amz-retry-after, ?age=S an Age
                   (every answer has http.server's Date)
  /big/N           N bytes with Content-Length
  /chunked/N       N bytes, chunked (no Content-Length in advance)
  /gzip            a gzip body with Content-Encoding (must stay undecoded)
  /stall           reads the request, then never answers
  /reset           reads the request, then resets the TCP connection
  /close           answers with Connection: close
  /stats           {"connections": N}: TCP connections accepted so far

One listener per certificate (--tls NAME=CERT:KEY), one plain-HTTP listener
("plain") and one "blackhole" socket that listens but never accepts, so a
connection completes in the kernel and then nothing ever answers.  When all
are bound, the JSON map NAME -> port is written to --ready atomically.
"""

import argparse
import gzip
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 1 << 20


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.connections = 0

    def bump(self):
        with self.lock:
            self.connections += 1

    def get(self):
        with self.lock:
            return self.connections


COUNTER = Counter()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "http-fixture"

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def reply(self, status, body, ctype="text/plain", extra=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", "fixture-req-%d" % status)
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        body = self.read_body()
        path, _, query = self.path.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        parts = path.strip("/").split("/")
        head = parts[0]
        if head == "echo":
            doc = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
            }
            self.reply(200, json.dumps(doc).encode(), "application/json")
        elif head == "status" and len(parts) == 2:
            extra = {}
            if "retry_after" in params:
                extra["x-amz-retry-after"] = params["retry_after"]
            if "age" in params:
                extra["Age"] = params["age"]
            code = int(parts[1])
            self.reply(code, b"status %d" % code, "text/xml", extra)
        elif head == "big" and len(parts) == 2:
            self.reply(200, b"x" * int(parts[1]))
        elif head == "chunked" and len(parts) == 2:
            n = int(parts[1])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            chunk = b"y" * 65536
            while n > 0:
                c = chunk[: min(n, len(chunk))]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                n -= len(c)
            self.wfile.write(b"0\r\n\r\n")
        elif head == "gzip":
            self.reply(200, gzip.compress(b"z" * 100000), "text/plain",
                       {"Content-Encoding": "gzip"})
        elif head == "stall":
            # Hold the connection open without answering; the client's
            # timeout must end it.  The thread dies with the process.
            time.sleep(3600)
        elif head == "reset":
            self.wfile.flush()
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            # SO_LINGER 0 turns close() into a TCP RST, with no TLS close_notify.
            self.connection.close()
            self.close_connection = True
        elif head == "close":
            self.close_connection = True
            self.reply(200, b"closing", "text/plain", {"Connection": "close"})
        elif head == "stats":
            doc = {"connections": COUNTER.get()}
            self.reply(200, json.dumps(doc).encode(), "application/json")
        else:
            self.reply(404, b"no such fixture endpoint")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, addr, tls_ctx):
        self.tls_ctx = tls_ctx
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        # Count and handshake in the connection's own thread, so a client
        # that stalls or fails the handshake never blocks accept().
        COUNTER.bump()
        if self.tls_ctx is not None:
            try:
                request = self.tls_ctx.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
        try:
            Handler(request, client_address, self)
        except (ConnectionError, ssl.SSLError, OSError):
            pass

    def handle_error(self, request, client_address):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ready", required=True)
    ap.add_argument("--tls", action="append", default=[],
                    help="NAME=CERT:KEY")
    args = ap.parse_args()

    ports = {}
    servers = []
    for spec in args.tls:
        name, _, files = spec.partition("=")
        cert, _, key = files.partition(":")
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(cert, key)
        srv = Server(("127.0.0.1", 0), ctx)
        ports[name] = srv.server_address[1]
        servers.append(srv)
    plain = Server(("127.0.0.1", 0), None)
    ports["plain"] = plain.server_address[1]
    servers.append(plain)

    hole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    hole.bind(("127.0.0.1", 0))
    hole.listen(64)
    ports["blackhole"] = hole.getsockname()[1]

    for srv in servers:
        threading.Thread(target=srv.serve_forever, daemon=True).start()

    tmp = args.ready + ".tmp"
    with open(tmp, "w") as f:
        json.dump(ports, f)
    os.rename(tmp, args.ready)

    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
