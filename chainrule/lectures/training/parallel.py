"""Lecture 3 — batch size and parallel hardware: one global batch split over several processes.

The notes: with parallel hardware a batch of 1,000 costs about what a batch of 1 does. Data
parallelism is that idea across processes and machines: each rank computes the gradient of its
shard, the ranks average (all-reduce) their gradients, and every rank takes the same step.
"""
import dataclasses
import json
import os
import tempfile
import time

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.distributed import launch

from ..common import figure, lines
from ..lang import tr
from ..registry import Result, experiment

# ResNet-18 (torchvision): parameters, and multiply-adds of one 224×224 forward pass
RESNET18_PARAMETERS = 11_689_512
RESNET18_FORWARD_FLOP = 2 * 1.814e9
SCALES = (8, 64, 512)


@dataclasses.dataclass
class DataParallelConfig:
    ranks: int = 2
    global_batch: int = 64
    epochs: int = 8
    width: int = 512
    depth: int = 2
    lr: float = 0.05
    bandwidth_gbit: float = 10.0
    latency_us: float = 20.0
    per_rank_batch: int = 32
    RANGES = {"ranks": (2, 64), "global_batch": (2, 4096), "epochs": (1, 200), "width": (8, 4096),
              "depth": (1, 8), "lr": (1e-5, 1.0), "bandwidth_gbit": (0.01, 10_000.0),
              "latency_us": (0.0, 1e6), "per_rank_batch": (1, 4096)}


def ring_allreduce_seconds(ranks, numbers, bandwidth_gbit, latency_us):
    """Ring all-reduce of ``numbers`` float32 values: 2(p−1) messages of n/p values each way —
    T = 2(p−1)·α + 2(p−1)/p · 4n/β (α latency, β bandwidth in bytes per second)."""
    if ranks <= 1:
        return 0.0
    beta = bandwidth_gbit * 1e9 / 8
    return 2 * (ranks - 1) * latency_us * 1e-6 + 2 * (ranks - 1) / ranks * 4 * numbers / beta


def scaling_efficiency(ranks, step_seconds, numbers, bandwidth_gbit, latency_us):
    """Throughput of p ranks over p times one rank's, each rank's step = its compute, then the
    all-reduce (no overlap assumed: the cautious estimate)."""
    return step_seconds / (step_seconds + ring_allreduce_seconds(ranks, numbers, bandwidth_gbit, latency_us))


def w2_network():
    """W2 of the benchmarks: LeNet-5 style on 1×28×28 (61,706 parameters)."""
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                         nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def _best_of(fn, repeats=5):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def _one_core_rates(batch):
    """Measured on one core of this machine: a W2 training step's seconds for ``batch`` examples,
    and float32 matrix-multiply FLOP/s (to scale ResNet-18's known FLOP count)."""
    before = cr.get_num_threads()
    cr.set_num_threads(1)
    try:
        model = w2_network()
        opt = cr.optim.SGD(model.parameters(), lr=0.01)
        x, y = cr.randn(batch, 1, 28, 28), cr.randint(0, 10, (batch,))

        def step():
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        w2_step = _best_of(step)
        a = np.random.default_rng(0).standard_normal((512, 512)).astype(np.float32)
        flops = 2 * 512 ** 3 / _best_of(lambda: a @ a)
    finally:
        cr.set_num_threads(before)
    return w2_step, flops, sum(p.numel() for p in model.parameters())


def _relative_gap(a, b):
    """‖a − b‖ / ‖a‖ of two runs' weights."""
    a, b = np.asarray(a), np.asarray(b)
    return float(np.linalg.norm(a - b) / np.linalg.norm(a))


def _run_ranks(n, settings, folder):
    out = os.path.join(folder, f"ranks{n}.json")
    done = launch.run(n, ["-m", "chainrule.lectures.training.data_parallel_worker", json.dumps(settings), out],
                      timeout=1800)
    if done.returncode != 0 or not os.path.exists(out):
        raise RuntimeError(f"training.data_parallel: the {n}-rank run failed (mpirun exited "
                           f"{done.returncode}):\n{done.stderr[-2000:]}")
    with open(out) as f:
        return json.load(f)


