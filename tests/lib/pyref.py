"""pyref: run a poolscope task list through CPython's own multiprocessing.

The reference for poolscope's claims of faithfulness.  The same task kinds
as poolscope's (square, cube, print, hello, sleep, spin, fail, crash) run
through a real multiprocessing.Pool in the same call style (or one Process
per task), and what a caller can observe is written out as JSON:

  results   task indices in the order the caller received them (for
            process: in the order the processes were joined)
  values    the values received, in that order (process: exit codes)
  raised    the task whose exception the caller got, ending the call, or
            None (apply and apply_async: every error is a result, as a caller
            catching each one, or the error callback, sees it)
  errors    tasks whose error the caller received without the call ending
  ran       per task that started: [pid, start, end] (monotonic seconds)
  received  per received task: when the caller had it
  returned  when the call returned (or raised)

Run as a script: python3 pyref.py '{"mode": "map", "workers": 2, ...}'.
The pool is made with the fork start method, as poolscope's workers are.
"scale" multiplies sleeps, spins and the pace as --time-scale does;
"pace" (milliseconds, as --pace) makes each task last at least that long,
the way a demo adds time.sleep to square: after its work, a task sleeps
what is left of the pace (a task that raises too, as poolscope paces it).
"""
import json
import multiprocessing as mp
import multiprocessing.connection
import os
import signal
import sys
import tempfile
import time

LOG = None      # path of the per-task log (set before the pool forks)
_fd = None
SCALE = 1.0
PACE = 0.0      # seconds, the time scale applied


class TaskError(Exception):
    pass


def _log(line):
    global _fd
    if _fd is None:
        _fd = os.open(LOG, os.O_WRONLY | os.O_APPEND)
    os.write(_fd, (line + "\n").encode())


def run_task(item):
    """One task: (index, kind, arg) -> (index, value)."""
    i, kind, arg = item
    start = time.monotonic()
    _log("start %d %d %.9f" % (i, os.getpid(), start))
    try:
        if kind == "square":
            v = arg * arg
            print("square of %d is %d" % (arg, v))
        elif kind == "cube":
            v = arg ** 3
            print("cube of %d is %d" % (arg, v))
        elif kind == "print":
            print(arg)
            v = None
        elif kind == "hello":
            print("I'm the process with id: %d" % arg)
            v = None
        elif kind == "sleep":
            time.sleep(arg * SCALE / 1000)
            v = arg
        elif kind == "spin":
            end = time.thread_time() + arg * SCALE / 1000
            while time.thread_time() < end:
                pass
            v = arg
        elif kind == "fail":
            raise TaskError("task %d" % i)
        elif kind == "crash":
            os.kill(os.getpid(), signal.SIGSEGV)
            v = None
        else:
            raise ValueError("unknown kind %r" % kind)
    finally:
        if PACE > 0:
            time.sleep(max(0, PACE - (time.monotonic() - start)))
        _log("end %d %d %.9f" % (i, os.getpid(), time.monotonic()))
    return (i, v)


def parse(spec):
    """'sleep 300; square 1..3; fail' -> [(0, 'sleep', 300), ...]."""
    out = []
    for line in spec.split(";"):
        line = line.strip()
        if not line:
            continue
        rep = 1
        words = line.split()
        if len(words) > 1 and words[-1][0] == "x" and words[-1][1:].isdigit():
            rep = int(words.pop()[1:])
        kind, arg = words[0], " ".join(words[1:])
        if ".." in arg:
            a, b = arg.split("..")
            vals = list(range(int(a), int(b) + 1))
        elif arg:
            vals = [int(arg)]
        else:
            vals = [None]
        for _ in range(rep):
            for v in vals:
                out.append((len(out), kind, v))
    return out


def _task_of(exc):
    return int(str(exc).split()[-1])


def run(cfg):
    global LOG, SCALE, PACE
    SCALE = cfg.get("scale", 1.0)
    PACE = cfg.get("pace", 0) * SCALE / 1000
    tasks = parse(cfg["tasks"])
    mode = cfg["mode"]
    w = cfg["workers"]
    fd, LOG = tempfile.mkstemp(prefix="pyref-")
    os.close(fd)
    ctx = mp.get_context("fork")
    obs = {"results": [], "values": [], "raised": None, "errors": [],
           "received": {}}
    t0 = time.monotonic()

    def got(i, v):
        obs["results"].append(i)
        obs["values"].append(v)
        obs["received"][i] = time.monotonic()

    if mode == "process":
        pending = list(tasks)
        live = {}
        while pending or live:
            while pending and len(live) < w:
                item = pending.pop(0)
                p = ctx.Process(target=run_task, args=(item,))
                p.start()
                live[p.sentinel] = (p, item[0])
            ready = multiprocessing.connection.wait(list(live))
            for s in ready:
                p, i = live.pop(s)
                p.join()
                got(i, p.exitcode)
        obs["returned"] = time.monotonic()
    else:
        kw = {}
        if cfg.get("maxtasksperchild"):
            kw["maxtasksperchild"] = cfg["maxtasksperchild"]
        pool = ctx.Pool(w, **kw)
        cs = cfg.get("chunksize")
        try:
            if mode == "map":
                try:
                    for i, v in pool.map(run_task, tasks, cs):
                        got(i, v)
                except TaskError as e:
                    obs["raised"] = _task_of(e)
            elif mode in ("imap", "imap_unordered"):
                f = pool.imap if mode == "imap" else pool.imap_unordered
                try:
                    for i, v in f(run_task, tasks, cs or 1):
                        got(i, v)
                except TaskError as e:
                    obs["raised"] = _task_of(e)
            elif mode == "apply":
                for item in tasks:
                    try:
                        i, v = pool.apply(run_task, (item,))
                        got(i, v)
                    except TaskError as e:
                        got(_task_of(e), "error")
                        obs["errors"].append(_task_of(e))
            elif mode == "apply_async":
                def err(e):
                    got(_task_of(e), "error")
                    obs["errors"].append(_task_of(e))
                rs = [pool.apply_async(run_task, (item,),
                                       callback=lambda r: got(*r),
                                       error_callback=err)
                      for item in tasks]
                for r in rs:
                    r.wait()
            obs["returned"] = time.monotonic()
            # Every task that will run has run: close and join, so the log
            # is whole (a raise leaves later tasks running).
            pool.close()
            pool.join()
        finally:
            pool.terminate()
    ran = {}
    with open(LOG) as f:
        for line in f:
            what, i, pid, t = line.split()
            e = ran.setdefault(int(i), [int(pid), None, None])
            e[1 if what == "start" else 2] = float(t) - t0
    os.unlink(LOG)
    obs["ran"] = {str(k): v for k, v in ran.items()}
    obs["received"] = {str(k): v - t0 for k, v in obs["received"].items()}
    obs["returned"] -= t0
    return obs


if __name__ == "__main__":
    # Task output is the tasks' own business; stdout carries the JSON.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
    json.dump(run(json.loads(sys.argv[1])), out)
    out.write("\n")
    out.close()
