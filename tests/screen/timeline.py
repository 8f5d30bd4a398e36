"""The run screen's timeline, as a class sees it, in a private tmux server:
for every call style at 80x24, and at 120x40 and 200x50, the lanes' width
and height, a block per task with an edge between neighbours and a colour
per chunk, the caller's lane (blocked with what it waits for, or free, and
where its ticks fall, never two counts side by side), the queue strip and the results held back, a killed
task's cross, the 'of 64' indicator and its keys, + faster and - slower
(live and in a replay), zoom, follow, the cursor and its line (by key and
by mouse), the heat map, what just happened and the events pane."""
import os
import re
import tempfile

from pstest import run
from tmuxtest import (TAP, Screen, add_case, case, main, poolscope, workers,
                      done_count, line_of)

t = TAP()
NAME = "ps-timeline-%d" % os.getpid()
BAR = "\u2502"
EDGE = "\u258f"
CROSS = "\u2717"
GREY = 245              # the caller's blocked bar (a 256-colour terminal)
GREEN, RED = 2, 1       # a tick; a failed task


def header(x):
    return (x or "\n").splitlines()[0]


def state(x):
    m = re.search(r"\d s  (.*?)\s*$", header(x))
    return m.group(1) if m else None


def finished(x):
    return state(x) in ("finished", "finished, with failures") and \
        "Summary" in x


def row_of(x, slot):
    """The screen line of worker slot's first row."""
    for w in workers(x):
        if w["slot"] == slot:
            return w["line"]
    return None


def lane(x, slot):
    """The lane part of worker slot's first row."""
    line = row_of(x, slot)
    return line[line.index(BAR) + 1:] if line and BAR in line else None


def caller(x):
    return line_of(x, r"^ caller  ") or ""


def queue_row(x):
    return line_of(x, r"^ (queue|processes)\b") or ""


def row_index(rows, pattern):
    for i, r in enumerate(rows):
        if re.search(pattern, "".join(c[0] for c in r)):
            return i
    return None


def lane_cells(rows, i):
    """The cells of row i right of the table's bar."""
    text = "".join(c[0] for c in rows[i])
    return rows[i][text.index(BAR) + 1:]


def blocks(cells):
    """The blocks of a lane row: (first column, label, background), a block
    starting where a task's label (a number, maybe after an edge or a
    cross) is."""
    out, c = [], 0
    while c < len(cells):
        ch = cells[c][0]
        if ch.isdigit() and (c == 0 or not cells[c - 1][0].isdigit()):
            e = c
            while e < len(cells) and cells[e][0].isdigit():
                e += 1
            out.append((c, "".join(x[0] for x in cells[c:e]), cells[c][2]))
            c = e
        else:
            c += 1
    return out


# ---------------------------------------------------------- every style
CALLER = {"apply": r"in apply\(\d+\)", "map": r"blocked in map\(\)",
          "imap": r"next\(\): task \d+", "imap_unordered": r"in next\(\)",
          "apply_async": r"free", "process": r"in join\(\d+\)"}


