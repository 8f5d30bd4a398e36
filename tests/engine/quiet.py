"""--batch -q prints only what the caller got and the summary, so nobody
reads instant tasks' events one by one: their workers send a run of a
chunk's tasks as one record of values, and the parent takes it whole.
What -q prints must not change for it: each run is compared with the same
run with --record (which reads every task's events, so it takes them one
by one) and with --svg (whose model takes each run with its tasks' times,
as the screen's does), with what CPython's own Pool gives its caller, and
with a worker killed in the middle of a chunk."""
import os
import re
import signal
import subprocess
import time

import observe
from pstest import TAP, SLOW, add_case, case, cmd, descendants, main, run

t = TAP()

MIX = "square 1..5; fail; print 4; hello 5; cube 1..7; sleep 1; square 1..3"


def quiet(args, out=None):
    """(status, stdout with the summary's times left out, stderr); out:
    a file for --record (task by task) or, ending in .svg, --svg (runs
    with their times)."""
    extra = ([] if not out else ["--svg", out, "--force"]
             if out.endswith(".svg") else ["--record", out, "--force"])
    p = run(["--batch", "-q"] + extra + list(args))
    out = re.sub(r"wall [^(]*\([^)]*\)(, waiting for a processor [0-9.]+ s)?"
                 r", speedup [0-9.]+x ", "", p.stdout)
    return p.returncode, out, p.stderr


def same(bulk, each, desc):
    """bulk and each as quiet() gives them are the same; a short diff."""
    if bulk == each:
        t.ok(True, desc)
        return
    a, b = bulk[1], each[1]
    i = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]),
             min(len(a), len(b)))
    t.ok(False, desc, "status %r, %r; stderr %r, %r; first difference at %d:"
         " %r against %r" % (bulk[0], each[0], bulk[2][:200], each[2][:200],
                             i, a[max(0, i - 40):i + 60],
                             b[max(0, i - 40):i + 60]))


def svg_path():
    return "/tmp/ps-quiet-%d.svg" % os.getpid()


def rec_path():
    return "/tmp/ps-quiet-%d.rec" % os.getpid()


def unlink_outputs():
    for f in (svg_path(), rec_path()):
        try:
            os.unlink(f)
        except OSError:
            pass


def same_as_per_task(mode, keep_going, chunks):
    args = ["-w", "1", "-m", mode] + (["--keep-going"] if keep_going else [])
    args += ["-c", "3"] if chunks else []
    args += ["-t", MIX]
    bulk = quiet(args)
    each = quiet(args, rec_path())
    timed = quiet(args, svg_path())
    unlink_outputs()
    same(bulk, each, "-q %s: the same list, summary and exit status as "
         "with per-task events" % " ".join(args))
    same(timed, each, "-q --svg %s: and with runs that carry their tasks' "
         "times" % " ".join(args))


for mode in ("map", "imap", "imap_unordered", "apply_async", "apply"):
    for kg in (0, 1):
        for chunks in ((0, 1) if mode in ("map", "imap", "imap_unordered")
                       else (0,)):
            add_case("same_%s%s%s" % (mode, "_keep_going" if kg else "",
                                      "_chunks" if chunks else ""),
                     same_as_per_task, mode, kg, chunks)


@case
def many_workers_ordered():
    # Three workers on long chunks of squares, prints and cubes: map and
    # imap hand results over in order, whoever ran them.
    spec = "square 1..30000; print 1..100; cube -50..50; square -7..7"
    for mode in ("map", "imap"):
        args = ["-w", "3", "-m", mode, "-c", "1000", "-t", spec]
        bulk = quiet(args)
        each = quiet(args, rec_path())
        timed = quiet(args, svg_path())
        same(bulk, each, "-q %s on 3 workers, chunks of 1000: the same as "
             "with per-task events" % mode)
        same(timed, each, "-q --svg %s on 3 workers, chunks of 1000: and "
             "with runs that carry their tasks' times" % mode)
    unlink_outputs()


