"""The classroom features on the screen, each in a private tmux server at
80x24: a lesson (caption bar, Space, Backspace, quitting), --caption, the
themes, --cast (the file against what the screen showed), --compare (both
runs, then the side-by-side view) and --replay (play, restart, pause)."""
import atexit
import functools
import json
import os
import re
import tempfile
import time
import shlex
import shutil

from tmuxtest import (TAP, Screen, add_case, case, main, poolscope, workers,
                      done_count, line_of, children, colours, wait_gone,
                      sanitizer_report)
from pstest import run

t = TAP()
NAME = "ps-class-%d" % os.getpid()
W, H = 80, 24
SLEEPS = "sleep 300; sleep 100; sleep 200"
tmp = tempfile.mkdtemp(prefix="ps-class-")
atexit.register(shutil.rmtree, tmp, True)


def lines(text):
    return (text or "").split("\n")[:H] if text else []


def row(text, i):
    ls = lines(text)
    return ls[i] if -len(ls) <= i < len(ls) else ""


def bottom(text):
    """Row H-1 (the last row of the screen), whatever is above it."""
    ls = (text or "").split("\n")
    return ls[H - 1] if len(ls) >= H else ""


def run_header(text):
    """The run screen's header line (' poolscope  MODE  ...') and its row."""
    for i, l in enumerate(lines(text)):
        if l.startswith(" poolscope  ") or l.startswith(" poolscope replay"):
            return i, l
    return None, ""


def state_of(text):
    m = re.search(r"\d s  (.*?)\s*$", run_header(text)[1])
    return m.group(1) if m else None


def fits(text, nworkers=None):
    """The run screen fits the pane: the footer (q quit) on the last row,
    every worker row (as many as the header says, unless given) and the
    Result order panel visible."""
    if nworkers is None:
        m = re.search(r"  (\d+) workers? / ", run_header(text)[1])
        nworkers = int(m.group(1)) if m else -1
    return ("q quit" in bottom(text) and len(workers(text)) == nworkers and
            line_of(text, r"^─ Result order") is not None and
            line_of(text, r"^ received") is not None and
            line_of(text, r"^ submitted") is not None)


def settled(s, pred, timeout=10):
    """wait_for(pred), and the same capture twice in a row: a whole frame."""
    prev = [None]

    def both(x):
        ok = pred(x) and x == prev[0]
        prev[0] = x
        return ok
    return s.wait_for(both, timeout)


def gone_after(s, pid, wpids, what):
    t.eq(s.alternate_on(), 0, what + ": the pane is out of the alternate screen")
    left = wait_gone([p for p in [pid] + list(wpids) if p], 5)
    t.eq(left, [], what + ": no poolscope or worker process left")
    t.eq(sanitizer_report(s.capture()), None, what + ": no sanitizer report")


def quit_screen(s, what, status=None):
    """q, and y if it asks; returns the exit status."""
    s.send("q")
    scr = s.wait_for(lambda x: "Quit and stop it?" in x or
                     re.search(r"__EXIT=\d+", x), 5)
    if scr is not None and "Quit and stop it?" in scr:
        s.send("y")
    st = s.wait_exit(10)
    if status is None:
        t.ok(st is not None, "%s: q quits (status %s)" % (what, st), s.last)
    else:
        t.eq(st, status, "%s: q quits, status %d" % (what, status))
    return st