def every_style(mode, w, h):
    tag = "%s %dx%d" % (mode, w, h)
    # Three workers, nine tasks: each worker gets three, one after another.
    with Screen("%s-%s-%dx%d" % (NAME, mode, w, h), w, h,
                poolscope("--autostart", "-w", "3", "-m", mode, "--pace",
                          "400", "-t", "sleep 10 x9")) as s:
        scr = s.wait_for(lambda x: state(x) == "running" and
                         re.search(CALLER[mode], caller(x)) and
                         len(workers(x)) == 3 and
                         (done_count(x) or (0,))[0] >= 3, 15)
        t.ok(scr is not None, tag + ": while it runs the caller's lane says "
             "what the caller does (%s)" % CALLER[mode], s.last)
        rows = s.cells()
        ci = row_index(rows, r"^ caller  ")
        grey = [c for c in lane_cells(rows, ci) if c[2] == GREY] \
            if ci is not None else []
        if mode == "apply_async":
            t.eq(len(grey), 0, tag + ": the caller is free: no blocked bar")
        else:
            t.ok(len(grey) >= 3, tag + ": the caller is blocked: a bar on its "
                 "lane (%d cells)" % len(grey))

        scr = s.wait_for(finished, 20)
        t.ok(scr is not None, tag + ": the run finishes", s.last)
        scr = scr or s.last
        if mode == "apply":
            queue = next((l for l in scr.splitlines()
                          if l.startswith(" queue ")), "")
            t.ok(re.match(r" queue +0 tasks ", queue) is not None,
                 tag + ": apply()'s queue, empty at the end, holds 0 tasks "
                 "(a plural)", queue)
        line = row_of(scr, 0) or ""
        table = line.index(BAR) if BAR in line else w
        want = 50 if w == 80 else w - 57
        t.ok(w - table - 1 >= want and table <= (27 if w < 100 else 56),
             tag + ": the lanes take %d columns of %d (the table %d)"
             % (w - table - 1, w, table), line)
        rows = s.cells()
        nblocks, edges, touching, colours, pairs = 0, 0, 0, 0, 0
        for slot in range(3):
            i = row_index(rows, r"^[> ] %d +\d+ " % slot)
            if i is None:
                continue
            cells = lane_cells(rows, i)
            b = blocks(cells)
            nblocks += len(b)
            for (c0, l0, bg0), (c1, l1, bg1) in zip(b, b[1:]):
                # (six colours, a chunk each: tasks six chunks apart share)
                if int(l0) % 6 != int(l1) % 6:
                    pairs += 1
                    colours += bg0 != bg1
                # Two tasks that touch (no idle between) have an edge.
                if cells[c1 - 1][0] not in ("\u00b7", " "):
                    touching += 1
                    edges += cells[c1 - 1][0] == EDGE
        t.eq(nblocks, 9, tag + ": every task is a block with its index")
        t.ok(edges == touching and (mode == "apply" or touching == 6),
             tag + ": an edge wherever two tasks of a worker meet "
             "(%d of %d)" % (edges, touching))
        t.eq(colours, pairs, tag + ": and each task (a chunk of one) in a "
             "colour of its own")
        # The ticks: map's all at the end; apply_async's as tasks end.
        ci = row_index(rows, r"^ caller  ")
        ticks = [k for k, c in enumerate(lane_cells(rows, ci)) if c[2] == GREEN] \
            if ci is not None else []
        lw = w - table - 1
        if mode == "map":
            t.ok(ticks and min(ticks) > lw * 0.8, tag + ": map's results reach "
                 "the caller at once, at the end (ticks at %s of %d)"
                 % (ticks, lw))
        elif ticks:
            t.ok(min(ticks) < lw * 0.6, tag + ": results reach the caller "
                 "during the run (the first tick at %d of %d)" % (min(ticks), lw))
        else:
            t.ok(False, tag + ": ticks on the caller's lane", scr)
        s.send("q")
        t.eq(s.wait_exit(10), 0, tag + ": q quits, exit 0")


for m in CALLER:
    add_case("style_%s_80x24" % m, every_style, m, 80, 24)
for m in ("map", "apply_async"):
    for size in ((120, 40), (200, 50)):
        add_case("style_%s_%dx%d" % ((m,) + size), every_style, m, *size)


# ------------------------------------------------- tall lanes, big screens
@case
def tall_lanes_200x50():
    with Screen(NAME + "-tall", 200, 50,
                poolscope("--autostart", "-w", "4", "-m", "imap", "-t",
                          "sleep 300 x8")) as s:
        scr = s.wait_for(finished, 15)
        t.ok(scr is not None, "200x50: the run finishes", s.last)
        lines = (scr or "").splitlines()
        i = next((k for k, l in enumerate(lines) if l.startswith("> 0 ")), None)
        under = lines[i + 1] if i is not None and i + 1 < len(lines) else ""
        t.ok("sleep 300" in under[under.find(BAR):] and
             "300" in (lines[i + 2] if i + 2 < len(lines) else ""),
             "200x50: a worker's lane is three rows: index, task, value",
             "\n".join(lines[i:i + 3] if i is not None else lines))
        rows = len([l for l in lines if l.strip()])
        t.ok(rows >= 40, "200x50: the screen is used (%d of 50 rows)" % rows)
        s.send("q")
        s.wait_exit(10)


