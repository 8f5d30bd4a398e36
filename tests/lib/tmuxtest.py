"""tmuxtest: drive poolscope's screen in a private tmux server.

A Screen is one tmux server of its own (`tmux -L NAME -f /dev/null`) with
one detached session of a fixed size, running a shell command that ends by
printing `__EXIT=<status>` and then idles, so the exit status stays visible
in the pane after the program has gone.  Tests send keys, read the pane
with capture-pane and poll it with a deadline that scales with pstest.SLOW;
nothing here sleeps a fixed time to synchronise.  A Screen is a context
manager: `with Screen(...) as s:` kills the server at the end, whatever
happened inside.
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from pstest import (POOLSCOPE, SLOW, TAP, add_case, case, cmd, main,  # noqa: F401
                    pid_alive, wait_gone)

WORKER_STATES = ("starting", "idle", "busy", "paused", "exiting", "exited",
                 "crashed", "stopped")
# A worker row of the table beside the lanes: "> 0   1990    busy     3"
# at 80 columns (slot, PID, state, task), "3 sleep 200" and the tasks done
# from 100 columns on, the busy share from 160 ('>' marks the selected
# worker); the table ends at a bar.
WORKER_ROW = re.compile(r"^([> ]) (\d+) +(\d+|-) +(%s|no fork|-) *$"
                        % "|".join(WORKER_STATES))
DONE = re.compile(r"(\d+)/(\d+) done")
EXIT = re.compile(r"__EXIT=(\d+)")


def poolscope(*args):
    """A shell command running poolscope (under POOLSCOPE_WRAPPER, if any)."""
    return " ".join(shlex.quote(a) for a in cmd(args))


def _tmux_env():
    env = dict(os.environ)
    env.pop("TMUX", None)
    env.pop("TMUX_PANE", None)
    # The tmux client that runs capture-pane must take the pane as UTF-8,
    # or it would turn non-ASCII cells into '_' and hide them.
    env["LANG"] = "C.UTF-8"
    env.pop("LC_ALL", None)
    env.pop("LC_CTYPE", None)
    return env


def children(pid):
    """PIDs whose parent is pid."""
    kids = []
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                    kids += [int(x) for x in f.read().split()]
            except FileNotFoundError:
                pass
        if kids or os.path.exists("/proc/%d/task/%d/children" % (pid, pid)):
            return kids
    except FileNotFoundError:
        return []
    for d in os.listdir("/proc"):               # no CONFIG_PROC_CHILDREN
        if d.isdigit() and ppid(int(d)) == pid:
            kids.append(int(d))
    return kids


def _stat(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            data = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    comm = data[data.index("(") + 1:data.rindex(")")]
    return comm, data.rsplit(")", 1)[1].split()


def ppid(pid):
    """The parent PID of pid, or None if it is gone."""
    st = _stat(pid)
    return int(st[1][1]) if st else None


def proc_state(pid):
    """The one-letter state of pid (R, S, T, Z, ...), or None if it is gone."""
    st = _stat(pid)
    return st[1][0] if st else None


def states_become(pids, want, timeout=5):
    """Poll /proc until every pid's state is in want; returns the states."""
    deadline = time.monotonic() + timeout * SLOW
    while True:
        states = [proc_state(p) for p in pids]
        if all(st in want for st in states) or time.monotonic() >= deadline:
            return states
        time.sleep(0.02)


def comm(pid):
    st = _stat(pid)
    return st[0] if st else None


def workers(text):
    """The worker rows of a run-screen capture, as dicts ("done" is None
    where the table is too narrow to show it)."""
    rows = []
    for line in text.splitlines():
        bar = min([i for i in (line.find("\u2502"), line.find("|")) if i > 0],
                  default=-1)
        if bar < 24:
            continue
        left = line[:bar]
        m = WORKER_ROW.match(left[:23].rstrip())
        if not m or m.group(3) == "-":
            continue
        done, task = None, left[23:]
        if bar >= 56:
            done, task = left[-11:-5], left[23:-11]
        elif bar >= 40:
            done, task = left[-6:], left[23:-6]
        rows.append({"selected": m.group(1) == ">", "slot": int(m.group(2)),
                     "pid": int(m.group(3)), "state": m.group(4),
                     "task": task.strip(),
                     "done": int(done) if done and done.strip() else None,
                     "line": line})
    return rows