# --- a lesson: caption bar, its run, Space, Backspace, q --------------------
@case
def lesson_sync_async():
    with Screen(NAME + "-lesson", W, H, poolscope("--lesson", "sync-async")) as s:
        scr = s.wait_for(lambda x: row(x, 0).startswith(" 1/3  Synchronous: "
                                                        "pool.apply in a loop")
                         and run_header(x)[0] is not None and workers(x), 10)
        t.ok(scr is not None, "lesson: the caption bar shows step 1/3 and its "
             "heading on the first line", s.last)
        t.ok(row(scr, 1).startswith(" Eight sleeps of different lengths."),
             "lesson: the caption text is under it", lines(s.last)[:4])
        y, head = run_header(scr)
        t.ok(y is not None and y >= 2 and head.startswith(" poolscope  apply  4 workers"),
             "lesson: the run screen below it runs step 1 with apply, 4 workers",
             head)
        scr = s.wait_for(lambda x: (done_count(x) or (8, 8))[0] < 8 and
                         row(x, 0).rstrip().endswith("running...")
                         and fits(x, 4), 10)
        t.ok(scr is not None, "lesson: while the run goes the bar says running...",
             row(s.last, 0))
        t.ok(scr is not None and fits(scr, 4),
             "lesson, 80x24: caption bar plus run screen fit: q quit on the last "
             "row, 4 worker rows, the Result order panel", s.last)
        pid = s.poolscope_pid()
        t.ok(pid is not None, "lesson: poolscope's PID found under the pane")
        step1 = [w["pid"] for w in workers(scr or s.last)]
        scr = s.wait_for(lambda x: done_count(x) == (8, 8) and
                         "Space: next" in row(x, 0) and "Summary" in x and
                         fits(x, 4) and line_of(x, r"^ received  0=900 ") and
                         line_of(x, r"^ \[900, "), 15)
        t.ok(scr is not None, "lesson: when the run ends the bar says Space: next",
             s.last)
        t.ok(scr is not None and fits(scr, 4) and
             line_of(scr, r"^ received  0=900 1=200 2=600 3=100 4=700 5=300 "
                     r"6=500 7=400") is not None,
             "lesson, 80x24: at the end it still fits, with apply's results in "
             "order", s.last)
        t.ok(row(scr, 0).startswith(" 1/3  "), "lesson: still on step 1/3 until "
             "Space", row(s.last, 0))

        s.send("Space")
        scr = s.wait_for(lambda x: row(x, 0).startswith(" 2/3  Asynchronous: "
                                                        "apply_async")
                         and run_header(x)[1].startswith(" poolscope  apply_async")
                         and len(workers(x)) == 4, 10)
        t.ok(scr is not None, "lesson: Space goes to step 2/3, apply_async in the "
             "run header", s.last)
        t.ok(row(scr, 1).startswith(" The same sleeps with apply_async"),
             "lesson: with step 2's caption", lines(s.last)[:4])
        step2 = [w["pid"] for w in workers(scr or "")]
        t.ok(step2 and not set(step2) & set(step1),
             "lesson: step 2 runs on a new pool (PIDs %s, then %s)" % (step1, step2))
        scr = s.wait_for(lambda x: done_count(x) == (8, 8) and
                         "Space: next" in row(x, 0) and "Summary" in x and
                         fits(x, 4) and line_of(x, r"^ \[100, "), 15)
        t.ok(scr is not None and line_of(scr, r"^ received  3=100 1=200 5=300 "
                                         r"2=600") is not None,
             "lesson: step 2 ends, results as they arrive; the bar says Space: next",
             s.last)
        t.ok(scr is not None and fits(scr, 4), "lesson, 80x24: step 2 fits too",
             s.last)

        s.send("BSpace")
        scr = s.wait_for(lambda x: row(x, 0).startswith(" 1/3  Synchronous")
                         and run_header(x)[1].startswith(" poolscope  apply  ")
                         and (done_count(x) or (8, 8))[0] < 8
                         and len(workers(x)) == 4, 10)
        t.ok(scr is not None, "lesson: Backspace goes back to step 1/3: a new "
             "apply run, the done count restarts (%s)" % (done_count(s.last),),
             s.last)
        again = [w["pid"] for w in workers(scr or "")]
        t.ok(again and not set(again) & set(step2 + step1),
             "lesson: with a new pool again", again)
        scr = s.wait_for(lambda x: (done_count(x) or (0, 0))[0] >= 1 and
                         row(x, 0).startswith(" 1/3"), 10)
        t.ok(scr is not None, "lesson: and that run goes on (%s)"
             % (done_count(s.last),), s.last)
        wp = [w["pid"] for w in workers(scr or s.last)]
        quit_screen(s, "lesson")
        gone_after(s, pid, wp + step1 + step2, "lesson")


# A step without a run: its text fills the screen.
@case
def lesson_page_without_a_run():
    with Screen(NAME + "-page", W, H, poolscope("--lesson", "cpu-count")) as s:
        # The whole page, not just its first row (a capture can fall in
        # the middle of a frame being drawn).
        scr = s.wait_for(lambda x: row(x, 0).startswith(" 1/5  Number of "
                                                        "processors: ") and
                         "q quit" in bottom(x) and
                         line_of(x, r"^   Number of processors: \d+"), 10)
        t.ok(scr is not None and "Space: next" in row(scr, 0) and
             line_of(scr, r"^   Number of processors: \d+") is not None and
             "q quit" in bottom(scr),
             "lesson cpu-count: step 1/5 (no run) shows its page, Space: next, "
             "q quit on the last row", s.last)
        t.eq(len(re.findall(r"says this computer has", scr or "")), 1,
             "the page's text shows once (not in a caption bar above it too)")
        quit_screen(s, "lesson page", 0)