def caller_counts_apart(spec, w, size):
    # Forty sleeps ending a millisecond apart: most columns of the caller's
    # lane get results, several each.  Counts side by side would read as
    # one number (3, 2 and 3 as 323), and a label touching a count as
    # next()4: neither may be drawn.
    cols, rows = size
    with Screen(NAME + "-apart-%d" % cols, cols, rows,
                poolscope("--autostart", "-w", str(w), "-m", "imap_unordered",
                          "-t", spec)) as s:
        scr = s.wait_for(finished, 30)
        t.ok(scr is not None, "%dx%d: the run finishes" % size, s.last)
        lane = caller(scr)
        lane = lane[lane.index(BAR) + 1:] if BAR in lane else ""
        t.ok(lane.strip() and not re.search(r"[0-9+][0-9+]", lane) and
             not re.search(r"[)a-z][0-9+\u2193]", lane),
             "%dx%d: no two counts side by side on the caller's lane, and "
             "no label touching one" % size, lane)
        s.send("q")
        s.wait_exit(10)


for size in ((80, 24), (200, 50)):
    add_case("caller_counts_apart_%dx%d" % size, caller_counts_apart,
             "sleep 100..139", 40, size)
add_case("caller_counts_apart_bursts", caller_counts_apart,
         "sleep 100 x3; sleep 110 x2; sleep 120 x3; sleep 300 x8", 8,
         (80, 24))


# ------------------------------------------------------- killed, queue
@case
def killed_task():
    with Screen(NAME + "-kill", 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "apply_async", "-t",
                          "sleep 1500 x4")) as s:
        scr = s.wait_for(lambda x: row_of(x, 0) and
                         workers(x)[0]["state"] == "busy" and
                         re.search(r"  0\.[5-9]\d\d s  running", header(x)),
                         10)
        t.ok(scr is not None, "kill: worker 0 is busy with task 0, half a "
             "second in", s.last)
        s.send("k")
        scr = s.wait_for(lambda x: "killed worker 0" in x, 5)
        t.ok(scr is not None, "k: 'killed worker 0 (pid ...) with SIGKILL'",
             s.last)
        scr = s.wait_for(finished, 20)
        ln = lane(scr or s.last, 0) or ""
        t.ok(re.search(CROSS + r"\d", ln) is not None, "the killed task is a "
             "block with a cross and its index on worker 0's lane", ln)
        rows = s.cells()
        i = row_index(rows, r"^[> ] 0 +\d+ ")
        red = [c for c in lane_cells(rows, i) if c[2] == RED] if i is not None \
            else []
        t.ok(len(red) >= 2, "and it is red (%d cells), not idle" % len(red))
        t.ok(re.search("\u21bb", ln) is not None, "a respawn mark shows where "
             "the slot's new process began", ln)
        got = line_of(scr or s.last, "^ received ") or ""
        t.ok(re.search(r"\d+=TaskError\('worker 0 was killed by the user",
                       got) is not None,
             "at 80 columns the error keeps what happened, its PID dropped "
             "first", got)
        got = line_of(scr or s.last, r"^ \[TaskError") or ""
        t.ok("was killed by the user" in got, "and so does the summary's list",
             got)
        s.send("q")
        t.eq(s.wait_exit(10), 1, "a killed task: exit 1")


@case
def queue_and_held():
    # One worker holds chunk 0 (tasks 0 and 1); the rest wait in the queue.
    with Screen(NAME + "-queue", 80, 24,
                poolscope("--autostart", "-w", "1", "-m", "map", "-c", "2",
                          "-t", "sleep 1500 x8")) as s:
        scr = s.wait_for(lambda x: re.search(r"^ queue +6 tasks +" + BAR +
                                             r"2 3  4 5  6 7", queue_row(x)),
                         10)
        t.ok(scr is not None, "map -c 2: the queue strip shows the chunks "
             "waiting, 2 3 / 4 5 / 6 7, and counts their 6 tasks", s.last)
        s.send("q", "y")
        s.wait_exit(10)
    # imap: tasks 1-3 finish while task 0 runs, and wait for it.
    with Screen(NAME + "-held", 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "imap", "-t",
                          "sleep 1500; sleep 50 x3")) as s:
        scr = s.wait_for(lambda x: "held: 1 2 3" in queue_row(x), 10)
        t.ok(scr is not None, "imap: 'held: 1 2 3', done but held back until "
             "task 0's result", s.last)
        scr = s.wait_for(finished, 15)
        t.ok(scr is not None and "held" not in queue_row(scr),
             "and none held once the caller has them", s.last)
        s.send("q")
        s.wait_exit(10)