@experiment("training.data_parallel", DataParallelConfig,
            "Split one batch over several processes: does training give the same model, how much "
            "time goes to averaging gradients, and how far would it scale?",
            "g = (1/N) Σ_r g_r  (the mean of the ranks' shard gradients is the gradient of the global "
            "batch);  ring all-reduce T = 2(p−1)·α + 2(p−1)/p · bytes/β",
            quick=dict(epochs=2, width=64, depth=1),
            captions={
                "time_per_epoch": "Time per epoch on 1 and 2 ranks, split into computing and waiting for the all-reduce.",
                "training_loss": "The loss curves on 1 and 2 ranks lie on each other: the same global batch gives the same "
                    "weights.",
                "scaling": "Estimated efficiency as ranks grow (ring all-reduce): each rank sends about twice the "
                    "gradients whatever their number, so the model whose compute per parameter is larger keeps "
                    "its efficiency longer.",
            })
def data_parallel(cfg, ctx):
    """Q: Split one batch over several processes: same model? what does averaging cost? scaling?

    A: at an equal global batch, N ranks train the very model one rank trains (final weights equal
    to float rounding), because the average of the shard gradients is the global batch's gradient.
    The price is the all-reduce; a ring all-reduce costs 2(p−1) latencies plus twice the gradient's
    bytes over the bandwidth, so a small network like W2 stops scaling at a few dozen machines
    (latency-bound) while ResNet-18, with far more arithmetic per parameter, keeps most of its
    efficiency to hundreds.
    """
    if cfg.global_batch % cfg.ranks:
        raise ValueError(f"training.data_parallel: global_batch ({cfg.global_batch}) must be a multiple "
                         f"of ranks ({cfg.ranks}) so that every rank gets an equal shard")
    settings = dict(seed=ctx.seed, global_batch=cfg.global_batch, epochs=cfg.epochs, width=cfg.width,
                    depth=cfg.depth, lr=cfg.lr)
    with tempfile.TemporaryDirectory() as folder:
        runs = {n: _run_ranks(n, settings, folder) for n in (1, cfg.ranks)}
    one, many = runs[1], runs[cfg.ranks]
    first_gap, weight_gap = (_relative_gap(one.pop(key), many.pop(key)) for key in ("first_step_weights", "weights"))
    share = many["communication_per_epoch"] / many["seconds_per_epoch"]

    w2_step, flops, w2_numbers = _one_core_rates(cfg.per_rank_batch)
    resnet_step = cfg.per_rank_batch * 3 * RESNET18_FORWARD_FLOP / flops   # forward + backward ≈ 3×
    ranks_axis = np.unique(np.geomspace(1, 1024, 41).astype(int))
    curves, at = {}, {}
    for name, step, numbers in (("W2 (LeNet-5, 61,706 parameters)", w2_step, w2_numbers),
                                ("ResNet-18 (11.7 M parameters)", resnet_step, RESNET18_PARAMETERS)):
        eff = [scaling_efficiency(p, step, numbers, cfg.bandwidth_gbit, cfg.latency_us) for p in ranks_axis]
        curves[name] = (ranks_axis, eff)
        at[name.split(" ")[0]] = {p: scaling_efficiency(p, step, numbers, cfg.bandwidth_gbit, cfg.latency_us)
                                  for p in SCALES}

    fig_time, ax = figure()
    labels = [tr("training.data_parallel.one_rank", "1 rank"),
              tr("training.data_parallel.n_ranks", "{n} ranks", n=cfg.ranks)]
    compute = [r["seconds_per_epoch"] - r["communication_per_epoch"] for r in (one, many)]
    comm = [r["communication_per_epoch"] for r in (one, many)]
    ax.bar(labels, compute, label=tr("training.data_parallel.compute", "forward + backward + step"))
    ax.bar(labels, comm, bottom=compute, label=tr("training.data_parallel.allreduce", "waiting for all-reduce"))
    ax.set(title=tr("training.data_parallel.time_title", "Time per epoch, global batch {b}", b=cfg.global_batch),
           ylabel=tr("training.data_parallel.seconds", "seconds"))
    ax.set_ylim(0, 1.3 * max(c + m for c, m in zip(compute, comm)))
    ax.legend(loc="upper center", ncol=2, fontsize=8)
    fig_loss = lines({labels[0]: (np.arange(1, cfg.epochs + 1), one["train_loss"]),
                      labels[1]: (np.arange(1, cfg.epochs + 1), many["train_loss"])},
                     tr("training.data_parallel.loss_title", "Training loss: the two runs lie on one curve"),
                     "epoch", "loss")
    fig_loss.axes[0].lines[1].set_linestyle("--")
    fig_scale = lines(curves, tr("training.data_parallel.scale_title",
                                 "Estimated efficiency, {b} examples per rank, {bw} Gbit/s, {lat} µs",
                                 b=cfg.per_rank_batch, bw=cfg.bandwidth_gbit, lat=cfg.latency_us),
                      tr("training.data_parallel.ranks", "ranks p"), tr("training.data_parallel.efficiency",
                                                                          "throughput / (p × one rank)"))
    fig_scale.axes[0].set_xscale("log")
    fig_scale.axes[0].set_ylim(0, 1.05)

    head = tr("training.data_parallel.headline",
              "Same global batch of {b}: 1 rank {t1:.2f} s per epoch (test accuracy {a1:.3f}), {n} ranks "
              "{tn:.2f} s ({an:.3f}). After the first step their weights differ by {gap1:.0e} (relative), "
              "float rounding from summing in another order (after {epochs} epochs of training: {gap:.0e}) — "
              "splitting the batch moves the arithmetic, not its result. Both runs share this machine's cores (1 rank × "
              "{th1} threads, {n} ranks × {thn}); waiting for the all-reduce took {share:.0%} of the "
              "{n}-rank epoch. Estimated efficiency at 8 / 64 / 512 ranks ({bw} Gbit/s, {lat} µs): W2 "
              "{w8:.0%} / {w64:.0%} / {w512:.0%}, ResNet-18 {r8:.0%} / {r64:.0%} / {r512:.0%}.",
              b=cfg.global_batch, t1=one["seconds_per_epoch"], a1=one["test_accuracy"], n=cfg.ranks,
              tn=many["seconds_per_epoch"], an=many["test_accuracy"], gap=weight_gap, gap1=first_gap, epochs=cfg.epochs, share=share,
              th1=one["threads_per_rank"], thn=many["threads_per_rank"],
              bw=cfg.bandwidth_gbit, lat=cfg.latency_us, w8=at["W2"][8], w64=at["W2"][64], w512=at["W2"][512],
              r8=at["ResNet-18"][8], r64=at["ResNet-18"][64], r512=at["ResNet-18"][512])
    metrics = {"one_rank": one, "n_ranks": many, "first_step_weight_gap": first_gap, "weight_gap": weight_gap,
               "allreduce_share": share,
               "w2_step_seconds_one_core": w2_step, "matmul_gflops_one_core": flops / 1e9,
               "resnet18_step_seconds_estimate": resnet_step,
               "efficiency": {k: {str(p): e for p, e in v.items()} for k, v in at.items()},
               "allreduce_estimate_seconds": {
                   "W2": {str(p): ring_allreduce_seconds(p, w2_numbers, cfg.bandwidth_gbit, cfg.latency_us)
                          for p in SCALES},
                   "ResNet-18": {str(p): ring_allreduce_seconds(p, RESNET18_PARAMETERS, cfg.bandwidth_gbit,
                                                                cfg.latency_us) for p in SCALES}}}
    return Result(metrics, {"time_per_epoch": fig_time, "training_loss": fig_loss, "scaling": fig_scale}, head)
