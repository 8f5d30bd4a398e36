"""poolscope -- python3 PROGRAM: a real Python program's pool, watched.

Each program here is ordinary Python that also prints what it can see of
its own pool (the PIDs that ran its items, the order its callbacks ran, the
order a for loop got results); poolscope's events must say the same, and
the program's own output must be what it prints untraced."""
import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import textwrap

from pstest import TAP, Live, case, main, run, run_json, of, wait_gone, SLOW

t = TAP()
TMP = tempfile.mkdtemp(prefix="poolscope-program-")
PY = "python3"


def program(name, text):
    path = os.path.join(TMP, name + ".py")
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


def untraced(path, py=PY):
    return subprocess.run([py, path], capture_output=True, text=True,
                          timeout=60 * SLOW)


def printed(ev):
    """What the program printed itself (not in a pool's process)."""
    return "".join(e["text"] for e in of(ev, "output") if e["worker"] == -1)


SEED_MAP = """\
    import multiprocessing

    def square(n):
        return n**2

    if __name__ == "__main__":
        with multiprocessing.Pool(processes=5) as pool:
            out = pool.map(square, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
            print(out)
    """


@case
def seed_map():
    path = program("seed_map", SEED_MAP)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "the seed's Pool(5).map: exit 0")
    start = ev[0] if ev else {}
    t.ok(start.get("ev") == "run_start" and start.get("program") is True and
         start.get("mode") == "map" and start.get("workers") == 5,
         "run_start: a program, map, 5 workers", start)
    calls = [e["call"] for e in of(ev, "task_submit")]
    t.eq(calls, ["square(%d)" % n for n in range(1, 11)],
         "ten tasks submitted, each with its call")
    t.eq(len(of(ev, "worker_start")), 5, "five workers started")
    t.eq([(e["task"], e["value"]) for e in of(ev, "result")],
         [(k, str((k + 1) ** 2)) for k in range(10)],
         "the caller received the ten squares in order")
    t.eq(printed(ev), untraced(path).stdout,
         "the program printed what it prints untraced")
    t.eq(ev[-1]["ev"] if ev else None, "run_end", "the stream ends with run_end")


ASSETS = os.environ.get("POOLSCOPE_ASSETS",
                        os.path.join(os.path.dirname(__file__), "..", "..",
                                     "assets"))


def chars_printed(text):
    """What was printed, as its characters sorted: processes printing at
    once interleave their writes, even inside a line, so only the
    characters themselves can be compared."""
    return "".join(sorted(text))


@case
def shipped_programs():
    # The lessons' Python examples run unchanged under poolscope and print
    # what they print untraced (the lines, in whatever order they race).
    progs = sorted(glob.glob(os.path.join(ASSETS, "python", "*.py")))
    t.ok(len(progs) >= 7, "assets/python holds the examples (%d)" % len(progs))
    for path in progs:
        name = os.path.basename(path)
        p, ev = run_json(["--", PY, path])
        t.eq(p.returncode, 0, "%s: exit 0" % name)
        t.eq(chars_printed("".join(e["text"] for e in of(ev, "output"))),
             chars_printed(untraced(path).stdout),
             "%s: prints what it prints untraced" % name)


@case
def queue_workers():
    # The seed's four Processes reading a queue until None: the items put
    # are the tasks, each taken by one of them, and the Nones sentinels.
    p, ev = run_json(["--", PY, os.path.join(ASSETS, "python",
                                             "queue_workers.py")])
    t.eq(p.returncode, 0, "queue_workers.py: exit 0")
    subs = of(ev, "task_submit")
    t.eq([e["call"] for e in subs], [str(n) for n in range(10)],
         "the ten items put on the queue are ten tasks")
    t.ok(all(e["style"] == "queue" for e in subs), "of the style 'queue'")
    started = of(ev, "task_start")
    t.eq(sorted(e["task"] for e in started), list(range(10)),
         "each item is taken once")
    pids = {e["pid"] for e in of(ev, "worker_start")}
    t.eq(len(pids), 4, "by the four Processes")
    t.eq(len(of(ev, "sentinel")), 4, "each of which takes a None and exits")
    mine = all(e["text"] == "Processing task ;  %d\n" % e["task"]
               for e in of(ev, "output") if e["task"] >= 0)
    t.ok(mine and len([e for e in of(ev, "output") if e["task"] >= 0]) == 10,
         "and what each printed is its item's")
    t.ok("never received" not in run(["--batch", "-q", "--", PY, os.path.join(
        ASSETS, "python", "queue_workers.py")]).stdout,
        "a queue's items are not counted as results lost")


