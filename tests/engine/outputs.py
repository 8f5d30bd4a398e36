"""Outputs that cannot be written, and files that must not be clobbered.

Standard output on /dev/full (text, --json, -q), --record, --trace and
--svg on /dev/full, a file over RLIMIT_FSIZE: one message with the real
cause, exit status 3, no worker left.  --record (and --trace, --svg) onto an
existing file, a symbolic link, a directory or the task list being read:
refused with exit 2 before anything runs, unless --force (never for an
input).  A recording appears under its name only once it is whole; two
runs recording to one name do not interleave; a fatal signal leaves no
temporary file.  Every check polls with a deadline; nothing sleeps a fixed
time.
"""
import atexit
import json
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
import tempfile
import time

import pstest
from pstest import TAP, Live, add_case, case, main, of, wait_gone

t = TAP()
SLOW = pstest.SLOW
tmp = tempfile.mkdtemp(prefix="pstest-outputs-")
atexit.register(shutil.rmtree, tmp, True)
ENOSPC = "No space left on device"


def run(args, stdout=subprocess.PIPE, stdin=None, preexec=None, timeout=60):
    """poolscope with stdout where asked; (status, stdout, stderr)."""
    p = subprocess.run(pstest.cmd(args), stdout=stdout,
                       stderr=subprocess.PIPE, stdin=stdin,
                       preexec_fn=preexec, timeout=timeout * SLOW)
    out = p.stdout.decode(errors="replace") if p.stdout is not None else ""
    return p.returncode, out, p.stderr.decode(errors="replace")


def path(name):
    return os.path.join(tmp, name)


def read(name):
    with open(name, "rb") as f:
        return f.read()


def recording(name):
    """The events of a recording file, or None if it is not a whole one."""
    try:
        evs = [json.loads(line) for line in read(name).splitlines()]
    except (OSError, ValueError):
        return None
    if not evs or evs[0].get("ev") != "recording" or \
            evs[-1].get("ev") != "run_end":
        return None
    return evs


def temporaries(directory, base):
    """Temporary files poolscope left for base: '.BASE.XXXXXX'."""
    rx = re.compile(r"^\.%s\.[A-Za-z0-9]{6}$" % re.escape(base))
    return sorted(n for n in os.listdir(directory) if rx.match(n))


