"""A randomized chaos soak: random call styles, pool sizes, chunksizes,
retries, timeouts and task mixes, with kill -9, SIGSTOP and SIGCONT storms
on the workers, driven by PIDs from the event stream.  Every run must end
within a deadline; every task must get exactly one outcome (done, failed or
skipped); the result seq numbers must have no gaps; the counts must agree
with run_end and with the exit status; no process, zombie or sh command may
be left behind.

CHAOS_SECONDS (default 60) bounds the soak; `make soak` runs it for an
hour.  CHAOS_SEED makes it repeat a sequence; each run's seed and command
line are printed on failure.
"""
import os
import random
import signal
import threading
import time

import pstest
from pstest import TAP, Live, case, main, of, pid_alive

t = TAP()
SLOW = pstest.SLOW
SECONDS = float(os.environ.get("CHAOS_SECONDS", "60"))
SEED = int(os.environ.get("CHAOS_SEED", str(int(time.time()) ^ os.getpid())))
MODES = ["apply", "map", "imap", "imap_unordered", "apply_async", "process"]
MARK = "%.4f" % (40 + (os.getpid() % 9973) / 10000.0)   # sh sleeps nobody else runs


def make_run(rng):
    mode = rng.choice(MODES)
    args = ["-m", mode, "-w", str(rng.randint(1, 6))]
    if mode in ("map", "imap", "imap_unordered") and rng.random() < 0.6:
        args += ["-c", str(rng.randint(1, 5))]
    if rng.random() < 0.4:
        args += ["--retries", str(rng.randint(1, 2))]
    timeout = rng.random() < 0.5
    if timeout:
        args += ["--timeout", str(rng.randint(150, 600))]
    if rng.random() < 0.3:
        args.append("--keep-going")
    if rng.random() < 0.3:
        args += ["--max-tasks-per-child", str(rng.randint(1, 3))]
    kinds = ["square %d" % rng.randint(1, 99), "sleep %d" % rng.randint(5, 120),
             "spin %d" % rng.randint(2, 30), "fail", "crash",
             "sh sleep 0.0%d" % rng.randint(1, 9), "sh echo hi"]
    if timeout:
        kinds += ["hang", "sh sleep %s" % MARK]
    n = rng.randint(0, 30)
    tasks = [rng.choice(kinds) for _ in range(n)]
    return args + ["-t", "\n".join(tasks)], n


def storm(live, rng, stats, stop):
    """Kill, stop and continue workers as their worker_start events come."""
    i = 0
    stopped = []
    while not stop.is_set():
        evs = live.events[i:]      # appended by the reader: safe to slice
        i += len(evs)
        for e in evs:
            if e["ev"] != "worker_start":
                continue
            r = rng.random()
            try:
                if r < 0.15:
                    os.kill(e["pid"], signal.SIGKILL)
                    stats["kills"] += 1
                elif r < 0.30:
                    os.kill(e["pid"], signal.SIGSTOP)
                    stopped.append((time.monotonic() + rng.uniform(0, 0.4), e["pid"]))
                    stats["stops"] += 1
            except ProcessLookupError:
                pass
        now = time.monotonic()
        for due, pid in [x for x in stopped if x[0] <= now]:
            stopped.remove((due, pid))
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        time.sleep(0.005)
    for _, pid in stopped:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


def check(ev, rc, ntasks):
    """The invariants of one run; returns a list of what broke."""
    bad = []
    if not ev or ev[0]["ev"] != "run_start" or ev[-1]["ev"] != "run_end":
        return ["the stream is not run_start ... run_end"]
    end = ev[-1]
    out = {}
    for e in ev:
        if e["ev"] in ("task_done", "task_fail", "task_skip"):
            out.setdefault(e["task"], []).append(e["ev"])
    if sorted(out) != list(range(ntasks)) or any(len(v) != 1 for v in out.values()):
        bad.append("outcomes: %r" % {k: v for k, v in out.items() if len(v) != 1}
                   or "missing %r" % sorted(set(range(ntasks)) - set(out)))
    seqs = sorted(e["seq"] for e in of(ev, "result"))
    if seqs != list(range(len(seqs))):
        bad.append("result seq has gaps: %r" % seqs[:20])
    res = [e["task"] for e in of(ev, "result")]
    if len(res) != len(set(res)):
        bad.append("a task has two results")
    ok = len(of(ev, "task_done"))
    failed = len(of(ev, "task_fail"))
    skipped = len(of(ev, "task_skip"))
    if (end["ok"], end["failed"], end.get("skipped", 0)) != (ok, failed, skipped):
        bad.append("run_end %r against events %r" % (
            (end["ok"], end["failed"], end.get("skipped", 0)), (ok, failed, skipped)))
    want = 1 if failed or end.get("interrupted") else 0
    if rc != want:
        bad.append("exit status %s, want %d" % (rc, want))
    ts = [e["t"] for e in ev]
    if any(a > b for a, b in zip(ts, ts[1:])):
        bad.append("time goes back")
    return bad


def procs_with(word):
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    if word.encode() in f.read() and pid_alive(int(d)):
                        out.append(int(d))
            except OSError:
                pass
    return out


@case
def soak():
    rng = random.Random(SEED)
    stats = {"runs": 0, "kills": 0, "stops": 0, "invariants": 0, "tasks": 0}
    failures = []
    start = time.monotonic()
    while time.monotonic() - start < SECONDS:
        run_seed = rng.randrange(1 << 30)
        rrng = random.Random(run_seed)
        args, n = make_run(rrng)
        live = Live(args)
        stop = threading.Event()
        th = threading.Thread(target=storm, args=(live, rrng, stats, stop), daemon=True)
        th.start()
        rc = live.finish(90)
        stop.set()
        th.join()
        ev = live.events
        bad = check(ev, rc, n) if rc is not None else ["the run did not end in 90 s"]
        pids = sorted(set(e["pid"] for e in of(ev, "worker_start")))
        left = pstest.wait_gone(pids, 10)
        if left:
            bad.append("processes left: %r" % left)
        sh_left = [p for p in procs_with("sleep " + MARK)]
        deadline = time.monotonic() + 5 * SLOW
        while sh_left and time.monotonic() < deadline:
            time.sleep(0.05)
            sh_left = procs_with("sleep " + MARK)
        if sh_left:
            bad.append("sh commands left: %r" % sh_left)
            for p in sh_left:
                os.kill(p, signal.SIGKILL)
        stats["runs"] += 1
        stats["tasks"] += n
        stats["invariants"] += 8
        if bad:
            failures.append((run_seed, args, bad, live.stderr()[-500:]))
            if rc is None:
                live.p.kill()

    t.ok(not failures, "chaos: %d runs (%d tasks, %d kills, %d stops), %d invariants "
         "checked, none broken (seed %d)" % (stats["runs"], stats["tasks"], stats["kills"],
                                             stats["stops"], stats["invariants"], SEED),
         "\n".join("run seed %d: poolscope --batch --json %s\n  %s\n  stderr: %s" %
                   (s, " ".join(repr(a) for a in args), "; ".join(b), err)
                   for s, args, b, err in failures[:5]))
    print("# chaos: %d runs, %d tasks, %d kills, %d stops, %d invariants checked, "
          "%d runs broke one" % (stats["runs"], stats["tasks"], stats["kills"],
                                 stats["stops"], stats["invariants"], len(failures)))


main(t)
