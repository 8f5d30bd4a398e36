"""The screen under stress, in a private tmux server: resizing below the
minimum and back, every way out (q, SIGTERM, SIGINT, SIGHUP, SIGSEGV and
every other signal whose default action ends a process) restores the
terminal and leaves no process behind, SIGPIPE is ignored, no colour when
asked, ASCII only when the locale is not UTF-8."""
import os
import re
import signal

from tmuxtest import (TAP, Screen, add_case, case, main, poolscope, workers,
                      line_of, colours, pid_alive, wait_gone, exit_status,
                      sanitizer_report)

t = TAP()
NAME = "ps-safety-%d" % os.getpid()
LONG = "sleep 20000; sleep 20000"
TOO_SMALL = r"terminal too small \(80x24 needed\)"


def busy2(x):
    return len(workers(x)) == 2 and all(w["state"] == "busy"
                                        for w in workers(x))


def run_screen(x):
    return x.startswith(" poolscope  apply_async  2 workers") and busy2(x)


def start(tag, w=80, h=24, args=("--autostart", "-w", "2", "-m",
                                  "apply_async", "-t", LONG), env=None):
    s = Screen("%s-%s" % (NAME, tag), w, h, poolscope(*args), env=env)
    return s


def running(s, tag):
    """Wait for both workers busy; returns (poolscope pid, worker pids)."""
    scr = s.wait_for(busy2, 10)
    t.ok(scr is not None, tag + ": run screen with two busy workers", s.last)
    pid = s.poolscope_pid()
    wp = [w["pid"] for w in workers(scr or "")]
    return pid, wp


def restored(s, pid, wpids, tag, status=None):
    """The exit checks: status (if given), terminal, no process left."""
    if status is not None:
        st = s.wait_exit(10)
        t.eq(st, status, "%s: exit status %d (__EXIT=%s)" % (tag, status, st))
    t.eq(s.alternate_on(), 0, tag + ": pane out of the alternate screen")
    left = wait_gone(([pid] if pid else []) + list(wpids), 5)
    t.eq(left, [], tag + ": no poolscope or worker process left")
    t.eq(sanitizer_report(s.capture()), None,
         tag + ": no sanitizer report in the pane")


# --- resize: too small, then back ------------------------------------------
@case
def resize():
    with start("resize") as s:
        pid, wp = running(s, "resize")
        for w, h in ((60, 20), (79, 24), (80, 23)):
            s.resize(w, h)
            scr = s.wait_for(TOO_SMALL + r"\s+now %dx%d; q quits" % (w, h), 5)
            t.ok(scr is not None,
                 "%dx%d: terminal too small (80x24 needed), now %dx%d"
                 % (w, h, w, h), s.last)
            t.ok(all(pid_alive(p) for p in wp), "%dx%d: the workers go on"
                 % (w, h))
            s.resize(80, 24)
            scr = s.wait_for(run_screen, 5)
            t.ok(scr is not None and not re.search(TOO_SMALL, scr),
                 "back to 80x24: the run screen again", s.last)
        s.resize(60, 20)
        s.wait_for(TOO_SMALL, 5)
        s.resize(160, 50)
        scr = s.wait_for(run_screen, 5)
        t.ok(scr is not None and any(len(l) > 80 for l in scr.splitlines()),
             "from 60x20 to 160x50: the run screen uses the width", s.last)
        s.send("q")
        s.wait_for(r"Quit and stop it\? \(y/n\)", 5)
        s.send("y")
        t.ok(s.wait_exit(10) is not None, "q, y quits", s.last)
        restored(s, pid, wp, "q")


# --- signals during a run --------------------------------------------------
def signal_during_run(sig, status, size):
    name = signal.Signals(sig).name
    with start(name, *size) as s:
        pid, wp = running(s, name)
        os.kill(pid, sig)
        restored(s, pid, wp, name, status)


for sig, status, size in ((signal.SIGTERM, 143, (80, 24)),
                          (signal.SIGINT, 130, (160, 50))):
    add_case(signal.Signals(sig).name.lower(), signal_during_run, sig, status, size)


# SIGHUP: the session goes away (kill-session), or the pane (kill-pane).
def sighup(how, size):
    with start(how, *size) as s:
        pid, wp = running(s, how)
        s.tmux(how, "-t", s.target if how == "kill-pane" else s.name,
               check=False)
        left = wait_gone([p for p in [pid] + wp if p], 5)
        t.eq(left, [], "SIGHUP by %s: no poolscope or worker left" % how)


for how, size in (("kill-session", (80, 24)), ("kill-pane", (160, 50))):
    add_case("sighup_by_" + how.replace("-", "_"), sighup, how, size)


# A fatal signal: the terminal comes back, the workers follow (PDEATHSIG).
@case
def sigsegv():
    with start("segv") as s:
        pid, wp = running(s, "SEGV")
        os.kill(pid, signal.SIGSEGV)
        scr = s.wait_for(r"__EXIT=\d+", 10)
        st = exit_status(scr)
        t.eq(st, 139, "SEGV: the shell sees 139 (__EXIT=%s)" % st)
        t.ok(scr is not None and "fatal signal SEGV" in scr,
             "SEGV: the pane says fatal signal SEGV",
             line_of(s.last, "fatal") or s.last)
        restored(s, pid, wp, "SEGV")


