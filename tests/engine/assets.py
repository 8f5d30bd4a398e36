"""The shipped task lists: each runs as its header comment says, with the
results the header promises."""
import glob
import json
import os
import re
import shlex

from pstest import TAP, ASSETS, add_case, case, main, run, of

t = TAP()
# Keeps the sleeps short; it changes nothing else.
SCALE = ["--time-scale", "0.2"]


def header_commands(path):
    """Option lists from the '# ... poolscope ...' lines, file argument and
    --batch dropped, duplicates removed, in file order."""
    cmds = []
    with open(path) as f:
        for line in f:
            if not line.startswith("#") or "poolscope" not in line:
                continue
            words = shlex.split(line.lstrip("#"))
            if "poolscope" not in words:
                continue
            opts = [w for w in words[words.index("poolscope") + 1:]
                    if not w.endswith(".tasks") and w != "--batch"]
            if opts not in cmds:
                cmds.append(opts)
    return cmds


def events_of(stdout):
    """The JSON Lines, or None if a line is not JSON."""
    try:
        return [json.loads(ln) for ln in stdout.splitlines()]
    except ValueError:
        return None


def opt(opts, short, long):
    for i, w in enumerate(opts[:-1]):
        if w in (short, long):
            return opts[i + 1]
    return None


def run_file(opts, path, extra=()):
    p = run(["--batch", "--json"] + list(extra) + opts + [path], timeout=30)
    return p, events_of(p.stdout) or []


files = sorted(glob.glob(os.path.join(ASSETS, "*.tasks")))


@case
def task_files_found():
    t.ok(len(files) >= 5, "found the task files in %s (%d)" % (ASSETS, len(files)))


def header_runs(path):
    """Every command line in path's header runs as it says."""
    name = os.path.basename(path)
    cmds = header_commands(path)
    t.ok(cmds, "%s: its header gives a poolscope command line" % name)
    for opts in cmds:
        what = "%s with %s" % (name, " ".join(opts) or "no options")
        p = run(["--batch", "--json"] + SCALE + opts + [path], timeout=30)
        ev = events_of(p.stdout)
        t.eq(p.returncode, 0, "%s: exit status 0" % what)
        t.ok(ev is not None and ev and ev[0]["ev"] == "run_start" and
             ev[-1]["ev"] == "run_end", "%s: a JSON Lines stream from run_start to run_end"
             % what, p.stdout[-500:] + p.stderr)
        ev = ev or [{}]
        start, end = ev[0], ev[-1]
        want_mode = opt(opts, "-m", "--mode")
        want_w = opt(opts, "-w", "--workers")
        t.ok((want_mode is None or start.get("mode") == want_mode) and
             (want_w is None or start.get("workers") == int(want_w)),
             "%s: runs in the mode and pool size given" % what, start)
        n = start.get("tasks", -1)
        t.ok(n > 0 and sorted(e["task"] for e in of(ev, "result")) == list(range(n))
             and end.get("failed") == 0 and end.get("ok") == n,
             "%s: all %d tasks delivered, none failed" % (what, n), end)
        t.eq(p.stderr, "", "%s: nothing on stderr" % what)


for path in files:
    add_case("header_" + re.sub(r"\W", "_", os.path.basename(path)[:-len(".tasks")]),
             header_runs, path)


@case
def squares():
    # squares.tasks: Pool(5).map(square, 1..10).
    SQ = os.path.join(ASSETS, "squares.tasks")
    p, ev = run_file(["-w", "5", "-m", "map"], SQ)
    t.eq([e["value"] for e in sorted(of(ev, "result"), key=lambda e: e["seq"])],
         [str(i * i) for i in range(1, 11)], "squares.tasks, -w 5 -m map: results 1, 4, ..., 100")
    # As its header says: paced, the ten spread over the five, two each.
    p, ev = run_file(["-w", "5", "-m", "map", "--pace", "300"], SQ)
    per = {}
    for e in of(ev, "task_start"):
        per[e["worker"]] = per.get(e["worker"], 0) + 1
    t.eq(sorted(per.values()), [2] * 5, "squares.tasks, --pace 300: each of the "
         "five workers squares two numbers")
    p = run(["--batch", "--quiet", "-w", "5", "-m", "map", SQ], timeout=30)
    t.eq(p.stdout.splitlines()[:1], ["[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]"],
         "squares.tasks, --quiet: the list as Python prints it")


@case
def square_cube():
    # square-cube.tasks: two processes, square and cube of 123.
    SC = os.path.join(ASSETS, "square-cube.tasks")
    p, ev = run_file(["-w", "2", "-m", "process"], SC)
    vals = {e["task"]: e["result"] for e in of(ev, "task_done")}
    t.eq(vals, {0: "15129", 1: "1860867"},
         "square-cube.tasks: the targets return 15129 and 1860867")
    t.eq({e["task"]: e["value"] for e in of(ev, "result")}, {0: "0", 1: "0"},
         "square-cube.tasks: join() gives only the exit codes, 0 and 0")
    texts = "".join(e["text"] for e in of(ev, "output"))
    t.ok("square of 123 is 15129" in texts and "cube of 123 is 1860867" in texts,
         "square-cube.tasks: the tasks print 'square of 123 is 15129' and "
         "'cube of 123 is 1860867'", texts)
    p = run(["--batch", "-w", "2", "-m", "process", SC], timeout=30)
    t.ok("square of 123 is 15129" in p.stdout and "cube of 123 is 1860867" in p.stdout,
         "square-cube.tasks, text batch: both lines are shown", p.stdout)
    t.eq(len(set(e["pid"] for e in of(ev, "task_start"))), 2,
         "square-cube.tasks: two processes, one per task")


@case
def sleeps_mixed():
    # sleeps-mixed.tasks: asynchronous against synchronous result order.
    SM = os.path.join(ASSETS, "sleeps-mixed.tasks")
    p, ev = run_file(["-w", "4", "-m", "apply_async"], SM, SCALE)
    order = [e["task"] for e in sorted(of(ev, "result"), key=lambda e: e["seq"])]
    t.eq(sorted(order), list(range(8)), "sleeps-mixed.tasks, apply_async: 8 results")
    t.ok(order != list(range(8)),
         "sleeps-mixed.tasks, apply_async: results not in submission order", order)
    # Task 0 sleeps 900 (x0.2) and task 3 only 100: 3 must come back before 0.
    t.ok(3 in order and 0 in order and order.index(3) < order.index(0),
         "sleeps-mixed.tasks, apply_async: the 100 ms task's result beats the 900 ms one",
         order)
    p, ev = run_file(["-w", "4", "-m", "apply"], SM, SCALE)
    order = [e["task"] for e in sorted(of(ev, "result"), key=lambda e: e["seq"])]
    t.eq(order, list(range(8)), "sleeps-mixed.tasks, apply: results in submission order")


main(t)
