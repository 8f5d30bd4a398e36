"""The classroom options without a screen: every shipped lesson loads and
runs to its end (--lesson NAME --batch, -q and --json), what the captions
say of who ran what and how many at once holds in those runs,
--list-lessons in teaching order, a lesson by path, bad lessons refused
with FILE:LINE and exit 2, --compare (table, result orders, refusals),
--seed, and the refusals of --theme, --caption and --cast.  The lesson runs
go in parallel to keep the file short: nothing here measures their times."""
import atexit
import concurrent.futures
import functools
import glob
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

from pstest import (SLOW, TAP, ASSETS, Live, add_case, case, cmd, main, of, run,
                    run_json, wait_gone)
from observe import max_inflight

t = TAP()
tmp = tempfile.mkdtemp(prefix="pstest-classroom-")
atexit.register(shutil.rmtree, tmp, True)
LESSONS = os.path.join(ASSETS, "lessons")
SUMMARY = re.compile(r"^\d+ tasks?, \d+ failed.*[,;] wall \d+\.\d+ s, ")
# a program's: what it printed, then this
PROGRAM_SUMMARY = re.compile(r"^python3 \S+ exited 0; \d+ tasks?, \d+ failed")
RESULTS = re.compile(r"^(\[.*\]|TaskError: .*)$")  # a list, or what a raise prints
MODES = {"sync": "apply", "async": "apply_async"}


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)
    return path


def parse_lesson(path, cpus):
    """title and steps [(heading, run text or None)] of a lesson file, read
    the simple way (the shipped ones use one line per key)."""
    head, steps = lesson_header(path), []
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.strip().partition(":")
            value = value.strip().replace("{cpus}", str(cpus))
            if key == "step":
                steps.append([value, None])
            elif key == "run" and steps:
                steps[-1][1] = value
            elif key == "program" and steps:
                steps[-1][1] = "python3 " + value    # a program, run as it is
    return head.get("title"), [tuple(s) for s in steps]


def lesson_header(path):
    """The keys above a lesson's first step (title, summary, order)."""
    head = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, _, value = line.strip().partition(":")
            if key == "step":
                break
            if key in ("title", "summary", "order"):
                head[key] = value.strip()
    return head


def run_pool(run_text, cpus):
    """(mode, workers) a run: line asks for, with the documented defaults."""
    mode, workers = "map", cpus
    words = shlex.split(run_text)
    i = 0
    while i < len(words):
        w = words[i]
        for short, long_ in (("-w", "--workers"), ("-m", "--mode")):
            val = None
            if w in (short, long_) and i + 1 < len(words):
                val, i = words[i + 1], i + 1
            elif w.startswith(long_ + "="):
                val = w[len(long_) + 1:]
            elif w.startswith(short) and len(w) > 2 and not w.startswith("--"):
                val = w[2:]
            if val is None:
                continue
            if short == "-m":
                mode = MODES.get(val, val)
            elif val == "cpus":
                workers = cpus
            elif val.startswith("cpus*"):
                workers = min(4096, cpus * int(val[5:]))
            else:
                workers = int(val)
        i += 1
    return mode, workers


def sections(stdout):
    """The -q output of a lesson cut at its '== ... ==' lines: [(line,
    [lines after it])]; lines before the first heading go under None."""
    out = [(None, [])]
    for line in stdout.splitlines():
        if line.startswith("== ") and line.endswith(" =="):
            out.append((line, []))
        else:
            out[-1][1].append(line)
    return out


@functools.cache
def cpus():
    """The processor count poolscope puts in {cpus}."""
    p, ev = run_json(["-t", "square 1"])
    return ev[0]["cpus"] if ev and ev[0].get("ev") == "run_start" else \
        os.sysconf("SC_NPROCESSORS_ONLN")


files = sorted(glob.glob(os.path.join(LESSONS, "*.lesson")))
names = [os.path.basename(f)[:-len(".lesson")] for f in files]


