"""The set-up screen, driven in a private tmux server: processor count,
pool size and oversubscription, call style, task editor, start and quit."""
import os
import re

from tmuxtest import (SLOW, TAP, Screen, case, main, poolscope, line_of,
                      children, pid_alive, sanitizer_report)

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
        t.ok(re.search(r"^[> ] Pool size\s+< %d >" % CPUS, scr, re.M) is not None,
             "Pool size defaults to the processor count", line_of(scr, "Pool size"))
        t.ok(all(re.search(r"^[> ] %s\s" % re.escape(mo), scr, re.M)
                 for mo in MODES), "Call style lists the six modes", scr)
        t.ok("Call style" in scr and "Task list" in scr
             and line_of(scr, r"^[> ] squares\s+10\b") is not None
             and line_of(scr, r"^[> ] sleeps-mixed\s+8\b") is not None,
             "Task list shows the assets with their task counts", scr)
        t.eq(start_line(scr), ("map", str(CPUS), "10"),
             "Start line: map, processor-count workers, the 10 squares")
        t.ok(re.search(r"q quit", scr.splitlines()[-1]) is not None,
             "footer names the keys (q quit)", scr.splitlines()[-1:])

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

        # Call style: Down into the list moves the selection.
        t.ok(focus(s, r"Max tasks/child"), "Down reaches Max tasks/child", s.last)
        s.send("Down")      # to the Lesson field
        scr = s.wait_for(lambda x: focused(x, r"^[> ] Lesson\s"), 5)
        t.ok(scr is not None and "< none >" in line_of(scr, "Lesson"),
             "Down reaches the Lesson field (none chosen)", s.last)
        s.send("Down")      # into the Call style list (selection stays on map)
        s.send("Down")      # map -> imap
        scr = s.wait_for(lambda x: (start_line(x) or ("",))[0] == "imap"
                         and focused(x, r"^[> ] imap\s"), 5)
        t.eq(start_line(s.last), ("imap", str(CPUS), "10"),
             "Down in the Call style list: Start line says imap")
        t.ok(focused(s.last, r"^[> ] imap\s"), "imap is marked selected",
             line_of(s.last, r"^[> ] imap\s"))
        s.send("Down", "Down")
        scr = s.wait_for(lambda x: (start_line(x) or ("",))[0] == "apply_async", 5)
        t.eq(start_line(s.last), ("apply_async", str(CPUS), "10"),
             "two more Downs: apply_async")

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
        scr = s.wait_for(r"^ poolscope  map  %d workers? / \d+" % CPUS, 10)
        t.ok(scr is not None, "Enter: the run screen header appears", s.last)
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
        s.wait_for(r"squar 3", 5)
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


# --- 160x50: the whole task list, a file, Esc quits -----------------------
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
        pid = s.poolscope_pid()
        s.send("Escape")
        t.eq(s.wait_exit(10), 0, "Esc on the set-up screen quits with status 0")
        t.ok(gone_after_exit(s, pid), "terminal restored and poolscope gone",
             s.last + "\nalternate_on=%s" % s.alternate_on())


main(t)
