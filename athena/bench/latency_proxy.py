#!/usr/bin/env python3
"""A latency model for Athena in front of moto, for benchmarks.

moto answers SUCCEEDED to GetQueryExecution at once. This HTTP proxy
forwards every request to moto unchanged, remembers when each
StartQueryExecution was answered, and rewrites GetQueryExecution answers to
"State": "RUNNING" until LATENCY seconds (default 1.0) have passed since the
start: every query takes about one second, whatever its text, as Athena DDL
does. Nothing else is changed.

usage: latency_proxy.py LISTEN_PORT UPSTREAM_URL [LATENCY_SECONDS]
"""
import http.client
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

PORT = int(sys.argv[1])
UP = urlparse(sys.argv[2])
LATENCY = float(sys.argv[3]) if len(sys.argv) > 3 else 1.0
STARTED = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        target = self.headers.get("X-Amz-Target", "")
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        conn = http.client.HTTPConnection(UP.hostname, UP.port, timeout=60)
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if target.endswith("StartQueryExecution") and resp.status == 200:
            qid = json.loads(data).get("QueryExecutionId")
            with LOCK:
                STARTED[qid] = time.monotonic()
        elif target.endswith("GetQueryExecution") and resp.status == 200:
            qid = json.loads(body).get("QueryExecutionId")
            with LOCK:
                started = STARTED.get(qid)
            if started is not None and time.monotonic() - started < LATENCY:
                doc = json.loads(data)
                status = doc.get("QueryExecution", {}).get("Status", {})
                if status.get("State") == "SUCCEEDED":
                    status["State"] = "RUNNING"
                    status.pop("CompletionDateTime", None)
                    data = json.dumps(doc).encode()
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        conn.close()

    do_POST = _forward
    do_GET = _forward


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
