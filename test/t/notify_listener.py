#!/usr/bin/python3
"""LISTEN on swisper_project_status and append every notification to a file.

Used by test/t/040_heartbeat_worker.pl and bench/heartbeat_bench.sh.  Each
line is JSON: {"received_at": <unix time>, "payload": <the payload>}.  The
line READY is written once listening; the listener reconnects when the server
restarts, and exits when its parent does or after 60 s without a server.

Usage: notify_listener.py CONNINFO OUTFILE
"""
import json
import os
import select
import sys
import time

import psycopg

# Inherited descriptors (such as a flock on the install lock) must not be
# kept alive by this process.
os.closerange(3, 1024)

conninfo, outfile = sys.argv[1], sys.argv[2]
parent = os.getppid()
last_ok = time.time()

with open(outfile, "a", buffering=1) as out:

    def received(n):
        out.write(json.dumps({"received_at": time.time(),
                              "payload": json.loads(n.payload)}) + "\n")

    while os.getppid() == parent and time.time() - last_ok < 60:
        try:
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.add_notify_handler(received)
                conn.execute("LISTEN swisper_project_status")
                out.write("READY\n")
                while os.getppid() == parent:
                    last_ok = time.time()
                    # Wake when the server sends something (or after 1 s);
                    # running a query delivers pending notifications to
                    # the handler.
                    select.select([conn.fileno()], [], [], 1.0)
                    conn.execute("SELECT 1")
        except psycopg.OperationalError:
            time.sleep(0.2)
