"""Failing tasks, crashing and hanging workers, kills and signals.

Every check reads the event stream; nothing sleeps for a fixed time.
"""
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time

import pstest
from pstest import TAP, Live, add_case, case, main, run, run_json, of, wait_gone

t = TAP()
SLOW = pstest.SLOW


def worker_pids(events):
    return sorted(set(e["pid"] for e in of(events, "worker_start")))


def proc_table():
    """[(pid, ppid, comm, cmdline)] of every process we can read."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
            with open("/proc/%s/cmdline" % name, "rb") as f:
                argv = f.read().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] == "Z":
            continue
        out.append((int(name), int(fields[1]), comm, argv))
    return out


def our_poolscopes():
    """Live processes whose parent is this test and that mention poolscope."""
    me = os.getpid()
    return [p for p in proc_table()
            if p[1] == me and ("poolscope" in p[2] or "poolscope" in p[3])]


def with_marker(marker):
    return [p for p in proc_table() if marker in p[3]]


def wait_no_marker(marker, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    left = with_marker(marker)
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = with_marker(marker)
    return left


def done_tasks(events):
    return sorted(e["task"] for e in of(events, "task_done"))


# ---------------------------------------------------------------- fail
@case
def fail_map():
    # As in Python: map waits for every task, then raises the first error; the
    # caller gets no list.  With --keep-going each error is a result in place.
    p, ev = run_json(["-w", "2", "-m", "map", "-t", "square 1..3; fail; square 5"], timeout=20)
    t.eq(p.returncode, 1, "fail: exit status 1")
    fails = of(ev, "task_fail")
    t.eq([e["task"] for e in fails], [3], "fail: one task_fail, for task 3")
    t.ok(fails and isinstance(fails[0].get("error"), str) and fails[0]["error"].strip() != "",
         "fail: the task_fail carries an error message", fails)
    t.eq(done_tasks(ev), [0, 1, 2, 4], "fail: every other task has a task_done")
    res = of(ev, "result")
    t.eq([(e["task"], e.get("ok")) for e in res], [(3, False)],
         "fail: map() raises: the one result is task 3's error, and no list")
    last_done = max(i for i, e in enumerate(ev) if e["ev"] in ("task_done", "task_fail"))
    t.ok(ev.index(res[0]) > last_done if res else False,
         "fail: map() raises only once every task is done")
    end = ev[-1] if ev else {"ev": None}
    t.eq(end["ev"], "run_end", "fail: the stream ends with run_end")
    t.eq((end.get("ok"), end.get("failed")), (4, 1), "fail: run_end says 4 ok, 1 failed")


@case
def fail_text():
    p = run(["--batch", "-w", "2", "-m", "map", "-t", "square 1..3; fail; square 5"], timeout=20)
    lines = p.stdout.splitlines()
    t.eq(p.returncode, 1, "fail, text batch: exit status 1")
    t.eq(lines[-2] if len(lines) >= 2 else None, "TaskError: fail: the task raised an error",
         "fail, text batch: the traceback's last line instead of a list")
    t.ok(len(lines) >= 1 and lines[-1].startswith(
        "5 tasks, 1 failed, 4 computed but never received; map() raised TaskError "
        "from task 3, the caller got no list; wall "),
         "fail, text batch: the summary says what the caller got", lines[-1:] if lines else p.stdout)


@case
def fail_keep_going():
    p, ev = run_json(["-w", "2", "-m", "map", "--keep-going", "-t",
                      "square 1..3; fail; square 5"], timeout=20)
    res = {e["task"]: e for e in of(ev, "result")}
    t.ok(3 in res and res[3].get("ok") is False, "fail --keep-going: its result has ok false",
         res.get(3))
    t.ok(all(res[i].get("ok", True) is not False and res[i]["value"] == str((i + 1) ** 2)
             for i in (0, 1, 2, 4) if i in res) and len(res) == 5,
         "fail --keep-going: the other results are right and not marked failed", res)
    t.eq(ev[0].get("keep_going"), True, "fail --keep-going: run_start says so")
    p = run(["--batch", "-w", "2", "-m", "map", "--keep-going", "-t",
             "square 1..3; fail; square 5"], timeout=20)
    lines = p.stdout.splitlines()
    t.ok(len(lines) >= 2 and re.match(r"^\[1, 4, 9, \w*Error\(.+\), 25\]$", lines[-2]),
         "fail --keep-going, text batch: the results list shows the failure in place",
         lines[-2:] if lines else p.stdout)
    t.ok(len(lines) >= 1 and lines[-1].startswith("5 tasks, 1 failed, wall"),
         "fail --keep-going, text batch: the summary says 1 failed",
         lines[-1:] if lines else p.stdout)


# ---------------------------------------------------------------- crash
@case
def crash():
    p, ev = run_json(["-w", "2", "-m", "apply_async", "-t",
                      "sleep 50; crash; sleep 50; square 3"], timeout=20)
    t.eq(p.returncode, 1, "crash: exit status 1")
    fails = of(ev, "task_fail")
    t.eq([e["task"] for e in fails], [1], "crash: one task_fail, for task 1")
    err = fails[0]["error"] if fails else ""
    m = re.search(r"worker (\d+) \(pid (\d+)\) killed by SIGSEGV while running task 1", err)
    t.ok(m, "crash: the error names worker, pid, SIGSEGV and task", err)
    st = of(ev, "task_start", task=1)
    if m and st:
        W, P = int(m.group(1)), int(m.group(2))
        t.eq((W, P), (st[0]["worker"], st[0]["pid"]),
             "crash: the worker and pid named are those that started task 1")
    else:
        W, P = -1, -1
        t.ok(False, "crash: the worker and pid named are those that started task 1", st)
    ex = of(ev, "worker_exit", pid=P)
    t.eq([e.get("status") for e in ex], ["killed by SIGSEGV"],
         "crash: a worker_exit for pid %d with status 'killed by SIGSEGV'" % P)
    # The replacement can only start once the crash is seen (the task_fail).
    idx_fail = next((i for i, e in enumerate(ev) if e["ev"] == "task_fail"), len(ev))
    respawn = [e for e in ev[idx_fail:] if e["ev"] == "worker_start" and e["worker"] == W]
    t.ok(respawn and respawn[0]["pid"] != P,
         "crash: slot %d gets a new worker_start with a different pid" % W, respawn)
    t.eq(done_tasks(ev), [0, 2, 3], "crash: every other task is done")
    pids = worker_pids(ev)
    t.eq(wait_gone(pids), [], "crash: every worker pid is gone after exit (%s)" % pids)


# ---------------------------------------------------------------- hang + timeout
@case
def hang_timeout():
    # One worker: tasks 1 and 2 wait behind the hang, so when the timeout kills
    # the worker its slot must be refilled for them.
    t0 = time.monotonic()
    p, ev = run_json(["-w", "1", "-m", "apply_async", "--timeout", "200", "-t",
                      "hang; square 3; square 4"], timeout=20)
    el = time.monotonic() - t0
    t.eq(p.returncode, 1, "timeout: the run finishes with exit status 1 (%.2f s)" % el)
    fails = of(ev, "task_fail")
    t.eq([e["task"] for e in fails], [0], "timeout: one task_fail, for the hang task")
    err = fails[0]["error"] if fails else ""
    t.ok("timed out after 200 ms" in err, "timeout: error says 'timed out after 200 ms'", err)
    st = of(ev, "task_start", task=0)
    hp = st[0]["pid"] if st else -1
    hw = st[0]["worker"] if st else -1
    ex = of(ev, "worker_exit", pid=hp)
    t.ok(len(ex) == 1 and "SIGKILL" in ex[0].get("status", ""),
         "timeout: the hung worker exits killed (SIGKILL)", ex)
    idx_fail = next((i for i, e in enumerate(ev) if e["ev"] == "task_fail"), len(ev))
    respawn = [e for e in ev[idx_fail:] if e["ev"] == "worker_start" and e["worker"] == hw]
    t.ok(respawn and respawn[0]["pid"] != hp,
         "timeout: slot %d is respawned with a new pid" % hw, respawn)
    t.eq(done_tasks(ev), [1, 2], "timeout: every other task is done")
    t.eq(wait_gone(worker_pids(ev)), [], "timeout: no worker left alive")


@case
def hang_sigint():
    # hang without --timeout: SIGINT stops the run.
    live = Live(["-w", "2", "-m", "apply_async", "-t", "hang; square 2; sleep 30"])
    e = live.wait_for(lambda e: e["ev"] == "task_start" and e["task"] == 0, timeout=20)
    t.ok(e is not None, "SIGINT: the hang task starts")
    t0 = time.monotonic()
    live.p.send_signal(signal.SIGINT)
    rc = live.finish(timeout=10)
    el = time.monotonic() - t0
    t.eq(rc, 130, "SIGINT: poolscope exits with status 130")
    t.ok(rc is not None and el < 10 * SLOW, "SIGINT: and does so within the deadline (%.2f s)" % el)
    pids = worker_pids(live.events)
    t.ok(len(pids) >= 2, "SIGINT: saw the workers start (%s)" % pids)
    t.eq(wait_gone(pids), [], "SIGINT: no worker is left alive")


# ---------------------------------------------------------------- retries
@case
def retries():
    p, ev = run_json(["-w", "1", "-m", "apply_async", "--retries", "2", "-t",
                      "crash; square 2"], timeout=20)
    t.eq(p.returncode, 1, "--retries 2: exit status 1")
    retries = of(ev, "task_retry")
    t.eq([(e["task"], e["attempt"]) for e in retries], [(0, 1), (0, 2)],
         "--retries 2: two task_retry events, attempts 1 and 2")
    fails = of(ev, "task_fail")
    t.eq([e["task"] for e in fails], [0], "--retries 2: then one task_fail")
    kinds = [e["ev"] for e in ev if e["ev"] in ("task_retry", "task_fail")]
    t.eq(kinds, ["task_retry", "task_retry", "task_fail"], "--retries 2: retries come before the fail")
    errs = [e.get("error", "") for e in retries + fails]
    epids = set(re.findall(r"\(pid (\d+)\)", " ".join(errs)))
    t.ok(all("SIGSEGV" in x for x in errs) and len(epids) == 3,
         "--retries 2: each attempt ran on a new process and died by SIGSEGV", errs)
    t.eq(done_tasks(ev), [1], "--retries 2: the other task is done")


@case
def retries_0():
    p, ev = run_json(["-w", "1", "-m", "apply_async", "--retries", "0", "-t",
                      "crash; square 2"], timeout=20)
    t.eq(p.returncode, 1, "--retries 0: exit status 1")
    t.eq(len(of(ev, "task_retry")), 0, "--retries 0: no task_retry")
    t.eq([e["task"] for e in of(ev, "task_fail")], [0], "--retries 0: one task_fail")


# ---------------------------------------------------------------- crash in a chunk
def chunk_crash(spec, crash):
    # A worker that dies is not a raise: the rest of its chunk goes back
    # on the queue and runs; map() then raises the crash's error.
    p, ev = run_json(["-m", "map", "-c", "4", "-w", "2", "-t", spec], timeout=20)
    t.eq([(e["task"], e.get("ok")) for e in of(ev, "result")], [(crash, False)],
         "chunk crash at task %d: map() raises its error" % crash)
    t.eq(sorted(e["task"] for e in of(ev, "task_done")), [i for i in range(8) if i != crash],
         "chunk crash at task %d: the rest of the chunk still runs" % crash)
    p, ev = run_json(["-m", "map", "-c", "4", "-w", "2", "--keep-going", "-t", spec],
                     timeout=20)
    others = [i for i in range(8) if i != crash]
    t.eq(p.returncode, 1, "chunk crash at task %d: exit status 1" % crash)
    t.eq(done_tasks(ev), others,
         "chunk crash at task %d: every other task has a task_done" % crash)
    res = {e["task"]: e for e in of(ev, "result")}
    t.ok(sorted(res) == list(range(8)) and
         all(res[i]["value"] == str((i + 1) ** 2) and res[i].get("ok", True) is not False
             for i in others) and res[crash].get("ok") is False,
         "chunk crash at task %d: every task has a result, only the crash failed" % crash,
         sorted(res.items()))


for spec, crash in [("square 1..3; crash; square 5..8", 3),
                    ("square 1..2; crash; square 4..8", 2)]:
    add_case("chunk_crash_at_%d" % crash, chunk_crash, spec, crash)


# ---------------------------------------------------------------- kill -9
@case
def kill_9():
    live = Live(["-w", "2", "-m", "apply_async", "-t",
                 "sleep 1500; sleep 1500; sleep 100; sleep 100"])
    e = live.wait_for(lambda e: e["ev"] == "task_start" and e["task"] == 0, timeout=20)
    t.ok(e is not None and e.get("pid"), "kill -9: task 0 starts", e)
    kpid = e.get("pid") if e else None
    if kpid:
        os.kill(kpid, signal.SIGKILL)
    rc = live.finish(timeout=30)
    ev = live.events
    t.eq(rc, 1, "kill -9: the run finishes with exit status 1")
    fails = of(ev, "task_fail")
    t.eq([x["task"] for x in fails], [0], "kill -9: task 0 is reported failed")
    err = fails[0].get("error", "") if fails else ""
    t.ok("SIGKILL" in err and ("pid %s" % kpid) in err,
         "kill -9: the error names SIGKILL and pid %s" % kpid, err)
    t.eq(done_tasks(ev), [1, 2, 3], "kill -9: the other tasks succeed")
    t.eq((ev[-1]["ev"], ev[-1].get("failed")) if ev else None, ("run_end", 1),
         "kill -9: run_end says 1 failed")
    pids = worker_pids(ev)
    t.eq(wait_gone(pids), [], "kill -9: every worker pid is gone (%s)" % pids)
    t.eq(our_poolscopes(), [], "kill -9: no poolscope process is left under the test")


# ---------------------------------------------------------------- process mode
@case
def process_crash():
    p, ev = run_json(["-w", "2", "-m", "process", "-t",
                      "square 1; crash; square 3; square 4"], timeout=20)
    t.eq(p.returncode, 1, "process + crash: exit status 1")
    fails = of(ev, "task_fail")
    t.ok([e["task"] for e in fails] == [1] and "SIGSEGV" in fails[0].get("error", ""),
         "process + crash: task 1 fails by SIGSEGV", fails)
    t.eq(done_tasks(ev), [0, 2, 3], "process + crash: the others run")
    t.eq(wait_gone(worker_pids(ev)), [], "process + crash: no process left")


# ---------------------------------------------------------------- exit status agrees
def exit_status_agrees(mode, spec, n):
    for extra in ([], ["--keep-going"]):
        p, ev = run_json(["-w", "2", "-m", mode] + extra + ["-t", spec], timeout=20)
        end = ev[-1] if ev and ev[-1]["ev"] == "run_end" else {}
        nfail = len(of(ev, "task_fail"))
        nbad = len([e for e in of(ev, "result") if e.get("ok") is False])
        # The caller's errors: map, imap and imap_unordered raise once;
        # apply and apply_async get each; a Process gives only exit codes.
        if mode == "process":
            want_bad = 0
        elif mode in ("map", "imap", "imap_unordered") and not extra:
            want_bad = 1 if n else 0
        else:
            want_bad = n
        got = (p.returncode, end.get("failed"), nfail, nbad,
               end.get("ok", -1) + end.get("failed", -1) == end.get("tasks"))
        t.eq(got, (1 if n else 0, n, n, want_bad, True),
             "%s '%s'%s: exit %d, run_end failed = task_fail events = %d, "
             "errors the caller got = %d" % (mode, spec, " --keep-going" if extra else "",
                                             1 if n else 0, n, want_bad))


for mode, spec, n in [("apply", "square 1..3", 0),
                      ("map", "fail; square 2", 1),
                      ("imap", "fail; crash; fail; square 4", 3),
                      ("imap_unordered", "crash; square 2..5; crash", 2),
                      ("apply_async", "fail; fail; fail; fail", 4),
                      ("process", "square 1; fail; crash", 2)]:
    add_case("exit_status_agrees_" + mode, exit_status_agrees, mode, spec, n)


# ---------------------------------------------------------------- closed pipe
def closed_pipe(extra):
    marker = "pstest-pipe-%d-%d" % (os.getpid(), int(time.monotonic() * 1e6))
    spec = "square 1..100000 # %s" % marker
    argv = pstest.cmd(extra + ["-w", "2", "-t", spec])
    with tempfile.NamedTemporaryFile(prefix="pstest-err-") as errf:
        shell = "%s 2>%s | head -1" % (shlex.join(argv), shlex.quote(errf.name))
        t0 = time.monotonic()
        try:
            sp = subprocess.run(["sh", "-c", shell], capture_output=True, text=True,
                                timeout=20 * SLOW, errors="replace")
            out = sp.stdout
            finished = True
        except subprocess.TimeoutExpired:
            out = ""
            finished = False
        el = time.monotonic() - t0
        with open(errf.name, errors="replace") as f:
            err = f.read()
    what = " ".join(extra)
    t.ok(finished and el < 20 * SLOW,
         "closed pipe (%s): the pipeline finishes (%.2f s)" % (what, el))
    t.eq(len(out.splitlines()), 1, "closed pipe (%s): head printed one line" % what)
    t.eq(err, "", "closed pipe (%s): nothing on stderr" % what)
    t.eq(wait_no_marker(marker), [], "closed pipe (%s): no poolscope process left" % what)


add_case("closed_pipe_text", closed_pipe, ["--batch"])
add_case("closed_pipe_json", closed_pipe,
         ["--batch", "--json", "-m", "imap_unordered", "-c", "1"])

main(t)
