"""The run screen, driven in a private tmux server at 80x24 and 160x50:
worker PIDs are live children, result order of apply against apply_async,
pause (SIGSTOP) and resume, killing a worker, help, quitting."""
import os
import re
import time

from tmuxtest import (SLOW, TAP, Screen, add_case, case, main, poolscope,
                      workers, done_count, line_of, ppid, proc_state, pid_alive,
                      wait_gone, sanitizer_report, states_become)

t = TAP()
NAME = "ps-run-%d" % os.getpid()
SIZES = [(80, 24), (160, 50)]
CPUS = os.sysconf("SC_NPROCESSORS_ONLN")
LONG = "; ".join(["sleep 20000"] * 3)


def header(text):
    return (text or "\n").splitlines()[0]


def state_of(text):
    """The run state at the end of the header line."""
    m = re.search(r"\d s  (.*?)\s*$", header(text))
    return m.group(1) if m else None


def rows_are(n, state):
    return lambda x: (len(workers(x)) == n and
                      all(w["state"] == state for w in workers(x)))


def speedup(text):
    m = re.search(r"speedup (\d+(?:\.\d+)?)x", (text or "").splitlines()[1]
                  if text and len(text.splitlines()) > 1 else "")
    return float(m.group(1)) if m else None


def clock(text):
    m = re.search(r"  (\d+(?:\.\d+)?) s  ", header(text))
    return float(m.group(1)) if m else None


def help_bleed(text):
    """Rows of the help overlay that are not closed at both sides: the
    overlay is a box from its title row ('┌─ Keys' or '+- Keys') down to its
    bottom corner, with a border on each side so the screen behind it cannot
    run into its text.  Returns the offending rows ([] when it is closed)."""
    lines = (text or "").splitlines()
    top = next((i for i, l in enumerate(lines) if "─ Keys" in l
                or "- Keys" in l), None)
    if top is None:
        return ["no overlay"]
    x = max(lines[top].find("─ Keys"), lines[top].find("- Keys")) - 1
    if x < 0 or lines[top][x] not in "┌+":
        return [lines[top]]
    right = max(lines[top].rfind("┐"), lines[top].rfind("+"))
    bad = []
    for l in lines[top + 1:]:
        if len(l) <= x or l[x] in "└+":
            break
        if l[x] not in "│|" or len(l) <= right or l[right] not in "│|":
            bad.append(l)
    return bad


def ended(x):
    """The run is over and its Summary drawn down to the result list (or,
    when the call raised, the exception the caller got)."""
    return "Summary" in x and line_of(x, r"^ (\[|TaskError: )") is not None


def quit_ok(s, pid, wpids, what):
    """After an exit: terminal restored, poolscope and its workers gone."""
    t.eq(s.alternate_on(), 0, what + ": pane out of the alternate screen")
    left = wait_gone([p for p in [pid] + list(wpids) if p], 5)
    t.eq(left, [], what + ": no poolscope or worker process left")
    t.eq(sanitizer_report(s.capture()), None,
         what + ": no sanitizer report in the pane")


