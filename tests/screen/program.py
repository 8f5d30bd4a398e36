"""poolscope -- python3 PROGRAM on the screen, in a private tmux server: a
real Python program's pool at 80x24 and 200x50 (its name in the header,
its workers' PIDs, each task's call on its lane, what it printed as the
program's, how it ended), k on one of its workers, and q while it runs
leaving none of its processes behind."""
import json
import os
import re
import tempfile
import textwrap

from pstest import pid_alive, wait_gone
from tmuxtest import TAP, Screen, case, main, poolscope, workers, line_of

t = TAP()
NAME = "ps-program-%d" % os.getpid()
TMP = tempfile.mkdtemp(prefix="poolscope-screen-program-")
CROSS = "\u2717"


def program(name, text):
    path = os.path.join(TMP, name)
    with open(path, "w") as f:
        f.write(textwrap.dedent(text))
    return path


SLOW_MAP = program("slow_map.py", """\
    import multiprocessing, time

    def square(n):
        time.sleep(0.4)
        print("square of", n, "is", n * n)
        return n * n

    if __name__ == "__main__":
        with multiprocessing.Pool(4) as pool:
            print(pool.map(square, range(1, 9)))
    """)

HANG = program("hang.py", """\
    import multiprocessing, time

    def nap(s):
        time.sleep(s)
        return s

    if __name__ == "__main__":
        with multiprocessing.Pool(3) as pool:
            print(pool.map(nap, [60, 60, 60]))
    """)


def header(x):
    return (x or "\n").splitlines()[0]


def finished(x):
    return re.search(r"\d s  finished", header(x)) is not None and \
        "Summary" in x


def busy(n):
    return lambda x: sum(1 for w in workers(x) if w["state"] == "busy") >= n


@case
def map_at_80x24():
    with Screen(NAME + "-80", 80, 24, poolscope("--", "python3",
                                                 SLOW_MAP)) as s:
        scr = s.wait_for(busy(4), 20)
        t.ok(scr is not None, "four workers busy with the program's tasks",
             s.last)
        t.ok(header(scr).startswith(" slow_map.py  map  4"),
             "the header names the program, its call and its pool",
             header(scr))
        pids = [w["pid"] for w in workers(scr or "")]
        t.ok(len(pids) == 4 and all(pid_alive(p) for p in pids),
             "each row's PID is a live worker of the program", pids)
        t.ok(re.search(r"the program's map\(\): \d of 8 done",
                       scr or "") is not None,
             "the caller's line: the program's map(), its tasks done",
             line_of(scr, "program's") or s.last)
        scr = s.wait_for(finished, 30)
        t.ok(scr is not None, "the program ends: 'finished'", s.last)
        bar = line_of(scr, r" done  ") or ""
        t.ok("tasks/s" in bar and "time x" not in bar,
             "no time scale: the program runs at its own speed", bar)
        out = line_of(scr, r"^main +\S") or ""
        t.ok("[1, 4, 9, 16, 25, 36, 49, 64]" in out,
             "what the program printed shows as main's", out)
        t.ok(line_of(scr, r"slow_map\.py exited 0") is not None,
             "the summary says how the program ended", s.last)
        t.ok(re.search(r"^w\d +t\d +.square of \d is \d+", scr or "", re.M)
             is not None, "what a task printed shows as that task's",
             s.last)
        s.send("q")
        t.eq(s.wait_exit(10), 0, "q: poolscope exits with the program's "
             "status, 0")


@case
def cast_of_a_program():
    # --cast records a program's screen as it is drawn.
    cast = os.path.join(TMP, "program.cast")
    with Screen(NAME + "-cast", 80, 24, poolscope("--cast", cast, "--",
                                                   "python3", SLOW_MAP)) as s:
        scr = s.wait_for(finished, 30)
        t.ok(scr is not None, "--cast: the program runs to its end", s.last)
        s.send("q")
        t.eq(s.wait_exit(10), 0, "--cast: q, exit 0")
    try:
        with open(cast, encoding="utf-8") as f:
            lines = f.read().splitlines()
        head = json.loads(lines[0])
        out = "".join(json.loads(l)[2] for l in lines[1:])
    except (OSError, ValueError, IndexError, KeyError, TypeError) as e:
        head, out = {}, repr(e)
    t.ok(head.get("width") == 80 and head.get("height") == 24 and
         "slow_map.py" in out and "square(8)" in out,
         "--cast: an 80x24 cast that draws the program's name and calls",
         (head, out[-300:]))


@case
def labels_at_200x50():
    with Screen(NAME + "-200", 200, 50, poolscope("--", "python3",
                                                  SLOW_MAP)) as s:
        scr = s.wait_for(lambda x: "square(1)" in x and busy(4)(x), 20)
        t.ok(scr is not None, "at 200x50 a task's lane shows its call, "
             "square(1)", s.last)
        s.wait_for(finished, 30)
        s.send("q")
        s.wait_exit(10)


