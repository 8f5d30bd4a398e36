"""Faithful to CPython: the same task lists through poolscope and through a
real multiprocessing.Pool (tests/lib/pyref.py) on this machine, and what a
caller can observe compared: the order results reach the caller, when they
reach it against when tasks end, which tasks share a chunk and a worker,
how many run at once, how many processes --max-tasks-per-child makes, and
what happens on an error.

Where an order depends on time, the sleeps differ by 100 ms or more; most
cases use one worker, where the order does not depend on time at all.
"""
from pstest import TAP, add_case, case, main, of
from observe import (python, poolscope, chunks_by_pid, runs_of,
                     max_inflight)

t = TAP()


def same(what, py, ps, desc):
    t.eq(ps, py, "%s (CPython: %r)" % (desc, py))


# ---------------------------------------------------------------- result order
SLEEPS = "sleep 300; sleep 100; sleep 200"


def result_order(mode):
    py = python(mode, 3, SLEEPS)
    ps = poolscope(mode, 3, SLEEPS)
    same("order", py["results"], ps["results"],
         "%s, sleeps 300 100 200 on 3 workers: the caller gets results in the "
         "same order" % mode)
    same("values", py["values"], ps["values"],
         "%s: the same values (a Process gives its exit code)" % mode)

    # When: after which task ends each result reaches the caller.
    def before(obs):
        return {r: sorted(k for k, v in obs["ran"].items()
                          if v[2] <= obs["received"][r]) for r in obs["results"]}
    same("when", before(py), before(ps),
         "%s: each result reaches the caller after the same tasks have ended" % mode)
    same("inflight", max_inflight(py), max_inflight(ps),
         "%s: as many tasks run at once" % mode)


for mode in ("apply", "map", "imap", "imap_unordered", "apply_async", "process"):
    add_case("result_order_" + mode, result_order, mode)


