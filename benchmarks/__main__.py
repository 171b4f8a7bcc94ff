"""``python -m benchmarks [--quick] [--only NAME] [--json PATH] [--threads N]``

Times every workload in chainrule and PyTorch in the same run and prints the ratio; W1 and W2 are
also timed in the from-scratch peers DeZero and MyGrad when they are installed.
"""
import argparse
import json
import os
import platform
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--only", action="append", help="run only this workload (repeatable)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    parser.add_argument("--threads", type=int, default=None,
                        help="BLAS/torch threads (default: OPENBLAS_NUM_THREADS or the core count)")
    args = parser.parse_args(argv)
    threads = args.threads or int(os.environ.get("OPENBLAS_NUM_THREADS", os.cpu_count() or 1))
    # Threads must be fixed before NumPy loads its BLAS; both libraries get the same count.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(threads)
    if "numpy" in sys.modules and args.threads:
        print("warning: NumPy was already imported; its BLAS thread count may differ", file=sys.stderr)
    import torch
    import chainrule
    from .harness import REGISTRY, format_table, run
    from . import (nanogpt, programs, workloads, workloads_data, workloads_distributed, workloads_generative,  # noqa: F401
                   workloads_seq, workloads_vision)  # (registers the workloads)
    from .peers import installed
    torch.set_num_threads(threads)

    chosen = [w for w in REGISTRY if (w.name in args.only if args.only else not (args.quick and w.slow))]
    if args.only and len(chosen) != len(args.only):
        known = ", ".join(w.name for w in REGISTRY)
        parser.error(f"unknown workload in {args.only}; known: {known}")
    peers = installed()
    rows = []
    for w in chosen:
        t, ratio = run(w, {"chainrule": chainrule, "torch": torch}, "torch", quick=args.quick,
                       peers=peers)
        scale = 1 if w.once else 1e3  # once-workloads report their own unit (seconds or MiB)
        rows.append({"name": w.name, "chainrule_ms": t["chainrule"] * scale, "torch_ms": t["torch"] * scale,
                     "ratio": ratio["chainrule"], "target": w.target, "about": w.about,
                     "unit": getattr(w.build, "unit", "ms") if w.once else "ms",
                     "peers": {name: ratio[name] for name in peers if name in t}})
        print(f"  {w.name}: {rows[-1]['ratio']:.2f}x", file=sys.stderr)
    print(f"chainrule {chainrule.__version__} vs torch {torch.__version__}, {threads} threads, "
          f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(machine())
    print(format_table(rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": threads, "torch": torch.__version__, "machine": machine(), "rows": rows}, f,
                      indent=2)
    return 0


def machine():
    """The CPU model and the BLAS kernels NumPy runs — ratios move with both. OpenBLAS picks its
    kernels from the CPU unless ``OPENBLAS_CORETYPE`` forces some (on a Zen 5 CPU, forcing
    ``Haswell`` halves NumPy's matrix products against the AVX-512 ``SkylakeX`` kernels)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        from threadpoolctl import threadpool_info
        blas = "; ".join(f"{i['internal_api']} {i.get('version')} {i.get('architecture') or ''}".strip()
                         for i in threadpool_info() if i["user_api"] == "blas")
    except ImportError:   # pragma: no cover - threadpoolctl is a dependency
        blas = "unknown"
    forced = os.environ.get("OPENBLAS_CORETYPE")
    return f"CPU: {cpu}; NumPy BLAS: {blas}" + (f" (forced by OPENBLAS_CORETYPE={forced})" if forced else "")


if __name__ == "__main__":
    sys.exit(main())
