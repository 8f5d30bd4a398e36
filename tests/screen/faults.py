"""The screen when things go wrong around it, in a private tmux server at
80x24: poolscope stopped and continued (Ctrl-Z and fg under a job-control
shell; SIGTSTP, SIGSTOP and SIGCONT without one), tasks that flood the
output pane (megabytes, binary junk, lines that never end), and workers
that cannot be forked under a lowered RLIMIT_NPROC."""
import os
import re
import shutil
import signal
import tempfile
import time

from pstest import WRAPPER
from tmuxtest import (POOLSCOPE, SLOW, TAP, Screen, case, main, poolscope,
                      workers, done_count, line_of, proc_state, pid_alive,
                      wait_gone, exit_status, sanitizer_report, states_become)

t = TAP()
NAME = "ps-faults-%d" % os.getpid()
FOOTER = re.compile(r"^(Spc pause|\u2191\u2193 worker) .* q quit$")
SHELL_TEXT = re.compile(r"^\$ |Stopped|__EXIT=", re.M)


def header(text):
    return (text or "\n").splitlines()[0]


def state_of(text):
    """The run state at the end of the header line."""
    m = re.search(r"\d s  (.*?)\s*$", header(text))
    return m.group(1) if m else None


def until(pred, timeout=10):
    """Poll pred() until it is true or the deadline passes; its last value."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(0.02)


def busy(n):
    return lambda x: (len(workers(x)) == n and
                      all(w["state"] == "busy" for w in workers(x)))


def broken(x, head, nworkers):
    """What is wrong with the layout of a run screen at 80x24 ([] if
    nothing): the header on line 1, the progress line, the worker pane with
    its rows, the keys on the last line, and nothing of the shell's."""
    if x is None:
        return ["no capture"]
    lines = x.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    bad = []
    if len(lines) != 24:
        bad.append("%d lines, not 24" % len(lines))
    if not lines[0].startswith(head):
        bad.append("line 1: %r" % lines[0])
    if len(lines) < 2 or not re.match(r"^ \S+ \d+/\d+ done ", lines[1]):
        bad.append("line 2: %r" % (lines[1:2] or ""))
    if not re.match(r"^ latest |^ cursor ", lines[3] if len(lines) > 3 else ""):
        bad.append("line 4: %r" % (lines[3:4] or ""))
    if not any(re.match(r"^─ Workers", ln) for ln in lines[4:6]):
        bad.append("line 5: %r" % (lines[4:5] or ""))
    if len(workers(x)) != nworkers:
        bad.append("%d worker rows, not %d" % (len(workers(x)), nworkers))
    if not FOOTER.match(lines[-1] if lines else ""):
        bad.append("last line: %r" % (lines[-1] if lines else ""))
    if SHELL_TEXT.search(x):
        bad.append("shell text: %r" % line_of(x, SHELL_TEXT.pattern))
    return bad


def intact(head, nworkers, also=lambda x: True):
    return lambda x: not broken(x, head, nworkers) and also(x)