def wait_until(pred, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while not pred():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


# ------------------------------------------------ standard output on /dev/full
# A run of 3 s (40 sleeps of 300 ms on 4 workers) that cannot write its first
# line: said once, with the cause, the run stopped there and its workers
# reaped (their PIDs are in a recording made alongside), exit 3.
LONG = ["-w", "4", "-t", "sleep 300 x40"]


def stdout_full(fmt):
    what = " ".join(fmt)
    rec = path("full%d.rec" % len(fmt))
    t0 = time.monotonic()
    with open("/dev/full", "wb") as full:
        st, out, err = run(fmt + ["--record", rec] + LONG, stdout=full)
    el = time.monotonic() - t0
    t.eq(st, 3, "%s > /dev/full: exit status 3" % what)
    t.eq(err, "poolscope: cannot write standard output: %s\n" % ENOSPC,
         "%s > /dev/full: one message with the cause" % what)
    t.ok(el < 2.5 * SLOW, "%s > /dev/full: the run stops at the failed write "
         "(%.2f s; the run takes 3 s)" % (what, el))
    evs = recording(rec) or []
    pids = [e["pid"] for e in of(evs, "worker_start")]
    t.ok(evs and evs[-1].get("interrupted") is True and pids,
         "%s > /dev/full: the recording is whole, and says the run was "
         "stopped" % what, evs[-1:] if evs else read(rec)[-200:])
    t.eq(wait_gone(pids, 5), [], "%s > /dev/full: no worker left" % what)


add_case("stdout_full_text", stdout_full, ["--batch"])
add_case("stdout_full_json", stdout_full, ["--batch", "--json"])


@case
def quiet_stdout_full():
    # -q writes everything at the end: the flush and close at exit are checked.
    with open("/dev/full", "wb") as full:
        st, out, err = run(["--batch", "-q", "-w", "2", "-t", "square 1..5"],
                           stdout=full)
    t.eq((st, err), (3, "poolscope: cannot write standard output: %s\n" % ENOSPC),
         "-q > /dev/full: exit 3 and the message (nothing was written)")


@case
def failed_task_and_stdout_full():
    # A failed task and a failed output: the output wins (3 over 1).
    with open("/dev/full", "wb") as full:
        st, out, err = run(["--batch", "-w", "2", "-t", "square 1; fail"],
                           stdout=full)
    t.eq(st, 3, "a failed task and stdout on /dev/full: exit 3, not 1")


@case
def other_stdout_writers_full():
    # Other ways stdout is written: the list of lessons, --help, --trace -.
    for args, what in ((["--list-lessons"], "--list-lessons"),
                       (["--help"], "--help"),
                       (["--batch", "-q", "--trace", "-", "-t", "square 1"],
                        "--trace -")):
        with open("/dev/full", "wb") as full:
            st, out, err = run(args, stdout=full)
        t.eq((st, err.count("cannot write standard output: %s" % ENOSPC)), (3, 1),
             "%s > /dev/full: exit 3, the message once" % what)


# ------------------------------------------------ --record, --trace, --svg
@case
def record_dev_full():
    st, out, err = run(["--batch", "-q", "-w", "2", "--record", "/dev/full",
                        "-t", "square 1..5"])
    t.eq(err, "poolscope: --record: cannot write '/dev/full': %s\n" % ENOSPC,
         "--record /dev/full: the real cause (no errno left over from the run)")
    t.eq(st, 3, "--record /dev/full: exit 3")
    t.ok(out.startswith("[1, 4, 9, 16, 25]\n"),
         "--record /dev/full: the run itself went on to its end", out)


@case
def trace_svg_dev_full():
    for opt in ("--trace", "--svg"):
        st, out, err = run(["--batch", "-q", "-w", "2", opt, "/dev/full",
                            "-t", "square 1..5"])
        t.eq((st, err), (3, "poolscope: %s: cannot write '/dev/full': %s\n"
                         % (opt, ENOSPC)),
             "%s /dev/full: exit 3, one message with the cause" % opt)


@case
def record_dev_full_and_failed_task():
    # A task failed too: still 3.
    st, out, err = run(["--batch", "-q", "--record", "/dev/full", "-t", "fail"])
    t.eq(st, 3, "--record /dev/full and a failed task: exit 3")


@case
def record_over_fsize():
    # A file over RLIMIT_FSIZE: EFBIG, not death by SIGXFSZ; nothing is kept.
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (2000, 2000))

    rec = path("big.rec")
    st, out, err = run(["--batch", "-q", "-w", "2", "--record", rec, "-t",
                        "square 1..500"], preexec=small_files)
    t.eq((st, err), (3, "poolscope: --record: cannot write '%s': File too large\n"
                     % rec),
         "--record over RLIMIT_FSIZE: exit 3, File too large (not SIGXFSZ)")
    t.ok(not os.path.exists(rec) and temporaries(tmp, "big.rec") == [],
         "--record over RLIMIT_FSIZE: no file is left, not even a temporary one",
         os.listdir(tmp))


# ------------------------------------------------ no clobbering
@case
def existing_files():
    old = path("old.rec")
    with open(old, "w") as f:
        f.write("precious\n")
    for opt in ("--record", "--trace", "--svg"):
        st, out, err = run(["--batch", "-q", opt, old, "-t", "sh touch %s"
                            % path("ran")])
        t.ok(st == 2 and err.startswith("poolscope: %s: '%s' exists" % (opt, old))
             and "--force" in err,
             "%s onto an existing file: exit 2, says so and names --force" % opt,
             (st, err))
        t.ok(read(old) == b"precious\n" and out == "" and
             not os.path.exists(path("ran")),
             "%s onto an existing file: the file is intact and nothing ran" % opt)
    st, out, err = run(["--batch", "-q", "--force", "--record", old, "-t",
                        "square 1..3"])
    t.ok(st == 0 and recording(old) is not None,
         "--record --force onto an existing file: replaced by a whole recording",
         (st, err))
    for opt in ("--trace", "--svg"):
        with open(old, "w") as f:
            f.write("precious\n")
        st, out, err = run(["--batch", "-q", "--force", opt, old, "-t",
                            "square 1"])
        t.ok(st == 0 and read(old) != b"precious\n",
             "%s --force onto an existing file: replaced" % opt, (st, err))


