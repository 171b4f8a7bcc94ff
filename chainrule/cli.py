"""The ``chainrule`` command: list the lectures' experiments, run one, re-render a report.

    chainrule list [--names]
    chainrule run NAME [--quick] [--seed S] [--out DIR] [--set key=value ...]
    chainrule run tour
    chainrule report DIR
    chainrule launch -np N SCRIPT [ARGS ...]
    chainrule --version
"""
import argparse
import codecs
import os
import sys
import tempfile
import time

from . import __version__


# What a console that cannot show a symbol (a GBK or ASCII console, or output redirected there)
# prints instead of crashing: the formula symbols the lectures use, spelled out.
_PLAIN = {"²": "^2", "³": "^3", "—": "-", "–": "-", "−": "-", "η": "eta", "λ": "lambda", "Σ": "sum",
          "σ": "sigma", "μ": "mu", "ε": "eps", "θ": "theta", "α": "alpha", "β": "beta", "γ": "gamma",
          "≤": "<=", "≥": ">=", "≠": "!=", "≈": "~", "×": "x", "·": "*", "→": "->", "←": "<-",
          "√": "sqrt", "∂": "d", "∇": "grad", "…": "...", "‘": "'", "’": "'", "“": '"', "”": '"',
          "ŷ": "y^", "ᵀ": "^T", "⁻¹": "^-1", "±": "+/-", "°": " deg", "é": "e"}


def _spell_out(err):
    text = err.object[err.start:err.end]
    return "".join(_PLAIN.get(ch, "?") for ch in text), err.end


codecs.register_error("chainrule-plain", _spell_out)