# --- --list-lessons -----------------------------------------------------------
# The order the concepts build on each other (doc/lessons.md says why).
TEACHING = ["cpu-count", "start-join", "why-pool", "pool-map", "chunksize",
            "sync-async", "queue", "worker-dies"]


@case
def list_lessons():
    t.ok(len(names) >= 8, "assets/lessons holds the lessons (%d)" % len(names),
         names)
    p = run(["--list-lessons"], timeout=20)
    t.eq(p.returncode, 0, "--list-lessons exits 0")
    lines = p.stdout.splitlines()
    listed = [l.split()[0] for l in lines if l[:1].strip()]
    t.eq(sorted(listed), names, "--list-lessons lists every assets/lessons/*.lesson "
         "by name, once")
    t.eq(listed, TEACHING, "in teaching order, from cpu_count to a worker dying")
    bad = []
    for f, n in zip(files, names):
        head = lesson_header(f)
        i = next((k for k, l in enumerate(lines) if l.split()[:1] == [n]), None)
        want = ["%-14s %s" % (n, head.get("title"))]
        if head.get("summary"):
            want.append("%-14s %s" % ("", head["summary"]))
        if i is None or lines[i:i + len(want)] != want:
            bad.append((n, want, lines[i:i + len(want)] if i is not None else None))
    t.ok(not bad, "each lesson: its name and title, then its summary on a line "
         "of its own under the title (no 'title: summary' run together)", bad)


# --- every lesson, in batch: -q and --json, all in parallel --------------------
@functools.cache
def lesson_runs():
    """Every lesson run with -q and with --json, all at once: (name, "q" or
    "json") -> CompletedProcess."""
    jobs = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2 * len(names) or 1) as ex:
        for n in names:
            jobs[(n, "q")] = ex.submit(run, ["--lesson", n, "--batch", "-q"], 90)
            jobs[(n, "json")] = ex.submit(run, ["--lesson", n, "--batch", "--json"],
                                          90)
        done = {k: f.result() for k, f in jobs.items()}
    return done


def lesson_in_batch(f, n):
    CPUS = cpus()
    done = lesson_runs()
    title, steps = parse_lesson(f, CPUS)
    N = len(steps)
    runs = [r for _, r in steps if r is not None]
    # A step with a crash or fail task makes the lesson's status 1.
    want_rc = 1 if any(re.search(r"\b(crash|fail)\b", r) for r in runs) else 0

    p = done[(n, "q")]
    t.eq(p.returncode, want_rc, "%s: --lesson %s --batch -q exits %d"
         % (n, n, want_rc))
    heads = [l for l in p.stdout.splitlines() if l.startswith("== ")]
    want = ["== %s, step %d of %d: %s ==" % (title, k, N, h)
            for k, (h, _) in enumerate(steps, 1)]
    t.eq(heads, want, "%s: one '== TITLE, step K of %d: HEADING ==' line per "
         "step, K = 1..%d" % (n, N, N))
    bad = []
    secs = sections(p.stdout)[1:]
    for (line, body), (h, r) in zip(secs, steps):
        if r is not None and r.startswith("python3 "):
            # a program prints its own results; poolscope its summary
            if len([l for l in body if PROGRAM_SUMMARY.match(l)]) != 1:
                bad.append("%s: no program summary" % line)
            continue
        lists = [l for l in body if RESULTS.match(l)]
        sums = [l for l in body if SUMMARY.match(l)]
        if r is None and (lists or sums):
            bad.append("%s: a results list or summary in a step without a run"
                       % line)
        if r is not None and (len(lists) != 1 or len(sums) != 1 or
                              body.index(lists[0]) > body.index(sums[0])):
            bad.append("%s: %d results lists, %d summaries" % (line,
                       len(lists), len(sums)))
    t.ok(len(secs) == N and not bad, "%s: a results list then a summary line "
         "in each of the %d steps with a run, none in the others"
         % (n, len(runs)), "\n".join(bad) or p.stdout[-2000:])
    t.eq(p.stderr, "", "%s: nothing on stderr" % n)

    p = done[(n, "json")]
    events, broken = [], []
    for i, line in enumerate(p.stdout.splitlines(), 1):
        try:
            e = json.loads(line)
            if not isinstance(e, dict) or "ev" not in e or \
                    not isinstance(e.get("t"), (int, float)):
                broken.append("line %d: %r" % (i, line[:100]))
            else:
                events.append(e)
        except ValueError:
            broken.append("line %d: %r" % (i, line[:100]))
    t.ok(p.returncode == want_rc and events and not broken,
         "%s: --json exits %d and every line is a JSON event" % (n, want_rc),
         "status %d\n%s" % (p.returncode, "\n".join(broken[:10])))
    marks = [e["ev"] for e in events if e["ev"] in ("run_start", "run_end")]
    t.eq(marks, ["run_start", "run_end"] * len(runs),
         "%s: --json: one run_start/run_end pair per step with a run (%d)"
         % (n, len(runs)))
    got = [(e.get("mode"), e.get("workers")) for e in of(events, "run_start")
           if not e.get("program")]
    t.eq(got, [run_pool(r, CPUS) for r in runs
               if not r.startswith("python3 ")],
         "%s: --json: each run has the call style and pool size of its run: "
         "line" % n)
    ends = of(events, "run_end")
    # (a program's tasks come as it runs: run_end has them all)
    t.ok(all(e.get("ok", -1) + e.get("failed", -1) + e.get("skipped", 0) ==
             (e.get("tasks") if s.get("program") else s.get("tasks"))
             for s, e in zip(of(events, "run_start"), ends)),
         "%s: --json: every run ends with all its tasks done, failed or "
         "never run (their chunk raised)" % n,
         ends)