# --- live workers, help overlay, quit with confirmation ---------------
def live_workers(W, H):
    tag = "%dx%d" % (W, H)
    with Screen("%s-live-%s" % (NAME, tag), W, H,
                poolscope("--autostart", "-w", "3", "-m", "apply_async",
                          "-t", LONG)) as s:
        scr = s.wait_for(lambda x: rows_are(3, "busy")(x)
                         and state_of(x) == "running" and line_of(x, "^ caller "),
                         10)
        t.ok(scr is not None, tag + ": three workers busy", s.last)
        t.ok(re.match(r" poolscope  apply_async  3 workers / \d+ ",
                      header(scr)) and state_of(scr) == "running",
             tag + ": header names mode, pool size, running", header(s.last))
        t.ok(line_of(scr, r"^ caller free: 0 results received by callbacks")
             is not None, tag + ": caller free (apply_async)",
             (s.last.splitlines() + ["", "", ""])[2])
        pid = s.poolscope_pid()
        t.ok(pid is not None, tag + ": poolscope's PID found under the pane")
        rows = workers(scr or "")
        pids = [w["pid"] for w in rows]
        t.eq(sorted(w["slot"] for w in rows), [0, 1, 2],
             tag + ": slots 0, 1, 2")
        t.ok(len(set(pids)) == 3 and all(pid_alive(p) for p in pids),
             tag + ": the three PIDs shown are distinct and alive", pids)
        t.eq([ppid(p) for p in pids], [pid] * 3,
             tag + ": and each is a child of poolscope (%s)" % pid)

        s.send("?")
        scr = s.wait_for(lambda x: "Keys" in x and "quit (asks first" in x
                         and help_bleed(x) != ["no overlay"], 5)
        t.ok(scr is not None and "pause / resume" in scr,
             tag + ": ? shows the Keys help overlay", s.last)
        bleed = help_bleed(scr)
        if W < 120:     # at 160x50 it sits over empty rows; at 80x24 it does not
            t.ok(scr is not None and bleed == [], tag + ": the help overlay hides what is beside it", bleed)
        else:
            t.eq(bleed, [], tag + ": the help overlay hides what is beside it")
        s.send("z")
        scr = s.wait_for(lambda x: "pause / resume" not in x
                         and len(workers(x)) == 3, 5)
        t.ok(scr is not None, tag + ": any key closes it", s.last)

        s.send("q")
        scr = s.wait_for(r"Quit and stop it\? \(y/n\)", 5)
        t.ok(scr is not None, tag + ": q during a run asks first", s.last)
        s.send("n")
        scr = s.wait_for(lambda x: "Quit and stop it" not in x, 5)
        t.ok(scr is not None and state_of(scr) == "running"
             and all(pid_alive(p) for p in pids) and pid_alive(pid),
             tag + ": n keeps it running", s.last)
        s.send("q")
        s.wait_for(r"Quit and stop it\? \(y/n\)", 5)
        s.send("y")
        st = s.wait_exit(10)
        t.ok(st is not None, tag + ": q, y quits (__EXIT=%s)" % st, s.last)
        quit_ok(s, pid, pids, tag + ": q, y")


# --- sync against async: the caller's arrival order -------------------
# The result list is the caller's, in arrival order (as batch prints it).
def arrival_order(W, H, mode, scale, want, lst):
    tag = "%dx%d" % (W, H)
    with Screen("%s-%s-%s" % (NAME, mode, tag), W, H,
                poolscope("--autostart", "-w", "3", "-m", mode,
                          "--time-scale", scale,
                          "-t", "sleep 300; sleep 100; sleep 200")) as s:
        scr = s.wait_for(ended, 15)
        t.ok(scr is not None and state_of(scr) == "finished",
             "%s: %s run finishes" % (tag, mode), s.last)
        got = line_of(scr, r"^ received ") or ""
        t.eq(got.rstrip(), " received  " + want,
             "%s: %s: received %s" % (tag, mode, want))
        t.eq((line_of(scr, r"^ submitted ") or "").rstrip(),
             " submitted 0 1 2", "%s: %s: submitted 0 1 2" % (tag, mode))
        t.ok(line_of(scr, r"^ caller got all 3 results from %s\(\)"
                     % mode) is not None,
             "%s: caller got all 3 results from %s()" % (tag, mode),
             s.last)
        t.eq((line_of(scr, r"^ \[") or "").strip(), lst,
             "%s: %s: result list %s" % (tag, mode, lst))
        pid = s.poolscope_pid(1)
        if mode == "apply_async":
            # r runs it again, n goes back to set-up.
            s.send("r")
            s.wait_for(lambda x: "Summary" not in x, 5)
            scr = s.wait_for(ended, 15)
            t.eq((line_of(scr, r"^ received ") or "").rstrip(),
                 " received  " + want, tag + ": r reruns it, same order")
            s.send("n")
            scr = s.wait_for(r"^ poolscope  set up a pool", 5)
            t.ok(scr is not None, tag + ": n goes back to set-up", s.last)
        s.send("q")
        t.eq(s.wait_exit(5), 0,
             "%s: %s: q after the end quits at once, status 0"
             % (tag, mode))
        quit_ok(s, pid, [], "%s: %s" % (tag, mode))