def safe_console():
    """Make stdout and stderr replace what their encoding cannot show (see _PLAIN) instead of
    raising UnicodeEncodeError halfway through a listing."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure") and getattr(stream, "encoding", None):
            stream.reconfigure(errors="chainrule-plain")


def _parser():
    p = argparse.ArgumentParser(prog="chainrule", description="Run Hung-yi Lee's ML course as experiments.")
    p.add_argument("--version", action="version", version=f"chainrule {__version__}")
    p.add_argument("--lang", choices=("en", "zh"), help="language of pages and messages (default: "
                   "CHAINRULE_LANG, else the locale)")
    sub = p.add_subparsers(dest="command")
    ls = sub.add_parser("list", help="the experiments, grouped by lecture, with the question each answers")
    ls.add_argument("--names", action="store_true", help="just the names, one per line")
    ls.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    run = sub.add_parser("run", help="run an experiment (or 'tour' for a short sample of all lectures)")
    run.add_argument("name")
    run.add_argument("--quick", action="store_true", help="the ~10 s version")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", help="output folder (default: runs/NAME)")
    run.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change a setting")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    run.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    rep = sub.add_parser("report", help="re-render the index.html of a finished run")
    rep.add_argument("dir")
    rep.add_argument("--lang", choices=("en", "zh"), default=argparse.SUPPRESS)
    lau = sub.add_parser("launch", help="run a Python script on N data-parallel ranks (mpirun)")
    lau.add_argument("-np", "--nproc", dest="np", type=int, required=True, help="how many ranks")
    lau.add_argument("--oversubscribe", action="store_true", help="allow more ranks than cores")
    lau.add_argument("script", help="the program; it calls chainrule.distributed.init_process_group")
    lau.add_argument("args", nargs=argparse.REMAINDER, help="the program's own arguments")
    return p


def cmd_launch(args):
    """``mpirun -np N python SCRIPT ARGS``: each rank finds its rank and the world size through
    ``init_process_group('mpi')``."""
    import subprocess
    from .distributed.launch import python_command
    if not os.path.isfile(args.script):
        raise FileNotFoundError(f"launch: no such script: {args.script}")
    cmd = python_command(args.np, [args.script] + args.args, args.oversubscribe or None)
    return subprocess.call(cmd)


def _fail(msg):
    print(f"chainrule: error: {msg}", file=sys.stderr)
    return 2


def _overrides(pairs):
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set expects KEY=VALUE, got {pair!r}")
        out[key.strip()] = value.strip()
    return out


def _check_writable(folder):
    try:
        os.makedirs(folder, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as e:
        raise PermissionError(f"cannot write to --out {folder}: {e.strerror or e}") from None


def cmd_list(names_only):
    from .lectures import all_experiments, lectures
    from .lectures.lang import tr
    exps = all_experiments()
    if names_only:
        for name in sorted(exps):
            print(name)
        return 0
    for lecture, title in lectures().items():
        print(tr(f"lecture.{lecture}", title))
        for name in sorted(n for n in exps if n.startswith(lecture + ".")):
            print(f"  {name:<40} {tr(name + '.question', exps[name].question)}")
        print()
    print(tr("cli.tour_more", "chainrule run tour   — a short sample across the lectures"))
    return 0


def run_one(name, quick=False, seed=0, out=None, overrides=None, progress=True, log=print):
    """Run experiment ``name`` and write its report; returns (run folder, Result)."""
    from .lectures import get, make_config
    from .lectures.context import Context
    from .report import write_run
    exp = get(name)
    cfg = make_config(exp, quick, overrides)
    out = out or os.path.join("runs", name)
    _check_writable(out)
    ctx = Context(seed=seed, progress=progress, log=log)
    start = time.perf_counter()
    result = exp.fn(cfg, ctx)
    seconds = time.perf_counter() - start
    page = write_run(out, exp, cfg, result, seed, seconds, quick)
    log(f"{name}: {result.headline}")
    log(f"  ({seconds:.1f} s; report: {page})")
    return out, result


def cmd_run(args):
    overrides = _overrides(args.set)
    if args.name == "tour":
        from .lectures import TOUR
        if overrides:
            raise ValueError("run tour takes no --set (each experiment has its own settings)")
        base = args.out or os.path.join("runs", "tour")
        _check_writable(base)
        print(f"chainrule tour: {len(TOUR)} experiments across the lectures (quick settings)\n")
        for name in TOUR:
            run_one(name, True, args.seed, os.path.join(base, name), None, not args.no_progress)
            print()
        from .lectures.lang import tr
        from .report import write_index
        page = write_index(base, tr("tour.title", "The chainrule tour: one question from each lecture"), TOUR)
        print(tr("cli.tour_open", "open {page} (it links every experiment's page)", page=page))
        return 0
    run_one(args.name, args.quick, args.seed, args.out, overrides, not args.no_progress)
    return 0


def _run_help(argv):
    """``chainrule run NAME --help``: the run options, then NAME's settings as ``--set`` takes them."""
    valued = {"--lang", "--seed", "--out", "--set"}
    names = [a for i, a in enumerate(argv[1:], 1) if not a.startswith("-") and argv[i - 1] not in valued]
    if not names or names[0] == "tour":
        return None
    from .lectures import get
    from .lectures.lang import tr
    from .lectures.registry import describe_settings
    try:
        exp = get(names[0])
    except KeyError as e:
        return _fail(e.args[0])
    print(f"usage: chainrule run {exp.name} [--quick] [--seed S] [--out DIR] [--set KEY=VALUE ...]\n")
    print(tr(exp.name + ".question", exp.question) + "\n")
    print(tr("cli.settings", "settings (defaults shown):"))
    print(describe_settings(exp))
    return 0


def main(argv=None):
    try:
        return _main(argv)
    except BrokenPipeError:   # `chainrule list | head`: the reader left; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


def _main(argv):
    safe_console()
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--lang" in argv[:-1]:
        from .lectures.lang import set_language
        set_language(argv[argv.index("--lang") + 1])
    if argv[:1] == ["run"] and ("--help" in argv or "-h" in argv):
        code = _run_help(argv)
        if code is not None:
            return code
    args = _parser().parse_args(argv)
    if getattr(args, "lang", None):
        from .lectures.lang import set_language
        set_language(args.lang)
    try:
        if args.command == "list":
            return cmd_list(args.names)
        if args.command == "run":
            return cmd_run(args)
        if args.command == "launch":
            return cmd_launch(args)
        if args.command == "report":
            from .report import render
            print(render(args.dir))
            return 0
        _parser().print_help()
        return 0
    except KeyError as e:
        return _fail(e.args[0])
    except (ValueError, PermissionError, FileNotFoundError) as e:
        return _fail(str(e))
    except RuntimeError as e:
        if args.command != "launch":
            raise
        return _fail(str(e))


if __name__ == "__main__":
    sys.exit(main())
