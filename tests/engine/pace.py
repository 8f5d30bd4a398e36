"""--pace MS: each task takes at least MS of pool time, as a Python demo adds
time.sleep to square so that a class can see the tasks spread over the
workers.  Every paced task lasts the pace (task_start to task_done), the
results and what the tasks print are those of the run without it, a pause
is not counted, --time-scale multiplies it, a lesson's run: line takes it,
bad values are refused before anything runs, and CPython's own Pool(5) with
the same sleep added shares ten squares out as poolscope does.
"""
import atexit
import os
import shutil
import signal
import tempfile
import time

import pstest
from pstest import TAP, Live, case, main, of, run, run_json, wait_states
from observe import python, poolscope, chunks_by_pid, max_inflight

t = TAP()
SLOW = pstest.SLOW
tmp = tempfile.mkdtemp(prefix="pstest-pace-")
atexit.register(shutil.rmtree, tmp, True)

# A worker never ends a task before its pace.  But an event is never
# stamped earlier than the one the parent wrote before it, and the parent
# stamps some of its own events with its clock as it reads (a result in
# apply_async, a fork in process mode): a task_start read just after such
# an event is stamped later than the task began, by as long as the parent
# took to come round to it.  Measured here, five runs at once on two
# processors: up to 2.4 ms short in apply_async, and 3.7 ms for a plain
# sleep 500 in process mode, without any pace; and 36 ms for a sleep 500
# in process mode in a CI run while other tests loaded the machine.  So a
# task's length in the events may fall short of its pace by that much: 60
# ms of slack, still far from the difference between the paces checked
# (300 against 500 ms).
EARLY = 0.06 * SLOW
# How late a paced task may end on a loaded machine.
LATE = 0.15 * SLOW


def durations(events):
    """Per task: task_start to its task_done or task_fail, in pool time."""
    start = {e["task"]: e["t"] for e in of(events, "task_start")}
    return {e["task"]: e["t"] - start[e["task"]]
            for e in of(events, "task_done") + of(events, "task_fail")}


def outside(d, low, high):
    """The tasks whose durations are not in [low - EARLY, high], rounded."""
    return {k: round(v, 4) for k, v in sorted(d.items())
            if not low - EARLY <= v <= high}


def story(events):
    """What a run gives that pacing must not change: the results by task,
    what each task printed, the errors, the outcome."""
    printed = {}
    for e in of(events, "output"):
        printed[e["task"]] = printed.get(e["task"], "") + e["text"]
    return ({e["task"]: e["value"] for e in of(events, "result")}, printed,
            {e["task"]: e["error"] for e in of(events, "task_fail")},
            {k: events[-1].get(k) for k in ("tasks", "ok", "failed", "skipped")})


# ---------------------------------------------------------------- the pace
@case
def squares_last_the_pace():
    p, ev = run_json(["-w", "5", "-m", "map", "--pace", "300", "-t", "square 1..10"])
    t.eq(p.returncode, 0, "--pace 300, Pool(5).map(square, 1..10): exit 0")
    t.eq(ev[0].get("pace_ms"), 300, "run_start says pace_ms 300")
    d = durations(ev)
    t.ok(len(d) == 10 and not outside(d, 0.3, 0.3 + LATE),
         "every square lasts 300 ms of pool time (%.4f s at least)"
         % min(d.values() or [0]), outside(d, 0.3, 0.3 + LATE))
    p, ev = run_json(["-w", "5", "-m", "map", "-t", "square 1..10"])
    t.eq(ev[0].get("pace_ms"), 0, "without --pace, run_start says pace_ms 0")


@case
def a_pace_is_a_minimum():
    # A task longer than the pace keeps its length; a shorter one, a failing
    # one and every kind that prints wait out the rest; in a Process too.
    spec = ("sleep 500; sleep 100; fail; print 7; hello 3; cube 2; spin 50; "
            "primes 1000; sh echo hi")
    for mode in ("apply_async", "process"):
        p, ev = run_json(["-w", "3", "-m", mode, "--pace", "300", "-t", spec])
        d = durations(ev)
        # spin 50 is 50 ms of CPU time: on a busy machine its wall time
        # may pass the pace, and then it keeps its length (task 6 is only
        # held to the pace from below).
        t.ok(len(d) == 9 and not outside({0: d.get(0, 0)}, 0.5, 0.5 + LATE)
             and not outside({k: v for k, v in d.items() if k not in (0, 6)},
                             0.3, 0.3 + LATE)
             and not outside({6: d.get(6, 0)}, 0.3, float("inf")),
             "%s, --pace 300: sleep 500 lasts 500 ms, every other task (a "
             "failing one too) 300 ms, spin 50 at least that" % mode,
             {k: round(v, 4) for k, v in sorted(d.items())})
        t.eq(p.returncode, 1, "%s: exit 1 (the fail task)" % mode)