def vm(pid, key):
    """A /proc/PID/status value in kB (VmHWM, VmRSS), or None."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def gone(s, pid, wpids, tag):
    """After poolscope has exited: terminal back, nobody left, no report."""
    t.ok(until(lambda: s.alternate_on() == 0, 5),
         tag + ": pane out of the alternate screen")
    left = wait_gone([p for p in [pid] + list(wpids) if p], 10)
    t.eq(left, [], tag + ": no poolscope or worker process left")
    t.eq(sanitizer_report(s.capture()), None,
         tag + ": no sanitizer report in the pane")


# --- 1. Ctrl-Z and fg under a job-control shell -----------------------------
# Ctrl-Z stops poolscope (curses leaves the screen first).  Its workers are
# in process groups of their own, so the terminal's SIGTSTP does not reach
# them: poolscope pauses the run itself first (as Space does), so the whole
# pool stops and no task finishes while it is suspended; fg resumes the run
# it paused, and a run the user had paused stays paused.
@case
def ctrl_z_and_fg_under_job_control():
    HEAD = " poolscope  imap  2 workers / "
    JOB = ("--autostart", "-w", "2", "-m", "imap", "-t", "sleep 250 x48")
    with Screen(NAME + "-job", 80, 24, "bash --norc --noprofile -i",
                env={"PS1": "$ ", "HISTFILE": "/dev/null", "PROMPT_COMMAND": None}) as s:
        pid, wp = None, []
        t.ok(s.wait_for(r"^\$", 10) is not None, "bash -i: a prompt", s.last)
        s.type(poolscope(*JOB))
        s.send("Enter")
        scr = s.wait_for(lambda x: busy(2)(x) and x.startswith(HEAD), 10)
        t.ok(scr is not None, "Ctrl-Z: the run screen, two workers busy", s.last)
        pid = s.poolscope_pid()
        wp = sorted(w["pid"] for w in workers(scr or ""))

        def suspended(x):
            """bash's job report and a new prompt, and no run screen."""
            return (re.search(r"^\[1\]\+ +Stopped ", x, re.M) and
                    re.search(r"^\$\s*\Z", x.rstrip("\n"), re.M) and
                    "─ Workers" not in x)

        for round_ in ("running", "paused"):
            tag = "Ctrl-Z (%s)" % round_
            if round_ == "running":
                s.wait_for(lambda x: (done_count(x) or (0, 0))[0] >= 2, 10)
            before = done_count(s.capture())
            s.send("C-z")
            scr = s.wait_for(suspended, 10)
            t.ok(scr is not None, tag + ": the shell says Stopped and prompts; "
                 "the run screen is gone", s.last)
            t.ok(until(lambda: s.alternate_on() == 0, 5),
                 tag + ": the pane left the alternate screen")
            t.eq(states_become([pid], ("T",)), ["T"],
                 tag + ": poolscope is stopped (state T)")
            st = states_become(wp, ("T",))
            t.eq(st, ["T", "T"], tag + ": its workers are stopped too")
            # Stay suspended for longer than a task takes (250 ms), so a pool
            # that went on without poolscope would finish some (not a wait for
            # something to happen: the length of the experiment).
            time.sleep(0.8)
            # Nothing runs while it is suspended: the same tasks are done after
            # fg as before Ctrl-Z (the count is taken when the screen is back,
            # before resuming could finish anything: a task takes 250 ms).
            s.type("fg")
            s.send("Enter")
            want = "running" if round_ == "running" else "PAUSED"
            scr = s.wait_for(intact(HEAD, 2, lambda x: state_of(x) == want), 10)
            t.ok(scr is not None, tag + ": after fg the run screen is back, "
                 "whole, " + want, broken(s.last, HEAD, 2) or s.last)
            t.ok(until(lambda: s.alternate_on() == 1, 5),
                 tag + ": in the alternate screen again")
            t.eq(sorted(w["pid"] for w in workers(scr or "")), wp,
                 tag + ": the same two worker PIDs")
            t.ok(proc_state(pid) not in ("T", None),
                 tag + ": poolscope runs again (%s)" % proc_state(pid))
            if round_ == "running":
                back = done_count(scr) or (0, 48)
                # Had the pool gone on while poolscope was stopped, the tasks it
                # finished (about 6) would all come in with the first update.
                first = s.wait_for(lambda x: done_count(x) not in (None, back),
                                   10)
                t.ok(before is not None and first is not None and
                     done_count(first)[0] <= before[0] + 2,
                     tag + ": no task finished while suspended (%s before, %s "
                     "at the first update after fg)" % (before, done_count(first)))
                scr = s.wait_for(lambda x: (done_count(x) or (0, 0))[0] > back[0]
                                 and not broken(x, HEAD, 2), 10)
                t.ok(scr is not None and back[0] < 48,
                     "after fg the run goes on: %d/48 done, then more"
                     % back[0], s.last)
                # Space pauses: the keyboard is in curses' mode again.
                s.send("Space")
                scr = s.wait_for(lambda x: state_of(x) == "PAUSED" and
                                 all(w["state"] == "paused" for w in workers(x)),
                                 10)
                t.ok(scr is not None, "Space after fg pauses the run", s.last)
                t.eq(states_become(wp, ("T",)), ["T", "T"],
                     "paused: the workers are stopped (SIGSTOP)")
            else:
                t.eq([proc_state(p) for p in wp], ["T", "T"],
                     tag + ": fg did not wake the paused workers")
        s.send("Space")
        scr = s.wait_for(lambda x: state_of(x) == "finished" and
                         done_count(x) == (48, 48) and "Summary" in x, 30)
        t.ok(scr is not None, "Space resumes; the run finishes: 48/48 done",
             s.last)
        s.send("q")
        t.ok(s.wait_for(r"^\$\s*\Z", 10) is not None, "q: back to the prompt",
             s.last)
        s.type("echo __EXIT=$?")
        s.send("Enter")
        st = exit_status(s.wait_for(r"__EXIT=\d+", 10))
        t.eq(st, 0, "poolscope exited 0 (__EXIT=%s)" % st)
        gone(s, pid, wp, "Ctrl-Z")


