"""Scale on the screen: 1024 workers and a million tasks at 80x24 and at
200x50.  The screen keeps up while the pool works: it draws frames during
the run, pauses and resumes on a key, moves the selection, shows as many
worker rows as fit, and ends with every task done."""
import os
import re
import tempfile

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


for w, h in ((80, 24), (200, 50)):
    add_case("scale_%dx%d" % (w, h), scale_screen, w, h)

main(t)