@case
def results_and_output_unchanged():
    spec = "square 1..6; print 7; hello 8; cube 9; fail; sh echo one\\; echo two"
    for mode in ("map", "imap", "apply_async", "apply", "process"):
        args = ["-w", "3", "-m", mode, "--keep-going", "-t", spec]
        if mode in ("apply", "apply_async", "process"):
            args.remove("--keep-going")
        _, plain = run_json(args)
        _, paced = run_json(args + ["--pace", "100"])
        t.eq(story(paced), story(plain), "%s, --pace 100: the same results, "
             "output, errors and counts as without" % mode)
    q0 = run(["--batch", "-q", "-w", "3", "-t", "square 1..6"])
    q1 = run(["--batch", "-q", "-w", "3", "--pace", "100", "-t", "square 1..6"])
    t.eq(q1.stdout.splitlines()[:1], q0.stdout.splitlines()[:1],
         "-q: the same results list, [1, 4, 9, 16, 25, 36]")


@case
def output_comes_as_it_is_printed():
    # A paced square is seen to start, then its line, and a second later
    # its end: not all three at once when the pace is over.
    live = Live(["-w", "1", "--pace", "1000", "-t", "square 4"])
    seen = {}
    for what in ("task_start", "output", "task_done"):
        if live.wait_for(lambda e: e["ev"] == what, 20) is not None:
            seen[what] = time.monotonic()
    live.finish(20)
    t.ok(len(seen) == 3 and seen["task_done"] - seen["output"] >= 0.5 and
         seen["output"] - seen["task_start"] < 0.5,
         "--pace 1000: task_start and 'square of 4 is 16' come at once, "
         "task_done a second later",
         {k: round(v - seen.get("task_start", 0), 3) for k, v in seen.items()})


@case
def text_says_paced():
    p = run(["--batch", "-w", "2", "--pace", "250", "-t", "square 1..2"])
    first = p.stdout.splitlines()[0] if p.stdout else ""
    t.ok(first.endswith("chunksize 1, paced 250 ms"),
         "the text run line says 'paced 250 ms'", first)
    p = run(["--batch", "-w", "2", "-t", "square 1..2"])
    t.ok("paced" not in p.stdout, "without --pace it says nothing of a pace",
         p.stdout.splitlines()[:1])


# ---------------------------------------------------------------- pool time
@case
def a_pause_is_not_counted():
    if pstest.WRAPPER:
        t.skip("a pause is not counted (SIGTSTP)", "under a wrapper")
        return
    live = Live(["-w", "2", "-m", "apply_async", "--pace", "1000", "-t",
                 "square 1..4"], process_group=0)
    live.wait_for(lambda e: e["ev"] == "task_start" and e["task"] == 1, 20)
    wp = [e["pid"] for e in of(live.events, "worker_start")]
    os.kill(live.p.pid, signal.SIGTSTP)
    st = wait_states([live.p.pid] + wp, ("T",))
    done_before = len(of(live.events, "task_done"))
    # The pause itself is what is measured: a second and a half of it.
    time.sleep(1.5)
    os.kill(live.p.pid, signal.SIGCONT)
    rc = live.finish(60)
    ev = live.events
    t.ok(rc == 0 and st == ["T"] * 3 and done_before == 0,
         "SIGTSTP while tasks 0 and 1 wait out their pace: all stop; SIGCONT: "
         "exit 0", (rc, st, done_before))
    t.ok(ev and ev[-1].get("paused", 0) >= 1.4,
         "run_end says it was paused %.3f s" % (ev[-1].get("paused", 0) if ev else 0))
    d = durations(ev)
    t.ok(len(d) == 4 and not outside(d, 1.0, 1.0 + LATE),
         "each task lasts 1 s of pool time, the paused ones too: the pause "
         "is left out of the pace", {k: round(v, 4) for k, v in d.items()})
    t.ok(ev and 2.0 - EARLY <= ev[-1]["wall"] <= 2.0 + 2 * LATE,
         "the run's wall time is 2 s of pool time (%.3f s)"
         % (ev[-1]["wall"] if ev else 0))


@case
def time_scale_multiplies_it():
    for scale, want in (("1", 0.2), ("2", 0.4), ("0.5", 0.1)):
        _, ev = run_json(["-w", "2", "--pace", "200", "--time-scale", scale, "-t",
                          "square 1..4; sleep 50"])
        d = durations(ev)
        t.ok(len(d) == 5 and not outside(d, want, want + LATE),
             "--pace 200 --time-scale %s: every task lasts %d ms" % (scale, want * 1000),
             {k: round(v, 4) for k, v in d.items()})


