"""Bad usage and bad task lists: exit 2, nothing on stdout, a clear message on
stderr, and nothing forked."""
import atexit
import os
import re
import shutil
import subprocess
import tempfile

import pstest
from pstest import TAP, case, main, run, run_json, of

t = TAP()
tmp = tempfile.mkdtemp(prefix="pstest-badinput-")
atexit.register(shutil.rmtree, tmp, True)


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


BAD = write("bad.tasks", b"square 1\n  squre 2\nsquare 3\n")
EMPTY = write("empty.tasks", b"")
COMMENTS = write("comments.tasks", b"# nothing but a comment\n\n   # and another\n")
JUNK = write("junk.tasks", b"sq\x00\x01\xff\xfe\x00junk\n")
GOOD = write("good.tasks", b"square 1..3\n")
MISSING = os.path.join(tmp, "no-such-file.tasks")


def bad(args, wants, desc):
    """Exit 2, empty stdout, stderr containing every string in wants."""
    p = run(["--batch"] + args, timeout=20, stdin=subprocess.DEVNULL)
    t.eq(p.returncode, 2, "%s: exit status 2" % desc)
    t.eq(p.stdout, "", "%s: nothing on stdout" % desc)
    missing = [w for w in wants if w not in p.stderr]
    t.ok(p.stderr.startswith("poolscope: ") and not missing,
         "%s: stderr says %s" % (desc, ", ".join(repr(w) for w in wants)),
         "stderr: %r\nmissing: %r" % (p.stderr, missing))
    return p


# ---------------------------------------------------------------- task lists
@case
def unknown_kind_in_a_file():
    p = bad([BAD], ["%s:2:3: " % BAD, "unknown task kind 'squre'", "did you mean 'square'?"],
            "unknown kind in a file")
    lines = p.stderr.splitlines()
    t.ok(len(lines) >= 3 and lines[1] == "  squre 2" and lines[2] == "  ^",
         "unknown kind in a file: quotes the line and puts a caret under column 3", p.stderr)


@case
def unknown_kind_inline():
    p = bad(["-t", "square 1; squre 2"],
            ["--tasks:1:11: ", "unknown task kind 'squre'", "did you mean 'square'?"],
            "unknown kind inline")
    lines = p.stderr.splitlines()
    t.ok(len(lines) >= 3 and lines[2].index("^") == 10,
         "unknown kind inline: the caret is under column 11", p.stderr)


@case
def missing_task_file():
    bad([MISSING], [MISSING, "No such file or directory"], "missing task file")


@case
def empty_lists():
    # An empty list is not an error: Pool.map(f, []) returns [].  Every style
    # runs nothing, prints [] and exits 0; stderr says the list was empty.
    for args, desc, name in [([EMPTY], "empty task file", EMPTY),
                             ([COMMENTS], "task file with only comments", COMMENTS),
                             (["-t", ""], "empty inline list", "--tasks ''")]:
        for mode in ("apply", "map", "imap", "imap_unordered", "apply_async", "process"):
            p = run(["--batch", "-q", "-w", "2", "-m", mode] + args, timeout=20,
                    stdin=subprocess.DEVNULL)
            lines = p.stdout.splitlines()
            t.ok(p.returncode == 0 and lines[:1] == ["[]"] and
                 lines[1:2] and lines[1].startswith("0 tasks, 0 failed, wall"),
                 "%s, %s: exit 0, prints [] and a summary" % (desc, mode),
                 (p.returncode, p.stdout))
            t.ok(name in p.stderr and "warning" in p.stderr and "no" in p.stderr,
                 "%s, %s: stderr warns that the list is empty" % (desc, mode), p.stderr)


@case
def empty_list_events():
    p, ev = run_json(["-w", "3", "-m", "map", "-t", ""])
    t.eq([e["ev"] for e in ev if e["ev"] in ("task_start", "result")], [],
         "empty list: no task starts, no result")
    t.eq((ev[0]["tasks"], ev[0]["chunksize"]), (0, 0),
         "empty list, map: run_start says 0 tasks, chunksize 0 (as Python's)")
    t.eq(len(of(ev, "sentinel")), 3, "empty list: the pool starts, and each worker takes None")
    p, ev = run_json(["-w", "3", "-m", "process", "-t", ""])
    t.eq(of(ev, "worker_start"), [], "empty list, process: no Process is started")


