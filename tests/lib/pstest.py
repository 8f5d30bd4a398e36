"""pstest: a small TAP library for poolscope's tests that drive the real binary.

Every test synchronises on events or screen contents with a deadline; none
sleeps for a fixed time.  POOLSCOPE names the binary, POOLSCOPE_WRAPPER an
optional wrapper command (e.g. "valgrind -q --error-exitcode=99").

A test file is a list of cases run by main(t):

    t = TAP()

    @case
    def apply_async_order():
        p, ev = run_json([...])
        t.eq(p.returncode, 0, "apply_async: exit 0")

    main(t)

Each case makes its assertions through t; the cases run in the order they
are defined; an exception in one is a `not ok` line with its traceback and
the next case runs; the plan comes at the end.  `-k NAME` (or PSTEST_K,
since automake runs the file without arguments) runs only the cases whose
names contain NAME; `--list` lists them.
"""
import argparse
import functools
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

POOLSCOPE = os.environ.get("POOLSCOPE", os.path.join(os.getcwd(), "poolscope"))
ASSETS = os.environ.get("POOLSCOPE_ASSETS", os.path.join(os.getcwd(), "assets"))
WRAPPER = os.environ.get("POOLSCOPE_WRAPPER", "").split()
# Sanitizer and valgrind builds are slower: deadlines scale with this.
SLOW = float(os.environ.get("POOLSCOPE_TEST_SLOW", "1"))


class TAP:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, desc))
        if not cond and diag is not None:
            for line in str(diag).splitlines()[:40]:
                print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, desc):
        return self.ok(got == want, desc, "got:  %r\nwant: %r" % (got, want))

    def skip(self, desc, reason):
        """An assertion that cannot be made here, and why."""
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, desc, reason))
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


# ---------------------------------------------------------------- cases
CASES = []      # (name, function, arguments), in the order defined
CASE_NAME = re.compile(r"^\w+$")


def add_case(name, fn, *args):
    """fn(*args) is the case called name: one function for several cases
    (a loop over sizes, say).  Names are words (letters, digits, _), one
    case each."""
    if not CASE_NAME.match(name):
        raise ValueError("case name %r: letters, digits and _ only" % name)
    if any(name == c[0] for c in CASES):
        raise ValueError("two cases named %r" % name)
    CASES.append((name, fn, args))
    return fn


def case(fn):
    """Decorator: fn is a case, named after the function."""
    return add_case(fn.__name__, fn)


def selected(patterns):
    """The cases whose names hold one of patterns (all of them if none)."""
    pats = [p.lower() for p in patterns]
    return [c for c in CASES if not pats or any(p in c[0].lower() for p in pats)]


def main(t, skip=None):
    """Run the cases picked by -k (or PSTEST_K) in order, each to its end,
    then print the plan and exit 1 if anything failed.  skip: (description,
    reason) when no case can run here: one skipped line stands for them."""
    doc = (sys.modules["__main__"].__doc__ or "").strip().split("\n\n")[0]
    ap = argparse.ArgumentParser(description=doc, epilog="PSTEST_K (names "
                                 "separated by spaces or commas) stands for "
                                 "-k when no -k is given.")
    ap.add_argument("-k", action="append", default=[], metavar="NAME",
                    help="run only the cases whose names contain NAME "
                    "(case-insensitive; give -k again for more)")
    ap.add_argument("--list", action="store_true",
                    help="list the cases (those -k picks) and exit")
    a = ap.parse_args()
    pats = a.k or os.environ.get("PSTEST_K", "").replace(",", " ").split()
    chosen = selected(pats)
    if a.list:
        for name, _, _ in chosen:
            print(name)
        sys.exit(0)
    if not chosen:
        # Several files run with one PSTEST_K: this one has nothing to do.
        print("1..0 # SKIP no case matches %s" % " ".join(pats))
        sys.exit(0)
    if skip is not None:
        t.skip(*skip)
        t.done()
    for name, fn, args in chosen:
        print("# case %s" % name)
        sys.stdout.flush()
        try:
            fn(*args)
        except Exception as e:  # noqa: BLE001 - the case fails, not the file
            what = traceback.format_exception_only(type(e), e)[-1].strip()
            # (a '#' in a description could read as a TAP directive)
            what = what.splitlines()[0][:200].replace("#", "\\#")
            t.ok(False, "%s: raised %s" % (name, what))
            for line in traceback.format_exc().splitlines():
                print("#   " + line)
            sys.stdout.flush()
    t.done()


def cmd(args):
    return WRAPPER + [POOLSCOPE] + list(args)


def run(args, timeout=60, stdin=None):
    """Run poolscope to the end; returns CompletedProcess (text)."""
    return subprocess.run(cmd(args), capture_output=True, text=True,
                          timeout=timeout * SLOW, stdin=stdin,
                          errors="replace")


def run_json(args, timeout=60):
    """Run with --batch --json; returns (CompletedProcess, [events])."""
    p = run(["--batch", "--json"] + list(args), timeout=timeout)
    events = []
    for line in p.stdout.splitlines():
        events.append(json.loads(line))
    return p, events