@case
def cpython_list():
    # The list as CPython prints it, from map's default chunks of 25,000.
    n = 200000
    p = run(["--batch", "-q", "-w", "2", "-m", "map", "-t",
             "square 1..%d" % n])
    first = p.stdout.split("\n", 1)[0]
    t.ok(p.returncode == 0 and first == str([i * i for i in range(1, n + 1)]),
         "-q map of %d squares: Python's list" % n,
         "exit %d, %r...%r" % (p.returncode, first[:60], first[-60:]))
    p = run(["--batch", "-q", "-w", "2", "-m", "imap_unordered", "-c", "7",
             "-t", "print 1..50"])
    t.eq(p.stdout.split("\n", 1)[0], str([None] * 50),
         "-q imap_unordered of 50 prints in chunks of 7: fifty Nones")


def against_cpython(mode, spec):
    # The same list through CPython's own Pool (tests/lib/pyref.py), one
    # worker so the order is fixed: what -q prints is what its caller got.
    cs = 3 if mode in ("map", "imap", "imap_unordered") else None
    py = observe.python(mode, 1, spec, cs)
    p = run(["--batch", "-q", "-w", "1", "-m", mode, "-t", spec] +
             (["-c", str(cs)] if cs else []))
    first = p.stdout.split("\n", 1)[0]
    if py["raised"] is not None:
        m = re.search(r"raised TaskError from task (\d+)", p.stdout)
        t.ok(first.startswith("TaskError: ") and m is not None and
             int(m.group(1)) == py["raised"],
             "-q %s of %s: raises the task CPython's %s() raised (%d)" % (
                 mode, spec, mode, py["raised"]), p.stdout[-300:])
        return
    got = eval(first, {"TaskError": TaskError, "None": None})
    got = ["error" if isinstance(v, Exception) else v for v in got]
    t.eq(got, py["values"], "-q %s of %s: the list CPython's caller got" % (
        mode, spec))


for mode in ("map", "imap", "imap_unordered", "apply_async", "apply"):
    add_case("cpython_" + mode, against_cpython, mode,
             "square 1..40; fail; print 4; hello 5; cube 1..7; square 1..30")
    add_case("cpython_clean_" + mode, against_cpython, mode,
             "square 1..40; print 4; hello 5; cube 1..7; square -30..30")


def title(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


@case
def killed_mid_chunk():
    # One chunk: 1500 squares, a long sleep, 499 more squares.  The squares
    # before the sleep were sent as a run; the worker is killed in the
    # sleep; the rest of its chunk runs on another, and every value is
    # there.
    spec = "square 1..1500; sleep 60000; square 1..2500"
    p = subprocess.Popen(cmd(["--batch", "-q", "-w", "2", "-c", "2000",
                              "--keep-going", "-m", "map", "-t", spec]),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    victim = None
    deadline = time.monotonic() + 30 * SLOW
    while victim is None and time.monotonic() < deadline:
        for k in descendants(p.pid):
            if "task 1500 sleep" in title(k):
                victim = k
        time.sleep(0.01)
    if victim is not None:
        os.kill(victim, signal.SIGKILL)
    else:
        p.kill()
    out, err = p.communicate(timeout=60 * SLOW)
    lines = out.split("\n")
    got = eval(lines[0]) if lines[0].startswith("[") else None
    want = [i * i for i in range(1, 1501)] + [None] + \
        [i * i for i in range(1, 2501)]
    t.ok(victim is not None, "the worker in the sleep was found and killed")
    t.ok(got is not None and len(got) == len(want) and
         got[:1500] == want[:1500] and got[1501:] == want[1501:],
         "every square's value is in the list, in its place",
         "%r" % out[:300])
    t.ok(got is not None and isinstance(got[1500], Exception) and
         "SIGKILL" in str(got[1500]),
         "the sleep's place holds the error of its killed worker",
         got and repr(got[1500]))
    t.ok(p.returncode == 1 and "4001 tasks, 1 failed" in out,
         "exit status 1: one task failed", "exit %d, %r" % (
             p.returncode, lines[1:3]))


class TaskError(Exception):
    pass


if __name__ == "__main__":
    main(t)