# Every other signal whose default action ends a process: the terminal comes
# back (no alternate screen, the cursor shown), poolscope dies of the same
# signal, its workers follow, and a recording being written leaves no
# temporary file.
def fatal_signal(sig):
    name = signal.Signals(sig).name
    with start(name.lower(), args=("--autostart", "--record", "r.rec", "-w",
                                   "2", "-m", "apply_async", "-t", LONG)) as s:
        pid, wp = running(s, name)
        os.kill(pid, sig)
        scr = s.wait_for(r"__EXIT=\d+", 10)
        t.ok(scr is not None and "fatal signal %s;" % name[3:] in scr,
             "%s: the pane says fatal signal %s" % (name, name[3:]),
             line_of(s.last, "fatal") or s.last)
        restored(s, pid, wp, name, 128 + sig)
        t.eq(s.display("#{cursor_flag}"), "1", name + ": the cursor is shown")
        t.eq([n for n in os.listdir(s.dir) if "r.rec" in n], [],
             name + ": no recording, nor its temporary file, is left")


for sig in (signal.SIGXCPU, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM,
            signal.SIGPROF, signal.SIGVTALRM, signal.SIGSYS, signal.SIGPWR,
            signal.SIGSTKFLT):
    add_case(signal.Signals(sig).name.lower(), fatal_signal, sig)


# SIGPIPE is ignored: a pipe's reader going away is a write error, not a
# death (the terminal itself going away is SIGHUP).  Proof it lived on: it
# still takes a key sent after the signal.
@case
def sigpipe_ignored():
    with start("sigpipe") as s:
        pid, wp = running(s, "SIGPIPE")
        os.kill(pid, signal.SIGPIPE)
        s.send("Space")
        scr = s.wait_for(lambda x: "PAUSED" in x.splitlines()[0], 5)
        t.ok(scr is not None, "SIGPIPE: ignored, the screen goes on (Space "
             "pauses)", s.last)
        s.send("q")
        s.send("y")
        restored(s, pid, wp, "SIGPIPE", 1)  # a run left before its end


# --- no colour: --no-color and NO_COLOR=1 ----------------------------------
SQ = ("--autostart", "-w", "2", "-m", "apply_async", "--time-scale", "0.3",
      "-t", "sleep 300; square 1..9")


def no_colour(tag, args, env):
    with start(tag.strip("-").replace("=", ""), args=args, env=env) as s:
        scr = s.wait_for(lambda x: busy2(x) or "Summary" in x, 10)
        t.ok(scr is not None and scr.startswith(" poolscope  apply_async"),
             tag + ": the run screen shows", s.last)
        esc = s.capture_escapes()
        t.eq(colours(esc)[:5], [], tag + ": no colours on the run screen")
        scr = s.wait_for(lambda x: "Summary" in x and
                         "[1, 4, 9, 16, 25, 36, 49, 64, 81, 300]" in x, 15)
        t.ok(scr is not None,
             tag + ": the run finishes with its results", s.last)
        t.eq(colours(s.capture_escapes())[:5], [],
             tag + ": no colours at the end either")
        pid = s.poolscope_pid(1)
        s.send("q")
        restored(s, pid, [], tag, 0)


add_case("no_color_option", no_colour, "--no-color", ("--no-color",) + SQ, None)
add_case("no_color_environment", no_colour, "NO_COLOR=1", SQ, {"NO_COLOR": "1"})


# and colour by default, so the checks above can fail
@case
def colour_by_default():
    with start("colour", args=SQ) as s:
        s.wait_for(lambda x: "Summary" in x and line_of(x, r"^ \[1, "), 15)
        t.ok(colours(s.capture_escapes()) != [],
             "without them the screen has colours")


# --- LANG=C: ASCII only -----------------------------------------------------
def non_ascii(s):
    data = s.capture_bytes()
    bad = sorted(set(ch for ch in data.decode("utf-8", "replace")
                     if ord(ch) >= 0x80))
    return bad, data.decode("utf-8", "replace")


def ascii_only(size):
    tag = "LANG=C %dx%d" % size
    with start("ascii-%dx%d" % size, *size,
               args=("--autostart", "-w", "2", "-m", "apply_async",
                     "--time-scale", "0.5",
                     "-t", "sleep 12000; sleep 200; square 3; fail; sleep 300"),
               env={"LANG": "C"}) as s:
        # A failed task received, another done, worker 1 busy for seconds
        # more (a window no loaded machine misses).
        scr = s.wait_for(lambda x: "3=TaskError" in x and "4=300" in x
                         and " running" in x.splitlines()[0], 10)
        t.ok(scr is not None, tag + ": the run screen, running", s.last)
        bad, text = non_ascii(s)
        t.eq(bad, [], tag + ": running: no byte >= 0x80 on the screen")
        s.send("?")
        s.wait_for(lambda x: "Keys" in x and "quit (asks first" in x, 5)
        bad, text = non_ascii(s)
        t.eq(bad, [], tag + ": help overlay: ASCII only")
        s.send("z")
        scr = s.wait_for(lambda x: "Summary" in x and line_of(x, r"^ \[")
                         and re.search(r"#+ 5/5 done", x), 15)
        t.ok(scr is not None,
             tag + ": finished, with an ASCII progress bar", s.last)
        bad, text = non_ascii(s)
        t.eq(bad, [], tag + ": finished: no byte >= 0x80 on the screen")
        pid = s.poolscope_pid(1)
        s.send("n")
        scr = s.wait_for(lambda x: x.startswith(" poolscope  set up a pool")
                         and "q quit" in x.splitlines()[-1], 5)
        bad, text = non_ascii(s)
        t.ok(scr is not None and bad == [],
             tag + ": the set-up screen: ASCII only", bad or s.last)
        s.send("q")
        t.ok(s.wait_exit(5) is not None, tag + ": q quits", s.last)
        restored(s, pid, [], tag)


for size in ((80, 24), (160, 50)):
    add_case("lang_c_ascii_%dx%d" % size, ascii_only, size)

main(t)