@case
def recorded_and_exported():
    # A program's run records, replays (its tasks come with task_submit)
    # and exports like any other.
    path = program("seed_map", SEED_MAP)
    rec = os.path.join(TMP, "seed.rec")
    svg = os.path.join(TMP, "seed.svg")
    p, ev = run_json(["--record", rec, "--svg", svg, "--force", "--",
                      PY, path])
    t.eq(p.returncode, 0, "recorded with --record and --svg: exit 0")
    q, back = run_json(["--replay", rec, "--time-scale", "0.01"])
    t.eq(q.returncode, 0, "the recording replays: exit 0")
    strip = lambda evs: [{k: v for k, v in e.items() if k != "t"}
                         for e in evs]
    t.eq(strip(back), strip(ev), "the replay's events are the run's")
    with open(svg) as f:
        pic = f.read()
    t.ok("square(10)" in pic, "the SVG labels a task with its call")
    trace = os.path.join(TMP, "seed.trace.json")
    p = run(["--batch", "-q", "--trace", trace, "--force", "--", PY, path])
    try:
        with open(trace) as f:
            doc = json.load(f)
        names = [x.get("name", "") for x in doc.get("traceEvents", [])]
    except (OSError, ValueError):
        names = []
    t.ok(p.returncode == 0 and any("square(10)" in n for n in names),
         "--trace: a valid trace whose slices name each call",
         names[:12])


@case
def chunks_and_pids():
    # The program says which PID ran each item; poolscope must agree, and
    # a chunk's items share a worker, as Pool.map(chunksize=3) sends them.
    path = program("chunks", """\
        import multiprocessing, os, sys

        def who(n):
            return (n, os.getpid())

        if __name__ == "__main__":
            with multiprocessing.Pool(2) as pool:
                for n, pid in pool.map(who, range(10), chunksize=3):
                    print(n, pid)
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "map(chunksize=3): exit 0")
    said = {}
    for line in printed(ev).splitlines():
        n, pid = line.split()
        said[int(n)] = int(pid)
    seen = {e["task"]: e["pid"] for e in of(ev, "task_start")}
    t.eq(seen, said, "every task ran in the PID the program saw")
    chunk = {e["task"]: e["chunk"] for e in of(ev, "task_start")}
    t.eq([chunk.get(k) for k in range(10)],
         [0, 0, 0, 1, 1, 1, 2, 2, 2, 3], "chunks of 3: 0-2, 3-5, 6-8, 9")


@case
def apply_async_callbacks():
    path = program("callbacks", """\
        import multiprocessing, time

        def nap(ms):
            time.sleep(ms / 1000)
            return ms

        got = []
        if __name__ == "__main__":
            with multiprocessing.Pool(3) as pool:
                rs = [pool.apply_async(nap, (ms,), callback=got.append)
                      for ms in (300, 50, 150, 10)]
                for r in rs:
                    r.wait()
                time.sleep(0.1)
            print(got)
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "apply_async with callbacks: exit 0")
    t.eq(ev[0].get("mode") if ev else None, "apply_async",
         "run_start: apply_async")
    order = [int(e["value"]) for e in of(ev, "result")]
    t.eq(str(order) + "\n", printed(ev),
         "the results reach the caller in the order its callback ran")


