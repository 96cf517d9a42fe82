#!/usr/bin/env python3
# End-to-end tests of imm-convert --worker / --submit on Redis Streams.
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# usage: worker.py CASE    (IMM_CONVERT points at the binary)
#
# Every case starts its own redis-server on 127.0.0.1 at a free port
# (--save "" --appendonly no), makes its fixtures with ffmpeg in a
# temporary storage root, and kills everything it started at the end.
# Waits are bounded; a case fails with the first broken promise.
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

IC = os.environ["IMM_CONVERT"]
HERE = os.path.dirname(os.path.abspath(__file__))
HTTP_SERVER = os.environ.get("IMM_TEST_HTTP_SERVER",
                             os.path.join(HERE, "..", "launcher",
                                          "http-server.py"))
# generous: the machine may be busy with other builds
SLOW = float(os.environ.get("IMM_TEST_SLOW", "1"))


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


def wait_for(what, pred, timeout):
    end = time.monotonic() + timeout * SLOW
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise Fail(f"timed out after {timeout * SLOW:.0f} s waiting for {what}")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- a minimal RESP client (the tests read Redis as any consumer would) --

class Client:
    def __init__(self, port, db=0):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.f = self.sock.makefile("rb")
        if db:
            self.cmd("SELECT", db)

    def close(self):
        self.f.close()
        self.sock.close()

    def cmd(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self._read()

    def _read(self):
        line = self.f.readline()
        if not line:
            raise Fail("Redis closed the connection")
        kind, rest = line[:1], line[1:-2]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise Fail("Redis error: " + rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            if n < 0:
                return None
            data = self.f.read(n + 2)[:-2]
            return data.decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._read() for _ in range(n)]
        raise Fail(f"bad RESP line {line!r}")

    def entries(self, stream):
        return [(e[0], dict(zip(e[1][::2], e[1][1::2])))
                for e in self.cmd("XRANGE", stream, "-", "+")]

    def pending(self):
        try:
            return self.cmd("XPENDING", "imm:tasks", "imm")[0]
        except Fail:
            return 0


class Redis:
    def __init__(self, tmp, password=None):
        self.port = free_port()
        self.tmp = tmp
        self.proc = None
        self.password = password
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.tmp] +
            (["--requirepass", self.password] if self.password else []),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def up():
            try:
                c = Client(self.port)
            except OSError:
                return False
            try:
                return c.cmd("PING") == "PONG"
            except Fail as e:
                return "NOAUTH" in str(e)   # it answers, asking for AUTH
            finally:
                c.close()
        wait_for("redis-server to answer", up, 20)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(30)

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db=0):
        return Client(self.port, db)


# ---- processes ----

class Env:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="imm-worker-test-")
        self.root = os.path.join(self.tmp, "root")
        os.makedirs(os.path.join(self.root, "b"))
        self.procs = []
        self.redis = Redis(self.tmp)
        self.logs = []

    def close(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(30)
        self.redis.stop()
        subprocess.run(["rm", "-rf", self.tmp])

    def worker(self, name, *extra, db=0, env=None):
        log = os.path.join(self.tmp, f"worker-{name}.log")
        self.logs.append(log)
        p = subprocess.Popen(
            [IC, "--worker", self.redis.url(db), "--consumer", name,
             "--storage-root", self.root] + list(extra),
            stdout=subprocess.DEVNULL, stderr=open(log, "ab"),
            env=dict(os.environ, **(env or {})))
        self.procs.append(p)
        return p

    def submit(self, req, task_id, wait=False, db=0, timeout=120):
        path = os.path.join(self.tmp, f"{task_id}.json")
        with open(path, "w") as f:
            json.dump(req, f)
        args = [IC, "--submit", self.redis.url(db), "--task-id", task_id]
        if wait:
            args += ["--wait", "--timeout", str(timeout * SLOW)]
        return subprocess.Popen(args + [path], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def run_submit(self, req, task_id, wait=False, db=0, timeout=120):
        p = self.submit(req, task_id, wait, db, timeout)
        out, err = p.communicate(timeout=timeout * SLOW + 30)
        return p.returncode, out, err

    def staging(self):
        return [n for n in os.listdir(self.root) if n.startswith(".imm-")]

    def show_logs(self):
        for log in self.logs:
            with open(log) as f:
                sys.stderr.write(f"--- {log}\n{f.read()}")


def ffmpeg(*args):
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y"] + list(args),
                   check=True, timeout=120)


def make_video(path, seconds, size="320x240"):
    ffmpeg("-f", "lavfi", "-i", f"testsrc=size={size}:rate=25",
           "-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p",
           "-g", "25", path)


def make_mp3_with_cover(tmp, path):
    cover = os.path.join(tmp, "cover.jpg")
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=200x100", "-frames:v", "1",
           cover)
    ffmpeg("-f", "lavfi", "-i", "sine=d=2", "-i", cover, "-map", "0:a",
           "-map", "1:v", "-c:a", "libmp3lame", "-c:v", "copy",
           "-id3v2_version", "3", "-metadata:s:v", "comment=Cover (front)",
           path)