# ----------------------------------------------------- more workers than rows
@case
def of_64():
    with Screen(NAME + "-64", 80, 24,
                poolscope("--autostart", "-w", "64", "-m", "apply_async", "-t",
                          "sleep 60000 x64")) as s:
        def all_up(x):
            # Every row shown has its worker started (a slow start, as under
            # a sanitizer, shows '-' for a PID until then).
            m = re.search(r"Workers \* 1-(\d+) of 64", x)
            return m and len(workers(x)) == int(m.group(1))
        scr = s.wait_for(all_up, 20)
        m = re.search(r"Workers \* 1-(\d+) of 64", scr or "")
        t.ok(m is not None, "64 workers at 80x24: 'Workers 1-N of 64'", s.last)
        n = int(m.group(1)) if m else 0
        t.eq(len(workers(scr or "")), n, "and N worker rows show (%d)" % n)
        s.send("End")
        scr = s.wait_for(lambda x: re.search(r"Workers \* %d-64 of 64"
                                             % (65 - n), x) and
                         any(w["slot"] == 63 and w["selected"]
                             for w in workers(x)), 5)
        t.ok(scr is not None, "End: the last rows, worker 63 selected", s.last)
        s.send("PageUp")
        scr = s.wait_for(lambda x: any(w["slot"] == 63 - n and w["selected"]
                                       for w in workers(x)), 5)
        t.ok(scr is not None, "PgUp: a page up", s.last)
        s.send("Home")
        scr = s.wait_for(lambda x: "Workers * 1-%d of 64" % n in x, 5)
        t.ok(scr is not None, "Home: the first rows again", s.last)
        s.send("v")
        scr = s.wait_for(lambda x: re.search(r"^[> ] w0-\d+ +\d+/\d+ busy", x,
                                             re.M), 5)
        t.ok(scr is not None, "v: the heat map, a row per group of workers",
             s.last)
        s.send("v")
        scr = s.wait_for(lambda x: "of 64" in x, 5)
        t.ok(scr is not None, "v again: the lanes", s.last)
        s.send("q", "y")
        s.wait_exit(10)


# -------------------------------------------------------------- speed keys
def time_x(x):
    m = re.search(r"time x(\S+)", (x or "").splitlines()[1]
                  if x and len(x.splitlines()) > 1 else "")
    return m.group(1) if m else None


@case
def faster_slower():
    with Screen(NAME + "-speed", 80, 24,
                poolscope("--autostart", "-w", "2", "-t", "sleep 400 x40")) as s:
        s.wait_for(lambda x: state(x) == "running", 10)
        s.send("+")
        scr = s.wait_for(lambda x: time_x(x) == "0.5" and
                         "faster: time scale x0.5" in x.splitlines()[-1], 5)
        t.ok(scr is not None, "+ is faster: time x0.5, and the footer says so",
             s.last)
        s.send("-", "-")
        scr = s.wait_for(lambda x: time_x(x) == "2" and
                         "slower: time scale x2" in x.splitlines()[-1], 5)
        t.ok(scr is not None, "- twice is slower: time x2", s.last)
        s.send("q", "y")
        s.wait_exit(10)
    tmp = tempfile.mkdtemp(prefix="ps-timeline-")
    rec = os.path.join(tmp, "r.json")
    run(["--batch", "-q", "-w", "2", "--record", rec, "-t", "sleep 200 x10"])
    with Screen(NAME + "-rspeed", 80, 24, poolscope("--replay", rec)) as s:
        s.wait_for(lambda x: header(x).startswith(" poolscope replay"), 10)
        s.send("+")
        scr = s.wait_for(lambda x: "faster: playing at 2x the recorded pace"
                         in x.splitlines()[-1], 5)
        t.ok(scr is not None, "a replay: + plays faster (2x)", s.last)
        s.send("-", "-")
        scr = s.wait_for(lambda x: "slower: playing at 0.5x" in x, 5)
        t.ok(scr is not None, "a replay: - plays slower", s.last)
        s.send("q")
        s.wait_exit(10)
    os.unlink(rec)
    os.rmdir(tmp)


# -------------------------------------------------- zoom, cursor, mouse
def axis_first(x):
    """The axis' first label, in seconds."""
    rule = line_of(x, "^\u2500 Workers") or ""
    m = re.search(r"\u252c(\d+(?:\.\d+)?)s", rule)
    return float(m.group(1)) if m else None