@case
def task_list_never_written():
    # The task list being read: never, even with --force, even through a link
    # or on standard input.
    tasks = path("t.tasks")
    with open(tasks, "w") as f:
        f.write("square 1..3\n")
    link = path("t.link")
    os.symlink(tasks, link)
    for args, what in ((["--record", tasks, tasks], "--record t.tasks t.tasks"),
                       (["--force", "--record", tasks, tasks], "with --force"),
                       (["--force", "--record", link, tasks],
                        "--record through a link to it"),
                       (["--force", "--trace", tasks, tasks], "--trace t.tasks"),
                       (["--force", "--svg", tasks, tasks], "--svg t.tasks")):
        st, out, err = run(["--batch", "-q"] + args)
        t.ok(st == 2 and "is the task list this run reads" in err and out == "",
             "%s: exit 2, the task list is named, nothing ran" % what, (st, err))
        t.eq(read(tasks), b"square 1..3\n", "%s: t.tasks is intact" % what)
    with open(tasks, "rb") as f:
        st, out, err = run(["--batch", "-q", "--force", "--record", tasks, "-"],
                           stdin=f)
    t.ok(st == 2 and "is the task list this run reads" in err and
         read(tasks) == b"square 1..3\n",
         "--record onto the file given on standard input: refused", (st, err))


@case
def replayed_recording_kept():
    # A recording being replayed is not overwritten by its own exports.
    rec = path("r.rec")
    st, out, err = run(["--batch", "-q", "--record", rec, "-t", "square 1..3"])
    before = read(rec)
    st, out, err = run(["--batch", "-q", "--force", "--replay", rec, "--svg",
                        rec])
    t.ok(st == 2 and "is the recording this run replays" in err and
         read(rec) == before, "--replay R --svg R: refused, R intact", (st, err))


@case
def two_outputs_one_file():
    # Two outputs on one file.
    st, out, err = run(["--batch", "-q", "--record", path("same"), "--trace",
                        path("same"), "-t", "square 1"])
    t.ok(st == 2 and "--record and --trace both name" in err,
         "--record and --trace on one file: refused", (st, err))


@case
def symbolic_links():
    # A symbolic link at the name is never followed: refused, or with --force
    # the link itself is replaced and what it points to is left alone.
    target = path("target")
    with open(target, "w") as f:
        f.write("target\n")
    ln = path("ln.rec")
    os.symlink(target, ln)
    st, out, err = run(["--batch", "-q", "--record", ln, "-t", "square 1"])
    t.ok(st == 2 and "is a symbolic link" in err and os.path.islink(ln) and
         read(target) == b"target\n",
         "--record onto a symbolic link: exit 2, link and target intact",
         (st, err))
    st, out, err = run(["--batch", "-q", "--force", "--record", ln, "-t",
                        "square 1"])
    t.ok(st == 0 and not os.path.islink(ln) and recording(ln) is not None and
         read(target) == b"target\n",
         "--record --force onto a symbolic link: the link is replaced by the "
         "recording, the target is untouched", (st, err))
    dangling = path("dangling.rec")
    os.symlink(path("nowhere"), dangling)
    st, out, err = run(["--batch", "-q", "--record", dangling, "-t", "square 1"])
    t.ok(st == 2 and not os.path.exists(path("nowhere")),
         "--record onto a dangling link: refused, nothing made where it points",
         (st, err))
    # A link to a device is written through: nothing is replaced.
    devlink = path("null.rec")
    os.symlink("/dev/null", devlink)
    st, out, err = run(["--batch", "-q", "--record", devlink, "-t", "square 1"])
    t.ok(st == 0 and os.path.islink(devlink),
         "--record onto a link to /dev/null: written through, the link stays",
         (st, err))


@case
def record_onto_directory():
    st, out, err = run(["--batch", "-q", "--record", tmp, "-t", "square 1"])
    t.ok(st == 2 and "is a directory" in err, "--record onto a directory: exit 2",
         (st, err))


@case
def umask():
    # Made as open(2) would: 0666 less the umask.
    def umask027():
        os.umask(0o027)

    mode = path("mode.rec")
    st, out, err = run(["--batch", "-q", "--record", mode, "--trace",
                        path("mode.json"), "-t", "square 1"], preexec=umask027)
    t.eq((stat.S_IMODE(os.stat(mode).st_mode),
          stat.S_IMODE(os.stat(path("mode.json")).st_mode)), (0o640, 0o640),
         "under umask 027 the files are made 0640, as a plain create")