for f, n in zip(files, names):
    add_case("lesson_" + n.replace("-", "_"), lesson_in_batch, f, n)


# --- what the captions say, in those runs ---------------------------------------
def seen(run):
    """What a class sees of one run: tasks per worker slot, processes, the
    most tasks at once, chunks, the result order, failed and skipped tasks."""
    starts = {e["task"]: e for e in of(run, "task_start")}
    ran = {k: [e["pid"], e["t"], None] for k, e in starts.items()}
    for e in of(run, "task_done") + of(run, "task_fail"):
        if e["task"] in ran:
            ran[e["task"]][2] = e["t"]
    per = {}
    for e in starts.values():
        per[e["worker"]] = per.get(e["worker"], 0) + 1
    return {"per_worker": sorted(per.values()), "pids": len({v[0] for v in ran.values()}),
            "at_once": max_inflight({"ran": {k: v for k, v in ran.items() if v[2] is not None}}),
            "chunks": len({e["chunk"] for e in starts.values()}),
            "order": [e["task"] for e in sorted(of(run, "result"), key=lambda e: e["seq"])],
            "failed": sorted(e["task"] for e in of(run, "task_fail")),
            "skipped": sorted(e["task"] for e in of(run, "task_skip")),
            "exits": sorted(e["status"] for e in of(run, "worker_exit")),
            "values": [e["value"] for e in sorted(of(run, "result"),
                                                  key=lambda e: e["seq"])],
            "nones": len(of(run, "sentinel")),
            "workers": run[0].get("workers") if run else None,
            "printed": "".join(e["text"] for e in of(run, "output")
                               if e["worker"] == -1)}