# --- --caption -----------------------------------------------------------------
@case
def caption():
    with Screen(NAME + "-caption", W, H,
                poolscope("--caption", "Lecture 3: pools", "--autostart")) as s:
        scr = s.wait_for(lambda x: "Summary" in x and line_of(x, r"^ \[1, 4, 9")
                         is not None and fits(x), 10)
        t.ok(scr is not None, "--caption: the run ends with its Summary", s.last)
        t.eq(row(scr, 0).rstrip(), " Lecture 3: pools",
             "--caption: the first line is ' Lecture 3: pools'")
        t.ok(row(scr, 1).startswith(" poolscope  map  "),
             "--caption: the run header is on line 2", row(s.last, 1))
        t.ok(scr is not None and fits(scr) and
             line_of(scr, r"^ \[1, 4, 9, 16, 25, 36, 49, 64, 81, 100\]") is not None,
             "--caption, 80x24: footer on the last row, workers, Result order and "
             "the Summary with the results list all show", s.last)
        pid = s.poolscope_pid(1)
        quit_screen(s, "--caption", 0)
        gone_after(s, pid, [], "--caption")


# --- themes -------------------------------------------------------------------
@functools.cache
def theme_palette(theme):
    """The colour settings on the screen with --theme theme (its checks made
    the first time)."""
    with Screen("%s-theme-%s" % (NAME, theme), W, H,
                poolscope("--theme", theme, "--autostart", "-t", "square 1..5")) as s:
        scr = s.wait_for(lambda x: "Summary" in x and
                         line_of(x, r"^ \[1, 4, 9, 16, 25\]") is not None
                         and fits(x), 10)
        t.ok(scr is not None and fits(scr) and
             run_header(scr)[1].startswith(" poolscope  map  "),
             "--theme %s: the run screen shows and the run finishes" % theme,
             s.last)
        esc = s.capture_escapes()
        cols = colours(esc)
        if theme == "mono":
            t.eq(cols, [], "--theme mono: no colour escapes in the pane")
            t.ok("\x1b[7m" in esc or re.search(r"\x1b\[[0-9;]*;7m", esc),
                 "--theme mono: reverse video stands in for colour", esc[:400])
        else:
            t.ok(len(cols) > 0, "--theme %s: colour escapes in the pane"
                 % theme, esc[:400])
        quit_screen(s, "--theme " + theme, 0)
    return set(cols)


for theme in ("default", "light", "high-contrast", "mono"):
    add_case("theme_" + theme.replace("-", "_"), theme_palette, theme)


@case
def themes_differ():
    palettes = {th: theme_palette(th)
                for th in ("default", "light", "high-contrast", "mono")}
    t.ok(palettes.get("light") != palettes.get("default") and
         palettes.get("high-contrast") != palettes.get("default"),
         "light and high-contrast use other colours than the default",
         {k: sorted(v) for k, v in palettes.items()})


# --- --cast -----------------------------------------------------------------------
def parse_cast(path):
    """(header, events, problems)."""
    problems = []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        return None, [], [str(e)]
    ls = text.split("\n")
    if ls and ls[-1] == "":
        ls.pop()
    try:
        head = json.loads(ls[0])
    except (ValueError, IndexError) as e:
        return None, [], ["header: %s" % e]
    events, last = [], 0.0
    for i, l in enumerate(ls[1:], 2):
        try:
            ev = json.loads(l)
        except ValueError as e:
            problems.append("line %d: %s" % (i, e))
            continue
        if not (isinstance(ev, list) and len(ev) == 3 and
                isinstance(ev[0], (int, float)) and ev[1] in ("o", "m", "r")
                and isinstance(ev[2], str)):
            problems.append("line %d: not [time, o|m|r, text]: %r" % (i, l[:80]))
            continue
        if ev[0] < last:
            problems.append("line %d: time %r after %r" % (i, ev[0], last))
        last = ev[0]
        events.append(ev)
    return head, events, problems


