"""The set-up screen, driven in a private tmux server: processor count,
pool size and oversubscription (Left and Right, typed digits, the limit),
fields that Up and Down move between without changing a choice, the call
style, the keys' help, the task list's preview and scroll hint, the task
editor that checks as you type, a file that cannot be read, start and
quit."""
import os
import re

from tmuxtest import (SLOW, TAP, Screen, case, main, poolscope, line_of,
                      children, pid_alive, sanitizer_report, workers)

t = TAP()
NAME = "ps-setup-%d" % os.getpid()
CPUS = os.sysconf("SC_NPROCESSORS_ONLN")
SQUARES = "[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]"
MODES = ["apply (sync)", "map", "imap", "imap_unordered", "apply_async (async)",
         "process"]
START = r"\[ Start: (\S+), (\d+) workers?, (\d+) tasks? \]"


def focused(text, pattern):
    """True if the line matching pattern carries the focus mark '>'."""
    line = line_of(text, pattern)
    return line is not None and line.startswith(">")


def focus(s, pattern, tries=20):
    """Press Down until the field matching pattern has the focus."""
    for _ in range(tries):
        if s.wait_for(lambda x: focused(x, pattern), 0.5):
            return True
        s.send("Down")
    return s.wait_for(lambda x: focused(x, pattern), 2) is not None


def setup_complete(x):
    """The whole set-up screen is drawn (the capture may catch a frame
    half drawn, so wait for every part checked afterwards)."""
    return ("Number of processors" in x and start_line(x) is not None
            and all(f in x for f in ("Pool size", "Chunksize", "Time scale",
                                     "Max tasks/child", "Call style",
                                     "Task list", "squares"))
            and all(line_of(x, r"^[> ] %s\s" % re.escape(mo)) for mo in MODES)
            and "q quit" in x.splitlines()[-1])


def start_line(text):
    m = re.search(START, text or "")
    return m.groups() if m else None


def gone_after_exit(s, pid):
    """No poolscope left (pid), the pane is out of the alternate screen and
    shows no sanitizer report."""
    left = pid is not None and pid_alive(pid)
    return (not left) and s.alternate_on() == 0 and \
        sanitizer_report(s.capture()) is None


