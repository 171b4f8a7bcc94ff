"""Timing harness: each workload runs in chainrule and in PyTorch, alternately, in one process.

A workload is one small definition: a name, a ``build(lib)`` that returns a zero-argument step for
``lib`` (the ``chainrule`` or ``torch`` module), and an optional target ratio. Steps are warmed up,
then timed in alternating rounds so both libraries see the same machine state; the report is the
median of each and the ratio chainrule/PyTorch. Absolute times on a shared machine are noise; the
ratio measured in the same run is the number that means something.
"""
import dataclasses
import math
import statistics
import time

MIN_ROUND = 0.02  # seconds: shorter steps are timed several in a row (see _run_timed)


@dataclasses.dataclass
class Workload:
    name: str
    build: object            # build(lib) -> step(); lib is the chainrule or torch module
    target: float = None     # chainrule time / PyTorch time must be at most this
    rounds: int = 20
    inner: int = 1           # step calls per timed round (for very short steps)
    about: str = ""
    settle: float = 0.2      # seconds of rest before each timed round (see run)
    once: bool = False       # build(lib)() runs the whole measurement and returns its number
    slow: bool = False       # left out of --quick runs (minutes long)


REGISTRY = []


def workload(name, target=None, rounds=20, inner=1, about="", settle=0.2, once=False, slow=False):
    """Decorator registering ``build(lib)`` as a workload.

    A timed workload's ``build(lib)`` returns a step to time; a ``once`` workload's returns a
    function that performs the whole measurement (a training run, a memory reading) and returns
    its number (seconds, bytes), compared as a ratio the same way.
    """
    def register(build):
        REGISTRY.append(Workload(name, build, target, rounds, inner,
                                 about or (build.__doc__ or "").strip(), settle, once, slow))
        return build
    return register


def _time(step, inner):
    t0 = time.perf_counter()
    for _ in range(inner):
        step()
    return (time.perf_counter() - t0) / inner


def run(w, libs, reference, quick=False, warmup=3, peers=None):
    """``(seconds, ratios)``: the median seconds (or the once-workload's number) per library, and
    each one's ratio to the ``reference`` library. With ``peers`` (name → builder, from
    benchmarks.peers), also each peer the workload has a translation for (``build.peer``).

    A timed ratio is the median over rounds of the two libraries' times *in the same round*:
    rounds next to each other share the machine's state, so pairing them cancels the slow drifts
    of a shared VM (whole runs here moved ±10%) that a ratio of two separate medians keeps.
    """
    if w.once:
        seconds = {name: w.build(lib)() for name, lib in libs.items()}
        return seconds, {name: v / seconds[reference] for name, v in seconds.items()}
    steps = {name: w.build(lib) for name, lib in libs.items()}
    if peers and getattr(w.build, "peer", None):
        steps.update({name: step for name, build in peers.items()
                      if (step := w.build.peer(build)) is not None})
    times = _run_timed(w, steps, quick, warmup)
    ratios = {name: statistics.median(a / b for a, b in zip(ts, times[reference]))
              for name, ts in times.items()}
    return {name: statistics.median(ts) for name, ts in times.items()}, ratios


def _run_timed(w, steps, quick, warmup):
    """Seconds per step for each library in each round, measured alternately.

    ``w.settle`` seconds of sleep before each timed round let the other library's BLAS/OpenMP
    threads, which spin for about 0.1 s after their work, go idle instead of competing for the
    cores (measured here: without it PyTorch's 1024² matmul ran 2.5× slower next to NumPy's);
    one untimed step then wakes the library's own threads.

    A round times back-to-back steps lasting at least ``MIN_ROUND`` seconds (the same count for
    every library), the steady state of a training loop. A single few-millisecond step right
    after the rest measured up to 2× slower in *both* libraries on this VM — whichever worker
    threads it wakes, PyTorch's OpenMP team or chainrule's row pool, come back slowly from an
    idle core — which is the virtual machine's latency, not the library's speed.
    """
    slowest = 0.0
    for step in steps.values():
        for _ in range(warmup - 1):
            step()
        slowest = max(slowest, _time(step, 1))  # the last warm-up step, timed
    inner = steps_per_round(w, slowest)
    rounds = max(3, w.rounds // 4) if quick else w.rounds
    times = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            if w.settle:
                time.sleep(w.settle)
                step()  # wakes this library's own worker threads before the clock starts
            times[name].append(_time(step, inner))
    return times


def steps_per_round(w, step_seconds):
    """Steps timed back to back in one round: enough to last ``MIN_ROUND``, at least ``w.inner``."""
    if step_seconds <= 0:
        return max(w.inner, 1)
    return max(w.inner, math.ceil(MIN_ROUND / step_seconds))


def format_table(rows):
    """The results table; from-scratch peers, where timed, follow as their own ratio to PyTorch
    (``row["peers"]``: name → ratio)."""
    head = f"{'workload':<22}{'chainrule':>12}{'torch':>12}{'ratio':>8}{'target':>8}  {'verdict':<8}peers"
    lines = [head, "-" * len(head)]
    for r in rows:
        target = f"{r['target']:.1f}x" if r["target"] else "-"
        verdict = "" if not r["target"] else ("ok" if r["ratio"] <= r["target"] else "MISS")
        unit = r.get("unit", "ms")
        peers = "  ".join(f"{name} {ratio:.2f}x" for name, ratio in r.get("peers", {}).items())
        lines.append(f"{r['name']:<22}{r['chainrule_ms']:>10.3f}{unit:<2}{r['torch_ms']:>10.3f}{unit:<2}"
                     f"{r['ratio']:>7.2f}x{target:>8}  {verdict:<8}{peers}".rstrip())
    return "\n".join(lines)