@case
def binary_junk():
    p = bad([JUNK], ["%s:1:3: " % JUNK, "binary"], "binary junk")
    t.ok("\0" not in p.stderr, "binary junk: no NUL byte is echoed to stderr", repr(p.stderr))


@case
def bad_numbers_and_arguments():
    bad(["-t", "square 99999999999999999999999"], ["--tasks:1:8: ", "too large"],
        "huge number")
    bad(["-t", "sleep 99999999999999999999999"], ["--tasks:1:7: ", "too long"],
        "huge sleep")
    bad(["-t", "sleep -5"], ["--tasks:1:7: ", "negative"], "negative sleep")
    bad(["-t", "square 5..1"], ["--tasks:1:8: ", "5..1", "backwards"], "backwards range")
    bad(["-t", "fail 3"], ["--tasks:1:6: ", "'fail' takes no argument"],
        "fail with an argument")


# ---------------------------------------------------------------- options
@case
def bad_option_values():
    bad(["-w", "0"], ["--workers", "0", "1 to 4096"], "-w 0")
    bad(["-w", "abc"], ["--workers", "'abc'"], "-w abc")
    bad(["-w", "99999"], ["--workers", "99999", "1 to 4096"], "-w 99999")
    bad(["-m", "nope"], ["--mode", "'nope'", "apply", "sync", "map", "imap", "imap_unordered",
                         "apply_async", "async", "process"], "-m nope lists the modes")
    bad(["--timeout", "-1"], ["--timeout", "-1"], "--timeout -1")
    bad(["--time-scale", "0"], ["--time-scale"], "--time-scale 0")
    bad(["--time-scale", "abc"], ["--time-scale", "'abc'"], "--time-scale abc")
    bad(["--retries", "1000"], ["--retries", "1000"], "--retries 1000")
    bad(["-c", "0"], ["--chunksize", "0"], "-c 0")
    bad(["-c", "2", "-m", "apply_async"], ["--chunksize", "apply_async"],
        "-c 2 -m apply_async")
    bad(["--bogus"], ["'--bogus'"], "unknown option")


@case
def missing_option_values():
    bad(["-w"], ["-w", "needs a value"], "missing value for -w")
    for opt in ("--mode", "--workers"):
        p = bad(["-t", "square 1", opt], ["needs a value"], "missing value for %s" % opt)
        # The message should name the option as it was typed, not its short form.
        t.ok(re.search(r"(^|\W)%s(\W|$)" % re.escape(opt),
                       p.stderr.splitlines()[0] if p.stderr else ""),
             "missing value for %s: the message names %s" % (opt, opt), p.stderr)
    bad(["-t", "square 1", "--timeout"], ["--timeout needs a value"],
        "missing value for --timeout")


@case
def conflicting_arguments():
    bad(["-t", "square 1", GOOD], ["--tasks", "task file"], "both -t and a task file")
    bad([GOOD, BAD], ["'%s'" % BAD, "one task file"], "two task files")
    bad(["--json", "--quiet"], ["--json", "--quiet"], "--json with --quiet")


# ---------------------------------------------------------------- nothing forked
@case
def nothing_forked():
    for args, desc in [([BAD], "a bad task file"),
                       (["-t", "square 5..1"], "a bad inline list"),
                       (["-w", "0"], "a bad option")]:
        pstest.nothing_forked(t, ["--batch"] + args, "nothing is forked for %s" % desc)


# ---------------------------------------------------------------- help, version
MODES = ["apply", "sync", "map", "imap", "imap_unordered", "apply_async", "async", "process"]


@case
def help():
    for opt in ("--help", "-h"):
        p = run([opt], timeout=20, stdin=subprocess.DEVNULL)
        t.eq(p.returncode, 0, "%s: exit status 0" % opt)
        words = set(re.findall(r"[a-z_]+", p.stdout))
        t.ok(p.stdout.startswith("Usage: poolscope") and all(m in words for m in MODES),
             "%s: usage on stdout naming every mode" % opt,
             [m for m in MODES if m not in words] or p.stdout[:200])
        t.eq(p.stderr, "", "%s: nothing on stderr" % opt)


@case
def version():
    for opt in ("--version", "-V"):
        p = run([opt], timeout=20, stdin=subprocess.DEVNULL)
        t.eq(p.returncode, 0, "%s: exit status 0" % opt)
        t.ok(re.fullmatch(r"poolscope \d+\.\d+\.\d+\n", p.stdout),
             "%s: prints 'poolscope X.Y.Z'" % opt, repr(p.stdout))


main(t)
