"""The screen's outputs, in a private tmux server: a --record or --cast that
cannot be written is said in the footer and on stderr, the run goes on, the
exit status is 3; a recording appears under its name only once its run has
ended; a terminal without cursor addressing (TERM=dumb) is refused before
anything is forked."""
import json
import os
import re

from tmuxtest import (TAP, Screen, add_case, case, main, poolscope, workers,
                      wait_gone, sanitizer_report)

t = TAP()
NAME = "ps-outputs-%d" % os.getpid()


def start(tag, args, prefix="", env=None):
    return Screen("%s-%s" % (NAME, tag), 80, 24, prefix + poolscope(*args),
                  env=env)


def whole_recording(p):
    try:
        with open(p) as f:
            evs = [json.loads(line) for line in f]
    except (OSError, ValueError):
        return False
    return bool(evs) and evs[0]["ev"] == "recording" and \
        evs[-1]["ev"] == "run_end"


def temporaries(directory, base):
    rx = re.compile(r"^\.%s\.[A-Za-z0-9]{6}$" % re.escape(base))
    return [n for n in os.listdir(directory) if rx.match(n)]


def ended(s, tag, status):
    st = s.wait_exit(10)
    t.eq(st, status, "%s: exit status %d (__EXIT=%s)" % (tag, status, st))
    t.eq((s.alternate_on(), s.display("#{cursor_flag}")), (0, "1"),
         tag + ": the terminal is back: no alternate screen, cursor shown")
    t.eq(sanitizer_report(s.capture()), None, tag + ": no sanitizer report")


# --- TERM=dumb: refused, nothing forked ------------------------------------
def term_dumb(tag, args):
    with start(tag, args, env={"TERM": "dumb"}) as s:
        scr = s.wait_for(r"__EXIT=\d+", 10)
        text = "".join((scr or "").splitlines())  # it wraps at 80
        t.ok("poolscope: the terminal 'dumb' cannot draw the screen (it has "
             "no cursor addressing); use --batch, or set TERM to your "
             "terminal's type" in text, "TERM=dumb (%s): the message says "
             "why and what to do" % tag, s.last)
        t.eq(s.wait_exit(1), 2, "TERM=dumb (%s): exit status 2" % tag)
        t.ok(not os.path.exists(os.path.join(s.dir, "forked")),
             "TERM=dumb (%s): nothing was forked (the sh task never ran)"
             % tag)


add_case("term_dumb_autostart", term_dumb, "dumb-autostart",
         ("--autostart", "-t", "sh touch forked"))
add_case("term_dumb_setup", term_dumb, "dumb-setup", ())


# --- --record: in place once the run has ended, not before ------------------
@case
def record_in_place_at_the_end():
    with start("record", ("--autostart", "--record", "r.rec", "-w", "2", "-m",
                          "apply_async", "-t", "sleep 400 x4")) as s:
        rec = os.path.join(s.dir, "r.rec")
        scr = s.wait_for(lambda x: len(workers(x)) == 2 and
                         all(w["state"] == "busy" for w in workers(x)), 10)
        t.ok(scr is not None, "--record: the run goes", s.last)
        t.ok(not os.path.exists(rec) and len(temporaries(s.dir, "r.rec")) == 1,
             "--record: while the run goes, no r.rec yet (a temporary file "
             "beside it)", os.listdir(s.dir))
        scr = s.wait_for(r"^ poolscope .* finished$", 10)
        t.ok(scr is not None and whole_recording(rec) and
             temporaries(s.dir, "r.rec") == [],
             "--record: once the run has ended, r.rec is whole, the screen still "
             "up", (os.listdir(s.dir), s.last))
        s.send("q")
        ended(s, "--record", 0)


# --- --record /dev/full: the footer says it, the exit status is 3 -----------
@case
def record_dev_full():
    with start("record-full", ("--autostart", "--record", "/dev/full", "-w", "2",
                               "-t", "sleep 100 x4")) as s:
        msg = "--record: cannot write '/dev/full': No space left on device"
        scr = s.wait_for(lambda x: msg in x.splitlines()[-1], 10)
        t.ok(scr is not None, "--record /dev/full: the footer says why", s.last)
        t.ok(scr is not None and "finished" in scr.splitlines()[0],
             "--record /dev/full: the run itself finished", s.last)
        s.send("q")
        ended(s, "--record /dev/full", 3)
        t.ok(s.capture().count("poolscope: " + msg) == 1,
             "--record /dev/full: said once on stderr after the screen",
             s.last)


# --- --cast over RLIMIT_FSIZE: EFBIG, not death by SIGXFSZ ------------------
@case
def cast_over_fsize():
    with start("cast-fsize", ("--autostart", "--cast", "x.cast", "-w", "4", "-t",
                              "sleep 300 x40"), prefix="prlimit --fsize=8000 ") as s:
        msg = "--cast: cannot write 'x.cast': File too large"
        scr = s.wait_for(lambda x: msg in x.splitlines()[-1], 10)
        t.ok(scr is not None, "--cast over RLIMIT_FSIZE: the footer says why",
             s.last)
        scr = s.wait_for(r"40/40 done", 15)
        t.ok(scr is not None, "--cast over RLIMIT_FSIZE: the run goes on to its "
             "end", s.last)
        pid = s.poolscope_pid(1)
        s.send("q")
        ended(s, "--cast over RLIMIT_FSIZE", 3)
        t.eq(s.capture().count("poolscope: " + msg), 1,
             "--cast over RLIMIT_FSIZE: said once on stderr after the screen")
        t.ok(not [n for n in os.listdir(s.dir) if "x.cast" in n],
             "--cast over RLIMIT_FSIZE: no incomplete cast is left, nor a "
             "temporary file", os.listdir(s.dir))
        t.eq(wait_gone([pid] if pid else [], 5), [],
             "--cast over RLIMIT_FSIZE: no poolscope left")


main(t)