def played(data, width, height, want):
    """data (terminal output) written into a fresh width x height pane: the
    capture once it equals want, else the last one."""
    raw = os.path.join(tmp, "play-%d.out" % len(data))
    with open(raw, "w", encoding="utf-8") as f:
        f.write(data)
    with Screen(NAME + "-play", width, height,
                "cat %s && sleep 600" % shlex.quote(raw)) as p:
        return p.wait_for(lambda x: x == want, 5) or p.last


ALT_OFF = "\x1b[?1049l"


@case
def cast_run_screen():
    cast = os.path.join(tmp, "run.cast")
    with Screen(NAME + "-cast", W, H,
                poolscope("--cast", cast, "--autostart", "-t", "square 1..5")) as s:
        scr = s.wait_for(lambda x: "Summary" in x and
                         line_of(x, r"^ \[1, 4, 9, 16, 25\]") is not None, 10)
        t.ok(scr is not None, "--cast: the run shows and ends", s.last)
        s.resize(100, 30)
        scr = settled(s, lambda x: len(x.split("\n")) >= 30 and
                         "q quit" in x.split("\n")[29] and
                         len(line_of(x, r"^─ Result order ") or "") >= 100, 10)
        t.ok(scr is not None, "--cast: resized to 100x30, the screen is redrawn "
             "at that size", s.last)
        shown = scr or s.last
        pid = s.poolscope_pid(1)
        quit_screen(s, "--cast", 0)
        gone_after(s, pid, [], "--cast")
    head, events, problems = parse_cast(cast)
    t.ok(isinstance(head, dict) and head.get("version") == 2 and
         head.get("width") == 80 and head.get("height") == 24,
         "--cast: the first line is an asciicast v2 header, width 80, height 24",
         head)
    t.ok(events and not problems, "--cast: every other line is [time, \"o\"|\"m\"|"
         "\"r\", text], times never going back (%d events)" % len(events),
         "\n".join(problems[:20]))
    out = "".join(e[2] for e in events if e[1] == "o")
    t.ok(all(w in out for w in ("poolscope", "Result order", "square of 5 is 25",
                                "[1, 4, 9, 16, 25]")),
         "--cast: the output holds what the screen showed (poolscope, Result "
         "order, square of 5 is 25, [1, 4, 9, 16, 25])", out[:600])
    k = out.rfind(ALT_OFF)
    t.ok("\x1b[?1049h" in out and k > out.rfind("\x1b[?1049h") and
         re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][0-9A-Z]|[=>])|[\r\n]", "",
                out[k:]) == "",
         "--cast: it ends by leaving the alternate screen (\\e[?1049l, then only "
         "terminal resets)", repr(out[k - 40 if k > 40 else 0:]))
    t.eq([e[2] for e in events if e[1] == "r"], ["100x30"],
         "--cast: the resize is an \"r\" event 100x30")
    replayed = played(out[:k] if k > 0 else out, 100, 30, shown)
    t.ok(replayed == shown, "--cast: played into a 100x30 terminal, the output "
         "draws exactly the last screen", "cast:\n%s\nscreen:\n%s" % (replayed,
                                                                      shown))


# A lesson: a marker per step; a resize during a run.
@case
def cast_lesson():
    cast = os.path.join(tmp, "lesson.cast")
    with Screen(NAME + "-castl", W, H,
                poolscope("--cast", cast, "--lesson", "sync-async")) as s:
        scr = s.wait_for(lambda x: row(x, 0).startswith(" 1/3") and
                         "running..." in row(x, 0) and
                         (done_count(x) or (8, 8))[0] < 4, 10)
        t.ok(scr is not None, "--cast --lesson: step 1 is running", s.last)
        s.resize(100, 30)
        scr = s.wait_for(lambda x: "running..." in row(x, 0) and
                         len(row(x, 0).rstrip()) > 80, 10)
        t.ok(scr is not None, "--cast --lesson: resized to 100x30 during the run",
             s.last)
        scr = s.wait_for(lambda x: "Space: next" in row(x, 0) and
                         done_count(x) == (8, 8), 15)
        t.ok(scr is not None, "--cast --lesson: the run ends at 100x30", s.last)
        s.send("Space")
        scr = s.wait_for(lambda x: row(x, 0).startswith(" 2/3") and
                         "Space: next" in row(x, 0), 15)
        t.ok(scr is not None, "--cast --lesson: Space: step 2 runs to its end",
             s.last)
        pid = s.poolscope_pid(1)
        quit_screen(s, "--cast --lesson", 0)
        gone_after(s, pid, [], "--cast --lesson")
    head, events, problems = parse_cast(cast)
    t.ok(isinstance(head, dict) and head.get("width") == 80 and
         head.get("height") == 24 and events and not problems,
         "--cast --lesson: a valid cast, 80x24", "%r\n%s" % (head,
                                                         "\n".join(problems[:20])))
    marks = [e for e in events if e[1] in ("m", "r")]
    t.ok(len(marks) == 3 and marks[0][1] == "m" and
         marks[0][2].startswith("step 1: ") and marks[1][1:] == ["r", "100x30"] and
         marks[2][1] == "m" and marks[2][2].startswith("step 2: "),
         "--cast --lesson: marker 'step 1: ...', the resize 100x30, then marker "
         "'step 2: ...' when Space was pressed", marks)
    t.ok(len(marks) >= 3 and marks[0][2] == "step 1: Synchronous: pool.apply in "
         "a loop" and marks[2][2] == "step 2: Asynchronous: apply_async with "
         "callbacks", "--cast --lesson: the markers name the steps' headings",
         marks)


