"""--trace and --svg: what they write, checked by parsing it."""
import atexit
import functools
import json
import os
import shutil
import tempfile
import xml.dom.minidom

from pstest import TAP, case, main, run

t = TAP()
tmp = tempfile.mkdtemp(prefix="pstest-exports-")
atexit.register(shutil.rmtree, tmp, True)
TASKS = "sleep 300; sleep 100; sleep 200; square 1..5; fail"


@functools.cache
def exported():
    """One run writing both exports: (trace path, svg path)."""
    trace = os.path.join(tmp, "run.json")
    svg = os.path.join(tmp, "run.svg")
    p = run(["--batch", "-q", "-w", "3", "-m", "apply_async", "--time-scale", "0.5",
             "--trace", trace, "--svg", svg, "-t", TASKS])
    t.eq(p.returncode, 1, "the run (with a failing task) exits 1")
    return trace, svg


@case
def trace():
    # The trace: JSON with one complete event per task on its worker's track.
    trace, _ = exported()
    try:
        with open(trace) as f:
            doc = json.load(f)
        ok = True
    except (OSError, ValueError):
        doc, ok = {"traceEvents": []}, False
    t.ok(ok, "--trace writes valid JSON")
    evs = doc["traceEvents"]
    tasks = [e for e in evs if e.get("ph") == "X" and e.get("cat") in ("task", "failed")]
    t.eq(sorted(e["args"]["task"] for e in tasks), list(range(9)),
         "one complete event per task")
    t.ok(all(isinstance(e["ts"], (int, float)) and e["dur"] >= 0 for e in tasks),
         "each has a start and a duration")
    t.ok(all(e["tid"] >= 1 for e in tasks), "tasks sit on worker tracks (tid = slot + 1)")
    names = {e["tid"]: e["args"]["name"] for e in evs
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    t.eq(names.get(0), "caller", "track 0 is the caller")
    t.ok(all(names.get(w, "").startswith("worker %d (pid " % (w - 1)) for w in (1, 2, 3)),
         "worker tracks are named with their PIDs", names)
    sleep100 = [e for e in tasks if e["args"]["task"] == 1][0]
    t.ok(40000 <= sleep100["dur"] <= 1000000,
         "a 100 ms sleep at time scale 0.5 lasts about 50 ms (%.0f us)" % sleep100["dur"])
    t.eq(sleep100["args"]["result"], "100", "the task's result is in its arguments")
    t.eq(sleep100["args"]["call"], "sleep 100", "and so is the call")
    failed = [e for e in tasks if e["cat"] == "failed"]
    t.eq([e["args"]["task"] for e in failed], [8], "the failed task is marked failed")
    inst = [e for e in evs if e.get("ph") == "i"]
    t.eq(len(inst), 9, "an instant event per result received")
    t.eq([e["args"]["task"] for e in sorted(inst, key=lambda e: e["args"]["seq"])][-2:],
         [2, 0], "instants follow the caller's arrival order (2 then 0 last)")
    t.ok(all(e["tid"] == 0 for e in inst), "on the caller's track")


@case
def svg():
    # The SVG: well-formed XML, one block per task, an axis and the order.
    _, svg = exported()
    try:
        dom = xml.dom.minidom.parse(svg)
        ok = True
    except Exception:  # noqa: BLE001 - any parse error fails the test
        dom, ok = None, False
    t.ok(ok, "--svg writes well-formed XML")
    if dom is None:
        return
    root = dom.documentElement
    t.eq(root.tagName, "svg", "the root element is svg")
    t.eq(root.getAttribute("xmlns"), "http://www.w3.org/2000/svg", "with the SVG namespace")
    blocks = [g for g in dom.getElementsByTagName("g") if g.getAttribute("class") == "task"]
    t.eq(len(blocks), 9, "one block per task")
    titles = [g.getElementsByTagName("title")[0].firstChild.data for g in blocks]
    t.ok(any(s.startswith("task 1: sleep 100 -> 100") for s in titles),
         "blocks are labelled with task, call and result")
    texts = [n.firstChild.data for n in dom.getElementsByTagName("text") if n.firstChild]
    t.ok(any(s.endswith(" s") for s in texts), "there is a time axis")
    order = [s for s in texts if s.startswith("results in the order")]
    t.ok(order and order[0].endswith("2, 0"), "the result order is written out", order)
    results = [n for n in dom.getElementsByTagName("line") if n.getAttribute("class") == "result"]
    t.eq(len(results), 9, "a tick per result on the caller's lane")
    t.ok(not any(n.tagName in ("script", "image", "use") for n in
                 dom.getElementsByTagName("*")), "self-contained: no scripts or images")


@case
def big_svg():
    # Many tasks still make a picture of bounded size.
    svg = os.path.join(tmp, "big.svg")
    p = run(["--batch", "-q", "-w", "2", "-m", "map", "--svg", svg, "-t", "square 1..200000"],
            timeout=120)
    t.ok(p.returncode == 0 and os.path.getsize(svg) < 5000000,
         "200000 tasks: the SVG stays small (%d bytes)" % os.path.getsize(svg))
    xml.dom.minidom.parse(svg)
    t.ok(True, "and well-formed")


@case
def bad_paths():
    # Bad paths are caught before anything runs.
    p = run(["--batch", "--svg", "/nonexistent-dir/x.svg", "-t", "square 1"])
    t.ok(p.returncode == 2 and "--svg" in p.stderr and "/nonexistent-dir" in p.stderr,
         "--svg into a missing directory: exit 2 and a message", p.stderr)
    t.eq(p.stdout, "", "and nothing ran")
    p = run(["--batch", "--trace", "", "-t", "square 1"])
    t.ok(p.returncode == 2 and "--trace" in p.stderr, "--trace with an empty name: exit 2")


main(t)