# --- a failing task: status 1 -------------------------------------------
def failing_task(W, H):
    tag = "%dx%d" % (W, H)
    with Screen("%s-fail-%s" % (NAME, tag), W, H,
                poolscope("--autostart", "-w", str(min(2, CPUS)), "-m",
                          "apply_async", "--time-scale", "0.3",
                          "-t", "square 2; fail; sleep 100")) as s:
        scr = s.wait_for(ended, 15)
        t.ok(scr is not None and "TaskError" in (line_of(scr, r"^ \[") or ""),
             tag + ": fail: the result list shows the TaskError", s.last)
        t.ok(scr is not None and
             "finished, with failures" in header(scr),
             tag + ": fail: header says finished, with failures",
             header(s.last))
        pid = s.poolscope_pid(1)
        s.send("q")
        t.eq(s.wait_exit(5), 1, tag + ": fail: q quits at once, status 1")
        quit_ok(s, pid, [], tag + ": fail")


for W, H in SIZES:
    tag = "%dx%d" % (W, H)
    add_case("live_workers_" + tag, live_workers, W, H)
    for mode, scale, want, lst in (
            ("apply", "0.3", "0=300 1=100 2=200", "[300, 100, 200]"),
            # time x3: the three naps end 300 ms apart, a margin no
            # late start of a worker on a busy machine eats up
            ("apply_async", "3", "1=100 2=200 0=300", "[100, 200, 300]")):
        add_case("%s_arrival_order_%s" % (mode, tag), arrival_order, W, H, mode,
                 scale, want, lst)
    add_case("failing_task_" + tag, failing_task, W, H)


# Oversubscribed at 80x24: the header must still show the whole state.
@case
def oversubscribed_80x24():
    with Screen(NAME + "-over", 80, 24,
                poolscope("--autostart", "-w", str(CPUS + 1), "-m",
                          "imap_unordered", "--time-scale", "0.3",
                          "-t", "square 2; fail; sleep 100")) as s:
        scr = s.wait_for(lambda x: ended(x)
                         and "q quit" in x.splitlines()[-1], 15)
        t.ok(scr is not None and header(scr).rstrip().endswith(
            "finished, with failures"), "80x24, %d workers on %d processors: header shows the whole state"
            % (CPUS + 1, CPUS), header(s.last))
        t.ok("? help" in (scr or s.last).splitlines()[-1] and
             "q quit" in (scr or s.last).splitlines()[-1],
             "80x24: the run screen's footer names ? help and q quit",
             (scr or s.last).splitlines()[-1:])
        s.send("q")
        t.eq(s.wait_exit(5), 1, "oversubscribed run with a failure: status 1")


# --- pause: SIGSTOP, nothing moves; resume: it goes on ----------------------
@case
def pause_80x24():
    with Screen(NAME + "-pause", 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "apply_async",
                          "-t", "; ".join(["sleep 200"] * 30))) as s:
        scr = s.wait_for(lambda x: (done_count(x) or (0, 0))[0] >= 2, 15)
        t.ok(scr is not None, "pause: the run is going (2 or more done)", s.last)
        pid = s.poolscope_pid()
        s.send("Space")
        scr = s.wait_for(lambda x: state_of(x) == "PAUSED"
                         and rows_are(2, "paused")(x), 5)
        t.ok(scr is not None, "Space: header PAUSED, both workers paused", s.last)
        pids = [w["pid"] for w in workers(scr or s.last)]
        t.eq(states_become(pids, ("T",)), ["T"] * len(pids),
             "the worker processes are stopped (T in /proc/PID/stat)")
        # A result sent just before the stop may still be folded in: take the
        # count once the workers are stopped.
        count0 = done_count(s.wait_for(done_count, 2)) or (0, 0)
        counts = set()
        end = time.monotonic() + 1.5      # checks that nothing happens
        while time.monotonic() < end:
            c = done_count(s.capture())
            if c is not None:           # (a frame caught half drawn)
                counts.add(c)
            time.sleep(0.05)
        t.eq(counts, {count0}, "while paused the done count stays at %s"
             % (count0,))
        t.eq(state_of(s.last), "PAUSED", "and the header still says PAUSED")
        s.send("Space")
        scr = s.wait_for(lambda x: state_of(x) == "running"
                         and (done_count(x) or (0, 0))[0] > count0[0], 5)
        t.ok(scr is not None, "Space again: running, the count grows", s.last)
        states = states_become(pids, ("R", "S", "D", None))
        t.ok(all(st in ("R", "S", "D", None) for st in states),
             "the workers are no longer stopped", states)
        sp = speedup(scr or s.last)
        t.ok(sp is not None and sp <= 2 * 1.05, "after resuming, speedup (%s) is at most the pool size 2" % sp, (scr or s.last).splitlines()[:2])
        c1, w1 = clock(s.capture()), time.monotonic()
        scr = s.wait_for(ended, 20)
        w2 = time.monotonic()
        c2 = clock(scr)
        t.ok(scr is not None and done_count(scr) == (30, 30),
             "the paused run finishes: 30/30 done", s.last)
        t.ok(c1 is not None and c2 is not None and c2 <= c1 + (w2 - w1) + 0.75, "the header clock does not jump when the run ends "
             "(%s s, then %s s %.1f s later)" % (c1, c2, w2 - w1), header(scr))
        s.send("q")
        t.eq(s.wait_exit(5), 0, "q quits, status 0")
        quit_ok(s, pid, pids, "pause")


