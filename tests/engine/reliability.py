"""A run always ends, every task gets exactly one outcome, nothing outlives
poolscope: processes killed before they report, workers that cannot set
themselves up, workers stopped by someone else, sh tasks and what they
start, and a run stopped while every task left is running.  Each case is
driven from outside, by PIDs from the event stream, real signals and real
limits."""
import atexit
import functools
import os
import shutil
import signal
import subprocess
import tempfile
import time

import json

import pstest
from pstest import TAP, Live, add_case, case, main, run_json, of, wait_gone, pid_alive

t = TAP()
SLOW = pstest.SLOW


def outcomes(ev):
    """task -> how many final outcomes it got (done, fail, skip)."""
    n = {}
    for e in ev:
        if e["ev"] in ("task_done", "task_fail", "task_skip"):
            n[e["task"]] = n.get(e["task"], 0) + 1
    return n


def one_outcome_each(ev):
    ntasks = ev[0]["tasks"] if ev else -1
    n = outcomes(ev)
    return sorted(n) == list(range(ntasks)) and all(v == 1 for v in n.values())


def pids_of(ev):
    return sorted(set(e["pid"] for e in of(ev, "worker_start")))


def procs_with(word):
    """PIDs of live processes whose command line holds word."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cl = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if word in cl and pid_alive(int(d)):
            out.append(int(d))
    return out


def limited(argv, timeout=60):
    """Run argv to its end; a run that does not end within the deadline is
    killed (with its process group) and counts as not ending."""
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, start_new_session=True, cwd="/")
    try:
        out, err = p.communicate(timeout=timeout * SLOW)
        return p.returncode, out, err
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        return None, out, err


def events_of(out):
    ev = []
    for l in out.splitlines():
        try:
            ev.append(json.loads(l))
        except ValueError:
            break
    return ev


def none_left(word, timeout=5):
    deadline = time.monotonic() + timeout * SLOW
    while procs_with(word) and time.monotonic() < deadline:
        time.sleep(0.02)
    return procs_with(word)


# ------------------------------------------------- 1. process mode kill storm
# Every process is killed as soon as its worker_start arrives, before it can
# say it began: each task still gets its outcome, and the run ends.
def kill_storm(extra):
    live = Live(["-m", "process", "-w", "4"] + extra + ["-t", "sleep 10 x40"])
    killed = set()
    deadline = time.monotonic() + 60 * SLOW
    seen = 0
    while time.monotonic() < deadline:
        e = live.wait_for(lambda e: e["ev"] in ("worker_start", "run_end") and
                          e.get("pid") not in killed, 30)
        if e is None or e["ev"] == "run_end":
            break
        try:
            os.kill(e["pid"], signal.SIGKILL)
        except ProcessLookupError:
            pass
        killed.add(e["pid"])
    rc = live.finish(60)
    ev = live.events
    tag = "process mode, every process killed at its worker_start%s" % (
        " (" + " ".join(extra) + ")" if extra else "")
    t.ok(rc is not None and ev and ev[-1]["ev"] == "run_end",
         "%s: the run ends (exit %s)" % (tag, rc))
    t.ok(one_outcome_each(ev), "%s: every task has exactly one outcome" % tag,
         outcomes(ev))
    t.eq(wait_gone(pids_of(ev)), [], "%s: no process left" % tag)


add_case("process_kill_storm", kill_storm, [])
add_case("process_kill_storm_retries", kill_storm, ["--retries", "1"])
add_case("process_kill_storm_max_tasks_retries", kill_storm,
         ["--max-tasks-per-child", "1", "--retries", "1"])


# ------------------------------------------------- 2. a worker that cannot set up
# /dev/null unreadable (a mount namespace, run as nobody): no worker can set
# itself up.  Each slot tries a few times with a pause, then gives up; every
# task fails with the cause; no spinning.
@functools.cache
def no_null():
    """A file nobody can read, to mount on /dev/null, if that can be done
    here (else None)."""
    NONULL = os.path.join(tempfile.mkdtemp(prefix="pstest-nonull-"), "null")
    open(NONULL, "w").close()
    os.chmod(NONULL, 0)
    os.chmod(os.path.dirname(NONULL), 0o755)
    can = (os.geteuid() == 0 and shutil.which("unshare") and shutil.which("setpriv")
           and not pstest.WRAPPER and subprocess.run(
               ["unshare", "-m", "sh", "-c", "mount --bind %s /dev/null" % NONULL],
               capture_output=True).returncode == 0)
    atexit.register(shutil.rmtree, os.path.dirname(NONULL), True)
    return NONULL if can else None


def dev_null_unreadable(mode):
    NONULL = no_null()
    BIN = os.path.realpath(pstest.POOLSCOPE)
    tag = "%s, /dev/null unreadable in every worker" % mode
    if NONULL is None:
        for what in ("the run ends", "every task failed with the cause",
                     "a few tries a slot"):
            t.skip("%s: %s" % (tag, what), "needs root, unshare and setpriv, no wrapper")
        return
    # A user of its own (no passwd entry needed): RLIMIT_NPROC counts per
    # user, and limits.py runs as nobody.
    inner = ("mount --bind %s /dev/null && exec setpriv --reuid=64102 "
             "--regid=64102 --clear-groups %s --batch --json -w 3 -m %s -t "
             "'square 1..10'" % (NONULL, BIN, mode))
    rc, out, err = limited(["unshare", "-m", "sh", "-c", inner], 30)
    ev = events_of(out)
    t.ok(rc == 1 and ev and ev[-1]["ev"] == "run_end",
         "%s: the run ends, exit 1" % tag, (rc, err[-300:]))
    fails = of(ev, "task_fail")
    t.ok(len(fails) == 10 and one_outcome_each(ev) and
         all("open /dev/null: Permission denied" in e["error"] for e in fails),
         "%s: every task failed, naming the cause" % tag,
         [e.get("error") for e in fails[:2]])
    t.ok(0 < len(of(ev, "worker_start")) <= 3 * 3 and
         all("open /dev/null" in e["error"] for e in of(ev, "spawn_fail")) and
         "could start" in err,
         "%s: a few tries a slot (%d forks), spawn_fail says why, stderr too"
         % (tag, len(of(ev, "worker_start"))), err[-300:])


add_case("dev_null_unreadable_map", dev_null_unreadable, "map")
add_case("dev_null_unreadable_process", dev_null_unreadable, "process")


# A low RLIMIT_NOFILE: workers need few descriptors, so they all start, and
# nothing is lost even where the parent runs out.
def low_rlimit_nofile(nofile, w, mode):
    if not shutil.which("prlimit") or pstest.WRAPPER:
        t.skip("RLIMIT_NOFILE", "no prlimit, or a wrapper")
        return
    rc, out, err = limited(["prlimit", "--nofile=%d:%d" % (nofile, nofile)] +
                           pstest.cmd(["--batch", "--json", "-w", str(w), "-m",
                                       mode, "-t", "sleep 5 x30"]), 30)
    ev = events_of(out)
    done = len(of(ev, "task_done"))
    t.ok(ev and ev[-1]["ev"] == "run_end" and one_outcome_each(ev) and
         (done == 30 or rc == 1),
         "RLIMIT_NOFILE %d, %d workers, %s: the run ends, each of 30 tasks has "
         "one outcome (%d done)" % (nofile, w, mode, done), err[-500:])


for nofile, w, mode in ((9, 2, "map"), (20, 11, "map"), (20, 11, "process"),
                        (9, 4, "process")):
    add_case("rlimit_nofile_%d_%d_workers_%s" % (nofile, w, mode), low_rlimit_nofile,
             nofile, w, mode)


# ------------------------------------------------- 3. a worker stopped by someone else
@case
def idle_worker_stopped():
    live = Live(["-w", "3", "-m", "apply_async", "--timeout", "500", "-t", "sleep 1000"])
    st = live.wait_for(lambda e: e["ev"] == "task_start", 20)
    ready = live.wait_for(lambda e: e["ev"] == "worker_state" and e["state"] == "idle"
                          and st is not None and e["worker"] != st["worker"], 20)
    victim = ready["pid"] if ready else None
    if victim:
        os.kill(victim, signal.SIGSTOP)
    stopped = live.wait_for(lambda e: e["ev"] == "worker_state" and e["state"] == "stopped", 20)
    t.ok(stopped is not None and stopped.get("pid") == victim and
         stopped.get("why") == "SIGSTOP by someone else",
         "kill -STOP of an idle worker: worker_state 'stopped', 'SIGSTOP by someone else'",
         stopped)
    t0 = time.monotonic()
    rc = live.finish(30)
    el = time.monotonic() - t0
    ev = live.events
    t.eq(rc, 1, "the run ends (%.1f s), exit 1 (the task timed out)" % el)
    ex = [e for e in of(ev, "worker_exit") if e["pid"] == victim]
    t.ok(ex and "did not take its stop sentinel" in ex[0]["status"],
         "the stopped worker is killed at the end, and said why", ex)
    t.eq(wait_gone(pids_of(ev)), [], "no worker left")


@case
def busy_worker_stopped():
    # A busy worker stopped by someone else: --timeout still ends its task.
    live = Live(["-w", "2", "-m", "apply_async", "--timeout", "400", "-t",
                 "sleep 5000; square 3"])
    st = live.wait_for(lambda e: e["ev"] == "task_start" and e["task"] == 0, 20)
    if st:
        os.kill(st["pid"], signal.SIGSTOP)
    rc = live.finish(30)
    fails = of(live.events, "task_fail")
    t.ok(rc == 1 and [e["task"] for e in fails] == [0] and "timed out" in fails[0]["error"],
         "a busy worker stopped by someone else: --timeout kills it and fails its task",
         fails)


# ------------------------------------------------- 4. sh tasks leave nothing behind
MARK = 30 + (os.getpid() % 1000) / 1000.0     # a sleep length nobody else uses


def sh_case(desc, spec, how, w=2, extra=()):
    word = "sleep %.3f" % MARK
    spec = spec.replace("SLEEP", word)
    live = Live(["-w", str(w), "-m", "apply_async"] + list(extra) + ["-t", spec],
                process_group=0)
    if how == "end":
        # The task ends when its shell does: what it left running is
        # killed then, not waited for (it would take 30 s).
        t0 = time.monotonic()
        rc = live.finish(60)
        t.ok(rc == 0 and time.monotonic() - t0 < 10 * SLOW,
             "sh, %s: the task ends with its shell (%.1f s)" % (desc, time.monotonic() - t0))
    else:
        st = live.wait_for(lambda e: e["ev"] == "task_start", 20)
        # Wait until the commands run, then end the task or poolscope.
        deadline = time.monotonic() + 20 * SLOW
        while not procs_with(word) and time.monotonic() < deadline:
            time.sleep(0.02)
        if how == "kill-worker" and st:
            os.kill(st["pid"], signal.SIGKILL)
            live.finish(60)
        elif how in ("SIGTERM", "SIGINT", "SIGKILL"):
            os.kill(live.p.pid, getattr(signal, how))
            live.finish(60)
        else:
            live.finish(60)
    left = none_left(word)
    t.eq(left, [], "sh, %s: nothing of it is left running" % desc)
    for p in left:
        os.kill(p, signal.SIGKILL)



add_case("sh_timeout", sh_case, "--timeout", "sh SLEEP", "timeout", 2, ["--timeout", "300"])
add_case("sh_worker_killed", sh_case, "the worker killed", "sh SLEEP", "kill-worker")
add_case("sh_sigterm", sh_case, "SIGTERM to poolscope", "sh SLEEP | cat", "SIGTERM")
add_case("sh_sigint", sh_case, "SIGINT to poolscope", "sh cat /dev/zero | SLEEP", "SIGINT")
add_case("sh_sigkill", sh_case, "SIGKILL to poolscope", "sh SLEEP & SLEEP", "SIGKILL")
add_case("sh_background_job", sh_case, "a background job when the task ends",
         "sh SLEEP & echo started", "end")


@case
def sh_output_as_written():
    p, ev = run_json(["-w", "1", "-t", "sh echo a\\; sleep 0.1\\; echo b"])
    t.eq([e["text"] for e in of(ev, "output")], ["a\n", "b\n"],
         "sh: the command's output still comes as it is written")


# ------------------------------------------------- out of memory
@case
def out_of_memory():
    # (Not under AddressSanitizer: its shadow memory needs more address space
    # than the limit leaves.)
    with open(os.path.realpath(pstest.POOLSCOPE), "rb") as f:
        ASAN = b"__asan_init" in f.read()
    if shutil.which("prlimit") and not pstest.WRAPPER and not ASAN:
        rc, out, err = limited(["prlimit", "--as=150000000"] +
                               pstest.cmd(["--batch", "-q", "-t", "square 1..10000000"]), 60)
        # Whichever allocation fails first (the task arrays, the queue's
        # shared memory), the message is the same kind.
        t.ok(rc == 4 and err.startswith("poolscope: out of memory: could not ") and
             "try fewer tasks or workers" in err and
             "xreallocarray" not in err and "xcalloc" not in err,
             "out of memory: a message in the user's terms, exit 4 (an internal failure)",
             (rc, err))
    else:
        t.skip("out of memory", "no prlimit, a wrapper or a sanitizer")


# ------------------------------------------------- 5. stopped while all running
@case
def sigterm_while_all_running():
    live = Live(["-w", "2", "-m", "apply_async", "-t", "sleep 20000 x2"])
    live.wait_for(lambda e: e["ev"] == "task_start" and e["task"] == 1, 20)
    os.kill(live.p.pid, signal.SIGTERM)
    rc = live.finish(30)
    end = live.events[-1] if live.events else {}
    t.ok(rc == 128 + signal.SIGTERM and end.get("ev") == "run_end" and
         end.get("interrupted") is True,
         "SIGTERM while every task left is running: run_end says interrupted, exit 143",
         (rc, end))


main(t)
