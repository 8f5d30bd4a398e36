"""--cast's recorder (src/ui/cast.c) through tests/unit/cast_driver, which
writes to the recorded stream's descriptor as ncurses does: the terminal
gets exactly the bytes written; the cast is asciicast v2 (a header, then
[time, "o"|"m"|"r", string] lines with times that never go back); its "o"
data is those bytes as UTF-8, characters split across writes intact and
invalid bytes as U+FFFD; markers, resizes, coalesced writes, the flush
within 100 ms, a fatal signal, a failing terminal, a failing cast file and
an impossible path.

The driver is built by make (check_PROGRAMS), not here: CAST_DRIVER names
it (default ./tests/unit/cast_driver); POOLSCOPE_WRAPPER (e.g. valgrind)
wraps it as it wraps poolscope."""
import atexit
import functools
import json
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import time

from pstest import SLOW, TAP, WRAPPER, case, main

t = TAP()
DRIVER = os.environ.get("CAST_DRIVER",
                        os.path.join(".", "tests", "unit", "cast_driver"))
CHILD = b"from the child\r\n"
DIRECT = b"straight to fd 1\r\n"
MARKER = 'step 1: "split" \u2014 done'
tmp = tempfile.mkdtemp(prefix="ps-cast-")
atexit.register(shutil.rmtree, tmp, True)


def run(args, env_extra=None, unset=(), stdout=subprocess.PIPE,
        preexec=None):
    env = dict(os.environ)
    env.update(env_extra or {})
    for k in unset:
        env.pop(k, None)
    return subprocess.run(WRAPPER + [DRIVER] + list(args), env=env,
                          stdout=stdout, stderr=subprocess.PIPE,
                          timeout=60 * SLOW, preexec_fn=preexec)


def parse(path):
    """(header, events, problems) of a cast file."""
    problems = []
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        return None, [], ["not UTF-8: %s" % e]
    if not text.endswith("\n"):
        problems.append("does not end with a newline: %r" % text[-80:])
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    try:
        header = json.loads(lines[0])
    except (ValueError, IndexError) as e:
        return None, [], ["header: %s" % e]
    events, last = [], -1.0
    for i, line in enumerate(lines[1:], 2):
        try:
            ev = json.loads(line)
        except ValueError as e:
            problems.append("line %d: %s: %r" % (i, e, line[:80]))
            continue
        if not (isinstance(ev, list) and len(ev) == 3 and
                isinstance(ev[0], (int, float)) and
                not isinstance(ev[0], bool) and
                ev[1] in ("o", "m", "r") and isinstance(ev[2], str)):
            problems.append("line %d: not [time, o|m|r, string]: %r"
                            % (i, line[:80]))
            continue
        if ev[0] < last or ev[0] < 0:
            problems.append("line %d: time %r after %r" % (i, ev[0], last))
        last = ev[0]
        events.append(ev)
    return header, events, problems


def output(events):
    return "".join(e[2] for e in events if e[1] == "o")


def recorded(copy):
    """What the cast should hold: the bytes written to the stream's
    descriptor, without the ones from the child and straight to fd 1."""
    return copy.replace(CHILD, b"").replace(DIRECT, b"").decode(
        "utf-8", "replace")


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "at %d: %r against %r" % (i, a[i:i + 40], b[i:i + 40])
    return "lengths %d and %d" % (len(a), len(b))


def idx(events, pred):
    return next((i for i, e in enumerate(events) if pred(e)), None)


@case
def driver_exists():
    t.ok(os.access(DRIVER, os.X_OK), "the driver %s exists" % DRIVER,
         "build it: make tests/unit/cast_driver, or set CAST_DRIVER")


@functools.cache
def whole_run():
    """The driver's whole run: (the process, its stderr, the bytes it wrote,
    and the cast parsed: header, events, problems)."""
    cast = os.path.join(tmp, "a.cast")
    copy = os.path.join(tmp, "a.copy")
    p = run([cast, copy], {"TERM": "xterm-cast-test",
                           "SHELL": "/bin/cast-shell"})
    err = p.stderr.decode(errors="replace")
    with open(copy, "rb") as f:
        want = f.read()
    return (p, err, want) + parse(cast)


# The whole run.
@case
def terminal_bytes():
    p, err, want, _, _, _ = whole_run()
    t.eq(p.returncode, 0, "the driver runs and exits 0")
    t.ok("close: 0" in err, "cast_close returns 0", err)
    t.ok(p.stdout == want, "the terminal got exactly the bytes written",
         first_diff(p.stdout, want))
    t.ok("\u20ac".encode() in want and "\U0001F600".encode() in want and
         CHILD in want and DIRECT in want and len(want) > 200000,
         "the driver wrote what the test expects")


@case
def cast_header():
    _, _, _, header, events, problems = whole_run()
    t.ok(not problems, "every line is valid: a header, then [time, o|m|r, "
         "string] with times that never go back", "\n".join(problems))
    h = header or {}
    t.ok(h.get("version") == 2 and h.get("width") == 80 and
         h.get("height") == 24, "the header: version 2, 80x24", h)
    t.ok(isinstance(h.get("timestamp"), int) and
         abs(h["timestamp"] - time.time()) < 600 * SLOW,
         "the header: a UNIX timestamp of now", h)
    t.eq(h.get("title"), 'cast driver "test"', "the header: the title")
    t.eq(h.get("env"), {"TERM": "xterm-cast-test", "SHELL": "/bin/cast-shell"},
         "the header: TERM and SHELL from the environment")