@case
def imap_unordered_order():
    path = program("unordered", """\
        import multiprocessing, time

        def nap(ms):
            time.sleep(ms / 1000)
            return ms

        if __name__ == "__main__":
            with multiprocessing.Pool(2) as pool:
                for v in pool.imap_unordered(nap, [200, 20, 100, 10, 50]):
                    print(v)
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "imap_unordered: exit 0")
    t.eq(ev[0].get("mode") if ev else None, "imap_unordered",
         "run_start: imap_unordered")
    t.eq([e["value"] + "\n" for e in of(ev, "result")],
         printed(ev).splitlines(True),
         "the for loop got the results in the order poolscope shows")


CALLS = """\
    import functools, multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def f(x):
        return x + 1000

    def g(x):
        return -x

    def h(a, x):
        return a * x

    def k(x, scale=1):
        return x * scale

    class Partial(functools.partial):
        pass

    if __name__ == "__main__":
        with multiprocessing.Pool(1) as pool:
            rs = [pool.apply_async(f if n % 2 == 0 else g, (n,))
                  for n in range(6)]
            print([r.get() for r in rs])
            print(pool.map(f, range(7), chunksize=3))
            print(pool.map(functools.partial(h, 3), range(4), chunksize=2))
            print(list(pool.imap(g, range(5), chunksize=2)))
            print(sorted(pool.imap_unordered(
                functools.partial(k, scale=10), range(4))))
            print(pool.apply(Partial(functools.partial(h), 5), (6,)))
        with ProcessPoolExecutor(1) as ex:
            print(list(ex.map(functools.partial(h, 7), range(3))))
            print(ex.submit(functools.partial(k, scale=2), 8).result())
    """


def check_calls(py):
    """CALLS under py: each task's call, and its own value at its end."""
    path = program("calls", CALLS)
    p, ev = run_json(["--", py, path])
    t.eq(p.returncode, 0, "%s: functions and partials: exit 0" % py)
    calls = {e["task"]: e["call"] for e in of(ev, "task_submit")}
    want = (["f(0)", "g(1)", "f(2)", "g(3)", "f(4)", "g(5)"] +
            ["f(%d)" % n for n in range(7)] +
            ["h(3, %d)" % n for n in range(4)] +
            ["g(%d)" % n for n in range(5)] +
            ["k(%d, scale=10)" % n for n in range(4)] + ["h(5, 6)"] +
            ["h(7, %d)" % n for n in range(3)] + ["k(8, scale=2)"])
    t.eq([calls[n] for n in sorted(calls)], want,
         "%s: each task's call, a partial's arguments in it" % py)
    names = {"f": lambda x: x + 1000, "g": lambda x: -x,
             "h": lambda a, x: a * x, "k": lambda x, scale=1: x * scale}

    def value(call):
        try:
            return str(eval(call, names))
        except Exception:
            return None
    done = {e["task"]: e.get("result") for e in of(ev, "task_done")}
    bad = [(calls[n], done.get(n)) for n in sorted(calls)
           if value(calls[n]) is None or done.get(n) != value(calls[n])]
    t.eq(bad, [], "%s: each task's end carries its own call's value" % py)
    t.eq(printed(ev), untraced(path, py).stdout,
         "%s: the program printed what it prints untraced" % py)


@case
def calls_and_partials():
    # One worker runs function after function, a chunk of one after a
    # chunk of three: each task's end and value are its own.  A
    # functools.partial is shown as the call it makes.
    check_calls(PY)


LATE = """\
    import multiprocessing, os, sys, time
    import multiprocessing.popen_fork as pf

    _launch = pf.Popen._launch


    def late_launch(self, process_obj):
        _launch(self, process_obj)
        time.sleep(0.3)     # the caller is slow to go on after the fork
        if process_obj.name == "dies" and "die" in sys.argv:
            os._exit(3)     # and never says it started this one


    pf.Popen._launch = late_launch


    def num_square(n):
        print(f"square of {n} is {n**2}")


    def num_cube(n):
        print(f"cube of {n} is {n**3}")


    if __name__ == "__main__":
        ctx = multiprocessing.get_context("fork")
        m1 = ctx.Process(target=num_square, args=(123,))
        m2 = ctx.Process(target=num_cube, args=(123,), name="dies")
        m1.start()
        m2.start()
        m1.join()
        m2.join()
    """


@case
def late_caller():
    # A caller slow after each fork tells of its Process long after the
    # Process has started, printed and ended: each is still shown running
    # its task on its worker, its print as its task's, then its exit.
    path = program("late", LATE)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "a caller late to tell of its Processes: exit 0")
    for task, text in ((0, "square of 123 is 15129\n"),
                       (1, "cube of 123 is 1860867\n")):
        mine = [e for e in ev if e.get("task") == task and e["ev"] in (
            "task_start", "output", "task_done")]
        t.eq([(e["ev"], e.get("text")) for e in mine],
             [("task_start", None), ("output", text), ("task_done", None)],
             "task %d: started, printed, done, in that order" % task)
        slots = {e["worker"] for e in mine}
        pid = next((e["pid"] for e in mine if "pid" in e), None)
        ends = [e for e in of(ev, "worker_exit") if e["pid"] == pid]
        t.ok(len(slots) == 1 and -1 not in slots and len(ends) == 1 and
             ev.index(ends[0]) > ev.index(mine[-1]),
             "task %d: on one worker, which exits after it" % task,
             [slots, ends])
    t.eq(printed(ev) + "".join(e["text"] for e in of(ev, "output")
                               if e["worker"] != -1),
         untraced(path).stdout, "the program printed what it prints untraced")
    # The caller dies before it tells of its second Process: what that
    # printed, and that it exited 0, are told all the same.
    p, ev = run_json(["--", PY, path, "die"])
    t.eq(p.returncode, 3, "a caller that dies after the fork: its exit "
         "status")
    t.ok(any(e["ev"] == "output" and e["text"] == "cube of 123 is 1860867\n"
             for e in ev), "the Process it never told of: its print")
    t.eq(sorted(e["status"] for e in of(ev, "worker_exit")),
         ["exited 0", "exited 0"], "and both Processes' exits")


