"""Call styles: result order and caller semantics, from the event stream."""
import json

from pstest import TAP, add_case, case, main, run, run_json, of

t = TAP()
SLEEPS = "sleep 300; sleep 100; sleep 200"


def finished(events):
    """The tasks in the order they finished, as the events tell it."""
    return [e["task"] for e in events if e["ev"] in ("task_done",
                                                       "task_fail")]


def firsts(events, kind):
    """task -> index in events of the first event of kind for it."""
    pos = {}
    for i, e in enumerate(events):
        if e["ev"] == kind and e["task"] not in pos:
            pos[e["task"]] = i
    return pos


@case
def apply_async_arrival():
    # apply_async: results arrive as tasks finish (1, 2, 0 by their
    # sleeps of 100, 200 and 300 ms; on a loaded machine, whatever order
    # they finished in).
    p, ev = run_json(["-w", "3", "-m", "apply_async", "-t", SLEEPS])
    t.eq(p.returncode, 0, "apply_async: exit 0")
    t.eq([e["task"] for e in of(ev, "result")], finished(ev),
         "apply_async: results arrive as the tasks finish")
    t.eq([e["seq"] for e in of(ev, "result")], [0, 1, 2], "apply_async: seq counts arrivals")
    t.eq(len(set(e["worker"] for e in of(ev, "task_start"))), 3,
         "apply_async: three tasks on three workers")
    t.eq(ev[0]["ev"], "run_start", "stream starts with run_start")
    t.eq(ev[-1]["ev"], "run_end", "stream ends with run_end")
    t.eq((ev[0]["mode"], ev[0]["workers"], ev[0]["tasks"], ev[0]["chunksize"]),
         ("apply_async", 3, 3, 1), "run_start names mode, workers, tasks, chunksize")
    t.ok(all(a["t"] <= b["t"] for a, b in zip(ev, ev[1:])), "timestamps never go back")


@case
def imap_submission_order():
    # imap: submission order, and 1 and 2 wait for 0.
    p, ev = run_json(["-w", "3", "-m", "imap", "-t", SLEEPS])
    res = of(ev, "result")
    t.eq([e["task"] for e in res], [0, 1, 2], "imap: results in submission order 0, 1, 2")
    done = firsts(ev, "task_done")
    got = firsts(ev, "result")
    t.ok(all(got[k] > done[j] for k in range(3) for j in range(k + 1)),
         "imap: each result is delivered only once it and every task before "
         "it are done", (done, got))


@case
def map_all_at_the_end():
    # map: nothing delivered before the last task_done.
    p, ev = run_json(["-w", "3", "-m", "map", "-t", SLEEPS])
    last_done = max(i for i, e in enumerate(ev) if e["ev"] == "task_done")
    first_res = min(i for i, e in enumerate(ev) if e["ev"] == "result")
    t.ok(first_res > last_done, "map: no result before the last task_done")
    t.eq([e["task"] for e in of(ev, "result")], [0, 1, 2], "map: results in submission order")
    t.eq(ev[0]["chunksize"], 1, "map: default chunksize ceil(3 / (4 * 3)) = 1")


def peak_in_flight(events):
    """The most tasks running at once, from the events' order."""
    inflight = peak = 0
    for e in events:
        if e["ev"] == "task_start":
            inflight += 1
            peak = max(peak, inflight)
        elif e["ev"] in ("task_done", "task_fail"):
            inflight -= 1
    return peak


@case
def apply_one_in_flight():
    # apply: one task in flight, about the sum of the sleeps.
    p, ev = run_json(["-w", "3", "-m", "apply", "-t", SLEEPS])
    t.eq(peak_in_flight(ev), 1, "apply: never two tasks in flight")
    wall = ev[-1]["wall"]
    # (once seen in CI: one task, ended after 0.079 s; the events say why)
    t.ok(wall >= 0.59, "apply: takes at least the sum of the sleeps (%.3f s)"
         % wall, "" if wall >= 0.59 else "stderr: %r\nevents: %s" % (
             p.stderr, "\n".join(json.dumps(e) for e in ev)))
    t.ok(wall < 0.59 + 5, "apply: and not much more (%.3f s)" % wall)
    order = [e["ev"] for e in ev if e["ev"] in ("task_start", "result")]
    t.eq(order, ["task_start", "result"] * 3,
         "apply: each call returns its result before the next call starts")
    # apply_async on the same sleeps: the calls do not wait for each
    # other's results, so more than one runs at once (told by the events'
    # order, not by how long a loaded machine took).
    p2, ev2 = run_json(["-w", "3", "-m", "apply_async", "-t", SLEEPS])
    peak = peak_in_flight(ev2)
    t.ok(peak >= 2, "apply_async on the same sleeps: %d at once, where apply "
         "had one" % peak)


