#!/usr/bin/env python3
# A file server for the launcher tests, so http:// sources run end to end.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# usage: http-server.py DIR LOG [--ranges]
#
# Serves DIR on 127.0.0.1 at a free port, printed as the first line of
# stdout. With --ranges it answers Range requests with 206 Partial Content
# (as web servers and object stores do); without, it sends the whole file
# whatever the request says, like python's own http.server. Every request
# appends "STATUS RANGE PATH" to LOG. It runs until killed.
import http.server
import os
import re
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    root = "."
    log = os.devnull
    ranges = False

    def log_message(self, *args):
        pass

    def note(self, status, rng):
        with open(self.log, "a") as f:
            f.write(f"{status} {rng or '-'} {self.path}\n")

    def do_GET(self):
        rel = self.path.split("?", 1)[0].lstrip("/")
        path = os.path.realpath(os.path.join(self.root, rel))
        if not path.startswith(self.root + os.sep) or not os.path.isfile(path):
            self.note(404, None)
            self.send_error(404, "File not found")
            return
        size = os.path.getsize(path)
        rng = self.headers.get("Range")
        start, end, status = 0, size - 1, 200
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", rng or "")
        if self.ranges and m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                if m.group(2):
                    end = min(int(m.group(2)), size - 1)
            else:
                start = max(0, size - int(m.group(2)))
            if start > end:
                self.note(416, rng)
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 206
        self.note(status, rng)
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(end - start + 1))
        if self.ranges:
            self.send_header("Accept-Ranges", "bytes")
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.end_headers()
        with open(path, "rb") as f:
            f.seek(start)
            left = end - start + 1
            while left > 0:
                chunk = f.read(min(left, 1 << 16))
                if not chunk:
                    break
                try:
                    self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    return
                left -= len(chunk)


def main():
    Handler.root = os.path.realpath(sys.argv[1])
    Handler.log = sys.argv[2]
    Handler.ranges = "--ranges" in sys.argv[3:]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