# --- 1b. SIGTSTP, SIGSTOP and SIGCONT without a job-control shell ------------
# Under `sh -c` poolscope's process group is orphaned (sh's parent is tmux,
# in another session), so the SIGTSTP that curses re-raises after leaving
# the screen is discarded by the kernel: poolscope must come straight back
# and go on.  SIGSTOP does stop it; SIGCONT must find the run going on.
@case
def sigtstp_sigstop_sigcont_without_job_control():
    HEAD = " poolscope  imap  2 workers / "
    with Screen(NAME + "-sig", 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "imap",
                          "-t", "sleep 250 x32")) as s:
        pid, wp = None, []
        scr = s.wait_for(lambda x: busy(2)(x) and x.startswith(HEAD), 10)
        t.ok(scr is not None, "sh -c: the run screen, two workers busy", s.last)
        pid = s.poolscope_pid()
        wp = sorted(w["pid"] for w in workers(scr or ""))
        before = (done_count(scr) or (0, 0))[0]
        os.kill(pid, signal.SIGTSTP)
        scr = s.wait_for(lambda x: (done_count(x) or (0, 0))[0] > before and
                         not broken(x, HEAD, 2), 10)
        t.ok(scr is not None and s.alternate_on() == 1,
             "SIGTSTP without job control: poolscope is not stopped, the "
             "screen is whole and the run goes on", broken(s.last, HEAD, 2)
             or s.last)
        t.ok(proc_state(pid) not in ("T", None),
             "SIGTSTP: poolscope still runs (%s)" % proc_state(pid))
        os.kill(pid, signal.SIGSTOP)
        t.eq(states_become([pid], ("T",)), ["T"], "SIGSTOP: poolscope stopped")
        t.ok(all(pid_alive(p) for p in wp), "SIGSTOP: its workers are still there")
        stopped = done_count(s.capture()) or (0, 0)
        os.kill(pid, signal.SIGCONT)
        scr = s.wait_for(lambda x: (done_count(x) or (0, 0))[0] > stopped[0] and
                         not broken(x, HEAD, 2), 10)
        t.ok(scr is not None and stopped[0] < 32,
             "SIGCONT: the screen is whole and the run goes on (%d/32 done, "
             "then more)" % stopped[0], broken(s.last, HEAD, 2) or s.last)
        scr = s.wait_for(lambda x: state_of(x) == "finished" and
                         done_count(x) == (32, 32) and "Summary" in x, 30)
        t.ok(scr is not None, "and it finishes: 32/32 done", s.last)
        s.send("q")
        st = s.wait_exit(10)
        t.eq(st, 0, "q quits, exit 0 (__EXIT=%s)" % st)
        gone(s, pid, wp, "SIGSTOP")


# --- 2. Output floods -------------------------------------------------------
# One task at a time (apply), so the order of the output is known: 11 MB of
# lines, 3 MB of binary junk (seeded, so a failure can be repeated; every
# byte value is in it), a square, then output that never ends a line: a
# short text and 2 MB without a newline.  The screen keeps 1024 lines of a
# limited width; the rest must not pile up in poolscope's memory.
JUNK = ("python3 -c \"import random,sys\\; sys.stdout.buffer.write("
        "bytes(range(256))*4+random.Random(7).randbytes(3000000)+b'\\\\n')\"")