@case
def map_raises():
    # A task that raises: the rest of its chunk never runs, and map raises
    # that exception in the caller.
    path = program("raises", """\
        import multiprocessing

        def check(n):
            if n == 4:
                raise ValueError("bad %d" % n)
            return n

        if __name__ == "__main__":
            with multiprocessing.Pool(2) as pool:
                try:
                    pool.map(check, range(8), chunksize=4)
                except ValueError as e:
                    print("caught", repr(e))
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "map raising: exit 0 (the program caught it)")
    fail = of(ev, "task_fail")
    t.eq([(e["task"], e.get("exception")) for e in fail],
         [(4, "ValueError('bad 4')")], "task 4 failed with ValueError('bad 4')")
    started = sorted(e["task"] for e in of(ev, "task_start"))
    t.eq(started, [0, 1, 2, 3, 4], "tasks 5-7 (the rest of its chunk) never "
         "started")
    res = of(ev, "result")
    t.eq([(e["task"], e.get("ok")) for e in res], [(4, False)],
         "the caller got task 4's exception and no list")
    t.eq(printed(ev), "caught ValueError('bad 4')\n",
         "the program caught what it catches untraced")


@case
def processes():
    # The seed's two Processes: square and cube of 123.
    path = os.path.join(ASSETS, "python", "square_cube.py")
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "two Processes: exit 0")
    t.eq(ev[0].get("mode") if ev else None, "process", "run_start: process")
    t.eq([e["call"] for e in of(ev, "task_submit")],
         ["num_square(123)", "num_cube(123)"], "each Process is a task, its "
         "target's call")
    outs = sorted((e["task"], e["text"]) for e in of(ev, "output")
                  if e["task"] >= 0)
    t.eq(outs, [(0, "square of 123 is 15129\n"), (1, "cube of 123 is 1860867\n")],
         "what each printed is its task's")
    t.eq([(e["task"], e["value"]) for e in of(ev, "result")],
         [(0, "0"), (1, "0")], "joined in order, exit code 0 each")


@case
def executor():
    # concurrent.futures.ProcessPoolExecutor: submit with as_completed, and
    # map in chunks; the order the program got them is poolscope's.
    path = program("executor", """\
        import concurrent.futures as cf, time

        def nap(ms):
            time.sleep(ms / 1000)
            return ms

        if __name__ == "__main__":
            with cf.ProcessPoolExecutor(max_workers=3) as ex:
                fs = [ex.submit(nap, ms) for ms in (300, 50, 150, 10)]
                for f in cf.as_completed(fs):
                    print(f.result())
                print(list(ex.map(nap, [20, 10, 30, 10, 20], chunksize=2)))
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "ProcessPoolExecutor: exit 0")
    t.eq([e["call"] for e in of(ev, "task_submit")],
         ["nap(300)", "nap(50)", "nap(150)", "nap(10)", "nap(20)", "nap(10)",
          "nap(30)", "nap(10)", "nap(20)"],
         "each submit, and each call of map's chunks, is a task")
    t.eq([e["style"] for e in of(ev, "task_submit")], ["apply_async"] * 4 +
         ["map"] * 5, "submit reads as apply_async, map as map")
    lines = printed(ev).splitlines()
    t.eq([e["value"] for e in of(ev, "result")][:4], lines[:4],
         "as_completed: the results reach the caller in the order it "
         "printed them")
    t.eq(len(of(ev, "task_done")), 9, "every call is seen to end")
    chunk = {e["task"]: e["chunk"] for e in of(ev, "task_start")}
    t.ok(chunk.get(4) == chunk.get(5) and chunk.get(6) == chunk.get(7) and
         chunk.get(4) != chunk.get(6), "map(chunksize=2): two calls a chunk",
         chunk)