@case
def sync_async_aliases():
    p, ev = run_json(["-w", "2", "-m", "sync", "-t", "square 1..3"])
    t.eq(ev[0]["mode"], "apply", "--mode sync is apply")
    p, ev = run_json(["-w", "2", "-m", "async", "-t", "square 1..3"])
    t.eq(ev[0]["mode"], "apply_async", "--mode async is apply_async")


@case
def imap_unordered_completion_order():
    p, ev = run_json(["-w", "3", "-m", "imap_unordered", "-t", SLEEPS])
    t.eq([e["task"] for e in of(ev, "result")], finished(ev),
         "imap_unordered: results in completion order")
    t.eq(ev[0]["chunksize"], 1, "imap_unordered: Python's default chunksize 1")


@case
def process_per_task():
    # process: a new process per task, at most --workers at a time.
    p, ev = run_json(["-w", "2", "-m", "process", "-t", "print 0..3"])
    pids = [e["pid"] for e in of(ev, "task_start")]
    t.eq(len(set(pids)), 4, "process: every task has its own PID")
    t.eq(len(of(ev, "worker_start")), 4, "process: four processes started")
    alive = peak = 0
    for e in ev:
        if e["ev"] == "worker_start":
            alive += 1
            peak = max(peak, alive)
        elif e["ev"] == "worker_exit":
            alive -= 1
    t.ok(peak <= 2, "process: at most 2 processes at a time (saw %d)" % peak)
    t.eq(sorted(e["text"] for e in of(ev, "output")), ["0\n", "1\n", "2\n", "3\n"],
         "process: each prints its number")


@case
def map_squares_text():
    # The seed: Pool(5).map(square, 1..10)
    p = run(["--batch", "-w", "5", "-m", "map", "-t", "square 1..10"])
    lines = p.stdout.splitlines()
    t.eq(p.returncode, 0, "map squares: exit 0")
    t.eq(lines[-2], "[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]",
         "map squares: the results list as Python prints it")
    t.ok(lines[-1].startswith("10 tasks, 0 failed, wall "), "map squares: a summary line",
         lines[-1])
    p = run(["--batch", "--quiet", "-w", "5", "-m", "map", "-t", "square 1..10"])
    t.eq(p.stdout.splitlines()[0], "[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]",
         "--quiet: only the list ...")
    t.eq(len(p.stdout.splitlines()), 2, "... and the summary")


def many_tasks(mode):
    # Many tasks: every task delivered exactly once in each mode.
    n = 60 if mode in ("apply", "process") else 2000
    p, ev = run_json(["-w", "2", "-m", mode, "-t", "cube 1..%d" % n])
    res = of(ev, "result")
    if mode == "process":
        # A Process has no result channel: join() gives the exit code.
        t.ok(sorted(e["task"] for e in res) == list(range(n)) and
             all(e["value"] == "0" for e in res) and
             all(e["result"] == str((e["task"] + 1) ** 3)
                 for e in of(ev, "task_done")),
             "process: %d joins, each once, each exit code 0 (the cubes "
             "are computed, then lost)" % n)
        return
    t.ok(sorted(e["task"] for e in res) == list(range(n)) and
         all(e["value"] == str((e["task"] + 1) ** 3) for e in res),
         "%s: %d results, each once, each right" % (mode, n))
    if mode in ("apply", "map", "imap"):
        t.eq([e["task"] for e in res], list(range(n)), "%s: in submission order" % mode)


for mode in ["apply", "map", "imap", "imap_unordered", "apply_async", "process"]:
    add_case("many_tasks_" + mode, many_tasks, mode)

main(t)
