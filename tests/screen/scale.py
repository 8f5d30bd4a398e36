"""Scale on the screen: 1024 workers and a million tasks at 80x24 and at
200x50.  The screen keeps up while the pool works: it draws frames during
the run, pauses and resumes on a key, moves the selection, shows as many
worker rows as fit, and ends with every task done."""
import json
import os
import re
import tempfile
from decimal import Decimal

from tmuxtest import (TAP, Screen, add_case, main, poolscope, workers,
                      done_count, line_of, wait_gone, SLOW)

t = TAP()
NAME = "ps-scale-%d" % os.getpid()
N = 1000000
W = 1024
ARGS = ("--autostart", "-w", str(W), "-m", "apply_async", "-t",
        "square 1..%d" % N)


def header(x):
    return (x or "").splitlines()[0] if x else ""


def running(x):
    d = done_count(x)
    return d is not None and 0 < d[0] < d[1] and "running" in header(x)


def finished(x):
    return "Summary" in (x or "") and done_count(x) == (N, N)


def frames(path):
    try:
        with open(path) as f:
            v = f.read().split()
        return dict(zip(v[0::2], v[1::2]))
    except OSError:
        return {}


def scale_screen(w, h):
    tag = "%dx%d" % (w, h)
    stats = tempfile.mktemp(prefix="ps-frames-")
    try:
        with Screen("%s-%s" % (NAME, tag), w, h, poolscope(*ARGS),
                    env={"POOLSCOPE_FRAME_STATS": stats}) as s:
            scr = s.wait_for(running, 60)
            t.ok(scr is not None, tag + ": the run screen shows progress while "
                 "%d workers run %d tasks" % (W, N), s.last)
            # From 256 workers on, a heat map: the selected worker's own
            # row, then a row per group; the groups cover every worker.
            rows = workers(scr or "")
            groups = [(int(a), int(b)) for a, b in
                      re.findall(r"^[> ] w(\d+)-(\d+) +\d+/\d+ busy",
                                 scr or "", re.M)]
            want = h // 4   # the timeline shares the rows with the words
            #                 above it, the result order and the output
            covered = (groups and groups[0][0] == 0 and groups[-1][1] == W - 1
                       and all(b[0] == a[1] + 1 for a, b in zip(groups, groups[1:])))
            t.ok(len(rows) == 1 and rows[0]["selected"] and covered and
                 len(groups) >= want,
                 tag + ": the worker panel fills its room: the selected worker, "
                 "then %d groups covering all %d workers" % (len(groups), W),
                 s.last)
            s.send("Space")
            scr = s.wait_for(lambda x: "PAUSED" in header(x), 20)
            t.ok(scr is not None, tag + ": Space pauses during the run", s.last)
            a = done_count(s.wait_for(lambda x: "PAUSED" in header(x), 5))
            s.send("Down", "Down", "Down")
            scr = s.wait_for(lambda x: any(r["selected"] and r["slot"] == 3
                                           for r in workers(x)), 20)
            t.ok(scr is not None, tag + ": arrows move the selection", s.last)
            b = done_count(scr)
            t.ok(a is not None and b is not None and a == b and a[0] < N,
                 tag + ": paused, the count stays (%s, %s)" % (a, b))
            s.send("Space")
            scr = s.wait_for(finished, 300)
            t.ok(scr is not None, tag + ": resumed, it ends with %d of %d done"
                 % (N, N), s.last)
            t.ok(scr is not None and "0 failed" in scr, tag + ": none failed",
                 s.last)
            s.send("q")
            t.eq(s.wait_exit(30), 0, tag + ": q leaves, exit 0")
            f = frames(stats)
            t.ok(int(f.get("frames", 0)) >= 3,
                 tag + ": frames drawn during the run: %s (mean %s ms, p99 %s ms, "
                 "max %s ms)" % (f.get("frames"), f.get("mean_ms"),
                                 f.get("p99_ms"), f.get("max_ms")))
    finally:
        if os.path.exists(stats):
            os.unlink(stats)


def trace_ns(v):
    return int(Decimal(str(v)) * 1000)


