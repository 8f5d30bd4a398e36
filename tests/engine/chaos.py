"""A randomized chaos soak: random call styles, pool sizes, chunksizes,
retries, timeouts and task mixes, with kill -9, SIGSTOP and SIGCONT storms
on the workers, driven by PIDs from the event stream.  Every run must end
within a deadline; every task must get exactly one outcome (done, failed or
skipped); the result seq numbers must have no gaps; the counts must agree
with run_end and with the exit status; no process, zombie or sh command may
be left behind.  Then, a third as long, the same storms on --batch -q runs
(where instant tasks travel a run at a time): each list and summary must be
what the task list says.

CHAOS_SECONDS (default 60) bounds the soak; `make soak` runs it for an
hour.  CHAOS_SEED makes it repeat a sequence; each run's seed and command
line are printed on failure.
"""
import os
import random
import re
import signal
import subprocess
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


class Storm:
    """kill -9 some workers as they come, SIGSTOP others and SIGCONT them a
    moment later."""

    def __init__(self, rng, stats):
        self.rng, self.stats, self.stopped = rng, stats, []

    def strike(self, pid):
        r = self.rng.random()
        try:
            if r < 0.15:
                os.kill(pid, signal.SIGKILL)
                self.stats["kills"] += 1
            elif r < 0.30:
                os.kill(pid, signal.SIGSTOP)
                self.stopped.append((time.monotonic() +
                                     self.rng.uniform(0, 0.4), pid))
                self.stats["stops"] += 1
        except ProcessLookupError:
            pass

    def release(self, every=False):
        """SIGCONT the stopped workers that are due (every one at the end)."""
        now = time.monotonic()
        for due, pid in [x for x in self.stopped if every or x[0] <= now]:
            self.stopped.remove((due, pid))
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass


def storm(live, rng, stats, stop):
    """Strike workers as their worker_start events come."""
    i = 0
    s = Storm(rng, stats)
    while not stop.is_set():
        evs = live.events[i:]      # appended by the reader: safe to slice
        i += len(evs)
        for e in evs:
            if e["ev"] == "worker_start":
                s.strike(e["pid"])
        s.release()
        time.sleep(0.005)
    s.release(every=True)


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


# ------------------------------------------------------------- -q
# With --batch -q nobody reads per-task events, so instant tasks travel a
# chunk's run at a time: the same storms, found from the process tree (there
# is no event stream), on long runs of squares among the other kinds.
def make_quiet_run(rng):
    args, _ = make_run(rng)
    while "process" in args:    # a process a task: nothing travels in runs
        args, _ = make_run(rng)
    spec = args[-1].split("\n") if args[-1] else []
    lines, n = [], 0
    for line in spec + ["square 1..%d" % rng.randint(1, 20000)
                        for _ in range(rng.randint(1, 3))]:
        lines.insert(rng.randint(0, len(lines)), line)
    if "--max-tasks-per-child" in args and "-c" not in args and \
            "map" not in args:
        # a process a message or two: keep to a few thousand processes
        lines = [re.sub(r"\.\.\d+", lambda m: ".." + str(min(
            int(m.group(0)[2:]), 500)), line) for line in lines]
    for line in lines:
        n += int(line.split("..")[1]) if ".." in line else 1
    return args[:-1] + ["\n".join(lines)], lines, n