# --- --compare ------------------------------------------------------------------------
@case
def compare_screen():
    with Screen(NAME + "-compare", W, H,
                poolscope("--compare", "apply,apply_async", "-w", "3",
                          "--time-scale", "0.5", "-t", SLEEPS, "--autostart")) as s:
        scr = s.wait_for(lambda x: run_header(x)[1].startswith(" poolscope  apply  ")
                         and state_of(x) == "finished" and
                         "Space: run it as apply_async" in bottom(x), 15)
        t.ok(scr is not None, "--compare: the first run is apply; at its end the "
             "last row says Space: run it as apply_async", s.last)
        t.ok(line_of(scr, r"^ received  0=300 1=100 2=200") is not None,
             "--compare: apply received 0 1 2", s.last)
        pid = s.poolscope_pid(1)
        first = [w["pid"] for w in workers(scr or "")]
        s.send("Space")
        scr = s.wait_for(lambda x: run_header(x)[1].startswith(" poolscope  "
                                                               "apply_async  ")
                         and state_of(x) == "finished" and
                         "Space: see them side by side" in bottom(x), 15)
        t.ok(scr is not None, "--compare: Space runs apply_async; at its end: "
             "Space: see them side by side", s.last)
        t.ok(line_of(scr, r"^ received  1=100 2=200 0=300") is not None,
             "--compare: apply_async received 1 2 0", s.last)
        second = [w["pid"] for w in workers(scr or "")]
        s.send("Space")
        # The whole view: the table, both lane sections and the last row (a
        # capture can catch a frame half drawn).
        scr = s.wait_for(lambda x: line_of(x, r"^ call style +wall") is not None
                         and line_of(x, r"^─ apply_async: ") is not None and
                         len([l for l in lines(x) if l.startswith(" worker ")])
                         >= 6 and "one time axis" in bottom(x), 10)
        t.ok(scr is not None, "--compare: Space shows the compare view with the "
             "table header call style", s.last)
        rows = {}
        for l in lines(scr):
            m = re.match(r"^ (apply|apply_async) +(\d+\.\d+) s +\d+\.\d+x +\d+% +"
                         r"\d+  (.*?)\s*$", l)
            if m:
                rows[m.group(1)] = (float(m.group(2)), m.group(3))
        t.eq({k: v[1] for k, v in rows.items()}, {"apply": "0 1 2",
                                                 "apply_async": "1 2 0"},
             "--compare view: a row per call style, result orders 0 1 2 and 1 2 0")
        t.ok(rows.get("apply", (0,))[0] > rows.get("apply_async", (9,))[0],
             "--compare view: apply's wall is the longer", rows)
        ls = lines(scr)
        a = next((i for i, l in enumerate(ls) if l.startswith("─ apply: ")), None)
        b = next((i for i, l in enumerate(ls) if l.startswith("─ apply_async: ")),
                 None)
        lanes = lambda lo, hi: [l for l in ls[lo:hi] if re.match(r"^ worker \d", l)]
        t.ok(a is not None and b is not None and a < b and
             len(lanes(a, b)) == 3 and len(lanes(b, H - 1)) == 3,
             "--compare view: a lane section per call style, 3 workers each",
             s.last)
        t.ok("q quit" in bottom(scr), "--compare view, 80x24: the last row names "
             "q quit", bottom(s.last))
        quit_screen(s, "--compare view", 0)
        gone_after(s, pid, first + second, "--compare")