# ---- oracles ----

def probe_size(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0",
         "-show_entries", "stream=width,height", "-of", "csv=p=0", path],
        capture_output=True, text=True, timeout=60).stdout.strip()
    w, h = out.split(",")[:2]
    return int(w), int(h)


def gif_info(path):
    """Canvas size and frame count, as ffmpeg's GIF decoder reads them."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
         "-show_entries", "stream=width,height,nb_read_frames", "-of",
         "csv=p=0", path], capture_output=True, text=True,
        timeout=120).stdout.strip()
    w, h, n = out.split(",")[:3]
    return int(w), int(h), int(n)


def webp_info(path):
    data = open(path, "rb").read()
    check(data[:4] == b"RIFF" and data[8:12] == b"WEBP", f"{path}: not WebP")
    pos, w, h, frames = 12, 0, 0, 0
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], struct.unpack("<I",
                                                     data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if tag == b"VP8X":
            w = 1 + int.from_bytes(body[4:7], "little")
            h = 1 + int.from_bytes(body[7:10], "little")
        elif tag == b"ANMF":
            frames += 1
        pos += 8 + size + (size & 1)
    return w, h, frames


def local(root, uri):
    check(uri.startswith("oss://"), f"not an oss:// file: {uri}")
    return os.path.join(root, uri[6:])


# ---- requests ----

def snapshots(i, fmt="jpg", w=160, h=120, number=2):
    return {"Sources": [{"URI": "oss://b/v.mp4"}],
            "Targets": [{"Image": {"Snapshots": [{
                "Format": fmt, "URI": f"oss://out/snap{i}/{{index}}.{fmt}",
                "Interval": 1, "Number": number, "Width": w, "Height": h}]}}]}


def animation(i, fmt):
    return {"Sources": [{"URI": "oss://b/v.mp4"}],
            "Targets": [{"Image": {"Animations": [{
                "Format": fmt, "URI": f"oss://out/anim{i}.{fmt}",
                "Interval": 0.5, "Number": 4, "FrameRate": 10,
                "Width": 160, "Height": 120}]}}]}


def cover(i):
    return {"Sources": [{"URI": "oss://b/a.mp3"}],
            "Targets": [{"Image": {"Snapshots": [{
                "Format": "jpg", "URI": f"oss://out/cover{i}.jpg",
                "Width": 100, "Height": 50}]}}]}


def invalid(i):
    req = snapshots(i)
    req["Targets"][0]["Image"]["Snapshots"][0]["Mode"] = "bogus"
    return req


def long_gif(name="long"):
    # every frame of a 40 s video: a few seconds of work
    return {"Sources": [{"URI": "oss://b/long.mp4"}],
            "Targets": [{"Image": {"Animations": [{
                "Format": "gif", "URI": f"oss://out/{name}.gif",
                "FrameRate": 25}]}}]}


LONG_FRAMES = 1000


def results_by_task(client):
    by = {}
    for _, f in client.entries("imm:results"):
        by.setdefault(f["task-id"], []).append(f)
    return by


def check_long_gif(env, name="long"):
    path = os.path.join(env.root, "out", f"{name}.gif")
    check(os.path.exists(path), f"{path} missing")
    w, h, n = gif_info(path)
    check((w, h, n) == (320, 240, LONG_FRAMES),
          f"{name}.gif is {w}x{h} with {n} frames, expected 320x240 x "
          f"{LONG_FRAMES}")


# ---- cases ----

def case_mixed(env):
    """3 workers x 30 mixed tasks: each task id once, right status, files."""
    make_video(os.path.join(env.root, "b", "v.mp4"), 3)
    make_mp3_with_cover(env.tmp, os.path.join(env.root, "b", "a.mp3"))
    kinds = []
    for i in range(30):
        if i == 17:
            kinds.append(("invalid", invalid(i)))
        else:
            kinds.append([("jpg", snapshots(i)),
                          ("png", snapshots(i, "png", 80, 60, 3)),
                          ("gif", animation(i, "gif")),
                          ("webp", animation(i, "webp")),
                          ("cover", cover(i))][i % 5])
    for i, (_, req) in enumerate(kinds):
        code, out, err = env.run_submit(req, f"task-{i}")
        check(code == 0 and out.strip() == f"task-{i}",
              f"submit {i}: exit {code}, out {out!r}, err {err!r}")
    env.worker("w1")
    env.worker("w2")
    env.worker("w3", "--jobs", "2")
    c = env.redis.client()
    wait_for("30 results", lambda: len(c.entries("imm:results")) >= 30, 240)
    time.sleep(0.5)   # a 31st (duplicate) result would show up now
    by = results_by_task(c)
    check(sorted(by) == sorted(f"task-{i}" for i in range(30)),
          f"result task ids: {sorted(by)}")
    for i, (kind, req) in enumerate(kinds):
        rs = by[f"task-{i}"]
        check(len(rs) == 1, f"task-{i}: {len(rs)} results")
        res = json.loads(rs[0]["result"])
        check(res["TaskId"] == f"task-{i}", f"task-{i}: TaskId "
              f"{res['TaskId']}")
        if kind == "invalid":
            check(rs[0]["status"] == "Failed"
                  and res["Code"] == "InvalidArgument"
                  and "Targets[0].Image.Snapshots[0].Mode" in res["Message"]
                  and rs[0]["attempt"] == "1",
                  f"task-{i}: {rs[0]}")
            check(not os.path.exists(os.path.join(env.root, "out",
                                                  f"snap{i}")),
                  f"task-{i} failed but wrote files")
            continue
        check(rs[0]["status"] == "Succeeded" and res["Status"] == "Succeeded",
              f"task-{i} ({kind}): {rs[0]['status']} {res.get('Message')}")
        tgt = res["Targets"][0]["Image"]
        entry = (tgt.get("Snapshots") or tgt.get("Animations"))[0]
        files = [local(env.root, u) for u in entry["Files"]]
        if kind in ("jpg", "png"):
            n = 2 if kind == "jpg" else 3
            size = (160, 120) if kind == "jpg" else (80, 60)
            check(entry["FrameCount"] == n and len(files) == n,
                  f"task-{i}: {entry['FrameCount']} frames, files {files}")
            for f in files:
                check(probe_size(f) == size, f"{f}: {probe_size(f)}")
        elif kind == "gif":
            check(gif_info(files[0]) == (160, 120, 4),
                  f"{files[0]}: {gif_info(files[0])}")
        elif kind == "webp":
            check(webp_info(files[0]) == (160, 120, 4),
                  f"{files[0]}: {webp_info(files[0])}")
        else:
            check(entry["FrameCount"] == 1 and probe_size(files[0]) ==
                  (100, 50), f"{files[0]}: {probe_size(files[0])}")
    wait_for("no pending entries", lambda: c.pending() == 0, 20)
    check(env.staging() == [], f"staging left: {env.staging()}")


def start_long(env, name="long"):
    make_video(os.path.join(env.root, "b", "long.mp4"), 40)
    return long_gif(name)


def case_sigkill(env):
    """A worker killed mid-task: reclaimed, completed once, no partial."""
    req = start_long(env)
    w1 = env.worker("w1", "--claim-idle", "1500")
    waiter = env.submit(req, "long-task", wait=True, timeout=180)
    wait_for("the task to start", env.staging, 60)
    w1.send_signal(signal.SIGKILL)
    w1.wait(30)
    # the child follows its worker (it gets SIGTERM) and removes its files
    wait_for("the killed task's staging dir to go", lambda: not env.staging(),
             30)
    check(not os.path.exists(os.path.join(env.root, "out", "long.gif")),
          "a killed task left its output")
    c = env.redis.client()
    check(c.pending() == 1, f"pending after the kill: {c.pending()}")
    env.worker("w2", "--claim-idle", "1500")
    out, err = waiter.communicate(timeout=200 * SLOW)
    check(waiter.returncode == 0, f"--wait exit {waiter.returncode}: {err}")
    res = json.loads(out)
    check(res["Status"] == "Succeeded" and res["TaskId"] == "long-task",
          f"--wait printed {out[:300]}")
    by = results_by_task(c)
    check(len(by.get("long-task", [])) == 1, f"results: {by}")
    check(by["long-task"][0]["attempt"] == "2",
          f"attempt {by['long-task'][0]['attempt']}, expected 2")
    check_long_gif(env)
    wait_for("no pending entries", lambda: c.pending() == 0, 20)
    check(env.staging() == [], f"staging left: {env.staging()}")


def case_heartbeat(env):
    """A task longer than --claim-idle is not taken over while it runs."""
    req = start_long(env)
    env.worker("w1", "--claim-idle", "600")
    code, out, err = env.run_submit(req, "slow", wait=False)
    wait_for("the task to start", env.staging, 60)
    # a second worker, eager to reclaim anything idle for 0.6 s
    env.worker("w2", "--claim-idle", "600")
    c = env.redis.client()
    t0 = time.monotonic()
    wait_for("the result", lambda: "slow" in results_by_task(c), 180)
    took = time.monotonic() - t0
    r = results_by_task(c)["slow"]
    check(len(r) == 1 and r[0]["status"] == "Succeeded"
          and r[0]["attempt"] == "1", f"results: {r}")
    check(took > 1.2, f"the task took only {took:.1f} s: not longer than "
          "two claim periods, the test proves nothing")
    log = open(env.logs[1]).read()
    check("started" not in log, f"w2 took the task over:\n{log}")
    check_long_gif(env)


def case_duplicate(env):
    """A task run twice (its result already written) gets no 2nd result."""
    make_video(os.path.join(env.root, "b", "v.mp4"), 3)
    c = env.redis.client()
    c.cmd("XGROUP", "CREATE", "imm:tasks", "imm", "0", "MKSTREAM")
    c.cmd("XADD", "imm:tasks", "*", "task-id", "dup",
          "request", json.dumps(snapshots(1)))
    # a first worker read it (then "died" after writing its result)
    c.cmd("XREADGROUP", "GROUP", "imm", "ghost", "COUNT", "1", "STREAMS",
          "imm:tasks", ">")
    c.cmd("HSET", "imm:result-ids", "dup", "x")
    c.cmd("XADD", "imm:results", "*", "task-id", "dup", "status",
          "Succeeded", "result", "{}", "attempt", "1")
    env.worker("w1", "--claim-idle", "300")
    wait_for("the reclaimed entry to be acknowledged",
             lambda: c.pending() == 0, 30)
    check(len(results_by_task(c)["dup"]) == 1, "a second result was written")
    check(not os.path.exists(os.path.join(env.root, "out", "snap1")),
          "the task ran again")
    # and --submit refuses a task id that has its result
    code, out, err = env.run_submit(snapshots(2), "dup")
    check(code == 2 and "dup" in err, f"reused id: exit {code} {err!r}")


def case_poison(env):
    """A task whose child crashes: imm:dead after the limit, queue moves."""
    make_video(os.path.join(env.root, "b", "v.mp4"), 3)
    crash = os.path.join(env.tmp, "crashing-child.sh")
    with open(crash, "w") as f:
        f.write("#!/bin/sh\n"
                "req=$(cat)\n"
                "case \"$req\" in *poison*) kill -SEGV $$ ;; esac\n"
                f"printf '%s' \"$req\" | exec '{IC}' \"$@\"\n")
    os.chmod(crash, 0o755)
    env.worker("w1", "--claim-idle", "300", "--max-deliveries", "3",
               env={"IMM_WORKER_CHILD": crash})
    req = snapshots(1)
    req["UserData"] = "poison"
    code, out, _ = env.run_submit(req, "poison-task", wait=True, timeout=60)
    check(code == 1, f"--wait of the poison task: exit {code}")
    res = json.loads(out)
    check(res["Status"] == "Failed" and res["Code"] == "InternalError"
          and "signal 11" in res["Message"], f"result: {out[:300]}")
    c = env.redis.client()
    # The result is recorded first (idempotent), then imm:dead, then XACK:
    # --wait can return before the last two.
    limit = time.monotonic() + 10
    while (not c.entries("imm:dead") or c.pending()) \
            and time.monotonic() < limit:
        time.sleep(0.05)
    dead = c.entries("imm:dead")
    check(len(dead) == 1 and dead[0][1]["task-id"] == "poison-task"
          and dead[0][1]["deliveries"] == "3"
          and "signal 11" in dead[0][1]["error"], f"imm:dead: {dead}")
    check(c.pending() == 0, "the poison entry is still pending")
    # the next task runs
    code, out, err = env.run_submit(snapshots(2), "after", wait=True,
                                    timeout=60)
    check(code == 0, f"task after the poison one: exit {code} {err}")


def case_sigterm(env):
    """SIGTERM finishes and acks; a second SIGTERM aborts, leaves pending."""
    req = start_long(env)
    w1 = env.worker("w1")
    env.run_submit(req, "drain")
    wait_for("the task to start", env.staging, 60)
    w1.send_signal(signal.SIGTERM)
    check(w1.wait(120 * SLOW) == 0, f"drained worker exit {w1.returncode}")
    c = env.redis.client()
    by = results_by_task(c)
    check([r["status"] for r in by.get("drain", [])] == ["Succeeded"],
          f"results after drain: {by}")
    check(c.pending() == 0, "the drained task was not acknowledged")
    check_long_gif(env)

    w2 = env.worker("w2")
    env.run_submit(long_gif("aborted"), "abort")
    wait_for("the task to start", env.staging, 60)
    w2.send_signal(signal.SIGTERM)
    time.sleep(0.2)
    w2.send_signal(signal.SIGTERM)
    check(w2.wait(60 * SLOW) == 1, f"aborted worker exit {w2.returncode}")
    check("abort" not in results_by_task(c), "an aborted task has a result")
    check(c.pending() == 1, f"pending after abort: {c.pending()}")
    check(env.staging() == [], f"staging left: {env.staging()}")
    check(not os.path.exists(os.path.join(env.root, "out", "aborted.gif")),
          "the aborted task left its output")


def case_redis_restart(env):
    """Redis goes away mid-task: the result is written once it is back."""
    req = start_long(env)
    make_video(os.path.join(env.root, "b", "v.mp4"), 3)
    env.worker("w1")
    env.run_submit(req, "restart")
    wait_for("the task to start", env.staging, 60)
    env.redis.stop()
    time.sleep(1.5)
    env.redis.start()
    c = env.redis.client()
    wait_for("the result in the restarted Redis",
             lambda: "restart" in results_by_task(c), 120)
    r = results_by_task(c)["restart"]
    check(len(r) == 1 and r[0]["status"] == "Succeeded", f"result: {r}")
    check_long_gif(env)
    # the worker took up the queue again (the group was recreated)
    code, out, err = env.run_submit(snapshots(3), "after-restart", wait=True,
                                    timeout=60)
    check(code == 0 and json.loads(out)["Status"] == "Succeeded",
          f"after restart: exit {code} {err}")


def case_submit_wait(env):
    """--submit --wait prints the result and exits as a local run."""
    make_video(os.path.join(env.root, "b", "v.mp4"), 3)
    env.worker("w1")
    code, out, err = env.run_submit(snapshots(1), "ok-task", wait=True,
                                    timeout=60)
    check(code == 0, f"exit {code}: {err}")
    res = json.loads(out)
    check(res["TaskId"] == "ok-task" and res["Status"] == "Succeeded"
          and res["Targets"][0]["Image"]["Snapshots"][0]["Files"] ==
          ["oss://out/snap1/1.jpg", "oss://out/snap1/2.jpg"],
          f"result {out[:400]}")
    # the same request run locally gives the same result, but its times
    path = os.path.join(env.tmp, "local.json")
    with open(path, "w") as f:
        json.dump(snapshots(1), f)
    local_run = subprocess.run([IC, "--quiet", "--storage-root", env.root,
                                path], capture_output=True, text=True,
                               timeout=120)
    loc = json.loads(local_run.stdout)
    for k in ("StartTime", "EndTime", "TaskId"):
        loc.pop(k)
        res.pop(k)
    check(loc == res, f"local {loc} != queued {res}")
    code, out, err = env.run_submit(invalid(2), "bad-task", wait=True,
                                    timeout=60)
    check(code == 1 and json.loads(out)["Code"] == "InvalidArgument",
          f"invalid: exit {code} {out[:200]}")
    # notification envelope on imm:notify:T
    req = snapshots(3)
    req["Notification"] = {"MNS": {"TopicName": "topic1"}}
    code, out, _ = env.run_submit(req, "notified", wait=True, timeout=60)
    c = env.redis.client()
    notes = c.entries("imm:notify:topic1")
    check(code == 0 and len(notes) == 1, f"notifications: {notes}")
    env_ = json.loads(notes[0][1]["message"])
    check(env_["source"] == "acs.imm" and
          json.loads(env_["content"])["TaskId"] == "notified",
          f"envelope {env_}")


def case_errors(env):
    """Bad URL, refused connection, wrong DB: one line, exit 2."""
    dead_port = free_port()
    for url, text in (("http://127.0.0.1:6379", "not a Redis URL"),
                      ("redis://", "not a Redis URL"),
                      ("redis://127.0.0.1:0", "not a Redis URL"),
                      ("redis://127.0.0.1:70000", "not a Redis URL"),
                      ("redis://127.0.0.1:6379/x", "not a Redis URL"),
                      ("redis://127.0.0.1:%d" % dead_port, "cannot connect"),
                      (env.redis.url(99), "database 99")):
        for mode in (["--worker", url], ["--submit", url, "/dev/null"]):
            p = subprocess.run([IC] + mode, capture_output=True, text=True,
                               timeout=30)
            check(p.returncode == 2 and text in p.stderr
                  and len(p.stderr.strip().splitlines()) == 1,
                  f"{mode}: exit {p.returncode}, stderr {p.stderr!r}")
    # a Redis with a password: a wrong one is refused the same way; the
    # right one works in the URL and from $REDISCLI_AUTH, as for redis-cli
    locked = Redis(env.tmp, password="s3cr:t")
    try:
        base = f"127.0.0.1:{locked.port}"
        req = os.path.join(env.tmp, "req.json")
        with open(req, "w") as f:
            json.dump(snapshots(1), f)
        for url, auth, code, text in (
                (f"redis://{base}", None, 2, "wants a password"),
                (f"redis://:wrong@{base}", None, 2, "refused the password"),
                (f"redis://:s3cr%3At@{base}", None, 0, "task-a"),
                (f"redis://{base}", "s3cr:t", 0, "task-b")):
            task = text if code == 0 else "x"
            p = subprocess.run(
                [IC, "--submit", url, "--task-id", task, req],
                capture_output=True, text=True, timeout=30,
                env=dict(os.environ, **({"REDISCLI_AUTH": auth} if auth
                                        else {})))
            out = p.stdout if code == 0 else p.stderr
            check(p.returncode == code and text in out
                  and (code == 0 or "s3cr" not in p.stderr),
                  f"{url}: exit {p.returncode}, {p.stdout!r} {p.stderr!r}")
    finally:
        locked.stop()


def case_hostile(env):
    """Requests that reach out of the root or to inner hosts: Failed, at the
    first delivery, naming the field."""
    make_video(os.path.join(env.root, "b", "v.mp4"), 3)
    outside = os.path.join(env.tmp, "outside")
    os.makedirs(outside)
    make_video(os.path.join(outside, "secret.mp4"), 1)
    os.symlink(os.path.join(outside, "secret.mp4"),
               os.path.join(env.root, "b", "link.mp4"))
    os.symlink(outside, os.path.join(env.root, "b", "outdir"))
    target_log = os.path.join(env.tmp, "target.log")
    target = subprocess.Popen([sys.executable, HTTP_SERVER, env.root,
                               target_log], stdout=subprocess.PIPE, text=True)
    env.procs.append(target)
    tport = int(target.stdout.readline())
    redir_log = os.path.join(env.tmp, "redirect.log")
    redir = subprocess.Popen([sys.executable,
                              os.path.join(HERE, "redirect-server.py"),
                              f"http://localhost:{tport}/b/v.mp4",
                              redir_log], stdout=subprocess.PIPE, text=True)
    env.procs.append(redir)
    rport = int(redir.stdout.readline())
    # DB 0: 127.0.0.1 listed; DB 1: the name localhost listed, which
    # resolves to loopback only
    env.worker("w1", "--allow-hosts", "127.0.0.1")
    env.worker("w2", "--allow-hosts", "localhost", db=1)

    def src(uri, out="oss://out/h/{index}.jpg"):
        return {"Sources": [{"URI": uri}],
                "Targets": [{"Image": {"Snapshots": [{
                    "Format": "jpg", "URI": out, "Number": 1}]}}]}
    snap_uri = "Targets[0].Image.Snapshots[0].URI"
    cases = [
        ("escape", src("oss://b/../../outside/secret.mp4"), "Sources[0].URI"),
        ("plain-path", src(os.path.join(outside, "secret.mp4")),
         "Sources[0].URI"),
        ("file-uri", src("file://" + os.path.join(outside, "secret.mp4")),
         "Sources[0].URI"),
        ("symlink-src", src("oss://b/link.mp4"), "Sources[0].URI"),
        ("symlink-out", src("oss://b/v.mp4", "oss://b/outdir/{index}.jpg"),
         snap_uri),
        ("plain-out", src("oss://b/v.mp4", outside + "/{index}.jpg"),
         snap_uri),
        ("out-escape", src("oss://b/v.mp4", "oss://../outside/{index}.jpg"),
         snap_uri),
        ("unlisted-host", src(f"http://localhost:{tport}/b/v.mp4"),
         "Sources[0].URI"),
        ("metadata", src("http://169.254.169.254/latest/meta-data/"),
         "Sources[0].URI"),
        ("redirect", src(f"http://127.0.0.1:{rport}/b/v.mp4"),
         "Sources[0].URI: 'http://127.0.0.1:%d/b/v.mp4' redirects (HTTP 302 "
         "to 'http://localhost:%d/b/v.mp4'), and a worker does not follow "
         "redirects" % (rport, tport)),
    ]
    for name, req, field in cases:
        code, out, err = env.run_submit(req, name, wait=True, timeout=90)
        check(code == 1, f"{name}: exit {code} {out[:300]} {err}")
        res = json.loads(out)
        print(f"{name}: {res['Code']}: {res['Message']}")
        check(res["Status"] == "Failed" and field in res["Message"],
              f"{name}: {res['Code']} {res['Message']}")
    code, out, err = env.run_submit(src(f"http://localhost:{tport}/b/v.mp4"),
                                    "inward-name", wait=True, db=1,
                                    timeout=90)
    res = json.loads(out)
    check(code == 1 and "Sources[0].URI" in res["Message"]
          and "loopback" in res["Message"], f"inward-name: {res['Message']}")
    c = env.redis.client()
    for _, f in c.entries("imm:results"):
        check(f["attempt"] == "1", f"{f['task-id']}: attempt {f['attempt']}")
    check(c.pending() == 0, "a hostile task is still pending")
    check(os.listdir(outside) == ["secret.mp4"],
          f"written outside the root: {os.listdir(outside)}")
    check(not os.path.exists(target_log),
          "the redirect target was fetched: " +
          (open(target_log).read() if os.path.exists(target_log) else ""))
    check(os.path.exists(redir_log), "the redirect server was never asked")
    # the allowed host works
    code, out, err = env.run_submit(src(f"http://127.0.0.1:{tport}/b/v.mp4"),
                                    "allowed", wait=True, timeout=90)
    check(code == 0, f"allowed http source: exit {code} {out[:300]}")


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    name = sys.argv[1]
    env = Env()
    ok = False
    try:
        CASES[name](env)
        ok = True
        print(f"ok: {name}: {CASES[name].__doc__}")
    except Fail as e:
        print(f"FAIL: {name}: {e}")
    finally:
        if not ok:
            env.show_logs()
        env.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