def axis_span(x):
    """The seconds the lanes span, from the axis' first two labels and
    their columns (on the rule over the lanes)."""
    rule = line_of(x, "^\u2500 Workers") or ""
    labels = [(m.start(), float(m.group(1))) for m in
              re.finditer(r"\u252c(\d+(?:\.\d+)?)s", rule)]
    bar = (row_of(x, 0) or "").find(BAR)
    if len(labels) < 2 or bar < 0:
        return None
    (c0, t0), (c1, t1) = labels[:2]
    return (t1 - t0) / (c1 - c0) * (len(rule) - bar - 1)


@case
def zoom_cursor_mouse():
    with Screen(NAME + "-zoom", 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "imap", "-t",
                          "sleep 200 x8; sleep 4000 x2")) as s:
        scr = s.wait_for(lambda x: done_count(x) == (8, 10), 15)
        t.ok(scr is not None, "8 of 10 done, two long tasks running", s.last)
        s.send("Space")
        scr = s.wait_for(lambda x: state(x) == "PAUSED", 5)
        m = re.search(r"  (\d+\.\d+) s  PAUSED", header(scr))
        now = float(m.group(1)) if m else None
        before = axis_span(scr)
        t.ok(now and before and now <= before <= max(now * 1.5, 0.6),
             "the axis fits the run so far: %s s shown at %s s" % (before, now),
             line_of(s.last, "^\u2500 Workers"))
        s.send("z")
        scr = s.wait_for(lambda x: axis_span(x) and before and
                         axis_span(x) < before * 0.7, 5)
        t.ok(scr is not None, "z zooms in: the axis spans less (%s s)"
             % axis_span(s.last), line_of(s.last, "^\u2500 Workers"))
        first = axis_first(s.last)
        s.send("<", "<")
        scr = s.wait_for(lambda x: axis_first(x) is not None and first is not
                         None and axis_first(x) < first, 5)
        t.ok(scr is not None, "< moves the zoomed timeline back in time (from "
             "%s s to %s s)" % (first, axis_first(s.last)),
             line_of(s.last, "^\u2500 Workers"))
        back = axis_first(s.last)
        s.send(">")
        scr = s.wait_for(lambda x: axis_first(x) is not None and back is not
                         None and axis_first(x) > back, 5)
        t.ok(scr is not None, "> moves it on", line_of(s.last, "^\u2500 Workers"))
        s.send("f")
        scr = s.wait_for(lambda x: axis_span(x) and before and
                         abs(axis_span(x) - before) < before * 0.1, 5)
        t.ok(scr is not None, "f fits the run again (%s s)" % axis_span(s.last),
             line_of(s.last, "^\u2500 Workers"))
        s.send("Left")
        scr = s.wait_for(lambda x: re.search(r"^ cursor  task \d+ \(sleep "
                                             r"4000\) running; worker 0, pid "
                                             r"\d+", x, re.M), 5)
        t.ok(scr is not None, "Left: the cursor is on worker 0's running task, "
             "and the line under the header says all about it", s.last)
        s.send("Left")
        scr = s.wait_for(lambda x: re.search(r"^ cursor  task \d+ \(sleep 200\)"
                                             r" returned 200 \(the caller's "
                                             r"\d+(st|nd|rd|th)\)", x, re.M), 5)
        t.ok(scr is not None, "Left again: the task before it, which "
             "returned 200 to the caller", s.last)
        # A click on worker 1's lane (an xterm's SGR mouse report, as
        # TERM=xterm-256color says: press, release).
        lines = (scr or "").splitlines()
        y = next((k for k, l in enumerate(lines) if re.match(r"^  1 +\d+ ", l)),
                 None)
        x = 30
        if y is not None:
            for end in ("M", "m"):
                s.tmux("send-keys", "-t", s.target, "-l",
                       "\x1b[<0;%d;%d%s" % (x + 1, y + 1, end))
        scr = s.wait_for(lambda x: re.search(r"^ cursor  task \d+ .*worker 1,",
                                             x, re.M) and
                         any(w["slot"] == 1 and w["selected"]
                             for w in workers(x)), 5)
        t.ok(scr is not None, "a click on a block selects its worker and puts "
             "the cursor on it", s.last)
        s.send("Escape")
        scr = s.wait_for(lambda x: line_of(x, r"^ latest  ") is not None, 5)
        t.ok(scr is not None, "Esc: the cursor goes, what just happened is "
             "back", s.last)
        s.send("q", "y")
        s.wait_exit(10)