def done_count(text):
    """(done, total) from the progress line, or None."""
    m = DONE.search(text or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def exit_status(text):
    """The status printed as __EXIT=N after poolscope ended, or None."""
    m = EXIT.search(text or "")
    return int(m.group(1)) if m else None


SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def colours(escaped):
    """The colour settings (SGR 30-37, 38, 40-47, 48, 90-97, 100-107) in a
    capture made with capture_escapes(); 39 and 49 (default) are not."""
    found = []
    for m in SGR.finditer(escaped):
        for p in re.split(r"[;:]", m.group(1)):
            if p.isdigit():
                n = int(p)
                if 30 <= n <= 38 or 40 <= n <= 48 or 90 <= n <= 97 or \
                        100 <= n <= 107:
                    found.append(m.group(0))
                    break
    return found


def _sgr(params, st):
    """Apply one SGR sequence's parameters to st = [fg, bg, reverse]."""
    ps = [int(p) if p.isdigit() else 0 for p in re.split(r"[;:]", params)] \
        if params else [0]
    i = 0
    while i < len(ps):
        n = ps[i]
        if n == 0:
            st[:] = [None, None, False]
        elif n == 7:
            st[2] = True
        elif n == 27:
            st[2] = False
        elif 30 <= n <= 37:
            st[0] = n - 30
        elif 90 <= n <= 97:
            st[0] = n - 90 + 8
        elif n == 39:
            st[0] = None
        elif 40 <= n <= 47:
            st[1] = n - 40
        elif 100 <= n <= 107:
            st[1] = n - 100 + 8
        elif n == 49:
            st[1] = None
        elif n in (38, 48) and i + 2 < len(ps) and ps[i + 1] == 5:
            st[0 if n == 38 else 1] = ps[i + 2]
            i += 2
        elif n in (38, 48) and i + 4 < len(ps) and ps[i + 1] == 2:
            st[0 if n == 38 else 1] = tuple(ps[i + 2:i + 5])
            i += 4
        i += 1


def cells(escaped):
    """A capture made with -e, cell by cell (see Screen.cells)."""
    rows = []
    st = [None, None, False]
    for line in escaped.split("\n"):
        row, pos = [], 0
        for m in SGR.finditer(line):
            row += [(ch, st[0], st[1], st[2]) for ch in line[pos:m.start()]]
            _sgr(m.group(1), st)
            pos = m.end()
        row += [(ch, st[0], st[1], st[2]) for ch in line[pos:]]
        rows.append(row)
    if rows and rows[-1] == []:
        rows.pop()
    return rows


SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|ThreadSanitizer|"
                       r"UndefinedBehaviorSanitizer|runtime error:")


def sanitizer_report(text):
    """The first line of a sanitizer report in text, or None."""
    return line_of(text, SANITIZER.pattern)


def line_of(text, pattern):
    """The first line of text matching the regex pattern, or None."""
    for line in (text or "").splitlines():
        if re.search(pattern, line):
            return line
    return None