# ---------------------------------------------------------------- lessons
@case
def in_a_lesson_run_line():
    path = os.path.join(tmp, "paced.lesson")
    with open(path, "w") as f:
        f.write("title: Paced\nstep: Ten squares\ncaption: Paced so a class "
                "can see them.\nrun: -w 5 --pace 300 -t 'square 1..10'\n")
    p, ev = run_json(["--lesson", path])
    d = durations(ev)
    t.ok(p.returncode == 0 and ev and ev[0].get("pace_ms") == 300 and len(d) == 10
         and not outside(d, 0.3, 0.3 + LATE),
         "a lesson's run: line with --pace 300: pace_ms 300, every square 300 ms",
         (p.returncode, p.stderr, {k: round(v, 4) for k, v in d.items()}))
    p = run(["--lesson", path, "--batch"])
    t.ok("-- run: -w 5 --pace 300 -t 'square 1..10'" in p.stdout and
         ", paced 300 ms" in p.stdout, "its text output shows the run line "
         "and 'paced 300 ms'", p.stdout[:400])
    with open(path, "w") as f:
        f.write("title: Paced\nstep: S\ncaption: c\nrun: --pace 60001\n")
    p = run(["--lesson", path, "--batch"])
    t.ok(p.returncode == 2 and p.stdout == "" and
         "%s:4: run: --pace: 60001 is too large; give milliseconds from 0 to "
         "60000" % path in p.stderr,
         "a run: line with --pace 60001: exit 2, FILE:4 and the range",
         (p.returncode, p.stderr))


# ---------------------------------------------------------------- bad values
@case
def bad_values():
    for value, words in (("-1", ["-1 is too small"]), ("60001", ["60001 is too large"]),
                         ("abc", ["'abc' is not a whole number"]),
                         ("1.5", ["'1.5' is not a whole number"]),
                         ("", ["'' is not a whole number"])):
        p = run(["--batch", "--pace", value, "-t", "square 1"])
        t.ok(p.returncode == 2 and p.stdout == "" and
             "poolscope: --pace: " in p.stderr and
             "give milliseconds from 0 to 60000" in p.stderr and
             all(w in p.stderr for w in words),
             "--pace %r: exit 2, says what is wrong and the range 0..60000, "
             "nothing on stdout" % value, (p.returncode, p.stdout, p.stderr))
    p = run(["--batch", "-t", "square 1", "--pace"])
    t.ok(p.returncode == 2 and p.stdout == "" and
         "--pace needs a value; give milliseconds from 0 to 60000" in p.stderr,
         "--pace without a value: exit 2 and the range", p.stderr)
    pstest.nothing_forked(t, ["--batch", "--pace", "60001", "-t", "square 1"],
                          "--pace 60001: nothing is forked")
    # A pace at or past the timeout would have every task killed.
    for args, want in ((["--pace", "300", "--timeout", "300"], "at least 300 ms"),
                       (["--pace", "300", "--timeout", "500", "--time-scale", "2"],
                        "at least 600 ms")):
        p = run(["--batch"] + args + ["-t", "square 1"])
        t.ok(p.returncode == 2 and p.stdout == "" and
             "--pace: each task would take %s, and --timeout kills a task at" % want
             in p.stderr and "give a pace under the timeout" in p.stderr,
             "%s: exit 2, every task would time out" % " ".join(args), p.stderr)
    p = run(["--batch", "-q", "--pace", "300", "--timeout", "1000", "-t", "square 1"])
    t.eq(p.returncode, 0, "--pace 300 --timeout 1000: runs, exit 0")


# ---------------------------------------------------------------- recordings
@case
def recorded_and_replayed():
    rec = os.path.join(tmp, "paced.rec")
    p = run(["--batch", "-q", "-w", "2", "--pace", "100", "--record", rec, "-t",
             "square 1..4"])
    t.eq(p.returncode, 0, "--pace 100 --record: exit 0")
    p, ev = run_json(["--replay", rec, "--time-scale", "0.1"])
    t.ok(p.returncode == 0 and ev and ev[0].get("pace_ms") == 100,
         "the replay's run_start says pace_ms 100", ev[:1])
    old = os.path.join(tmp, "old.rec")
    with open(rec) as f, open(old, "w") as g:
        g.write(f.read().replace(',"pace_ms":100', ""))
    p, ev = run_json(["--replay", old, "--time-scale", "0.1"])
    t.ok(p.returncode == 0 and ev and ev[0].get("pace_ms") == 0 and
         len(of(ev, "result")) == 4,
         "a recording without pace_ms (made before --pace) replays, pace 0",
         (p.returncode, p.stderr, ev[:1]))


# ---------------------------------------------------------------- CPython
@case
def against_cpython():
    # Pool(5).map(square, 1..10) with time.sleep(0.3) added to square, in
    # CPython and with --pace 300: each of the five workers squares exactly
    # two numbers, and five run at once.  (Without a pace one worker can
    # take them all.)
    py = python("map", 5, "square 1..10", pace=300)
    ps = poolscope("map", 5, "square 1..10", pace=300)
    for name, obs in (("CPython", py), ("poolscope", ps)):
        per = sorted(len(c) for c in chunks_by_pid(obs))
        t.eq(per, [2] * 5, "%s, Pool(5).map(square, 1..10), paced 300 ms: each "
             "of the 5 workers runs 2 tasks" % name)
        t.eq(max_inflight(obs), 5, "%s: 5 tasks run at once" % name)
    t.eq(ps["results"], py["results"], "the caller gets the same results in the "
         "same order")
    t.eq(ps["values"], py["values"], "the same values, [1, 4, ..., 100]")


main(t)