# (lesson, its run (from 1), what its caption says, the check)
CAPTIONS = [
    ("cpu-count", 1, "the real program: no pool, no task, and it prints "
     "the number of processors", lambda s, c: s["pids"] == 0 and
     s["workers"] == 0 and
     s["printed"] == "Number of processors:  %d\n" % c),
    ("cpu-count", 3, "{cpus} workers: as many at once as processors",
     lambda s, c: s["at_once"] == c),
    ("start-join", 1, "one at a time: four processes, one at a time",
     lambda s, c: s["pids"] == 4 and s["at_once"] == 1),
    ("start-join", 2, "all started, then all joined: four at once",
     lambda s, c: s["at_once"] == 4),
    ("start-join", 3, "four processes printing 0 to 3 run side by side, each "
     "with its own PID", lambda s, c: s["pids"] == 4 and s["at_once"] == 4),
    ("start-join", 4, "square and cube of 123: two processes, both seen running",
     lambda s, c: s["pids"] == 2 and s["at_once"] == 2 and s["order"] and
     s["exits"] == ["exited 0"] * 2),
    ("start-join", 5, "the real program: two Processes, joined in order, "
     "exit codes 0 and 0", lambda s, c: s["pids"] == 2 and
     s["order"] == [0, 1] and s["values"] == ["0", "0"]),
    ("why-pool", 1, "a new PID for every task", lambda s, c: s["pids"] == 2000),
    ("why-pool", 2, "the PIDs stay the same: {cpus} at most",
     lambda s, c: s["pids"] <= c),
    ("pool-map", 1, "five workers share ten tasks, two each, and the list "
     "comes in task order", lambda s, c: s["per_worker"] == [2] * 5 and
     s["at_once"] == 5 and s["order"] == list(range(10))),
    ("pool-map", 2, "the real program: the caller gets the ten squares in "
     "order", lambda s, c: s["order"] == list(range(10)) and
     s["values"] == [str(n * n) for n in range(1, 11)]),
    ("pool-map", 3, "done out of order, received in order",
     lambda s, c: s["order"] == list(range(8))),
    ("pool-map", 4, "task 4 raises, the rest of its chunk (task 5) never "
     "runs, and the caller gets no list", lambda s, c: s["failed"] == [4] and
     s["skipped"] == [5] and s["order"] == [4]),
    ("chunksize", 1, "chunksize 1: 40 messages, all four workers busy",
     lambda s, c: s["chunks"] == 40 and s["at_once"] == 4),
    ("chunksize", 2, "chunksize 10: four messages of ten tasks",
     lambda s, c: s["chunks"] == 4 and s["per_worker"] == [10] * 4),
    ("chunksize", 3, "chunksize 20: two workers do all the work",
     lambda s, c: s["per_worker"] == [20, 20]),
    ("sync-async", 1, "apply: one task at a time, results in order",
     lambda s, c: s["at_once"] == 1 and s["order"] == list(range(8))),
    ("sync-async", 2, "apply_async: all four workers busy, the order mixed up",
     lambda s, c: s["at_once"] == 4 and s["order"] != list(range(8))),
    ("sync-async", 3, "the real program: three naps at once, received as they "
     "end: 100, 200, 300", lambda s, c: s["at_once"] == 3 and
     s["order"] == [1, 2, 0] and s["values"] == ["100", "200", "300"] and
     s["printed"] == "[100, 200, 300]\n"),

    ("queue", 1, "the ten tasks are shared among the four workers",
     lambda s, c: len(s["per_worker"]) == 4 and min(s["per_worker"]) >= 2),
    ("queue", 2, "each worker takes a None and exits 0",
     lambda s, c: s["exits"] == ["exited 0"] * 4),
    ("queue", 3, "the real program: four Processes take the ten items, then "
     "a None each", lambda s, c: sum(s["per_worker"]) == 10 and
     s["nones"] == 4 and s["exits"] == ["exited 0"] * 4),
    ("worker-dies", 1, "task 1 crashes its worker and fails; the slot gets a "
     "new process", lambda s, c: s["failed"] == [1] and
     "killed by SIGSEGV" in s["exits"]),
]


def captions_hold(name):
    done = lesson_runs()
    p = done[(name, "json")]
    runs = []
    for line in p.stdout.splitlines():
        e = json.loads(line)
        if e["ev"] == "run_start":
            runs.append([])
        if runs:
            runs[-1].append(e)
    for lesson, k, what, check in CAPTIONS:
        if lesson != name:
            continue
        s = seen(runs[k - 1]) if k <= len(runs) else None
        t.ok(s is not None and check(s, cpus()), "%s, run %d: %s"
             % (name, k, what.replace("{cpus}", str(cpus()))), s)