# --- 80x24: what the set-up screen shows, and the fields ------------------
@case
def setup_screen_80x24():
    with Screen(NAME + "-a", 80, 24, poolscope()) as s:
        scr = s.wait_for(setup_complete, 10)
        t.ok(scr is not None, "80x24: set-up screen appears", s.last)
        scr = scr or ""
        t.ok(scr.startswith(" poolscope  set up a pool, then watch it work"),
             "title line", scr.splitlines()[:1])
        m = re.search(r"Number of processors: (\d+)", scr)
        shown = int(m.group(1)) if m else None
        t.eq(shown, CPUS, "processor count shown is sysconf(_SC_NPROCESSORS_ONLN)")
        t.ok(shown == os.cpu_count() or CPUS != os.cpu_count(),
             "and equals os.cpu_count() (%s)" % os.cpu_count())
        t.ok(all(re.search(r"^[> ] %s\s+< .+ >" % re.escape(f), scr, re.M)
                 for f in ("Pool size", "Chunksize", "Time scale",
                           "Max tasks/child")),
             "fields Pool size, Chunksize, Time scale, Max tasks/child with < value >",
             scr)
        # Nothing given: the first example, Pool(5).map(square, 1..10),
        # paced so that its tasks spread over the five workers.
        t.ok(re.search(r"^[> ] Pool size\s+< 5 >", scr, re.M) is not None and
             re.search(r"^[> ] Pace\s+< 300 ms >", scr, re.M) is not None,
             "nothing given: the first example's Pool(5), paced 300 ms",
             scr)
        t.ok(all(re.search(r"^[> ] %s\s" % re.escape(mo), scr, re.M)
                 for mo in MODES), "Call style lists the six modes", scr)
        t.ok(re.search(r"^─ Task list: squares, 10 tasks: square 1, square 2",
                       scr, re.M) is not None,
             "the Task list rule previews the chosen list", line_of(scr, "Task list"))
        t.ok(re.search(r"\u2193 \d+ more", scr) is not None,
             "the lists that do not fit at 80x24 say how many more there are",
             scr)
        t.ok(line_of(scr, r"^[> ] squares\s+10\b") is not None
             and line_of(scr, r"^[> ] sleeps-mixed\s+8\b") is not None,
             "Task list shows the assets with their task counts", scr)
        t.eq(start_line(scr), ("map", "5", "10"),
             "Start line: map, 5 workers, the 10 squares")
        t.ok(re.search(r"q quit", scr.splitlines()[-1]) is not None,
             "footer names the keys (q quit)", scr.splitlines()[-1:])

        # Typed, the pool size becomes the processor count.
        t.ok(focus(s, r"Pool size"), "Down reaches Pool size", s.last)
        s.send(str(CPUS))
        scr = s.wait_for(lambda x: (start_line(x) or "  ")[1] == str(CPUS), 5)
        t.ok(scr is not None and "oversubscribed" not in line_of(scr, "Pool size"),
             "typing %d: as many workers as processors, not oversubscribed"
             % CPUS, s.last)

        # Pool size beyond the processors: oversubscribed.
        t.ok(focus(s, r"Pool size"), "Down reaches Pool size", s.last)
        s.send("Right")
        scr = s.wait_for(lambda x: re.search(r"Pool size\s+< %d >.*oversubscribed"
                                             % (CPUS + 1), x)
                         and (start_line(x) or "  ")[1] == str(CPUS + 1), 5)
        t.ok(scr is not None and "oversubscribed" in line_of(scr, "Pool size"),
             "Right: Pool size %d shows oversubscribed" % (CPUS + 1), s.last)
        t.eq(start_line(scr), ("map", str(CPUS + 1), "10"),
             "Start line follows the pool size")
        s.send("Left")
        scr = s.wait_for(lambda x: re.search(r"Pool size\s+< %d >" % CPUS, x)
                         and (start_line(x) or "  ")[1] == str(CPUS), 5)
        t.ok(scr is not None and "oversubscribed" not in scr,
             "Left: back to %d, not oversubscribed" % CPUS, s.last)
        s.send(*["Left"] * CPUS)     # down to 1, and one more: it stays at 1
        scr = s.wait_for(lambda x: re.search(r"Pool size\s+< 1 >", x)
                         and (start_line(x) or "  ")[1] == "1", 5)
        t.ok(scr is not None, "Left: Pool size goes down to 1 and stays", s.last)
        t.ok(scr is not None and "[ Start: map, 1 worker, 10 tasks ]" in scr, "one worker: the Start line says '1 worker'", line_of(s.last, START))
        s.send(*["Right"] * (CPUS - 1))
        scr = s.wait_for(lambda x: re.search(r"Pool size\s+< %d >" % CPUS, x), 5)
        t.ok(scr is not None, "Right: back to %d" % CPUS, s.last)

        # Digits: the first replaces the pool size, the next add to it;
        # Backspace takes one off; past the limit a digit is refused.
        s.send("5")
        scr = s.wait_for(lambda x: re.search(r"Pool size\s+< 5_ >", x) and
                         (start_line(x) or "  ")[1] == "5", 5)
        t.ok(scr is not None, "typing 5 on Pool size gives 5 (not %d5)" % CPUS,
             s.last)
        s.send("0", "0")
        scr = s.wait_for(lambda x: (start_line(x) or "  ")[1] == "500", 5)
        t.ok(scr is not None, "5, 0, 0: 500 workers", s.last)
        s.send("0")
        scr = s.wait_for(lambda x: "Pool size: at most 4096; it stays at 500"
                         in x and (start_line(x) or "  ")[1] == "500", 5)
        t.ok(scr is not None, "a fourth digit (5000) is refused with a message; "
             "500 stays (not reset to 1)", s.last)
        s.send("BSpace", "BSpace")
        scr = s.wait_for(lambda x: re.search(r"Pool size\s+< 5_ >", x) and
                         (start_line(x) or "  ")[1] == "5", 5)
        t.ok(scr is not None, "Backspace twice: 5", s.last)
        s.send("BSpace", "3")
        scr = s.wait_for(lambda x: (start_line(x) or "  ")[1] == "3", 5)
        t.ok(scr is not None, "Backspace and 3: 3", s.last)
        s.send("Down", "Up", "4")
        scr = s.wait_for(lambda x: (start_line(x) or "  ")[1] == "4", 5)
        t.ok(scr is not None, "back on the field, a digit replaces the value "
             "again: 4", s.last)
        s.send("Left")
        scr = s.wait_for(lambda x: re.search(r"Pool size\s+< 3 >", x), 5)
        t.ok(scr is not None, "Left after typing: 3", s.last)

        # Up and Down move between fields and never change a choice on the
        # way; Left and Right change the call style.
        t.ok(focus(s, r"Max tasks/child"), "Down reaches Max tasks/child", s.last)
        s.send("Down")      # to the Lesson field
        scr = s.wait_for(lambda x: focused(x, r"^[> ] Lesson\s"), 5)
        t.ok(scr is not None and "< none >" in line_of(scr, "Lesson"),
             "Down reaches the Lesson field (none chosen)", s.last)
        s.send("Down", "Down", "Down")      # Call style, Task list, Start
        scr = s.wait_for(lambda x: focused(x, r"\[ Start:"), 5)
        t.eq(start_line(s.last), ("map", "3", "10"),
             "Down through Call style and Task list: still map, still the "
             "10 squares")
        s.send("Up", "Up")
        scr = s.wait_for(lambda x: focused(x, r"^─ Call style"), 5) or \
            s.wait_for(lambda x: "Call style" in x, 1)
        s.send("Right")
        scr = s.wait_for(lambda x: (start_line(x) or ("",))[0] == "imap"
                         and line_of(x, r"^> imap\s"), 5)
        t.eq(start_line(s.last), ("imap", "3", "10"),
             "Right on Call style: Start line says imap")
        s.send("Right", "Right")
        scr = s.wait_for(lambda x: (start_line(x) or ("",))[0] == "apply_async", 5)
        t.eq(start_line(s.last), ("apply_async", "3", "10"),
             "two more Rights: apply_async")

        # ? and F1: the keys' help; any key closes it.
        for key in ("?", "F1"):
            s.send(key)
            scr = s.wait_for(lambda x: "Keys" in x and "type a number" in x, 5)
            t.ok(scr is not None, key + " on the set-up screen shows the keys' "
                 "help", s.last)
            s.send("z")
            scr = s.wait_for(lambda x: "type a number" not in x and
                             setup_complete(x), 5)
            t.ok(scr is not None, "any key closes it", s.last)

        pid = s.poolscope_pid()
        s.send("q")
        st = s.wait_exit(10)
        t.eq(st, 0, "q on the set-up screen quits with status 0 (__EXIT=0)")
        t.ok(gone_after_exit(s, pid), "terminal restored and poolscope gone",
             s.last + "\nalternate_on=%s" % s.alternate_on())