@case
def start_methods():
    for method in ("spawn", "forkserver"):
        path = program("method_" + method, """\
            import multiprocessing

            def square(n):
                return n * n

            if __name__ == "__main__":
                ctx = multiprocessing.get_context(%r)
                with ctx.Pool(2) as pool:
                    print(pool.map(square, range(6)))
            """ % method)
        p, ev = run_json(["--", PY, path])
        t.eq(p.returncode, 0, "%s: exit 0" % method)
        t.eq([e["value"] for e in of(ev, "result")],
             [str(n * n) for n in range(6)],
             "%s: every result, from the spawned workers" % method)
        t.eq(len(of(ev, "task_start")), 6, "%s: every task seen to start"
             % method)


@case
def other_interpreters():
    # Every interpreter pyenv has here (3.8 on) runs the seed the same way.
    seen = 0
    for py in sorted(glob.glob(os.path.expanduser(
            "~/.pyenv/versions/3.*/bin/python3"))):
        v = subprocess.run([py, "-c", "import sys; print(sys.version_info[1])"],
                           capture_output=True, text=True)
        if v.returncode != 0 or int(v.stdout) < 8:
            continue
        seen += 1
        path = program("seed_map", SEED_MAP)
        p, ev = run_json(["--", py, path])
        t.eq([e["value"] for e in of(ev, "result")],
             [str(n * n) for n in range(1, 11)],
             "%s: the seed's ten results" % py)
        check_calls(py)
    if seen == 0:
        t.skip("another interpreter runs the seed", "none but python3 here")


@case
def exit_status_and_bad_command():
    p = run(["--batch", "-q", "--", PY, "-c", "import sys; sys.exit(3)"])
    t.eq(p.returncode, 3, "the program's exit status is poolscope's")
    p = run(["--batch", "--", "no-such-python-here", "x.py"])
    t.eq(p.returncode, 2, "a command that is not there: exit 2")
    t.ok("no-such-python-here" in p.stderr and "not found" in p.stderr,
         "and says so", p.stderr)
    t.eq(p.stdout, "", "and nothing ran")
    p = run(["--batch", "-w", "3", "--", PY, "x.py"])
    t.eq(p.returncode, 2, "-w with a program: exit 2 (the program makes its "
         "own pool)")
    p = run(["--batch", "--"])
    t.eq(p.returncode, 2, "'--' with no command: exit 2")


# Two long tasks on two workers: a killed worker leaves its Pool waiting.
HANG = """\
    import multiprocessing, time

    def nap(s):
        time.sleep(s)
        return s

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            print(pool.map(nap, [60, 60]))
    """


@case
def lost_task_and_timeout():
    # A worker killed: Python's Pool waits for ever; poolscope says so at
    # once, and --timeout ends the program that long after.
    path = program("hang", HANG)
    live = Live(["--timeout", "1000", "--", PY, path])
    e = live.wait_for(lambda e: e["ev"] == "task_start", 30)
    t.ok(e is not None, "a task started")
    pids = [x["pid"] for x in live.events if x["ev"] == "worker_start"]
    if e is not None:
        os.kill(e["pid"], signal.SIGKILL)
    rc = live.finish(60)
    err = live.stderr()
    t.eq(rc, 143, "--timeout 1000: the program is ended by SIGTERM a second "
         "after it lost a task; poolscope exits with its status")
    t.ok("was lost" in err and "a Pool waits for its result for ever" in err,
         "the loss is said on stderr when it happens", err)
    t.ok("(--timeout): ending it" in err, "and the ending too", err)
    end = live.events[-1] if live.events else {}
    t.eq(end.get("exit_code"), -15, "run_end: exit_code -15")
    t.ok(all(x["status"] != "exited 0" for x in of(live.events,
                                                    "worker_exit")),
         "no worker is said to have exited 0: each was ended",
         of(live.events, "worker_exit"))
    t.eq(wait_gone(pids, 10), [], "nothing of the program is left")