def runs_screen(w, h, env=None):
    """Instant tasks on the screen come a run at a time: what it shows and
    exports must be what each task's own events would have said.  (Timed by
    the TSC where the kernel's clock is, and by the clock with
    POOLSCOPE_NO_TSC.)"""
    n, tag = 50000, "runs %dx%d%s" % (w, h, " (clock)" if env else "")
    d = tempfile.mkdtemp(prefix="ps-runs-")
    trace = os.path.join(d, "t.json")
    try:
        with Screen("%s-runs-%s" % (NAME, tag.split()[1]), w, h,
                    poolscope("--autostart", "--trace", trace, "-w", "2", "-m",
                              "map", "-t", "square 1..%d" % n), env=env) as s:
            scr = s.wait_for(lambda x: "Summary" in (x or "") and
                             done_count(x) == (n, n), 60)
            t.ok(scr is not None, tag + ": %d squares done" % n, s.last)
            # The output pane: each line is its task's, as printed.
            lines = re.findall(r"^w(\d+) +t(\d+) +│(.*)$", scr or "", re.M)
            bad = [l for l in lines if l[2].strip() != "square of %d is %d" %
                   (int(l[1]) + 1, (int(l[1]) + 1) ** 2)]
            t.ok(len(lines) >= 3 and not bad,
                 tag + ": the output pane's lines are each its task's (%d "
                 "shown)" % len(lines), scr)
            s.send("x")
            scr = s.wait_for(lambda x: "wrote" in (x or ""), 30)
            t.ok(scr is not None, tag + ": x exports the run", s.last)
            s.send("q")
            t.eq(s.wait_exit(30), 0, tag + ": q leaves, exit 0")
        with open(trace) as f:
            ev = json.load(f)["traceEvents"]
        tasks = {e["args"]["task"]: e for e in ev if e.get("cat") == "task"}
        # The pane showed the newest lines: those of the tasks that began
        # last (a task prints as it begins), in the order they began.
        shown = [int(l[1]) for l in lines]
        starts = [trace_ns(tasks[i]["ts"]) for i in shown]
        later = [i for i in tasks if i not in shown and starts and
                 trace_ns(tasks[i]["ts"]) > starts[0]]
        t.ok(shown and starts == sorted(starts) and not later and
             all(tasks[int(l[1])]["tid"] == int(l[0]) + 1 for l in lines),
             tag + ": the output pane shows the newest lines, in the order "
             "they were printed, each with its worker", str((lines, later[:5])))
        t.ok(sorted(tasks) == list(range(n)) and
             all(tasks[i]["args"]["result"] == str((i + 1) ** 2)
                 for i in range(n)),
             tag + ": every task is in the export with its value")
        # A chunk runs on one worker, back to back: each task starts as
        # the one before it ends, never before.
        cs = (n + 7) // 8
        wrong = []
        for i in range(n):
            e = tasks[i]
            if trace_ns(e["dur"]) < 0:
                wrong.append((i, "dur"))
            if i % cs:
                p = tasks[i - 1]
                if p["tid"] != e["tid"]:
                    wrong.append((i, "worker"))
                if trace_ns(e["ts"]) < trace_ns(p["ts"]) + trace_ns(p["dur"]):
                    wrong.append((i, "starts before %d ends" % (i - 1)))
        by_tid = {}
        for i in range(n):
            by_tid.setdefault(tasks[i]["tid"], []).append(i)
        for tid, lst in by_tid.items():
            lst.sort(key=lambda i: trace_ns(tasks[i]["ts"]))
            for a, b in zip(lst, lst[1:]):
                if trace_ns(tasks[b]["ts"]) < trace_ns(tasks[a]["ts"]) + \
                        trace_ns(tasks[a]["dur"]):
                    wrong.append((b, "overlaps %d on its worker" % a))
        t.ok(not wrong and len(by_tid) == 2,
             tag + ": each chunk on one worker, its tasks back to back, "
             "none overlapping another on its worker", str(wrong[:5]))
        res = [e for e in ev if e.get("cat") == "result"]
        t.ok([e["args"]["task"] for e in res] == list(range(n)) and
             all(trace_ns(e["ts"]) >= trace_ns(tasks[e["args"]["task"]]["ts"])
                 + trace_ns(tasks[e["args"]["task"]]["dur"]) for e in res),
             tag + ": the caller got the results in order, each after its "
             "task ended")
    finally:
        for f in os.listdir(d):
            os.unlink(os.path.join(d, f))
        os.rmdir(d)


def busy_mid_chunk():
    """Squares taken a run at a time: between two runs of its chunk a
    worker is still in the chunk (Python's mapstar), busy with the next
    square, never shown idle while its lane fills."""
    n = 5000000
    with Screen("%s-busy" % NAME, 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "map", "-t",
                          "square 1..%d" % n)) as s:
        scr = s.wait_for(lambda x: running(x) and len(workers(x)) == 2 and
                         all(w["state"] == "busy" for w in workers(x)), 120)
        t.ok(scr is not None, "5M squares: both workers are shown busy "
             "while they run their chunks", s.last)
        # A task number too long for the narrow column is not cut into
        # another number ("2610" for 2610538): an ellipsis, and the whole
        # number on the row under it.
        lines = (scr or "").splitlines()
        bad = []
        for w in workers(scr or ""):
            i = lines.index(w["line"])
            under = lines[i + 1] if i + 1 < len(lines) else ""
            whole = re.match(r"^ +(\d+) square", under)
            label = re.match(r"^ +square (\d+)", under)
            if not (whole and w["task"] == "\u2026" and
                    int(whole.group(1)) < n or
                    label and w["task"] == str(int(label.group(1)) - 1)):
                bad.append((w["task"], under))
        t.ok(scr is not None and not bad, "a task number that does not fit "
             "its column: an ellipsis, the number whole under it", str(bad))
        s.wait_for(lambda x: "Summary" in (x or "") and
                   done_count(x) == (n, n), 300)
        s.send("q")
        t.eq(s.wait_exit(30), 0, "busy mid-chunk: q leaves, exit 0")


add_case("busy_mid_chunk", busy_mid_chunk)
for w, h in ((80, 24), (200, 50)):
    add_case("scale_%dx%d" % (w, h), scale_screen, w, h)
    add_case("runs_%dx%d" % (w, h), runs_screen, w, h,
             {"POOLSCOPE_NO_TSC": "1"} if w == 200 else None)

main(t)
