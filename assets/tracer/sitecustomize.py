# poolscope's tracer is loaded from here, which Python imports at every
# start (the program, and the processes its pools spawn).  It does nothing
# unless poolscope started this program, and nothing at all until the
# program imports multiprocessing or concurrent.futures.  A sitecustomize
# of the program's own (further on sys.path) still runs, after this one.
import os as _os
import sys as _sys

if _os.environ.get("POOLSCOPE_TRACE"):
    try:
        import _poolscope_tracer
        _poolscope_tracer.install()
    except Exception as _e:  # never stop the program from starting
        _sys.stderr.write("poolscope: tracer not installed: %r\n" % (_e,))


def _chain():
    # Run the next sitecustomize on the path, as if this one were not here.
    here = _os.path.dirname(_os.path.abspath(__file__))
    rest = [p for p in _sys.path
            if _os.path.abspath(p or ".") != here]
    import importlib.machinery
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", rest)
    if spec is None or spec.loader is None:
        return
    import importlib.util
    mod = importlib.util.module_from_spec(spec)
    _sys.modules["sitecustomize"] = mod
    spec.loader.exec_module(mod)


try:
    _chain()
except Exception:
    import traceback as _tb
    _sys.stderr.write("Error in sitecustomize; set PYTHONVERBOSE for "
                      "traceback:\n")
    _tb.print_exc()