@case
def killed_worker_and_sigterm():
    # A worker killed mid-task: CPython's Pool then waits for ever; poolscope
    # names the lost task, and SIGTERM ends the program, leaving nothing.
    path = program("hang", HANG)
    live = Live(["--", PY, path])
    starts = []
    while len(starts) < 2:
        e = live.wait_for(lambda e: e["ev"] == "task_start" and
                          e["pid"] not in [s["pid"] for s in starts], 30)
        if e is None:
            break
        starts.append(e)
    t.eq(len(starts), 2, "both tasks started")
    victim = starts[0]["pid"] if starts else None
    if victim:
        os.kill(victim, signal.SIGKILL)
    e = live.wait_for(lambda e: e["ev"] == "task_fail", 20)
    t.ok(e is not None and "SIGKILL" in e.get("error", "") and
         e["task"] == starts[0]["task"],
         "the task it held failed, naming SIGKILL", e or live.events[-6:])
    pids = [e["pid"] for e in live.events if e["ev"] == "worker_start"]
    os.kill(live.p.pid, signal.SIGTERM)
    rc = live.finish(30)
    t.ok(rc is not None and rc != 0, "SIGTERM: poolscope ends (%r)" % rc)
    t.eq(wait_gone(pids, 10), [], "no process of the program is left")

@case
def big_chunks():
    # A chunk of more than 16 calls is traced as one task (timing each call
    # would cost the program more than the calls): its call names the
    # first and last and how many, its value is the chunk's list.
    path = program("big_chunks", """\
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        def square(n):
            return n * n

        def boom(n):
            if n == 70:
                raise ValueError("seventy")
            return n

        if __name__ == "__main__":
            with multiprocessing.Pool(2) as pool:
                print(sum(pool.map(square, range(1000), chunksize=100)))
                print(sum(pool.imap(square, range(100), chunksize=40)))
                print(sum(pool.map(square, range(32), chunksize=16)))
                try:
                    pool.map(boom, range(90), chunksize=30)
                except ValueError as e:
                    print("raised", e)
            with ProcessPoolExecutor(2) as ex:
                print(sum(ex.map(square, range(60), chunksize=30)))
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "big chunks: exit 0")
    calls = [e["call"] for e in of(ev, "task_submit")]
    want = ["square(%d) ... square(%d), 100 calls" % (c, c + 99)
            for c in range(0, 1000, 100)]
    want += ["square(0) ... square(39), 40 calls",
             "square(40) ... square(79), 40 calls",
             "square(80) ... square(99), 20 calls"]
    want += ["square(%d)" % n for n in range(32)]
    want += ["boom(%d) ... boom(%d), 30 calls" % (c, c + 29)
             for c in (0, 30, 60)]
    want += ["square(0) ... square(29), 30 calls",
             "square(30) ... square(59), 30 calls"]
    t.eq(calls, want, "map, imap and an executor's map: a task a chunk of "
         "more than 16 calls (16 or fewer: a task a call)")
    done = {e["task"]: e["result"] for e in of(ev, "task_done")}
    t.ok(done.get(1, "").startswith("[10000, 10201, 10404, ") and
         done[1].endswith("...") and len(done[1]) <= 120,
         "a chunk's value: its list, cut to a line", done.get(1))
    t.eq([done.get(k) for k in range(13, 17)], ["0", "1", "4", "9"],
         "16 calls a chunk: a task a call, each its own value")
    fails = of(ev, "task_fail")
    t.ok(len(fails) == 1 and fails[0]["task"] == len(want) - 3 and
         "seventy" in fails[0].get("exception", ""),
         "the chunk whose call raised fails with the exception", fails)
    t.eq([e["task"] for e in of(ev, "result")][:3], [0, 1, 2],
         "the chunks' results reach the caller in order")
    t.eq(printed(ev), untraced(path).stdout,
         "the program printed what it prints untraced")
    last = run(["--batch", "-q", "--", PY, path]).stdout.splitlines()[-1]
    t.ok(last.endswith("(map and imap, 2 workers, %d processor%s)" % (
        os.cpu_count(), "" if os.cpu_count() == 1 else "s")),
        "the summary names each style the program called, once", last)


@case
def terminate_keeps_lines():
    # with Pool() ends with terminate(), which kills workers that may still
    # hold lines they have not sent; it waits for them first.  Tiny maps
    # in many pools make that race likely: no task may be missing.
    path = program("many_pools", """\
        import multiprocessing

        def square(n):
            return n * n

        if __name__ == "__main__":
            for _ in range(100):
                with multiprocessing.Pool(2) as pool:
                    pool.map(square, range(6))
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "100 pools: exit 0")
    t.eq(len(of(ev, "task_submit")), 600, "600 tasks submitted")
    t.eq(len(of(ev, "task_done")), 600, "every task seen to end, in every "
         "pool, though terminate() killed its workers")