# ---------------------------------------------------------------- compare
@case
def compare_every_worker():
    # Four call styles on four workers at 80x24: every worker's lane shows
    # for every style, and map's caller (a bar) differs from apply_async's
    # (free) here too.
    with Screen(NAME + "-cmp", 80, 24,
                poolscope("--compare", "apply,map,imap,apply_async", "-w", "4",
                          "-t", "sleep 100 x8")) as s:
        for k in range(4):
            want = "(%d of 4)" % (k + 1) if k < 3 else "all 4 done"
            s.wait_for(lambda x: want in x.splitlines()[-1] and finished(x), 20)
            s.send("Space")
        scr = s.wait_for(lambda x: "one time axis" in x.splitlines()[-1], 10)
        t.ok(scr is not None, "--compare: the side-by-side view", s.last)
        lines = (scr or "").splitlines()
        heads = [i for i, l in enumerate(lines)
                 if re.match(r"^ (apply|map|imap|apply_async) +\d.*\u2502", l) or
                 re.match(r"^\u2500 (apply|map|imap|apply_async): ", l)]
        t.ok(len(heads) == 4, "a section per call style", scr)
        shown = []
        for a, b in zip(heads, heads[1:] + [len(lines) - 1]):
            ws = set()
            for l in lines[a:b]:
                m = re.match(r"^ workers? (\d+)(?:, (\d+)|-(\d+))?", l)
                if m:
                    lo = int(m.group(1))
                    hi = int(m.group(2) or m.group(3) or lo)
                    ws |= set(range(lo, hi + 1))
            shown.append(sorted(ws))
        t.eq(shown, [[0, 1, 2, 3]] * 4, "every worker of every style has a "
             "lane (or half a row) at 80x24")
        # Each style's caller row: its label row, or the row under its rule.
        rows = s.cells()
        bars, style = [], None
        for i, r in enumerate(rows):
            text = "".join(c[0] for c in r)
            m = re.match(r"^\u2500 (\w+): |^ (\w+) +\d", text)
            if m:
                style = m.group(1) or m.group(2)
            if BAR in text and (text.startswith(" caller ") or
                                (m and m.group(2))):
                bars.append((style, len([c for c in lane_cells(rows, i)
                                         if c[2] == GREY])))
        t.ok(dict(bars).get("map", 0) > 10 and dict(bars).get("apply_async", 1)
             == 0, "map's caller lane is a bar, apply_async's has none", bars)
        s.send("q")
        s.wait_exit(10)


# ------------------------------------------------ what just happened, events
@case
def latest_and_events():
    with Screen(NAME + "-latest", 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "apply_async", "-t",
                          "sleep 300 x4")) as s:
        scr = s.wait_for(lambda x: re.search(
            r"^ latest  (worker \d (took|finished) task \d|the callback "
            r"received)", x, re.M), 10)
        t.ok(scr is not None, "what just happened, in words, under the "
             "caller's line", s.last)
        scr = s.wait_for(lambda x: finished(x) and
                         "Events (nothing printed)" in x and
                         re.search(r"\d s \u2502worker \d \(pid \d+\) exited 0",
                                   x), 15)
        t.ok(scr is not None, "nothing printed: the last events, each with its "
             "time, instead of an empty output pane", s.last)
        s.send("q")
        s.wait_exit(10)


@case
def latest_after_a_run():
    """A chunk of squares comes to the screen as one run: the words say
    what its last task did, as they would had it come alone.  (Each worker
    starts with a sleep, so that the run is the latest news.)"""
    with Screen(NAME + "-latest-run", 80, 24,
                poolscope("--autostart", "-w", "2", "-m", "map", "-c", "20",
                          "-t", "sleep 3000; square 2..20; sleep 300; "
                          "square 22..40")) as s:
        scr = s.wait_for(lambda x: (done_count(x) or (0, 0))[0] == 20 and
                         "running" in x.splitlines()[0], 30)
        t.ok(scr is not None and re.match(r" latest  worker \d finished task "
                                          r"39 \(square 40\): 1600$",
                                          (line_of(scr, r"^ latest  ") or "")
                                          .rstrip()),
             "a run's last task, in words, while the chunk before it still "
             "sleeps", s.last)
        s.send("q")
        s.wait_for(lambda x: "Quit" in x, 5)
        s.send("y")
        s.wait_exit(10)


main(t)
