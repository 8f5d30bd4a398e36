"""The man page at 80 columns: its examples whole, and each one runs.

doc/poolscope.1 is rendered as a reader sees it (`man -l` with MANWIDTH=80,
in a UTF-8 locale); man-db and groff-base come from ./bootstrap.
"""
import os
import shlex
import shutil
import subprocess
import unicodedata

from pstest import TAP, case, main, run

t = TAP()
PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "doc",
                    "poolscope.1")
COLUMNS = 80
QUOTES = (("\u2018", "\u2019"), ("\u201c", "\u201d"))


def width(s):
    """Columns s takes on a terminal."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def rendered():
    """The page's lines as `man -l` shows them at 80 columns."""
    env = dict(os.environ, MANWIDTH=str(COLUMNS), LC_ALL="C.UTF-8", MANPAGER="cat",
               PAGER="cat")
    env.pop("MAN_KEEP_FORMATTING", None)
    p = subprocess.run(["man", "-l", PAGE], capture_output=True, text=True, env=env,
                       timeout=60)
    t.ok(p.returncode == 0 and p.stdout, "man -l renders doc/poolscope.1", p.stderr)
    return p.stdout.splitlines()


def section(lines, name):
    """The lines of one section (its heading is a line in capitals at the left)."""
    out, inside = [], False
    for line in lines:
        if line and not line[0].isspace():
            inside = line.strip() == name
            continue
        if inside:
            out.append(line)
    return out


def commands(lines):
    """The example command lines: each a list of its rendered lines (a line
    ending in a backslash goes on on the next)."""
    cmds, cur = [], None
    for line in lines:
        s = line.strip()
        if cur is not None:
            cur.append(s)
        elif s == "poolscope" or s.startswith("poolscope "):
            cur = [s]
        if cur is not None and not s.endswith("\\"):
            cmds.append(cur)
            cur = None
    return cmds


def shell_words(cmd):
    """The words a shell makes of a command's lines, None if it cannot."""
    try:
        return shlex.split(" ".join(cmd).replace("\\ ", " "))
    except ValueError:
        return None


@case
def examples_unbroken():
    if not t.ok(shutil.which("man"), "man is installed (./bootstrap installs man-db)"):
        return
    lines = rendered()
    wide = [s for s in lines if width(s) > COLUMNS]
    t.ok(not wide, "no line is wider than %d columns" % COLUMNS, "\n".join(wide))
    ex = section(lines, "EXAMPLES")
    t.ok(len(ex) > 5, "there is an EXAMPLES section")
    for opening, closing in QUOTES:
        bad = [s for s in ex if s.count(opening) != s.count(closing)]
        t.ok(not bad, "no line of the examples ends inside %s%s" % (opening, closing),
             "\n".join(bad))
    cmds = commands(ex)
    t.ok(len(cmds) >= 3, "the examples give command lines (%d)" % len(cmds))
    for cmd in cmds:
        t.ok(all(s.count("'") % 2 == 0 and s.count('"') % 2 == 0 for s in cmd),
             "no line of the example ends inside quotes: %s" % " ".join(cmd), "\n".join(cmd))
        words = shell_words(cmd)
        t.ok(words and words[0] == "poolscope",
             "a shell reads it as one poolscope command: %s" % " ".join(cmd))


def outcome(words):
    """Run an example without a screen: --batch for the screen's options."""
    args = [w for w in words[1:] if w != "--autostart"]
    if "--batch" not in args and "-b" not in args:
        args = ["--batch"] + args
    return run(args, timeout=60)


def summary_wall(out, mode):
    """The wall time in seconds on the summary line of one call style."""
    for line in out.splitlines():
        if line.startswith(mode + " "):
            return float(line.split()[1])
    return None


def per_worker(out):
    """How many tasks each worker started, from the text output."""
    n = {}
    for line in out.splitlines():
        if ") started on worker " in line:
            w = line.rsplit(" ", 1)[1]
            n[w] = n.get(w, 0) + 1
    return n


# What the page says of each example, checked from its batch output.
CLAIMS = {
    "-m map -t square 1..10": lambda p: t.ok(
        "[1, 4, 9, 16, 25, 36, 49, 64, 81, 100]" in p.stdout,
        "map over square 1..10 gives the squares in order"),
    "--pace 300 -t square 1..10": lambda p: t.eq(
        sorted(per_worker(p.stdout).values()), [2] * 5,
        "paced, the ten squares spread over the five workers, two each"),
    "-m apply_async -t sleep 300; sleep 100; sleep 200": lambda p: t.ok(
        "[100, 200, 300]" in p.stdout,
        "the caller receives the 100 ms sleep first, then 200 and 300"),
    "print(m.Pool(2).map(abs, [-3, -2]))": lambda p: t.ok(
        "the program printed: [3, 2]" in p.stdout and
        "task 0 submitted: abs(-3)" in p.stdout,
        "a Python program's own pool: its tasks and what it printed",
        p.stdout[-600:]),
    "--compare apply,apply_async -t sleep rand(100,900) x8": lambda p: t.ok(
        (summary_wall(p.stdout, "apply") or 0) > 2 * (summary_wall(p.stdout, "apply_async")
                                                      or 1e9),
        "apply_async takes less than half the time apply does", p.stdout[-600:]),
}


@case
def examples_run():
    if not shutil.which("man"):
        t.skip("the examples run", "no man")
        return
    checked = set()
    for cmd in commands(section(rendered(), "EXAMPLES")):
        words = shell_words(cmd)
        if not words:
            continue
        p = outcome(words)
        text = " ".join(words)
        t.eq(p.returncode, 0, "exit status 0 (in batch mode): %s" % text)
        for key, check in CLAIMS.items():
            if key in text:
                check(p)
                checked.add(key)
    t.eq(sorted(set(CLAIMS) - checked), [],
         "each claim checked here belongs to an example (update CLAIMS with the page)")


main(t)