# ------------------------------------------------ whole or absent
@case
def whole_or_absent():
    # While the run goes, the name does not exist (a temporary file beside it
    # does); at the end it holds the whole recording, and the temporary is gone.
    rec = path("live.rec")
    lv = Live(["-w", "2", "--record", rec, "-t", "sleep 300 x4"])
    first = lv.wait_for(lambda e: e["ev"] == "task_start")
    t.ok(first is not None, "live: the run started")
    t.ok(not os.path.exists(rec) and len(temporaries(tmp, "live.rec")) == 1,
         "live: while the run goes there is no live.rec, only a temporary file "
         "beside it", os.listdir(tmp))
    st = lv.finish()
    t.ok(st == 0 and recording(rec) is not None and
         temporaries(tmp, "live.rec") == [],
         "live: at the end live.rec is a whole recording, and the temporary "
         "file is gone", (st, os.listdir(tmp)))


@case
def sigint_recording_whole():
    # Interrupted: still whole (it ends with run_end), and in place.  (Two of
    # the four tasks never start, so run_end says the run was interrupted.)
    rec = path("int.rec")
    lv = Live(["-w", "2", "--record", rec, "-t", "hang x4"])
    lv.wait_for(lambda e: e["ev"] == "task_start")
    lv.p.send_signal(signal.SIGINT)
    st = lv.finish()
    evs = recording(rec)
    t.ok(st == 130 and evs is not None and evs[-1].get("interrupted") is True,
         "SIGINT: exit 130, and the recording is in place, ending with an "
         "interrupted run_end", (st, read(rec)[-200:] if os.path.exists(rec)
                                 else os.listdir(tmp)))


@case
def signal_wins_over_output_error():
    # A signal wins over an output error (143, not 3).
    lv = Live(["-w", "2", "--record", "/dev/full", "-t", "hang x2"])
    lv.wait_for(lambda e: e["ev"] == "task_start")
    lv.p.send_signal(signal.SIGTERM)
    st = lv.finish()
    err = lv.stderr()
    t.ok(st == 143 and "--record: cannot write '/dev/full': %s" % ENOSPC in err,
         "SIGTERM and a failed --record: exit 143, the failure still said",
         (st, err))


@case
def sigusr1_no_temporary():
    # A signal that ends poolscope (SIGUSR1): no temporary file left behind.
    rec = path("usr1.rec")
    lv = Live(["-w", "2", "--record", rec, "-t", "hang x2"])
    pids = [lv.wait_for(lambda e: e["ev"] == "worker_start" and e["worker"] == w)
            for w in (0, 1)]
    lv.wait_for(lambda e: e["ev"] == "task_start")
    lv.p.send_signal(signal.SIGUSR1)
    st = lv.finish()
    t.eq(st, -signal.SIGUSR1, "SIGUSR1: poolscope dies of it")
    t.ok(not os.path.exists(rec) and temporaries(tmp, "usr1.rec") == [],
         "SIGUSR1: no recording and no temporary file left", os.listdir(tmp))
    t.eq(wait_gone([e["pid"] for e in pids if e], 5), [],
         "SIGUSR1: no worker left")


@case
def two_runs_one_name():
    # Two runs recording to one name: each writes its own file; the first to
    # end puts its whole recording in place, the other says where its own is
    # rather than replace it.
    rec = path("two.rec")
    a = Live(["-w", "1", "--record", rec, "-t", "sleep 700 x2"])
    b = Live(["-w", "1", "--record", rec, "-t", "sleep 1000 x2"])
    ok = a.wait_for(lambda e: e["ev"] == "task_start") and \
        b.wait_for(lambda e: e["ev"] == "task_start")
    sa, sb = a.finish(), b.finish()
    errb = b.stderr()
    evs = recording(rec) or []
    t.ok(ok and sa == 0 and evs and len(of(evs, "run_start")) == 1 and
         len(of(evs, "run_end")) == 1 and
         [e["value"] for e in of(evs, "result")] == ["700"] * 2,
         "two runs on one name: two.rec is the first run's whole recording, "
         "not a mix", (sa, evs[:3]))
    m = re.search(r"what poolscope wrote is in '([^']+)'", errb)
    t.ok(sb == 3 and "appeared while poolscope was writing it" in errb and m and
         recording(m.group(1)) is not None,
         "two runs on one name: the second exits 3 and says where its own "
         "whole recording is", (sb, errb))


main(t)