# --- Enter starts a run (the default squares, in map) ---------------------
@case
def enter_starts_a_run():
    with Screen(NAME + "-b", 80, 24, poolscope()) as s:
        scr = s.wait_for(setup_complete, 10)
        t.ok(scr is not None and focused(scr, r"\[ Start:"),
             "the Start line has the focus at first", s.last)
        s.send("Enter")
        scr = s.wait_for(r"^ poolscope  map  5 workers / \d+", 10)
        t.ok(scr is not None, "Enter: the run screen header appears", s.last)
        scr = s.wait_for(lambda x: "paced 300 ms" in x.splitlines()[1] and
                         len({w["pid"] for w in workers(x)
                              if w["state"] == "busy"}) == 5, 10)
        t.ok(scr is not None, "the first example: five workers busy at once, "
             "paced 300 ms", s.last)
        scr = s.wait_for(lambda x: "Summary" in x and SQUARES in x
                         and "finished" in x.splitlines()[0], 15)
        t.ok(scr is not None, "the run finishes with Summary and " + SQUARES,
             s.last)
        t.ok(scr is not None and re.search(r"finished", scr.splitlines()[0]),
             "header says finished", (scr or s.last).splitlines()[:1])
        pid = s.poolscope_pid()
        s.send("q")
        st = s.wait_exit(10)
        t.eq(st, 0, "q after the run quits at once with status 0")
        t.ok(gone_after_exit(s, pid), "terminal restored and poolscope gone",
             s.last + "\nalternate_on=%s" % s.alternate_on())