@case
def imap_keeps_every_line():
    # imap's submits and receipts wait in lists that the flusher thread
    # sends while the task handler and the loop add to them: none may be
    # dropped between the two.  Many short calls make that race likely.
    path = program("many_imap", """\
        import multiprocessing

        def square(n):
            return n * n

        if __name__ == "__main__":
            with multiprocessing.Pool(2) as pool:
                n = sum(1 for _ in pool.imap_unordered(square, range(30000)))
            print(n, "received")
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "30000 calls: exit 0")
    t.eq(printed(ev), "30000 received\n", "the loop had every result")
    t.eq(len(of(ev, "task_submit")), 30000, "30000 tasks submitted")
    t.eq(len(of(ev, "result")), 30000, "30000 results received, as the "
         "loop received them")
    calls = sorted(int(e["call"][7:-1]) for e in of(ev, "task_submit"))
    t.eq(calls == list(range(30000)), True, "each call submitted once")


@case
def worker_dies_at_once():
    # A task that ends its worker at once (os._exit) says nothing of itself:
    # the board names the call it held.  The tasks that worker ran before
    # keep their ends and values.
    path = program("exit_at_once", """\
        import multiprocessing, os, time

        def f(n):
            if n == 2:
                os._exit(7)
            time.sleep(0.2)
            return n

        if __name__ == "__main__":
            with multiprocessing.Pool(2) as pool:
                print(pool.map(f, range(4)))
        """)
    p, ev = run_json(["--timeout", "1000", "--", PY, path])
    t.eq(p.returncode, 143, "the Pool waits for ever: --timeout ends it")
    t.eq(sorted((e["task"], e["result"]) for e in of(ev, "task_done")),
         [(0, "0"), (1, "1"), (3, "3")],
         "the other three tasks end with their values, the dead worker's "
         "earlier one too")
    fails = of(ev, "task_fail")
    t.ok(len(fails) == 1 and fails[0]["task"] == 2 and
         "exited 7" in fails[0].get("error", ""),
         "task 2, f(2), fails: its worker exited 7", fails)
    starts = {e["task"]: e["worker"] for e in of(ev, "task_start")}
    t.ok(2 in starts and starts[2] == (fails[0]["worker"] if fails else None),
         "and it is seen to start on the worker that died", (starts, fails))


@case
def broken_process_pool():
    # An executor's worker that dies breaks the executor: every future not
    # done fails with BrokenProcessPool, and that is what poolscope shows.
    path = program("broken", """\
        from concurrent.futures import ProcessPoolExecutor
        import os, time

        def die(n):
            os._exit(3)

        def nap(n):
            time.sleep(0.5)
            return n

        if __name__ == "__main__":
            with ProcessPoolExecutor(2) as ex:
                fs = [ex.submit(nap, 1), ex.submit(die, 2), ex.submit(nap, 3)]
                for f in fs:
                    try:
                        print(f.result())
                    except Exception as e:
                        print(type(e).__name__)
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "the program catches it: exit 0")
    fails = of(ev, "task_fail")
    t.eq(sorted(e["task"] for e in fails), [0, 1, 2], "every task fails")
    t.ok(all(e.get("exception", "").startswith("BrokenProcessPool(")
             for e in fails), "each with BrokenProcessPool", fails)
    starts = {e["task"]: e["worker"] for e in of(ev, "task_start")}
    t.ok(1 in starts and starts[1] >= 0,
         "die(2) is seen to start on a worker, though it said nothing", starts)
    t.eq([e["task"] for e in of(ev, "result")], [0, 1, 2],
         "the caller gets the three exceptions in its order")
    t.eq(printed(ev), "BrokenProcessPool\n" * 3,
         "the program printed what it prints untraced")