FLOOD = ("sleep 1000; sh yes 0123456789 | head -n 1000000; sh %s; square 3; "
         "sh printf 'no newline at all'; "
         "sh head -c 2000000 /dev/zero | tr '\\0' x" % JUNK)


@case
def output_floods():
    HEAD = " poolscope  apply  2 workers / "
    with Screen(NAME + "-flood", 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "apply", "-t", FLOOD)) as s:
        pid, wp = None, []
        # Memory before the flood, while task 0 sleeps.
        scr = s.wait_for(lambda x: any(w["task"] == "0" and w["state"] == "busy"
                                       for w in workers(x)), 10)
        pid = s.poolscope_pid()
        base = vm(pid, "VmHWM") if pid else None
        anon0 = vm(pid, "RssAnon") if pid else None
        t.ok(scr is not None and base is not None,
             "flood: task 0 sleeps first (poolscope's peak RSS so far: %s kB)"
             % base, s.last)
        scr = s.wait_for(lambda x: state_of(x) is not None and
                         state_of(x).startswith("finished") and
                         line_of(x, r"^ \[") is not None, 60)
        t.ok(scr is not None, "flood: the run ends", s.last)
        t.eq(state_of(scr), "finished", "flood: finished, no task failed")
        t.eq(done_count(scr), (6, 6), "flood: 6/6 done")
        t.ok(line_of(scr, r"^ \[1000, 0, 0, 9, 0, 0\]$") is not None,
             "flood: the results list [1000, 0, 0, 9, 0, 0]",
             line_of(s.last, r"^ \["))
        t.eq(broken(scr, HEAD, 2), [], "flood: the layout is whole (header, "
             "progress, workers, keys on line 24)")
        data = s.capture_bytes()
        ctl = sorted(set(b for b in data if (b < 32 and b != 10) or b == 127))
        t.eq(ctl, [], "flood: no control character on the screen")
        try:
            data.decode("utf-8")
            utf8 = True
        except UnicodeDecodeError as e:
            utf8 = str(e)
        t.eq(utf8, True, "flood: the pane is valid UTF-8")
        t.eq(s.alternate_on(), 1, "flood: still in the alternate screen (no "
             "escape sequence got through)")
        out = scr.split("─ Output", 1)[-1].splitlines()[1:-1]
        junk = [l for l in out if re.match(r"^w\d +t2 +│", l)]
        t.ok(junk and any("?" in l for l in junk),
             "flood: the junk's last lines show, control bytes as '?'", out)
        t.ok(line_of(scr, r"^w\d +t3 +│square of 3 is 9$") is not None,
             "flood: after it, task 3's 'square of 3 is 9' line, on its own",
             out)
        # Output without a final newline (a worker's unfinished line) shows as
        # a line of its own once its task ends.
        t.ok(line_of(scr, r"│.*no newline at all") is not None,
             "flood: 'no newline at all' (no newline at the end) shows", out)
        t.ok(line_of(scr, r"│.*x{40}") is not None,
             "flood: the 2 MB line without a newline shows, cut", out)
        hwm, anon = vm(pid, "VmHWM"), vm(pid, "RssAnon")
        # Measured (base -> end): peak RSS 3.3 -> 7.5 MB on a plain build, 11 ->
        # 20 MB under ASan; all of the growth is the workers' shared rings
        # (RssShmem, at most 4 MiB each, touched as they fill), RssAnon grows
        # by 0.2 MB (the 1024 kept lines).  16 MB of output went through.
        t.ok(None not in (hwm, base, anon0, anon) and hwm - base < 12 * 1024
             and anon - anon0 < 2048 and hwm < 64 * 1024,
             "flood: poolscope's memory stays bounded: peak RSS %s -> %s kB "
             "(under +12 MiB and 64 MiB), private %s -> %s kB (under +2 MiB)"
             % (base, hwm, anon0, anon))
        wp = [w["pid"] for w in workers(scr or "")]
        s.send("q")
        st = s.wait_exit(10)
        t.eq(st, 0, "flood: q quits, exit 0 (__EXIT=%s)" % st)
        gone(s, pid, wp, "flood")


