#!/usr/bin/python3
"""Delay from a threshold crossing to its NOTIFY, as a LISTENing client sees it.

Sends one heartbeat for each of N projects (spread over one second), then waits for their stale and
disconnected notifications; the delay of each is its arrival time minus
(last_seen + threshold).  Prints "median_ms max_ms count".  The thresholds
must be set (swisper.stale_after / swisper.disconnect_after) before.

Usage: heartbeat_notify_delay.py PREFIX N STALE_S DISCONNECT_S   (libpq env vars)
"""
import datetime
import json
import select
import statistics
import sys
import time

import psycopg

prefix, n, stale_s, disconnect_s = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
ids = ["%s-%04d" % (prefix, i) for i in range(1, n + 1)]

threshold = {"stale": stale_s, "disconnected": disconnect_s}
delays = []
want = {(p, s) for p in ids for s in threshold}


def received(note):
    now = time.time()
    payload = json.loads(note.payload)
    key = (payload["project_id"], payload["status"])
    if key in want:
        want.discard(key)
        last_seen = datetime.datetime.fromisoformat(payload["last_seen"]).timestamp()
        delays.append(now - (last_seen + threshold[payload["status"]]))


listener = psycopg.connect(autocommit=True)
listener.add_notify_handler(received)
listener.execute("LISTEN swisper_project_status")
sender = psycopg.connect(autocommit=True)
# Spread the heartbeats over one second, so that the crossings fall at every
# phase of the worker's 1 s tick.
for p in ids:
    sender.execute("SELECT swisper.heartbeat(%s)", (p,))
    time.sleep(1.0 / n)

deadline = time.time() + disconnect_s + 30
while want and time.time() < deadline:
    select.select([listener.fileno()], [], [], 0.5)
    listener.execute("SELECT 1")

if want:
    print("missing %d notifications" % len(want), file=sys.stderr)
print("%.0f %.0f %d" % (statistics.median(delays) * 1000, max(delays) * 1000, len(delays)))