@case
def done_callback_receives():
    # A future's result taken by a callback (add_done_callback): the caller
    # has it when the callback runs.
    path = program("done_callback", """\
        from concurrent.futures import ProcessPoolExecutor

        def square(n):
            return n * n

        got = []
        if __name__ == "__main__":
            with ProcessPoolExecutor(2) as ex:
                for n in range(4):
                    ex.submit(square, n).add_done_callback(
                        lambda f: got.append(f.exception() or "x"))
            print(len(got))
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "add_done_callback: exit 0")
    t.eq(sorted(e["task"] for e in of(ev, "result")), [0, 1, 2, 3],
         "every result is received, by its callback")
    t.eq(printed(ev), "4\n", "the program printed what it prints untraced")


@case
def no_pool():
    # A program that makes no pool: none is claimed, in batch text, in the
    # summary, in --json, and in a recording replayed.
    path = os.path.join(ASSETS, "python", "cpu_count.py")
    p = run(["--batch", "--", PY, path])
    t.ok(p.returncode == 0 and "; no pool yet (" in p.stdout and
         "(no pool, " in p.stdout and "worker" not in p.stdout,
         "cpu_count.py: 'no pool yet', then 'no pool', no worker said",
         p.stdout)
    p, ev = run_json(["--", PY, path])
    t.eq(ev[0].get("workers") if ev else None, 0, "run_start: workers 0")
    rec = os.path.join(TMP, "nopool.rec")
    p = run(["--batch", "-q", "--record", rec, "--force", "--", PY, path])
    p = run(["--batch", "--replay", rec])
    t.ok(p.returncode == 0 and "(no pool, " in p.stdout,
         "its recording replays", p.stdout + p.stderr)


@case
def tracer_missing_warning():
    # python3 -I ignores PYTHONPATH: poolscope sees nothing and says so.  A
    # program that imports multiprocessing but makes no pool is not warned.
    path = os.path.join(ASSETS, "python", "cpu_count.py")
    p = run(["--batch", "--", PY, path])
    t.ok(p.returncode == 0 and "warning" not in p.stderr,
         "cpu_count.py: no pool, no warning", p.stderr)
    p = run(["--batch", "--", PY, "-I", path])
    t.ok(p.returncode == 0 and "ignored PYTHONPATH (python3 -I, -E and -S "
         "do)" in p.stderr, "python3 -I: the warning says why nothing came",
         p.stderr)


@case
def maxtasksperchild_respawns():
    # Pool(maxtasksperchild=2): each process runs two tasks and its slot
    # gets a new one, as the program's own PIDs say.
    path = program("respawn", """\
        import multiprocessing, os

        def who(n):
            return os.getpid()

        if __name__ == "__main__":
            with multiprocessing.Pool(2, maxtasksperchild=2) as pool:
                print(pool.map(who, range(8), chunksize=1))
        """)
    p, ev = run_json(["--", PY, path])
    t.eq(p.returncode, 0, "maxtasksperchild=2: exit 0")
    ran = {e["task"]: e["pid"] for e in of(ev, "task_start")}
    t.eq([str(ran.get(k)) for k in range(8)],
         [e["value"] for e in sorted(of(ev, "result"), key=lambda e: e["task"])],
         "every task ran in the PID it returned")
    per = {}
    for pid in ran.values():
        per[pid] = per.get(pid, 0) + 1
    # Two a process at most; which process takes the last tasks is the
    # pool's race (two new ones may take one each), not a rule.
    t.ok(sum(per.values()) == 8 and max(per.values()) == 2 and
         len(per) >= 4, "no process ran more than two tasks, so at least "
         "four ran them", per)
    starts = of(ev, "worker_start")
    t.ok(len(starts) >= 4 and {e["worker"] for e in starts} == {0, 1},
         "the new processes start in the pool's two slots",
         [(e["worker"], e["pid"]) for e in starts])


main(t)