def title(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read()
    except OSError:
        return b""


def started(pid):
    """pid's start time (clock ticks after boot), None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def quiet_storm(p, rng, stats, stop, seen):
    """Strike workers as they appear under poolscope's process p."""
    s = Storm(rng, stats)
    struck = set()
    while not stop.is_set():
        for pid in pstest.descendants(p.pid):
            if pid not in seen:
                # With its start time: thousands of processes may wrap
                # the PIDs round (pid_max is 32768 here), and a PID seen
                # here may later be somebody else's.
                seen[pid] = started(pid)
            # Workers only (as the event stream's storm): not their sh
            # commands, nor a sanitizer's helper, nor a worker not yet
            # named (it has poolscope's own command line until then).
            if pid not in struck and title(pid).startswith(
                    b"poolscope: worker"):
                struck.add(pid)
                s.strike(pid)
        s.release()
        time.sleep(0.005)
    s.release(every=True)


class TaskError(Exception):
    pass


def quiet_check(args, lines, n, rc, out):
    """What -q printed against the task list; a list of what broke."""
    bad = []
    text = out.split("\n")
    summary = next((l for l in text if " tasks, " in l and " failed" in l), "")
    try:
        total = int(summary.split(" tasks, ")[0])
        failed = int(summary.split(" tasks, ")[1].split(" failed")[0])
    except (IndexError, ValueError):
        return ["no summary: %r" % out[-300:]]
    if total != n:
        bad.append("the summary says %d tasks, not %d" % (total, n))
    if rc != (1 if failed else 0):
        bad.append("exit status %s with %d failed" % (rc, failed))
    if not text[0].startswith("["):
        if not failed or "--keep-going" in args:
            bad.append("no list, yet nothing raised: %r" % text[0][:200])
        return bad
    try:
        got = eval(text[0], {"TaskError": TaskError, "None": None})
    except Exception as e:     # noqa: BLE001
        return bad + ["the list does not parse: %r" % e]
    mode = args[args.index("-m") + 1]
    if len(got) != n and (mode not in ("map", "imap", "imap_unordered") or
                          "--keep-going" in args or not failed):
        bad.append("%d results for %d tasks" % (len(got), n))
    if mode in ("map", "imap", "apply") and len(got) == n:
        want = []
        for line in lines:
            if line.startswith("square ") and ".." in line:
                a, b = line[7:].split("..")
                want += [k * k for k in range(int(a), int(b) + 1)]
            elif line.startswith("square "):
                want.append(int(line[7:]) ** 2)
            else:
                want.append(None)
        wrong = [i for i, (g, w) in enumerate(zip(got, want))
                 if w is not None and g != w and not isinstance(g, Exception)]
        if wrong:
            bad.append("wrong squares at %r" % wrong[:10])
    return bad


@case
def soak_quiet():
    rng = random.Random(SEED ^ 0x5eed)
    stats = {"runs": 0, "kills": 0, "stops": 0, "tasks": 0}
    failures = []
    start = time.monotonic()
    while time.monotonic() - start < SECONDS / 3:
        run_seed = rng.randrange(1 << 30)
        rrng = random.Random(run_seed)
        args, lines, n = make_quiet_run(rrng)
        p = subprocess.Popen(pstest.cmd(["--batch", "-q"] + args),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, errors="replace")
        stop, seen = threading.Event(), {}
        th = threading.Thread(target=quiet_storm, args=(p, rrng, stats, stop,
                                                        seen), daemon=True)
        th.start()
        try:
            out, err = p.communicate(timeout=90 * SLOW)
            bad = quiet_check(args, lines, n, p.returncode, out)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            bad = ["the run did not end in 90 s"]
        stop.set()
        th.join()
        left = [q for q in pstest.wait_gone(sorted(seen), 10)
                if seen[q] is not None and started(q) == seen[q]]
        if left:
            bad.append("processes left: %r" % left)
        for q in procs_with("sleep " + MARK):
            bad.append("sh command left: %d" % q)
            os.kill(q, signal.SIGKILL)
        stats["runs"] += 1
        stats["tasks"] += n
        if bad:
            failures.append((run_seed, args, bad, err[-500:]))
    t.ok(not failures, "chaos -q: %d runs (%d tasks, %d kills, %d stops), each "
         "list and summary as its task list says (seed %d)" % (
             stats["runs"], stats["tasks"], stats["kills"], stats["stops"], SEED),
         "\n".join("run seed %d: poolscope --batch -q %s\n  %s\n  stderr: %s" %
                   (s, " ".join(repr(a) for a in args), "; ".join(b), err)
                   for s, args, b, err in failures[:5]))


main(t)