# --- 3. Fork failure under RLIMIT_NPROC -------------------------------------
# Root ignores RLIMIT_NPROC, so poolscope runs as a user of its own: a uid
# no process and no account has, so that nothing else (another test running
# as nobody, say) counts against the limit of 3.  It is run from a copy of
# the binary in a directory that user can read.
def free_uid():
    used = set()
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                used.add(os.stat("/proc/" + d).st_uid)
            except OSError:
                pass
    with open("/etc/passwd") as f:
        for line in f:
            parts = line.split(":")
            if len(parts) > 2 and parts[2].isdigit():
                used.add(int(parts[2]))
    for uid in range(61000 + os.getpid() % 3000, 65000):
        if uid not in used:
            return uid
    return None


@case
def fork_failure_rlimit_nproc():
    why = None
    if os.geteuid() != 0:
        why = "needs root, to run as another user (root ignores RLIMIT_NPROC)"
    elif not shutil.which("setpriv") or not shutil.which("prlimit"):
        why = "setpriv and prlimit (util-linux) are missing"
    elif WRAPPER:
        why = "not under a wrapper (it would count against the limit)"
    if why:
        t.skip("fork failure on the screen", why)
        return
    uid = free_uid()
    tmp = tempfile.mkdtemp(prefix=NAME + "-nproc-")
    os.chmod(tmp, 0o755)
    BIN = os.path.join(tmp, "poolscope")
    shutil.copy(POOLSCOPE, BIN)
    os.chmod(BIN, 0o755)
    # LeakSanitizer clones a thread at exit, which the limit may forbid.
    asan = (os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")
    HEAD = " poolscope  map  4 workers / "
    WARN = (r"^ ! 2 of 4 workers could not start \(RLIMIT_NPROC is 3 "
            r"processes; see ulimit -u\)$")
    NOFORK = re.compile(r"^[> ] ([23]) +- +no fork +not started +0 ")
    try:
        # (100 columns: the table shows each worker's tasks done)
        with Screen(NAME + "-nproc", 100, 24,
                    "setpriv --reuid %d --regid %d --clear-groups prlimit "
                    "--nproc=3:3 %s --autostart -w 4 -t 'sleep 200 x8'"
                    % (uid, uid, BIN), env={"ASAN_OPTIONS": asan}) as s:
            pid, wp = None, []
            scr = s.wait_for(lambda x: line_of(x, WARN) and len(workers(x)) == 2,
                             10)
            t.ok(scr is not None, "RLIMIT_NPROC 3: ' ! 2 of 4 workers could "
                 "not start (RLIMIT_NPROC is 3 processes; see ulimit -u)'", s.last)
            lines = (scr or "").splitlines()
            t.ok(len(lines) > 4 and re.match(WARN, lines[4]) and
                 lines[5].startswith("─ Workers"),
                 "the warning is on line 5, just above the workers", s.last)
            pid = s.poolscope_pid()
            wp = [w["pid"] for w in workers(scr or "")]
            t.eq(sorted(w["slot"] for w in workers(scr or "")), [0, 1],
                 "slots 0 and 1 have a process")
            t.eq(sorted(int(m.group(1)) for m in
                        (NOFORK.match(l) for l in lines) if m), [2, 3],
                 "slots 2 and 3 show 'no fork', 'not started', 0 done")
            t.ok(pid is not None and os.stat("/proc/%d" % pid).st_uid == uid,
                 "poolscope runs as uid %d" % uid)
            scr = s.wait_for(lambda x: state_of(x) == "finished" and
                             done_count(x) == (8, 8) and "Summary" in x, 20)
            t.ok(scr is not None, "the run goes on with two: finished, 8/8 done",
                 s.last)
            t.eq([w["done"] for w in workers(scr or "")], [4, 4],
                 "each of the two did 4")
            t.ok(line_of(scr, WARN) is not None and
                 len([l for l in (scr or "").splitlines() if NOFORK.match(l)])
                 == 2, "the warning and the 'no fork' rows stay at the end",
                 s.last)
            s.send("q")
            st = s.wait_exit(10)
            t.eq(st, 0, "q quits, exit 0 (__EXIT=%s)" % st)
            gone(s, pid, wp, "RLIMIT_NPROC")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

main(t)
