"""--record and --replay: the same events back, and clear refusals."""
import json
import os
import subprocess
import tempfile

from pstest import TAP, run, run_json, of

t = TAP()
tmp = tempfile.mkdtemp(prefix="pstest-replay-")
rec = os.path.join(tmp, "run.rec")
TASKS = r"sleep 300; sleep 100; sleep 200; square 1..3; fail; crash; sh echo a\; echo b"


def write(name, data):
    path = os.path.join(tmp, name)
    with open(path, "w" if isinstance(data, str) else "wb") as f:
        f.write(data)
    return path


p, live = run_json(["-w", "3", "-m", "apply_async", "--time-scale", "0.5",
                    "--record", rec, "-t", TASKS])
t.eq(p.returncode, 1, "a recorded run with failures exits 1")
with open(rec) as f:
    lines = f.read().splitlines()
head = json.loads(lines[0])
t.eq((head["ev"], head["version"]), ("recording", 1), "the file starts with its header")
t.eq(head["tasks"][:2] + head["tasks"][-1:], ["sleep 300", "sleep 100", "sh echo a; echo b"],
     "the header holds the task list as task lines")
recorded = [json.loads(l) for l in lines[1:]]
t.eq(recorded, live, "the recording holds exactly the live event stream")

# Replay, as JSON: the same events.
p, again = run_json(["--replay", rec])
t.eq(p.returncode, 1, "--replay exits as the recorded run did (1)")
t.eq(again, live, "record -> replay gives the same events")
# The recorded pace is kept (scaled by --time-scale).
p = run(["--batch", "--quiet", "--replay", rec])
t.eq(p.stdout.splitlines()[0],
     "[100, 1, 4, 9, TaskError('fail: the task raised an error'), "
     + p.stdout.splitlines()[0].split("TaskError('fail: the task raised an error'), ")[1],
     "--replay --quiet prints the results list")
t.ok("TaskError('worker " in p.stdout and "killed by SIGSEGV" in p.stdout,
     "the crash is in the list as the caller got it")
t.eq(p.stdout.splitlines()[0], "[" + ", ".join(e["value"] for e in of(live, "result")) + "]",
     "in the recorded order")
import time
t0 = time.monotonic()
run(["--batch", "--quiet", "--replay", rec])
slow = time.monotonic() - t0
t0 = time.monotonic()
run(["--batch", "--quiet", "--replay", rec, "--time-scale", "0.1"])
fast = time.monotonic() - t0
wall = live[-1]["wall"]
t.ok(slow >= wall * 0.95, "replay takes the recorded time (%.3f s >= %.3f s)" % (slow, wall))
t.ok(fast < slow, "--time-scale 0.1 plays it faster (%.3f s < %.3f s)" % (fast, slow))
p = run(["--batch", "--replay", rec])
t.ok("caller received result #0: task 1 = 100" in p.stdout and
     "task 0 (sleep 300) started on worker" in p.stdout,
     "--replay --batch prints lines as a live run would")

# Bad recordings: exit 2, a message with the file (and line), no crash.
cases = [
    ("missing", os.path.join(tmp, "nope.rec"), ["cannot read the recording"]),
    ("empty", write("empty.rec", ""), ["is empty"]),
    ("foreign JSON", write("foreign.rec", '{"hello": 1}\n'), [":1:", "not a poolscope recording"]),
    ("a task list, not a recording", write("tasks.rec", "square 1..3\n"), [":1:", "not a poolscope recording"]),
    ("binary junk", write("junk.rec", b"\x00\x01\x02\xff\xfe"), ["binary data"]),
    ("truncated", write("trunc.rec", "\n".join(lines[:len(lines) // 2]) + "\n"),
     ["truncated"]),
    ("cut mid-line", write("cut.rec", "\n".join(lines)[:-20]), [":%d:" % len(lines)]),
    ("malformed line", write("bad.rec", "\n".join(lines[:3] + ['{"t":0.1,"ev":'] + lines[3:]) + "\n"),
     [":4:"]),
    ("unknown event", write("unk.rec", "\n".join(lines[:3] + ['{"t":0.1,"ev":"party"}'] + lines[3:]) + "\n"),
     [":4:", "unknown event 'party'"]),
    ("task out of range", write("range.rec", "\n".join(
        lines[:3] + ['{"t":0.1,"ev":"task_start","task":99,"worker":0,"pid":1,"chunk":0}'] + lines[3:]) + "\n"),
     [":4:", "'task' 99 is out of range"]),
    ("worker out of range", write("wrange.rec", "\n".join(
        lines[:3] + ['{"t":0.1,"ev":"worker_start","worker":7,"pid":1}'] + lines[3:]) + "\n"),
     [":4:", "'worker' 7"]),
    ("time going backwards", write("back.rec", "\n".join(
        lines[:5] + ['{"t":0.0,"ev":"worker_state","worker":0,"pid":1,"state":"idle"}'] + lines[5:]) + "\n"),
     [":6:", "time goes backwards"]),
    ("a newer version", write("v9.rec", lines[0].replace('"version":1', '"version":9') + "\n"
                              + "\n".join(lines[1:]) + "\n"), [":1:", "version 9"]),
    ("a directory", tmp, ["directory"]),
]
for name, path, want in cases:
    p = run(["--batch", "--replay", path])
    t.ok(p.returncode == 2 and all(w in p.stderr for w in want) and path in p.stderr,
         "%s: exit 2 and a clear message" % name, "%d %r" % (p.returncode, p.stderr))
    t.eq(p.stdout, "", "%s: nothing printed on stdout" % name)
p = run(["--batch", "--replay", rec, "-t", "square 1"])
t.ok(p.returncode == 2 and "--replay" in p.stderr, "--replay with a task list: exit 2")
p = run(["--batch", "--replay", rec, "--record", os.path.join(tmp, "x.rec")])
t.ok(p.returncode == 2 and "--record" in p.stderr, "--replay with --record: exit 2")
p = run(["--batch", "--record", "/nonexistent-dir/x.rec", "-t", "square 1"])
t.ok(p.returncode == 2 and "/nonexistent-dir" in p.stderr, "--record into a missing directory: exit 2")

# Exports from a replay match those of the live run.
svg1, svg2 = os.path.join(tmp, "a.svg"), os.path.join(tmp, "b.svg")
tr = os.path.join(tmp, "b.json")
p = run(["--batch", "-q", "--replay", rec, "--time-scale", "0.01", "--svg", svg2, "--trace", tr])
with open(tr) as f:
    doc = json.load(f)
t.eq(len([e for e in doc["traceEvents"] if e.get("ph") == "X" and e.get("cat") != "run"]), 9,
     "a replay exports its trace (one event per task)")
t.done()
