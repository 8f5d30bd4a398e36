"""Fault injection: every task crashing, huge and binary output."""
import json
import os
import resource
import signal
import subprocess
import time

from pstest import (TAP, Live, case, main, run, run_json, of, POOLSCOPE, WRAPPER,
                    SLOW, wait_gone, wait_states)

t = TAP()


def fds(pid):
    try:
        return len(os.listdir("/proc/%d/fd" % pid))
    except OSError:
        return None


@case
def crashes_2000():
    # 2000 crashes: the run ends, every one is reported, and the parent's file
    # descriptors do not grow as slots are respawned again and again.
    N = 2000
    live = Live(["-w", "2", "-m", "apply_async", "-t", "crash x%d" % N])
    first = live.wait_for(lambda e: e["ev"] == "task_fail" and e["task"] >= 100, 120)
    n100 = fds(live.p.pid)
    late = live.wait_for(lambda e: e["ev"] == "task_fail" and e["task"] >= N - 100, 300)
    n1900 = fds(live.p.pid)
    rc = live.finish(300)
    ev = live.events
    t.eq(rc, 1, "%d crash tasks: exit status 1" % N)
    fails = of(ev, "task_fail")
    t.eq(len(fails), N, "every task is reported failed")
    t.ok(all("killed by SIGSEGV" in e["error"] for e in fails),
         "each with the signal that killed its worker")
    t.eq(len(of(ev, "result")), N, "and the caller gets every result (an error)")
    t.ok(len(of(ev, "worker_start")) >= N, "a new process for each crash (%d starts)"
         % len(of(ev, "worker_start")))
    t.ok(n100 is not None and n1900 is not None and abs(n1900 - n100) <= 2,
         "the parent's open files after 100 crashes (%s) and after %d (%s) are "
         "the same" % (n100, N - 100, n1900))
    t.eq(wait_gone([e["pid"] for e in of(ev, "worker_start")], 10), [],
         "no worker left behind")


@case
def three_mib_line():
    # Megabytes of output without a newline, and binary junk: every line of the
    # event stream is still JSON, nothing is lost, and the parent stays small.
    BIG = 3 * 1024 * 1024
    p, ev = run_json(["-w", "1", "-t",
                      "sh head -c %d /dev/zero | tr '\\0' x" % BIG], timeout=120)
    text = "".join(e["text"] for e in of(ev, "output"))
    t.eq(p.returncode, 0, "3 MiB on one line: exit 0")
    t.eq(len(text), BIG, "all of it arrives as output events")
    t.ok(set(text) == {"x"}, "unchanged")
    t.ok(max(len(e["text"]) for e in of(ev, "output")) <= 65536,
         "in pieces of bounded size")


@case
def binary_junk():
    p = subprocess.run(WRAPPER + [POOLSCOPE, "--batch", "--json", "-w", "1", "-t",
                       "sh head -c 200000 /dev/urandom\\; printf '\\377\\376\\000\\033[2J'"],
                       capture_output=True, timeout=120)
    ok = True
    try:
        evs = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines()]
    except (UnicodeDecodeError, ValueError):
        ok, evs = False, []
    t.ok(ok, "binary junk: the event stream is valid UTF-8 JSON Lines")
    t.ok(ok and len(of(evs, "output")) > 0 and of(evs, "run_end"),
         "with the output events and the run's end")
    raw = "".join(e["text"] for e in of(evs, "output"))
    t.ok("\x1b[2J" in raw, "control characters survive, escaped, in the text")


@case
def text_shows_no_control_characters():
    p = run(["--batch", "-w", "1", "-t", "sh printf 'a\\033[2Jb\\000c'"])
    t.ok("\x1b" not in p.stdout and "\x00" not in p.stdout,
         "the text output shows no raw control characters", repr(p.stdout[-200:]))


@case
def memory_bound():
    # The parent's memory stays bounded however much the tasks print.
    if not WRAPPER and os.path.exists("/usr/bin/time"):
        q = subprocess.run(["/usr/bin/time", "-f", "%M", POOLSCOPE, "--batch", "-q", "-w", "2",
                            "-t", "sh head -c 50000000 /dev/zero x2"], capture_output=True,
                           text=True, timeout=300)
        kb = int(q.stderr.strip().splitlines()[-1])
        t.ok(q.returncode == 0 and kb < 64 * 1024,
             "100 MB of output: the parent's peak memory stays small (%d KiB)" % kb)
    else:
        t.skip("memory bound", "under a wrapper or without /usr/bin/time")


# Ctrl-Z in batch mode (SIGTSTP to poolscope, in a process group of its own
# that is not orphaned, as a shell's job would be): the workers stop with it,
# and after SIGCONT the run goes on to its end.
@case
def sigtstp_batch():
    if not WRAPPER:
        live = Live(["-w", "2", "-m", "imap", "-t", "sleep 100 x20"],
                    process_group=0)
        first = live.wait_for(lambda e: e["ev"] == "task_done", 30)
        wp = [e["pid"] for e in of(live.events, "worker_start")]
        os.kill(live.p.pid, signal.SIGTSTP)
        t.eq(wait_states([live.p.pid], ("T",)), ["T"], "SIGTSTP: poolscope stops")
        t.eq(wait_states(wp, ("T",)), ["T", "T"], "and its workers with it")
        os.kill(live.p.pid, signal.SIGCONT)
        rc = live.finish(60)
        t.eq(rc, 0, "SIGCONT: the run goes on to its end, exit 0")
        t.eq(len(of(live.events, "result")), 20, "every result")
        t.ok(len(of(live.events, "worker_state", state="paused")) == 2,
             "the stop shows as the workers paused")
    else:
        t.skip("SIGTSTP in batch mode", "under a wrapper")


main(t)
