#!/usr/bin/env python3
# Answers every request with a redirect, for the worker's hostile-request
# test. SPDX-License-Identifier: LGPL-2.1-or-later
#
# usage: redirect-server.py TARGET LOG
#
# Serves on 127.0.0.1 at a free port, printed as the first line of stdout;
# every GET/HEAD gets "302 Found" with Location TARGET and appends its path
# to LOG. It runs until killed.
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    target = ""
    log = ""

    def log_message(self, *args):
        pass

    def do_GET(self):
        with open(self.log, "a") as f:
            f.write(f"302 {self.path}\n")
        self.send_response(302)
        self.send_header("Location", self.target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET


def main():
    Handler.target = sys.argv[1]
    Handler.log = sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
