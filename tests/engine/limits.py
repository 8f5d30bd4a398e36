"""Fork failure: under a lowered RLIMIT_NPROC some workers (or processes)
cannot be made.  The run goes on with those it has and says so, or stops
cleanly and says why; every result is still accounted for.

Root ignores RLIMIT_NPROC, so the runs are made as user nobody (setpriv),
from a copy of the binary in a directory nobody can read."""
import atexit
import functools
import json
import os
import shutil
import subprocess
import tempfile

from pstest import TAP, POOLSCOPE, WRAPPER, SLOW, case, main, of, wait_gone

t = TAP()


def why_not():
    """Why these tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root, to run as nobody (root ignores RLIMIT_NPROC)"
    if not shutil.which("setpriv") or not shutil.which("prlimit"):
        return "setpriv and prlimit (util-linux) are missing"
    if WRAPPER:
        return "not under a wrapper (it would count against the limit)"
    return None


ENV = dict(os.environ)
# LeakSanitizer clones a thread at exit, which the limit may forbid.
ENV["ASAN_OPTIONS"] = (ENV.get("ASAN_OPTIONS", "") + ":detect_leaks=0").lstrip(":")


@functools.cache
def tmpdir():
    """A directory for the copy of the binary (removed at exit)."""
    tmp = tempfile.mkdtemp(prefix="ps-limits-")
    atexit.register(shutil.rmtree, tmp, True)
    os.chmod(tmp, 0o755)
    shutil.copy(POOLSCOPE, os.path.join(tmp, "poolscope"))
    os.chmod(os.path.join(tmp, "poolscope"), 0o755)
    return tmp


def limited(nproc, args):
    argv = ["setpriv", "--reuid", "65534", "--regid", "65534",
            "--clear-groups", "prlimit", "--nproc=%d:%d" % (nproc, nproc),
            os.path.join(tmpdir(), "poolscope")] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, env=ENV,
                          timeout=60 * SLOW, errors="replace")


def events(p):
    return [json.loads(line) for line in p.stdout.splitlines()]


@case
def pool_of_4_room_for_2():
    # A pool of 4 where only 2 workers can be made: it runs on 2.
    p = limited(3, ["--batch", "--json", "-w", "4", "-m", "map",
                    "-t", "square 1..20"])
    ev = events(p)
    fails = of(ev, "spawn_fail")
    t.eq(p.returncode, 0, "pool of 4, room for 2: exit 0")
    t.eq(sorted(e["worker"] for e in fails), [2, 3],
         "spawn_fail for the two slots that got no process")
    t.ok(all("RLIMIT_NPROC is 3 processes" in e["error"] and
             "ulimit -u" in e["error"] and e["error"].startswith("fork: ")
             for e in fails),
         "each names the call, the limit and what to do", fails)
    t.ok(all(e["live"] == 2 for e in fails), "and says 2 workers go on")
    t.eq(len(of(ev, "worker_start")), 2, "two workers started")
    t.eq([e["value"] for e in sorted(of(ev, "result"), key=lambda e: e["task"])],
         [str(i * i) for i in range(1, 21)], "every result is right")
    t.eq(len(of(ev, "run_end", ok=20, failed=0)), 1, "run_end: 20 ok")
    t.ok("warning: 2 of 4 workers could not start (fork: " in p.stderr and
         "the run went on with 2" in p.stderr,
         "stderr says how many could not start and what the run did",
         p.stderr)
    t.eq(wait_gone([e["pid"] for e in of(ev, "worker_start")], 10), [],
         "no worker left behind")


@case
def text_and_quiet():
    # The same in the plain text form, and with --quiet (stderr only).
    p = limited(3, ["--batch", "-w", "4", "-t", "square 1..3"])
    t.ok("worker 3 could not start: fork: Resource temporarily unavailable "
         "(RLIMIT_NPROC is 3 processes; see ulimit -u); the run goes on "
         "with 2 workers" in p.stdout, "text: one line per slot that failed",
         p.stdout)
    p = limited(3, ["--batch", "-q", "-w", "4", "-t", "square 1..3"])
    t.eq(p.stdout.splitlines()[0] if p.stdout else "", "[1, 4, 9]",
         "--quiet: the results as usual")
    t.ok("2 of 4 workers could not start" in p.stderr,
         "--quiet: the warning on stderr", p.stderr)


@case
def no_room_at_all():
    # Room for no worker at all: a clear stop, no half-run.
    p = limited(1, ["--batch", "--json", "-w", "2", "-t", "square 1..5"])
    t.eq(p.returncode, 1, "no room for any worker: exit 1")
    t.ok("poolscope: cannot start any worker: fork: Resource temporarily "
         "unavailable (RLIMIT_NPROC is 1 process; see ulimit -u)" in p.stderr,
         "the message says nothing could start and names the limit", p.stderr)
    t.eq(of(events(p), "result"), [], "no task ran")


@case
def process_mode_room_for_2():
    # process mode: a process per task, at most as many at a time as fit.
    p = limited(3, ["--batch", "--json", "-w", "4", "-m", "process",
                    "-t", "sleep 30 x8"])
    ev = events(p)
    t.eq(p.returncode, 0, "process mode, room for 2 at a time: exit 0")
    t.eq(len(of(ev, "result")), 8, "every task ran")
    t.eq(len(of(ev, "spawn_fail")), 1,
         "spawn_fail once (it tries again as processes end)")
    live, peak = 0, 0
    for e in ev:
        if e["ev"] == "worker_start":
            live += 1
            peak = max(peak, live)
        elif e["ev"] == "worker_exit":
            live -= 1
    t.eq(peak, 2, "never more than 2 processes at once")
    t.ok("a process could not start (fork: " in p.stderr and
         "at most 2 at a time" in p.stderr, "stderr says so", p.stderr)


@case
def process_mode_no_room():
    p = limited(1, ["--batch", "-w", "2", "-m", "process", "-t", "sleep 1"])
    t.eq(p.returncode, 1, "process mode, no room at all: exit 1")
    t.ok("poolscope: cannot start a process: fork:" in p.stderr and
         "RLIMIT_NPROC is 1 process" in p.stderr, "and says why", p.stderr)


@case
def recordings():
    # A recording keeps the event; replaying it shows it again.
    out = os.path.join(tmpdir(), "out")
    os.mkdir(out)
    os.chmod(out, 0o777)  # nobody writes the recording here
    rec = os.path.join(out, "run.rec")
    p = limited(3, ["--batch", "-q", "-w", "4", "--record", rec, "-t",
                    "square 1..4"])
    r = subprocess.run([POOLSCOPE, "--batch", "--json", "--replay", rec],
                       capture_output=True, text=True, timeout=60 * SLOW)
    t.eq(r.returncode, 0, "the recording replays")
    t.eq(sorted(e["worker"] for e in of(events(r), "spawn_fail")), [2, 3],
         "with its spawn_fail events")

    # A run that cannot start at all leaves no recording, nor the
    # temporary file it was being written to.
    rec = os.path.join(out, "none.rec")
    p = limited(1, ["--batch", "-q", "-w", "2", "--record", rec, "-t",
                    "square 1..4"])
    t.ok(p.returncode == 1 and os.listdir(out) == ["run.rec"],
         "no room for any worker, with --record: exit 1, no recording and "
         "no temporary file left", (p.returncode, os.listdir(out)))


why = why_not()
main(t, skip=("fork failure tests", why) if why else None)