class Screen:
    def __init__(self, name, width, height, command, env=None):
        """Start `command` (a shell command) in a new private tmux server.

        env: extra variables for the command; a value of None unsets one.
        TERM=xterm-256color and LANG=C.UTF-8 are set unless env says
        otherwise; LC_ALL, LC_CTYPE and NO_COLOR are unset unless given.
        """
        self.name = name
        self.target = name + ":0.0"
        self.last = ""
        self.socket = None
        self.dir = None
        self._env = _tmux_env()
        want = {"TERM": "xterm-256color", "LANG": "C.UTF-8",
                "LC_ALL": None, "LC_CTYPE": None, "NO_COLOR": None}
        want.update(env or {})
        argv = ["env"]
        for k, v in want.items():
            if v is None:
                argv += ["-u", k]
        for k, v in want.items():
            if v is not None:
                argv.append("%s=%s" % (k, v))
        script = "%s; echo __EXIT=$?; sleep 600" % command
        argv += ["sh", "-c", script]
        # The command runs in a directory of its own, removed by kill():
        # whatever the program writes there (an export, say) goes with it.
        self.dir = tempfile.mkdtemp(prefix=name + "-")
        # A `with` block only kills a Screen that was made: one that fails
        # half-way kills its own server.
        try:
            self.tmux("new-session", "-d", "-s", name, "-x", str(width),
                      "-y", str(height), "-c", self.dir, "--", *argv)
            self.socket = self.display("#{socket_path}")
            self.tmux("set-option", "-g", "window-size", "manual")
            self.tmux("set-option", "-g", "remain-on-exit", "on")
        except BaseException:
            if self.socket is None:     # tmux's default place for it
                self.socket = os.path.join(os.environ.get("TMUX_TMPDIR", "/tmp"),
                                           "tmux-%d" % os.getuid(), name)
            self.kill()
            raise

    def tmux(self, *args, check=True):
        p = subprocess.run(["tmux", "-L", self.name, "-f", "/dev/null"] +
                           list(args), capture_output=True, env=self._env,
                           timeout=20 * SLOW)
        if check and p.returncode != 0:
            raise RuntimeError("tmux %s: %s" % (" ".join(args),
                               p.stderr.decode(errors="replace").strip()))
        return p.stdout

    def capture_bytes(self):
        return self.tmux("capture-pane", "-p", "-t", self.target)

    def capture_escapes(self):
        """The pane with its attributes and colours as escape sequences."""
        return self.tmux("capture-pane", "-p", "-e", "-t",
                         self.target).decode("utf-8", errors="replace")

    def capture(self):
        self.last = self.capture_bytes().decode("utf-8", errors="replace")
        return self.last

    def cells(self):
        """The pane cell by cell: a row is a list of (char, fg, bg, reverse),
        trailing cells included; fg and bg are SGR colour numbers (0-7,
        8-15 bright, 256-colour indices) or None for the default."""
        text = self.tmux("capture-pane", "-p", "-e", "-N", "-t",
                         self.target).decode("utf-8", errors="replace")
        return cells(text)

    def wait_for(self, what, timeout=10):
        """Poll the pane until what (a regex, or a function of the capture)
        matches; returns that capture, or None at the deadline (scaled by
        SLOW).  self.last keeps the last capture for diagnostics."""
        if isinstance(what, str):
            rx = re.compile(what, re.M)
            pred = lambda text: rx.search(text) is not None  # noqa: E731
        else:
            pred = what
        deadline = time.monotonic() + timeout * SLOW
        while True:
            text = self.capture()
            if pred(text):
                return text
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.03)

    def wait_exit(self, timeout=10):
        """Wait for __EXIT=N in the pane; returns N or None."""
        return exit_status(self.wait_for(EXIT.pattern, timeout))

    def send(self, *keys):
        """tmux send-keys with key names (Enter, Up, Space, C-d, q, ...)."""
        self.tmux("send-keys", "-t", self.target, *keys)

    def type(self, text):
        """Send text literally."""
        self.tmux("send-keys", "-t", self.target, "-l", text)

    def resize(self, width, height):
        self.tmux("resize-window", "-t", self.name + ":0", "-x", str(width),
                  "-y", str(height))

    def size(self):
        out = self.display("#{pane_width}x#{pane_height}")
        w, h = out.split("x")
        return int(w), int(h)

    def display(self, fmt):
        return self.tmux("display-message", "-p", "-t", self.target,
                         fmt).decode().strip()

    def pane_pid(self):
        return int(self.display("#{pane_pid}"))

    def alternate_on(self):
        return int(self.display("#{alternate_on}"))

    def poolscope_pid(self, timeout=5):
        """PID of the poolscope process under the pane's shell, or None."""
        deadline = time.monotonic() + timeout * SLOW
        while True:
            try:
                todo = [self.pane_pid()]
            except RuntimeError:
                return None
            seen = set()
            while todo:
                p = todo.pop(0)
                if p in seen:
                    continue
                seen.add(p)
                kids = children(p)
                for k in kids:
                    if comm(k) == "poolscope" and pid_alive(k):
                        return k
                todo += kids
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.03)

    def kill(self):
        """Kill the whole server (quietly; it may already be gone)."""
        try:
            self.tmux("kill-server", check=False)
        except Exception:
            pass
        # tmux leaves its socket file behind: remove ours.
        try:
            if self.socket and os.path.basename(self.socket) == self.name:
                os.unlink(self.socket)
        except OSError:
            pass
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
        return False