# ---------------------------------------------------------------- chunks
def chunks(mode, n, w, cs):
    spec = "square 1..%d" % n
    py = python(mode, w, spec, cs)
    ps = poolscope(mode, w, spec, cs)
    if w == 1:
        same("runs", runs_of(py), runs_of(ps),
             "%s, %d squares, chunksize %s: the same tasks run back to back"
             % (mode, n, cs or "default"))
    # poolscope names each task's chunk: its chunks are Python's slices.
    size = cs or -(-n // (4 * w))
    t.ok(all(ps["chunk"][i] == i // size for i in range(n)),
         "%s, %d tasks, %d workers: chunk k holds tasks k*%d..k*%d+%d, as "
         "Python slices them" % (mode, n, w, size, size, size - 1))

    def one_process_each(obs):
        return all(len(set(v[0] for k, v in obs["ran"].items() if k // size == c)) == 1
                   for c in range(-(-n // size)))
    same("pids", one_process_each(py), one_process_each(ps),
         "%s, %d tasks, %d workers: each chunk of %d runs in one worker process"
         % (mode, n, w, size))
    same("list", py["results"], ps["results"], "%s: the caller gets the same "
         "results in the same order" % mode)


for mode, n, w, cs in (("map", 10, 2, None), ("map", 100, 3, None),
                       ("map", 9, 1, 4), ("imap", 7, 1, 3),
                       ("imap_unordered", 7, 1, 3)):
    add_case("chunks_%s_%d_tasks_%d_workers" % (mode, n, w), chunks, mode, n, w, cs)


# ---------------------------------------------------------------- maxtasksperchild
def maxtasksperchild(mode, w, spec, cs, mt):
    py = python(mode, w, spec, cs, mt)
    ps = poolscope(mode, w, spec, cs, mt)
    same("pids", chunks_by_pid(py), chunks_by_pid(ps),
         "%s, %s, chunksize %s, maxtasksperchild %d: the same tasks share a "
         "worker process (%d processes: a chunk is one message)"
         % (mode, spec, cs, mt, len(chunks_by_pid(py))))


for mode, w, spec, cs, mt in (("map", 1, "square 1..8", 2, 2),
                              ("map", 1, "square 1..9", 3, 1),
                              ("imap", 1, "square 1..6", 2, 2),
                              ("apply_async", 1, "sleep 10 x6", None, 2),
                              ("apply", 1, "square 1..5", None, 2)):
    add_case("maxtasksperchild_%s_chunksize_%s_max_%d" % (mode, cs, mt),
             maxtasksperchild, mode, w, spec, cs, mt)


# ---------------------------------------------------------------- errors
ERR = [
    # map: every chunk runs, then the first exception; no list.  The rest
    # of the failing chunk never runs.
    ("map", 1, "square 1..3; fail; square 5..9", 3),
    ("map", 1, "square 1..2; fail; square 4..5; fail; square 7", 2),
    ("map", 2, "sleep 50; fail; sleep 300; sleep 50", 1),
    # imap: results up to the failing position, then the exception; later
    # results are computed and never received.
    ("imap", 1, "square 1..2; fail; square 4..5", None),
    ("imap", 1, "square 1..3; fail; square 5..6", 2),
    ("imap", 3, "sleep 300; sleep 100; fail; sleep 100", None),
    # imap_unordered: results as they come, until the failing chunk.
    ("imap_unordered", 1, "square 1..2; fail; square 4..5", None),
    ("imap_unordered", 1, "square 1..3; fail; square 5..8", 2),
    ("imap_unordered", 3, "sleep 100; sleep 400; sleep 200; fail", None),
    # apply and apply_async: each error reaches the caller; the rest go on.
    ("apply", 2, "square 1; fail; square 3; fail", None),
    ("apply_async", 1, "square 1; fail; square 3; fail", None),
]


def errors(mode, w, spec, cs):
    py = python(mode, w, spec, cs)
    ps = poolscope(mode, w, spec, cs)
    tag = "%s, '%s', %d worker%s%s" % (mode, spec, w, "s" if w > 1 else "",
                                      ", chunksize %d" % cs if cs else "")
    same("raised", py["raised"], ps["raised"],
         "%s: the caller gets the exception of the same task" % tag)
    same("results", py["results"], ps["results"],
         "%s: and the same results before it" % tag)
    same("errors", py["errors"], ps["errors"],
         "%s: the same errors as results" % tag)
    same("ran", sorted(py["ran"]), sorted(ps["ran"]),
         "%s: the same tasks run (the rest of a raising chunk never does)" % tag)
    skipped = sorted(e["task"] for e in of(ps["events"], "task_skip"))
    never = sorted(set(range(ps["events"][0]["tasks"])) - set(ps["ran"]))
    t.eq(skipped, never, "%s: a task_skip for each task that never ran" % tag)
    t.eq(ps["rc"], 1, "%s: exit status 1" % tag)


for i, (mode, w, spec, cs) in enumerate(ERR):
    add_case("errors_%02d_%s" % (i + 1, mode), errors, mode, w, spec, cs)


@case
def keep_going():
    # --keep-going: as a caller that catches each error: every result in place.
    ps = poolscope("map", 1, "square 1..3; fail; square 5..9", 3, extra=["--keep-going"])
    t.eq((ps["results"], ps["errors"], sorted(ps["ran"])),
         (list(range(9)), [3], list(range(9))),
         "map --keep-going: every task runs, the error in its place in the list")



# ---------------------------------------------------------------- empty
def empty(mode):
    py = python(mode, 2, "")
    ps = poolscope(mode, 2, "")
    same("empty", (py["results"], py["raised"], py["ran"]),
         (ps["results"], ps["raised"], ps["ran"]),
         "%s over an empty list: nothing runs, the caller gets []" % mode)
    t.eq(ps["rc"], 0, "%s over an empty list: exit status 0" % mode)


for mode in ("apply", "map", "imap", "imap_unordered", "apply_async", "process"):
    add_case("empty_" + mode, empty, mode)


# ---------------------------------------------------------------- process
def process_joins(w, spec):
    py = python("process", w, spec)
    ps = poolscope("process", w, spec)
    same("joins", list(zip(py["results"], py["values"])),
         list(zip(ps["results"], ps["values"])),
         "process, '%s', %d at a time: the same exit codes in the same join "
         "order" % (spec, w))
    same("pids", len(chunks_by_pid(py)), len(chunks_by_pid(ps)),
         "process, '%s': a process per task" % spec)


# (With 3 at a time, the fail starts once the 100 ms sleep is joined, and
# every exit is 0.1 s or more from the next.)
for w, spec in ((1, "square 2; fail; crash; square 3"),
                (3, "sleep 400; sleep 100; sleep 250; fail")):
    add_case("process_joins_%d_at_a_time" % w, process_joins, w, spec)

main(t)