# --- --replay ----------------------------------------------------------------------------
@functools.cache
def sleeps_recording():
    """A recording of SLEEPS on 3 workers with apply_async (made once)."""
    rec = os.path.join(tmp, "sleeps.rec")
    p = run(["--batch", "--record", rec, "-w", "3", "-m", "apply_async",
             "--time-scale", "0.5", "-t", SLEEPS], timeout=30)
    t.ok(p.returncode == 0 and os.path.exists(rec), "--replay: the recording is made",
         p.stderr)
    return rec


RECEIVED = r"^ received  1=100 2=200 0=300"


@case
def replay():
    rec = sleeps_recording()
    with Screen(NAME + "-replay", W, H, poolscope("--replay", rec)) as s:
        scr = s.wait_for(lambda x: run_header(x)[1].startswith(" poolscope replay")
                         and state_of(x) == "finished" and
                         line_of(x, RECEIVED) is not None, 10)
        t.ok(scr is not None and done_count(scr) == (3, 3),
             "--replay: header says poolscope replay; it plays to its end: "
             "received  1=100 2=200 0=300, 3/3 done", s.last)
        pid = s.poolscope_pid(1)
        t.ok(pid is not None and children(pid) == [],
             "--replay: poolscope forks no worker for a replay",
             pid and children(pid))
        # Someone reads the screen for a moment before restarting it: this wait
        # is the scenario, not a synchronisation.
        time.sleep(1.0)
        s.send("r")
        scr = s.wait_for(lambda x: (done_count(x) or (3, 3))[0] < 3, 5)
        t.ok(scr is not None, "--replay: r a second after the end restarts it: "
             "the done count goes back below 3", s.last)
        scr2 = s.wait_for(lambda x: done_count(x) == (3, 3) and
                          line_of(x, RECEIVED) is not None and
                          state_of(x) == "finished", 10)
        t.ok(scr is not None and scr2 is not None,
             "--replay: and it plays to 3/3 again, same order", s.last)
        quit_screen(s, "--replay", 0)
        gone_after(s, pid, [], "--replay")


# Played 20 times slower, to pause it half-way.
@case
def replay_paused():
    rec = sleeps_recording()
    with Screen(NAME + "-replay-pause", W, H,
                poolscope("--replay", rec, "--time-scale", "20")) as s:
        scr = s.wait_for(lambda x: done_count(x) == (1, 3) and
                         state_of(x) == "running", 15)
        t.ok(scr is not None, "--replay --time-scale 20: 1/3 done, running",
             s.last)
        s.send("Space")
        scr = s.wait_for(lambda x: state_of(x) == "PAUSED", 5)
        t.ok(scr is not None, "--replay: Space pauses it: the header says PAUSED",
             s.last)
        count0 = done_count(scr or s.last)
        clock0 = re.search(r"(\d+\.\d+) s  PAUSED", run_header(scr or "")[1])
        seen = set()
        end = time.monotonic() + 1.5        # checks that nothing happens
        while time.monotonic() < end:
            x = s.capture()
            if done_count(x) is not None:
                seen.add((done_count(x), state_of(x),
                          line_of(x, r"^ received")))
            time.sleep(0.05)
        t.ok(len(seen) == 1 and list(seen)[0][0] == count0 and
             list(seen)[0][1] == "PAUSED",
             "--replay: while paused the count stays at %s" % (count0,), seen)
        t.ok(clock0 is not None and re.search(r"%s s  PAUSED" % clock0.group(1),
                                              run_header(s.last)[1]),
             "--replay: and the clock stands still", run_header(s.last)[1])
        s.send("Space")
        scr = s.wait_for(lambda x: state_of(x) == "running", 5)
        t.ok(scr is not None, "--replay: Space again: running", s.last)
        s.send("r")
        scr = s.wait_for(lambda x: done_count(x) == (0, 3), 5)
        t.ok(scr is not None, "--replay: r during the play restarts it at 0/3",
             s.last)
        scr = s.wait_for(lambda x: state_of(x) == "finished" and
                         line_of(x, RECEIVED) is not None, 20)
        t.ok(scr is not None and done_count(scr) == (3, 3),
             "--replay: it plays to its end, same order", s.last)
        pid = s.poolscope_pid(1)
        quit_screen(s, "--replay paused", 0)
        gone_after(s, pid, [], "--replay paused")


main(t)
