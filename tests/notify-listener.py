#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""A stand-in for systemd's notification socket.

notify-listener.py SOCKET OUT: binds an AF_UNIX datagram socket at SOCKET
and appends every message it receives to OUT as one JSON line
{"t": monotonic seconds, "msg": "READY=1"}, flushed at once, until killed.
Tests read OUT to assert the exact sd_notify sequence of the daemon.
"""
import json
import os
import socket
import sys
import time


def main() -> int:
    path, out = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    with open(out, "a", encoding="utf-8") as f:
        f.write(json.dumps({"t": time.monotonic(), "msg": "LISTENING"}) + "\n")
        f.flush()
        while True:
            data = sock.recv(65536)
            f.write(json.dumps({"t": time.monotonic(), "msg": data.decode("utf-8", "replace")}) + "\n")
            f.flush()


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