NO_POOL = program("no_pool.py", """\
    import multiprocessing, time

    print("Number of processors: ", multiprocessing.cpu_count())
    time.sleep(60)
    """)


CALLS = program("calls.py", """\
    import multiprocessing

    def square(n):
        return n * n

    if __name__ == "__main__":
        with multiprocessing.Pool(2) as pool:
            for _ in range(8):
                pool.map(square, range(10))
                pool.apply(square, (3,))
    """)


@case
def call_names_apart_from_counts():
    # Calls made one after another: each call's name follows the ticks of
    # the results before it, and must not touch them ("3map()", "43" and
    # "apply()" read as one word).
    with Screen(NAME + "-calls", 200, 50, poolscope("--", "python3",
                                                    CALLS)) as s:
        scr = s.wait_for(finished, 30)
        t.ok(scr is not None, "eight maps and applies run to the end",
             s.last)
        caller = line_of(scr, r"^ caller ") or ""
        t.ok("map()" in caller or "apply()" in caller,
             "the caller's lane names the calls", caller)
        t.ok(re.search("[0-9+\u2193][a-z_]+\\(\\)", caller) is None,
             "no call's name touches a count or an arrow before it", caller)
        s.send("q")
        t.eq(s.wait_exit(10), 0, "q: exit 0")


@case
def no_pool_at_80x24():
    # A program with no pool: no style, no size, no worker, not even an
    # idle one, while it runs and when it has ended.
    with Screen(NAME + "-nopool", 80, 24, poolscope("--", "python3",
                                                     NO_POOL)) as s:
        scr = s.wait_for(lambda x: "Number of processors" in x and
                         "no pool yet" in x, 20)
        t.ok(scr is not None and header(scr).startswith(
            " no_pool.py  no pool / ") and " map " not in header(scr),
             "running: the header says no pool, with no call style",
             header(s.last))
        t.ok(scr is not None and workers(scr) == [] and
             "no pool yet: the program has made none so far" in scr,
             "no worker row drawn, not even an idle one: it says so", s.last)
        s.send("q")
        s.wait_for(lambda x: "Quit and stop it? (y/n)" in x, 10)
        s.send("y")
        t.eq(s.wait_exit(10), 1, "q, y: left before its end, status 1")


@case
def from_setup():
    # The set-up screen: f, a .py path, Enter: it is run as it is.
    with Screen(NAME + "-setup", 80, 24, poolscope()) as s:
        s.wait_for(lambda x: "Start:" in x, 10)
        s.send("f")
        s.wait_for(lambda x: "typing a path" in x, 5)
        s.type(SLOW_MAP)
        s.send("Enter")
        scr = s.wait_for(lambda x: "[ Start: python3 slow_map.py ]" in x, 5)
        t.ok(scr is not None, "f and a .py path: Start says it runs the "
             "program", s.last)
        t.ok(line_of(scr, "Run: python3 slow_map.py") is not None,
             "and the list's rule that the settings above are not its pool",
             s.last)
        s.send("Enter")
        scr = s.wait_for(lambda x: header(x).startswith(" slow_map.py  map"),
                         20)
        t.ok(scr is not None, "Enter: the program runs, its name in the "
             "header", s.last)
        s.wait_for(finished, 30)
        s.send("q")
        t.eq(s.wait_exit(10), 0, "q: exit 0")


@case
def kill_and_quit():
    with Screen(NAME + "-k", 80, 24, poolscope("--", "python3", HANG)) as s:
        scr = s.wait_for(busy(3), 20)
        t.ok(scr is not None, "three workers busy", s.last)
        pids = [w["pid"] for w in workers(scr or "")]
        s.send("k")
        scr = s.wait_for(lambda x: CROSS in x and "killed by SIGKILL" in x,
                         20)
        t.ok(scr is not None, "k: the task worker 0 held failed, marked " +
             CROSS + ", its worker killed by SIGKILL", s.last)
        t.ok(re.search(r"task \d was lost with its worker: its Pool waits "
                       r"for ever \(q ends it\)", scr or "")
             is not None, "the caller's line: the program will not end by "
             "itself, and q ends it", line_of(scr, "lost") or s.last)
        s.send("q")
        scr = s.wait_for(lambda x: "y" in (line_of(x, r"\?") or ""), 5)
        s.send("y")
        t.eq(s.wait_exit(20) is not None, True, "q, y: poolscope ends while "
             "the program would wait for ever")
        t.eq(wait_gone(pids, 10), [], "none of the program's workers is "
             "left")


main(t)