def of(events, kind, **match):
    """Events of one kind, optionally with some fields equal."""
    return [e for e in events if e["ev"] == kind and
            all(e.get(k) == v for k, v in match.items())]


def pstate(pid):
    """pid's state letter from /proc (R, S, T, Z...), None if it is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def wait_states(pids, want, timeout=10):
    """Wait until every pid's state is one of want; returns their states."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        st = [pstate(p) for p in pids]
        if all(x in want for x in st) or time.monotonic() > deadline:
            return st
        time.sleep(0.01)


def forks(args):
    """poolscope args under strace: (exit status, strace lines,
    process-creating calls, traced pids), or None."""
    fd, log = tempfile.mkstemp(prefix="pstest-strace-")
    os.close(fd)
    try:
        sp = subprocess.run(["strace", "-f", "-e", "trace=clone,fork,vfork,clone3",
                             "-o", log] + cmd(args),
                            capture_output=True, text=True, timeout=30 * SLOW,
                            stdin=subprocess.DEVNULL, errors="replace")
        with open(log, errors="replace") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    finally:
        os.unlink(log)
    # Thread creation (and sanitizer helper threads, which are CLONE_UNTRACED)
    # is not a fork.
    calls = [ln for ln in lines if re.search(r"\b(v?fork|clone3?)\(", ln) and
             "CLONE_THREAD" not in ln and "CLONE_UNTRACED" not in ln]
    pids = set(ln.split()[0] for ln in lines if ln.split())
    return sp.returncode, lines, calls, pids


@functools.cache
def forks_unseen():
    """Why forks cannot be counted here (None: they can)."""
    if shutil.which("strace") is None:
        return "strace not installed"
    if WRAPPER:
        return "POOLSCOPE_WRAPPER is set; strace would trace the wrapper"
    ctl = forks(["--batch", "-w", "2", "-t", "square 1..3"])
    if ctl is None or ctl[0] != 0 or len(ctl[2]) < 2:
        return "strace cannot trace forks here (control run: %r)" % (
            ctl and (ctl[0], ctl[1][:5]),)
    return None


def nothing_forked(t, args, desc):
    """Assert through t that poolscope args exits 2 without forking."""
    if forks_unseen():
        t.skip(desc, forks_unseen())
        return
    got = forks(args)
    t.ok(got is not None and got[0] == 2 and not got[2] and len(got[3]) <= 1, desc,
         got and "exit %d\n%s" % (got[0], "\n".join(got[1][:20])))


def pid_alive(pid):
    """True if pid exists and is not a zombie."""
    return pstate(pid) not in (None, "Z")


def descendants(pid):
    """pid's children, theirs, and so on (from /proc)."""
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        return []
    out = []
    for k in kids:
        out += [k] + descendants(k)
    return out


def wait_gone(pids, timeout=10):
    """Wait until none of pids is alive; returns the ones still alive."""
    deadline = time.monotonic() + timeout * SLOW
    left = [p for p in pids if pid_alive(p)]
    while left and time.monotonic() < deadline:
        time.sleep(0.02)
        left = [p for p in left if pid_alive(p)]
    return left


class Live:
    """poolscope --batch --json running in the background, read line by line."""

    def __init__(self, args, **popen):
        self.p = subprocess.Popen(cmd(["--batch", "--json"] + list(args)),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, **popen)
        self.events = []
        self.buf = b""

    def _read(self, timeout):
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return False
        data = os.read(self.p.stdout.fileno(), 65536)
        if not data:
            return None
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            self.events.append(json.loads(line))
        return True

    def wait_for(self, pred, timeout=20):
        """The first event (already seen or new) matching pred, or None."""
        deadline = time.monotonic() + timeout * SLOW
        i = 0
        while True:
            while i < len(self.events):
                if pred(self.events[i]):
                    return self.events[i]
                i += 1
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            if self._read(left) is None:
                return None

    def finish(self, timeout=60):
        """Read to the end and wait for exit; returns the exit status."""
        deadline = time.monotonic() + timeout * SLOW
        while time.monotonic() < deadline:
            if self._read(deadline - time.monotonic()) is None:
                break
        try:
            return self.p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            return None

    def stderr(self):
        return self.p.stderr.read().decode(errors="replace")


def ideal_starts(lengths, workers):
    """When each task starts on an ideal pool: tasks taken in order by the
    first free worker, each lasting its length (seconds)."""
    free = [0.0] * workers
    starts = []
    for n in lengths:
        i = min(range(workers), key=lambda k: free[k])
        starts.append(free[i])
        free[i] += n
    return starts


def prompt(events, lengths, workers, slack=0.03):
    """True if every task of a run started when the ideal pool would have
    started it, give or take slack seconds: the machine did not hold the
    run up (a loaded machine can delay a worker by more than the gaps a
    test relies on; such a run is taken again)."""
    t0 = min((e["t"] for e in events if e["ev"] == "task_start"), default=0)
    start = {e["task"]: e["t"] - t0 for e in events if e["ev"] == "task_start"}
    ideal = ideal_starts(lengths, workers)
    return all(abs(start.get(i, -1) - s) <= slack for i, s in enumerate(ideal))