@case
def output_events():
    _, _, want, _, events, _ = whole_run()
    got, exp = output(events), recorded(want)
    t.ok(got == exp, "the \"o\" data is the bytes written, as UTF-8 (invalid "
         "bytes as U+FFFD)", first_diff(got, exp))
    t.ok(any("price: 5\u20ac" in e[2] or "\u20ac\r\n" in e[2]
             for e in events if e[1] == "o") and
         any("grin \U0001F600" in e[2] or "\U0001F600\r\n" in e[2]
             for e in events if e[1] == "o"),
         "characters split across writes are whole in an event")
    t.ok("bad:\ufffd\ufffd|\ufffdA|\ufffd\ufffd\ufffd|\ufffd\ufffd|"
         "\ufffdB|" in got, "invalid bytes: one U+FFFD per invalid subpart",
         got[:400])
    t.ok(got.endswith("\x1b[?1049l\ufffd"),
         "a character cut short by the close becomes U+FFFD", got[-40:])
    t.ok(CHILD.decode() not in got and DIRECT.decode() not in got,
         "a child's writes and writes to another descriptor are not "
         "recorded")


@case
def marker_and_resize():
    events = whole_run()[4]
    marks = [e for e in events if e[1] == "m"]
    t.eq([e[2] for e in marks], [MARKER], "the marker event, with its label")
    t.eq([e[2] for e in events if e[1] == "r"], ["100x30"],
         "the resize event")
    im = idx(events, lambda e: e[1] == "m")
    ibefore = idx(events, lambda e: e[1] == "o" and "soh" in e[2])
    iafter = idx(events, lambda e: e[1] == "o" and "abc" in e[2])
    t.ok(None not in (im, ibefore, iafter) and ibefore < im < iafter,
         "the marker sits between what was written before and after it",
         (ibefore, im, iafter))


@case
def coalesced_flushed_whole():
    _, err, _, _, events, _ = whole_run()
    nwrites = next((int(l.split()[1]) for l in err.splitlines()
                    if l.startswith("writes: ")), 0)
    nout = len([e for e in events if e[1] == "o"])
    t.ok(nwrites > 200 and nout * 4 < nwrites,
         "writes are coalesced (%d writes, %d \"o\" events)"
         % (nwrites, nout))
    t.ok("flushed: yes" in err,
         "output is in the file within 100 ms, before the close", err)
    t.ok("absent: yes" in err and
         [n for n in os.listdir(tmp) if n.startswith(".a.cast.")] == [],
         "the cast is written under a temporary name: a.cast appears only "
         "at the close, and the temporary file is gone then", err)


# SHELL unset: no SHELL in the header.  A fatal signal whose handler
# calls cast_emergency_flush(): the cast ends on a whole line and holds
# everything written before it.
@case
def fatal_signal():
    crash, ccopy = os.path.join(tmp, "k.cast"), os.path.join(tmp, "k.copy")
    p = run(["-k", crash, ccopy], {"TERM": "xterm-cast-test"},
            unset=("SHELL",))
    t.eq(p.returncode, -signal.SIGSEGV, "-k: the driver dies of SIGSEGV")
    header, events, problems = parse(crash)
    t.ok(header is not None and not problems,
         "-k: the cast is valid and ends on a whole line",
         "\n".join(problems))
    t.eq((header or {}).get("env"), {"TERM": "xterm-cast-test"},
         "-k: no SHELL in the header when it is unset")
    with open(ccopy, "rb") as f:
        cwant = f.read()
    got, exp = output(events), recorded(cwant)
    t.ok(got == exp and "soh" in got,
         "-k: everything written before the signal is in the cast",
         first_diff(got, exp))
    t.eq([e[2] for e in events if e[1] == "m"], [MARKER],
         "-k: the marker is in the cast")


# A terminal that refuses every write: the cast still records it all.
@case
def terminal_dev_full():
    want = whole_run()[2]
    full = os.path.join(tmp, "f.cast")
    with open("/dev/full", "wb") as devfull:
        p = run([full], stdout=devfull)
    t.eq(p.returncode, 0, "terminal /dev/full: the driver exits 0")
    header, events, problems = parse(full)
    got = output(events)
    t.ok(not problems and got == recorded(want),
         "terminal /dev/full: the cast still holds everything",
         "\n".join(problems) or first_diff(got, recorded(want)))


# A cast file that stops taking data (RLIMIT_FSIZE): close says so, and
# the terminal still gets every byte.
@case
def cast_file_full():
    normal_stdout = whole_run()[0].stdout

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    p = run([os.path.join(tmp, "l.cast")], preexec=small_files)
    err = p.stderr.decode(errors="replace")
    t.ok(p.returncode == 3 and "close: -1 File too large" in err,
         "cast file full: cast_close returns -1, errno says why", err)
    t.ok(p.stdout == normal_stdout,
         "cast file full: the terminal still got every byte",
         first_diff(p.stdout, normal_stdout))
    t.ok(not [n for n in os.listdir(tmp) if "l.cast" in n],
         "cast file full: no incomplete cast is left, nor its temporary file",
         os.listdir(tmp))


# Paths that cannot be recorded to.
@case
def impossible_paths():
    bad = os.path.join(tmp, "no-such-dir", "x.cast")
    p = run([bad])
    err = p.stderr.decode(errors="replace").strip()
    t.ok(p.returncode == 2 and
         err.endswith("cannot create '%s': No such file or directory" % bad),
         "an impossible path: cannot create '...': the reason", err)
    t.ok(p.stdout == b"", "an impossible path: nothing reaches the terminal",
         p.stdout[:80])
    p = run(["/dev/full"])
    err = p.stderr.decode(errors="replace").strip()
    t.ok(p.returncode == 2 and
         err.endswith("cannot write '/dev/full': No space left on device"),
         "a cast that cannot be written: cannot write '...': the reason",
         err)


main(t)