for n in sorted({c[0] for c in CAPTIONS}):
    add_case("captions_" + n.replace("-", "_"), captions_hold, n)


# --- a lesson given by path ----------------------------------------------------
@case
def lesson_by_path():
    path = os.path.relpath(os.path.join(LESSONS, "pool-map.lesson"))
    if "/" not in path:
        path = "./" + path
    # (its last step's task raises: exit 1)
    p = run(["--lesson", path, "--batch", "-q"], timeout=30)
    t.eq(p.returncode, 1, "--lesson %s (a path) runs to its end, exit 1" % path)
    t.ok("[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]" in p.stdout.splitlines(),
         "and prints the seed's [1, 4, 9, 16, 25, 36, 49, 64, 81, 100] as a "
         "results list", p.stdout)
    p = run(["--lesson", os.path.abspath(path), "--batch", "-q"], timeout=30)
    t.ok(p.returncode == 1 and "[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]" in
         p.stdout.splitlines(), "the same by its absolute path", p.stderr)


# --- bad lessons: exit 2, FILE:LINE: (or FILE: ), nothing on stdout ---------------
@case
def bad_lessons():
    HEAD = "title: T\nstep: S\ncaption: c\n"
    os.mkdir(os.path.join(tmp, "dir.lesson"))
    BAD = [
        # (what, file name, contents, line or None for the whole file, words)
        ("unknown key", "key.lesson", "title: T\nstep: S\ncaptoin: x\n", 3,
         ["unknown key 'captoin'", "did you mean 'caption'?"]),
        ("caption before step", "capfirst.lesson", "title: T\ncaption: x\nstep: S\n",
         2, ["'caption:' before any 'step:'"]),
        ("no steps", "nosteps.lesson", "title: T\nsummary: nothing\n", None,
         ["no steps"]),
        ("a bad run option (-w 0)", "w0.lesson", HEAD + "run: -w 0\n", 4,
         ["--workers", "0 is too small"]),
        ("a program option in run: (--batch)", "batch.lesson",
         HEAD + "run: --batch\n", 4, ["--batch"]),
        ("a bad mode", "mode.lesson", HEAD + "run: -m mapp\n", 4,
         ["unknown mode 'mapp'"]),
        ("a task list that does not parse", "tasks.lesson",
         HEAD + "run: -t 'sqare 4'\n", 4, ["does not parse", "'sqare'"]),
        ("a missing task file", "missing.lesson", HEAD + "run: nope.tasks\n", 4,
         ["'nope.tasks' not found"]),
        ("an unclosed quote in run:", "quote.lesson", HEAD + "run: -t 'square 1\n",
         4, ["quote"]),
        ("wait: end without a run", "wait.lesson", HEAD + "wait: end\n", 4,
         ["wait: end"]),
        ("an unknown placeholder", "brace.lesson",
         "title: T\nstep: S {word}\ncaption: c\n", 2, ["{word}"]),
        ("invalid UTF-8", "latin1.lesson", b"title: T\nstep: S\ncaption: caf\xe9\n",
         3, ["UTF-8"]),
        ("an empty file", "empty.lesson", "", None, ["empty"]),
        ("binary junk", "junk.lesson", b"\x00\x01\x02\xff\xfe junk\x00\n", "any",
         ["not a text file"]),
        ("a directory", "dir.lesson", None, None, ["directory"]),
    ]
    for what, name, data, line, words in BAD:
        path = os.path.join(tmp, name)
        if data is not None:
            write(name, data)
        p = run(["--lesson", path, "--batch", "-q"], timeout=20,
                stdin=subprocess.DEVNULL)
        if line == "any":
            where = re.search(re.escape(path) + r":(\d+:)? ", p.stderr)
            wdesc = "%s:[LINE:] " % name
        elif line is None:
            where = (path + ": ") in p.stderr
            wdesc = "%s: " % name
        else:
            where = ("%s:%d: " % (path, line)) in p.stderr
            wdesc = "%s:%d: " % (name, line)
        missing = [w for w in words if w not in p.stderr]
        t.ok(p.returncode == 2 and where and not missing,
             "bad lesson, %s: exit 2, stderr says %s%s" % (what, wdesc,
                                                          ", ".join(words)),
             "status %d, stderr %r" % (p.returncode, p.stderr))
        t.eq(p.stdout, "", "bad lesson, %s: nothing on stdout" % what)