# --- the task editor: a parse error in place, then a fixed list -----------
@case
def task_editor():
    with Screen(NAME + "-c", 80, 24, poolscope()) as s:
        s.wait_for(START, 10)
        pid = s.poolscope_pid()
        s.send("e")
        scr = s.wait_for(r"Type tasks", 5)
        t.ok(scr is not None, "e opens the task editor", s.last)
        s.type("squar 3")
        scr = s.wait_for(lambda x: "squar 3" in x and "typed:1:1:" in x, 5)
        t.ok(scr is not None, "the editor checks as you type: typed:1:1: shows "
             "under it before Esc", s.last)
        s.send("Escape")
        scr = s.wait_for(lambda x: "typed:1:1:" in x
                         and "did you mean 'square'?" in x and setup_complete(x),
                         10)
        t.ok(scr is not None, "Esc on a bad line: error typed:1:1: shown", s.last)
        err = line_of(scr, r"typed:1:1:") or ""
        t.ok("did you mean 'square'?" in err, "with did you mean 'square'?", err)
        # Nothing may happen now: watch for a run for half a second.
        run = s.wait_for(lambda x: not x.startswith(" poolscope  set up a pool")
                         or re.search(r"\d+/\d+ done", x), 0.5 / SLOW)
        t.ok(run is None, "no run starts: still the set-up screen", run)
        kids = [k for k in children(pid) if pid_alive(k)] if pid else []
        t.eq(kids, [], "no worker processes were forked")

        s.send("e")
        scr = s.wait_for(lambda x: "Type tasks" in x
                         and line_of(x, r"^\s+1 squar 3") is not None, 5)
        t.ok(scr is not None,
             "e again: the editor keeps the typed line", s.last)
        s.send(*["BSpace"] * len("squar 3"))
        s.wait_for(lambda x: line_of(x, r"^\s+1 squar") is None, 5)
        s.type("square 1..4")
        s.send("Enter")
        s.type("cube 2")
        s.wait_for(r"cube 2", 5)
        s.send("C-d")
        scr = s.wait_for(r"^ poolscope  map  \d+ workers?", 10)
        t.ok(scr is not None, "^D starts the run", s.last)
        scr = s.wait_for(lambda x: "Summary" in x and "[1, 4, 9, 16, 8]" in x, 15)
        t.ok(scr is not None, "the typed list ran: [1, 4, 9, 16, 8]", s.last)
        s.send("q")
        t.eq(s.wait_exit(10), 0, "q quits with status 0")
        t.ok(gone_after_exit(s, pid), "terminal restored and poolscope gone",
             s.last + "\nalternate_on=%s" % s.alternate_on())


# --- 160x50: the whole task list, a file, a bad path, F10 quits -----------
@case
def task_file_160x50():
    with Screen(NAME + "-d", 160, 50, poolscope()) as s:
        scr = s.wait_for(setup_complete, 10)
        t.ok(scr is not None and line_of(scr, r"^[> ] type a list\s") is not None
             and line_of(scr, r"^[> ] a file\s") is not None,
             "160x50: Task list shows type a list and a file", s.last)
        path = os.path.join(os.environ.get("POOLSCOPE_ASSETS", "assets"),
                            "print-four.tasks")
        s.send("f")
        s.wait_for(r"Path of a task file", 5)
        s.type(os.path.abspath(path))
        s.send("Enter")
        scr = s.wait_for(lambda x: (start_line(x) or ("", "", ""))[2] == "4"
                         and line_of(x, r"^> a file\s+\S*print-four\.tasks"), 5)
        t.ok(scr is not None and line_of(scr, r"^> a file\s+\S*print-four\.tasks"),
             "f + path: a file is selected and the Start line has 4 tasks",
             s.last)
        # A directory, then a missing file: each says why, in place.
        s.send("f")
        s.wait_for(r"Path of a task file", 5)
        s.send(*["BSpace"] * 200)
        s.type("/tmp")
        s.send("Enter")
        scr = s.wait_for(lambda x: "cannot read task file '/tmp': Is a directory"
                         in x, 5)
        t.ok(scr is not None, "f with a directory: 'Is a directory' under the "
             "path", s.last)
        s.send(*["BSpace"] * 10)
        s.type("/nonexistent.tasks")
        s.send("Enter")
        scr = s.wait_for(lambda x: "No such file or directory" in x, 5)
        t.ok(scr is not None, "f with a missing file: 'No such file or "
             "directory'", s.last)
        s.send("Escape")
        scr = s.wait_for(lambda x: "Path of a task file" not in x and
                         setup_complete(x), 5)
        pid = s.poolscope_pid()
        s.send("Escape")
        run = s.wait_for(lambda x: "__EXIT=" in x, 0.5 / SLOW)
        t.ok(run is None and pid_alive(pid), "Esc on the set-up screen does "
             "not quit (q and F10 do)", run)
        s.send("F10")
        t.eq(s.wait_exit(10), 0, "F10 on the set-up screen quits with status 0")
        t.ok(gone_after_exit(s, pid), "terminal restored and poolscope gone",
             s.last + "\nalternate_on=%s" % s.alternate_on())


main(t)