# --- kill the selected worker -----------------------------------------------
def kill_worker(W, H):
    tag = "%dx%d" % (W, H)
    with Screen("%s-kill-%s" % (NAME, tag), W, H,
                poolscope("--autostart", "-w", "2", "-m", "map", "-t", LONG)) as s:
        scr = s.wait_for(lambda x: rows_are(2, "busy")(x)
                         and line_of(x, "^ caller "), 10)
        t.ok(scr is not None and line_of(
            scr, r"^ caller blocked in map\(\): 0 of 3 done") is not None,
            tag + ": map: caller blocked in map(): 0 of 3 done", s.last)
        pid = s.poolscope_pid()
        s.send("Up")                        # worker 0 (already, at first)
        scr = s.wait_for(lambda x: [w["selected"] for w in workers(x)]
                         == [True, False], 5)
        t.ok(scr is not None, tag + ": worker 0 is selected (>)", s.last)
        old = workers(scr or s.last)[0]["pid"]
        others = [w["pid"] for w in workers(scr or s.last)[1:]]
        s.send("k")
        scr = s.wait_for(lambda x: workers(x) and (
            workers(x)[0]["state"] == "crashed" or
            workers(x)[0]["pid"] != old), 5)
        t.ok(scr is not None, tag + ": k: slot 0 crashed or got a new PID",
             s.last)
        scr = s.wait_for(lambda x: workers(x) and workers(x)[0]["pid"] != old
                         and workers(x)[0]["state"] != "crashed"
                         and "1 failed" in x, 5)
        new = workers(scr or s.last)[0]["pid"]
        t.ok(scr is not None and new != old and pid_alive(new)
             and ppid(new) == pid,
             tag + ": slot 0 has a new live worker %s (was %s)" % (new, old),
             s.last)
        t.eq(wait_gone([old], 5), [], tag + ": the killed worker is gone")
        t.ok(re.search(r"\d+/3 done, 1 failed", s.last) is not None,
             tag + ": its task counts as failed", s.last.splitlines()[1:2])
        t.eq([w["pid"] for w in workers(s.last)[1:]], others,
             tag + ": worker 1 kept its PID")
        s.send("Down")
        scr = s.wait_for(lambda x: [w["selected"] for w in workers(x)]
                         == [False, True], 5)
        t.ok(scr is not None, tag + ": Down selects worker 1", s.last)
        s.send("q")
        s.wait_for(r"Quit and stop it\? \(y/n\)", 5)
        s.send("y")
        t.ok(s.wait_exit(10) is not None, tag + ": q, y quits", s.last)
        quit_ok(s, pid, [new] + others, tag + ": after a kill")


for W, H in SIZES:
    add_case("kill_worker_%dx%d" % (W, H), kill_worker, W, H)

main(t)