@case
def lesson_refusals():
    p = run(["--lesson", "nosuchlesson", "--batch", "-q"], timeout=20)
    t.ok(p.returncode == 2 and "nosuchlesson" in p.stderr and
         "--list-lessons" in p.stderr and p.stdout == "",
         "--lesson nosuchlesson: exit 2, names it and points to --list-lessons",
         "%d %r" % (p.returncode, p.stderr))
    p = run(["--lesson", "sync-asnc", "--batch", "-q"], timeout=20)
    t.ok(p.returncode == 2 and "did you mean 'sync-async'" in p.stderr,
         "--lesson sync-asnc: exit 2, did you mean 'sync-async'?",
         "%d %r" % (p.returncode, p.stderr))
    p = run(["--lesson", "x", "-t", "square 1"], timeout=20)
    t.ok(p.returncode == 2 and "--lesson" in p.stderr and p.stdout == "",
         "--lesson x -t 'square 1': exit 2", "%d %r" % (p.returncode, p.stderr))
    p = run(["--lesson", "pool-map", "--compare", "apply,map", "--batch"],
            timeout=20)
    t.ok(p.returncode == 2 and p.stdout == "", "--lesson with --compare: exit 2",
         "%d %r" % (p.returncode, p.stderr))


@case
def lesson_exports():
    # --record (and --trace, --svg) with --lesson: the file is written, or the
    # combination is refused as --compare refuses it; never silently dropped.
    for opt, ext in (("--record", "rec"), ("--trace", "json"), ("--svg", "svg")):
        out = os.path.join(tmp, "lesson." + ext)
        p = run(["--lesson", "pool-map", "--batch", "-q", opt, out], timeout=30)
        t.ok((p.returncode == 2 and opt in p.stderr) or
             (p.returncode == 0 and os.path.exists(out)),
             "--lesson pool-map --batch %s FILE: writes FILE or exits 2 naming %s"
             % (opt, opt), "status %d, %s %s, stderr %r" % (
                 p.returncode, out, "exists" if os.path.exists(out) else
                 "was not written", p.stderr))


@case
def lesson_reader_gone():
    # A reader that goes away: the lesson stops as a plain --batch run does.
    t0 = time.monotonic()
    pp = subprocess.Popen(cmd(["--lesson", "worker-dies", "--batch"]),
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    first = pp.stdout.readline()
    pp.stdout.close()
    try:
        rc = pp.wait(20 * SLOW)
    except subprocess.TimeoutExpired:
        pp.kill()
        rc = pp.wait()
    took = time.monotonic() - t0
    t.ok(first.startswith(b"== ") and rc in (-signal.SIGPIPE, 128 + signal.SIGPIPE) and
         took < 2.0 * SLOW,
         "--lesson worker-dies --batch | head -1: ends by SIGPIPE at once, as "
         "--batch does (status %s after %.1f s; the lesson takes 4 s)" % (rc, took),
         first)


@case
def lesson_sigterm():
    # SIGTERM during a lesson: 128 + 15, as a plain --batch run, workers reaped.
    lv = Live(["--lesson", "sync-async"])
    w = lv.wait_for(lambda e: e["ev"] == "task_start", 20)
    pids = [e["pid"] for e in of(lv.events, "worker_start")]
    if w is not None:
        lv.p.send_signal(signal.SIGTERM)
    rc = lv.finish(20)
    lv.stderr()
    t.ok(w is not None and rc == 128 + signal.SIGTERM,
         "--lesson sync-async --batch, SIGTERM during step 1: status 143 "
         "(got %s)" % rc)
    t.eq(wait_gone(pids, 5), [], "and its workers are gone")


# --- --compare ---------------------------------------------------------------------
SLEEPS = "sleep 300; sleep 100; sleep 200"
ROW = re.compile(r"^(\S+) +(\d+\.\d+) s +(\d+\.\d+)x +(\d+)% +(\d+)  (.*)$")


@case
def compare_table():
    p = run(["--compare", "apply,apply_async", "-w", "3", "--batch", "-q", "-t",
             SLEEPS, "--time-scale", "0.5"], timeout=30)
    t.eq(p.returncode, 0, "--compare apply,apply_async: exit 0")
    lines = p.stdout.splitlines()
    t.ok(any(re.match(r"^call style +wall +speedup +util +failed +result order",
                      l) for l in lines),
         "the table header: call style, wall, speedup, util, failed, result order",
         p.stdout)
    rows = {}
    for l in lines:
        m = ROW.match(l)
        if m:
            rows[m.group(1)] = (float(m.group(2)), m.group(6).strip())
    t.eq(sorted(rows), ["apply", "apply_async"], "a row for apply and one for "
         "apply_async")
    t.eq(rows.get("apply", (0, ""))[1], "0 1 2", "apply's result order: 0 1 2")
    t.eq(rows.get("apply_async", (0, ""))[1], "1 2 0",
         "apply_async's result order: 1 2 0")
    wa, wb = rows.get("apply", (0,))[0], rows.get("apply_async", (0,))[0]
    t.ok(wa > wb, "apply's wall (%.3f s) is larger than apply_async's (%.3f s)"
         % (wa, wb))
    t.ok("== apply (1 of 2) ==" in lines and "== apply_async (2 of 2) ==" in lines
         and "[300, 100, 200]" in lines and "[100, 200, 300]" in lines,
         "each run is announced and prints its results list", p.stdout)


@case
def compare_json():
    p, ev = run_json(["--compare", "apply,apply_async", "-w", "3", "-t", SLEEPS,
                      "--time-scale", "0.1"], timeout=30)
    t.eq([(e["ev"], e.get("mode")) for e in ev if e["ev"] in ("run_start", "run_end")],
         [("run_start", "apply"), ("run_end", None), ("run_start", "apply_async"),
          ("run_end", None)], "--compare --json: a run_start/run_end pair per style")


@case
def compare_failing_task():
    p = run(["--compare", "apply,apply_async", "-w", "2", "--batch", "-q", "-t",
             "fail; square 2"], timeout=30)
    t.ok(p.returncode == 1 and re.search(r"^apply_async .* +1  1 0|^apply_async .* +1  0 1",
                                         p.stdout, re.M),
         "--compare with a failing task: exit 1, the failed column says 1", p.stdout)


@case
def compare_refusals():
    svg = os.path.join(tmp, "x.svg")
    for args, desc in ((["--compare", "apply"], "one mode"),
                       (["--compare", "apply,nope"], "an unknown mode"),
                       (["--compare", "map,map"], "a mode twice"),
                       (["--compare", "apply,sync"], "a mode and its alias"),
                       (["--compare", "apply,map", "--svg", svg], "with --svg")):
        p = run(args + ["--batch", "-q", "-t", "square 1"], timeout=20)
        t.ok(p.returncode == 2 and p.stdout == "" and "--compare" in p.stderr,
             "--compare %s (%s): exit 2, nothing on stdout"
             % (" ".join(args[1:]).replace(svg, "x.svg"), desc),
             "%d %r %r" % (p.returncode, p.stdout, p.stderr))
    t.ok(not os.path.exists(svg), "and the refused --svg is not written")


# --- --seed ------------------------------------------------------------------------
RAND = ["-t", "sleep rand(1,50) x20", "--time-scale", "0.01", "--batch", "-q"]


def results(args):
    p = run(args, timeout=30)
    return p.returncode, (p.stdout.splitlines() or [""])[0]


@case
def seed():
    a, b, c = results(RAND + ["--seed", "7"]), results(RAND + ["--seed", "7"]), \
        results(RAND + ["--seed", "8"])
    t.ok(a[0] == 0 and re.match(r"^\[(\d+, ){19}\d+\]$", a[1]),
         "--seed 7: twenty sleeps, a results list", a)
    t.eq(b, a, "--seed 7 again: the same results list")
    t.ok(c[0] == 0 and c[1] != a[1], "--seed 8: a different one", (a, c))
    d, e = results(RAND), results(RAND)
    t.ok(d[0] == 0 and e[0] == 0 and d[1] != e[1],
         "without --seed two runs differ (equal with chance 50^-20)", (d, e))
    vals = [int(x) for x in re.findall(r"\d+", a[1])]
    t.ok(vals and all(1 <= v <= 50 for v in vals), "every draw is in 1..50", vals)


# --- --theme, --caption, --cast refusals ------------------------------------------
@case
def themes():
    p = run(["--theme", "nope", "--batch", "-t", "square 1"], timeout=20)
    t.ok(p.returncode == 2 and p.stdout == "" and
         all(w in p.stderr for w in ("nope", "default", "high-contrast", "light",
                                     "mono")),
         "--theme nope: exit 2, listing the themes", "%d %r" % (p.returncode,
                                                               p.stderr))
    for th in ("default", "high-contrast", "light", "mono"):
        p = run(["--theme", th, "--batch", "-q", "-t", "square 1"], timeout=20)
        t.eq(p.returncode, 0, "--theme %s is accepted" % th)


@case
def caption_length():
    p = run(["--caption", "x" * 201, "--batch", "-t", "square 1"], timeout=20)
    t.ok(p.returncode == 2 and p.stdout == "" and "--caption" in p.stderr,
         "--caption of 201 characters: exit 2", "%d %r" % (p.returncode, p.stderr))
    p = run(["--caption", "x" * 200, "--batch", "-q", "-t", "square 1"],
            timeout=20)
    t.eq(p.returncode, 0, "--caption of 200 characters is accepted")
    # Characters, not bytes: 150 'é' are 150 characters (300 bytes in UTF-8).
    p = run(["--caption", "\u00e9" * 150, "--batch", "-q", "-t", "square 1"],
            timeout=20)
    t.ok(p.returncode == 0, "--caption of 150 characters of two bytes each is "
         "accepted (the limit counts characters)", "%d %r" % (p.returncode,
                                                              p.stderr))


@case
def cast_refusals():
    castf = os.path.join(tmp, "x.cast")
    for extra in (["--batch"], ["--json"], ["-q"]):
        p = run(["--cast", castf] + extra + ["-t", "square 1"], timeout=20)
        t.ok(p.returncode == 2 and p.stdout == "" and "--cast" in p.stderr,
             "--cast FILE %s: exit 2" % extra[0], "%d %r" % (p.returncode,
                                                           p.stderr))
    t.ok(not os.path.exists(castf), "and no cast file is made")


@case
def fifo_task_file_in_a_lesson():
    # Found by fuzzing: a run line naming a FIFO (or any file that is not a
    # regular file) must be refused, not read: reading it would block the class.
    fifodir = tempfile.mkdtemp(prefix="pstest-fifo-")
    atexit.register(shutil.rmtree, fifodir, True)
    os.mkfifo(os.path.join(fifodir, "pipe.tasks"))
    with open(os.path.join(fifodir, "fifo.lesson"), "w") as f:
        f.write("title: t\nstep: s\ncaption: c\nrun: -w 2 pipe.tasks\n")
    p = run(["--lesson", os.path.join(fifodir, "fifo.lesson"), "--batch", "-q"], timeout=20)
    t.ok(p.returncode == 2 and "fifo.lesson:4:" in p.stderr and "not a regular file" in p.stderr,
         "a lesson whose task file is a FIFO: exit 2 at once, with its line", p.stderr)


main(t)
