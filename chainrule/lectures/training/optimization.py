"""Lecture 3 — The art of training: critical points and the Hessian, batch size, momentum and
adaptive learning rates, schedules, batch normalization, robust losses and overfitting."""
import dataclasses
import math

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.autograd.functional import hessian

from ..common import digits, figure, lines, mlp, sharpness, test_accuracy, train
from ..lang import tr
from ..registry import Result, experiment


# ------------------------------------------------------------------------------------- critical
@dataclasses.dataclass
class CriticalConfig:
    runs: int = 20
    steps: int = 3000
    hidden: int = 2
    RANGES = {"runs": (1, 200), "steps": (1, 100_000), "hidden": (1, 8)}


_GRAD_TOL = 1e-6   # a run has stopped at a critical point when ‖∇L‖ is below this
_EIG_TOL = 1e-6    # eigenvalues within ±this (relative to the largest) count as zero: flat, not down
_NEWTON_STEPS = 30


def _gradient(f, t):
    theta = cr.tensor(t, requires_grad=True)
    return cr.autograd.grad(f(theta), theta)[0]._data


def _tiny_net_loss(theta, x, y, hidden):
    """A 1-hidden-layer tanh net y = v·tanh(Wx) written on one flat parameter vector θ."""
    d = x.shape[1]
    w = theta[:hidden * d].reshape(hidden, d)
    v = theta[hidden * d:]
    return ((cr.tanh(x @ w.T) @ v - y) ** 2).mean()


@experiment("training.critical_points", CriticalConfig,
            "When the gradient is zero, is it a local minimum or a saddle point — and can we escape a saddle?",
            "L(θ) ≈ L(θ′) + ½(θ − θ′)ᵀH(θ − θ′) at a critical point. All eigenvalues of H > 0: local "
            "minimum; some < 0: saddle — step along the eigenvector u of a negative eigenvalue λ: "
            "L(θ′ + u) ≈ L(θ′) + ½λ‖u‖² < L(θ′)",
            quick=dict(runs=6, steps=800),
            captions={
                "minimum_ratio": "Each training run ends at a critical point; the share of positive Hessian eigenvalues says "
                    "how close it is to a minimum.",
                "escape": "Along the eigenvector of a negative eigenvalue the loss goes down: the saddle can be escaped"
                    " that way.",
            })
def critical_points(cfg, ctx):
    """Q: When the gradient is zero, is it a local minimum or a saddle point — and can we escape a
    saddle?

    A: at θ = 0 every gradient vanishes and the Hessian has a negative eigenvalue: a saddle, and
    one step along that eigenvector lowers the loss. Trainings run until the gradient vanishes
    are then sorted by their Hessian into minima and saddles (the counts are on the page).
    """
    x = cr.tensor(np.array([[1.0, 0.5], [-0.5, 1.0], [0.8, -1.2], [-1.0, -0.3]]))
    y = cr.tensor(np.array([1.0, -1.0, 0.5, 0.2]))
    n = cfg.hidden * 2 + cfg.hidden
    f = lambda t: _tiny_net_loss(t, x, y, cfg.hidden)

    def analyze(theta):
        h = hessian(f, cr.tensor(theta))._data
        ev, vec = np.linalg.eigh(h)
        return ev, vec
    # 1) θ = 0 is a critical point (every gradient vanishes): a saddle
    zero = np.zeros(n)
    t0 = cr.tensor(zero, requires_grad=True)
    grad0 = cr.autograd.grad(f(t0), t0)[0]._data
    ev, vec = analyze(zero)
    loss0 = f(cr.tensor(zero)).item()
    u = vec[:, 0]
    step = max(1e-3, 0.5 * math.sqrt(abs(2 * loss0 / ev[0]))) if ev[0] < 0 else 0.0
    escaped = f(cr.tensor(zero + step * u)).item()
    # 2) many trainings, each run until the gradient vanishes (‖g‖ < GRAD_TOL) or the steps run out;
    #    a run that stopped at a critical point is a minimum when no eigenvalue is negative beyond
    #    rounding (EIG_TOL relative to the largest), else a saddle
    ratios, kinds, grads = [], [], []
    rng = np.random.default_rng(ctx.seed)
    for _ in ctx.progress(range(cfg.runs), desc="runs"):
        theta = cr.tensor(rng.standard_normal(n), requires_grad=True)
        opt = cr.optim.SGD([theta], lr=0.1, momentum=0.9)
        for _ in range(cfg.steps):
            opt.zero_grad()
            f(theta).backward()
            if float(theta.grad.norm()) < _GRAD_TOL:
                break
            opt.step()
        t = theta._data.copy()
        for _ in range(_NEWTON_STEPS):   # then Newton's method homes in on the critical point nearby
            grad = _gradient(f, t)
            if np.linalg.norm(grad) < _GRAD_TOL:
                break
            t = t - np.linalg.lstsq(hessian(f, cr.tensor(t))._data, grad, rcond=None)[0]
        g = float(np.linalg.norm(_gradient(f, t)))
        e, _ = analyze(t)
        tol = _EIG_TOL * max(1.0, float(np.abs(e).max()))
        ratios.append(float((e > tol).mean()))
        grads.append(g)
        kinds.append("not converged" if g >= _GRAD_TOL else "minimum" if e[0] >= -tol else "saddle")
    counts = {k: kinds.count(k) for k in ("minimum", "saddle", "not converged")}
    fig, ax = figure()
    ax.hist(ratios, bins=np.linspace(0, 1, 11), rwidth=0.9)
    ax.set(title="Minimum ratio = share of positive Hessian eigenvalues", xlabel="minimum ratio", ylabel="runs")
    ax.yaxis.get_major_locator().set_params(integer=True)
    fig2, ax2 = figure()
    alphas = np.linspace(-2 * step if step else -1, 2 * step if step else 1, 81)
    ax2.plot(alphas, [f(cr.tensor(zero + a * u)).item() for a in alphas], label="along the escape direction u")
    ax2.plot(alphas, [f(cr.tensor(zero + a * vec[:, -1])).item() for a in alphas], label="along the steepest-up direction")
    ax2.axvline(0, color="k", lw=0.5)
    ax2.set(title="The loss around the saddle θ = 0", xlabel="step size", ylabel="loss")
    ax2.legend(fontsize=8)
    reached = counts["minimum"] + counts["saddle"]
    head = tr("training.critical_points.headline",
              "At θ = 0 the gradient is {grad:.1e} and the Hessian's smallest eigenvalue is {ev0:.3f} < 0: a "
              "saddle. One step along its eigenvector lowers the loss from {loss0:.4f} to {escaped:.4f}. Of {runs} "
              "trainings, {reached} stopped at a critical point (‖g‖ < {tol:.0e}, after gradient descent and "
              "Newton steps): {nmin} {minima} (no negative eigenvalue) and {nsad} {saddles} (some negative)",
              grad=float(np.abs(grad0).max()), ev0=ev[0], loss0=loss0, escaped=escaped, runs=cfg.runs,
              reached=reached, tol=_GRAD_TOL, nmin=counts["minimum"], nsad=counts["saddle"],
              minima="minimum" if counts["minimum"] == 1 else "minima",
              saddles="saddle" if counts["saddle"] == 1 else "saddles")
    if counts["not converged"]:
        head += tr("training.critical_points.not_converged", "; {n} did not converge", n=counts["not converged"])
    head += tr("sentence.end", ".")
    return Result({"gradient_at_zero": float(np.abs(grad0).max()), "hessian_eigenvalues_at_zero": ev.tolist(),
                   "loss_at_saddle": loss0, "loss_after_escape": escaped, "minimum_ratios": ratios,
                   "final_gradient_norms": grads, "kinds": kinds, "counts": counts},
                  {"minimum_ratio": fig, "escape": fig2}, head)


# ----------------------------------------------------------------------------------- optimizers
def _surface(p):
    """An ill-conditioned valley: 100× steeper across than along, its minimum at (1, 1)."""
    x, y = p[..., 0] - 1, p[..., 1] - 1
    return 0.01 * x ** 2 + 1.0 * y ** 2


@dataclasses.dataclass
class OptConfig:
    steps: int = 150
    lr: float = 0.4  # plain SGD's: near the largest stable step across the valley (2/2.0)
    RANGES = {"steps": (1, 10_000), "lr": (1e-05, 10.0)}


def _walk(make_opt, steps, start=(-2.0, -1.5)):
    p = cr.tensor(np.array(start), requires_grad=True)
    opt = make_opt([p])
    path, losses = [p._data.copy()], []
    for _ in range(steps):
        opt.zero_grad()
        loss = _surface(p)
        loss.backward()
        opt.step()
        path.append(p._data.copy())
        losses.append(_surface(p._data))
    return np.array(path), losses


@experiment("training.optimizers", OptConfig,
            "On an ill-conditioned error surface, how do SGD, momentum, Adagrad, RMSProp and Adam move?",
            "momentum: m ← λm − ηg, θ ← θ + m;  Adagrad: θ ← θ − η/σ·g, σ = √(mean of past g²);\n"
            "RMSProp: σᵗ = √(α(σᵗ⁻¹)² + (1−α)(gᵗ)²);  Adam = RMSProp + momentum (with bias correction)",
            quick=dict(steps=80),
            captions={
                "paths": "On the ill-conditioned surface plain SGD zig-zags across the steep direction; the adaptive "
                    "methods take more direct paths.",
                "losses": "The same runs as loss per step (log scale).",
            })
def optimizers(cfg, ctx):
    """Q: On an ill-conditioned error surface, how do SGD, momentum, Adagrad, RMSProp and Adam move?

    A (seed 0, default settings, 0.3 s on 2 cores): After 150 steps: SGD 8.09e-03, SGD +
    momentum 6.53e-05, Adagrad (notes) 4.59e-09, RMSProp (notes) 0.00e+00, Adam 1.48e-07; Adam
    ends 54558× lower than plain SGD.
    """
    lr = cfg.lr
    makers = {"SGD": lambda p: cr.optim.SGD(p, lr=lr),
              "SGD + momentum": lambda p: cr.optim.SGD(p, lr=lr / 4, momentum=0.9, form="notes"),
              "Adagrad (notes)": lambda p: cr.optim.Adagrad(p, lr=lr, form="notes"),
              "RMSProp (notes)": lambda p: cr.optim.RMSprop(p, lr=lr / 8, alpha=0.9, form="notes"),
              "Adam": lambda p: cr.optim.Adam(p, lr=lr / 4)}
    runs = {name: _walk(m, cfg.steps) for name, m in makers.items()}
    g = np.linspace(-2.5, 2.0, 120)
    G0, G1 = np.meshgrid(g, np.linspace(-2.0, 2.0, 120))  # start (−2, −1.5), goal (1, 1)
    Z = _surface(np.stack([G0, G1], -1))
    fig, ax = figure(6.5, 5)
    ax.contour(G0, G1, Z, levels=np.geomspace(1e-3, Z.max(), 20), cmap="Greys")
    for name, (path, _) in runs.items():
        ax.plot(path[:, 0], path[:, 1], ".-", ms=2, lw=1, label=name)
    ax.plot(1, 1, "k*", ms=12)
    ax.set(title="Optimizer paths on an ill-conditioned surface", xlabel="θ₁", ylabel="θ₂")
    ax.legend(fontsize=7)
    fig2 = lines({name: (np.arange(1, cfg.steps + 1), losses) for name, (_, losses) in runs.items()},
                 "Loss per step", "step", "loss", logy=True)
    final = {name: float(losses[-1]) for name, (_, losses) in runs.items()}
    diverged = sorted(k for k, v in final.items() if not np.isfinite(v) or v > 10 * runs[k][1][0])
    head = tr("training.optimizers.headline", "After {steps} steps: {parts}", steps=cfg.steps,
              parts=tr("list.sep", ", ").join(f"{k} {v:.2e}" for k, v in final.items() if k not in diverged))
    if diverged:
        head += tr("training.optimizers.diverged", "; {names} diverged at η = {lr} (the valley's steep side throws "
                   "it out)", names=tr("list.and", " and ").join(diverged), lr=cfg.lr)
    if "SGD" not in diverged and "Adam" not in diverged:
        ratio = final["SGD"] / max(final["Adam"], 1e-300)
        head += (tr("training.optimizers.adam_wins", "; Adam ends {ratio:.0f}× lower than plain SGD", ratio=ratio)
                 if ratio > 1 else tr("training.optimizers.adam_loses", "; Adam does not beat plain SGD this time"))
    head += tr("sentence.end", ".")
    return Result({"final_loss": final, "diverged": diverged}, {"paths": fig, "losses": fig2}, head)


@dataclasses.dataclass
class PlateauConfig:
    steps: int = 300
    lr: float = 0.05
    momentum: float = 0.9
    RANGES = {"steps": (1, 100_000),
              "lr": (1e-05, 10.0),
              "momentum": (0.0, 0.999)}


def _plateau(x):
    """Flat from x = −4 to −1, then a drop into the minimum at x = 2: a plateau with a gentle slope."""
    return 0.01 * (x - 2) ** 2 + 1 - cr.tanh((x + 0.5) * 2) if isinstance(x, cr.Tensor) else \
        0.01 * (x - 2) ** 2 + 1 - np.tanh((x + 0.5) * 2)


@experiment("training.momentum_plateau", PlateauConfig,
            "Can momentum carry the parameters across a plateau where the gradient is almost zero?",
            "m⁽ⁱ⁺¹⁾ = λm⁽ⁱ⁾ − ηg⁽ⁱ⁾, θ⁽ⁱ⁺¹⁾ = θ⁽ⁱ⁾ + m⁽ⁱ⁺¹⁾ — the movement remembers past gradients",
            quick=dict(steps=200),
            captions={
                "plateau": "Gradient descent stalls on the flat part; momentum carries its speed across it.",
            })
def momentum_plateau(cfg, ctx):
    """Q: Can momentum carry the parameters across a plateau where the gradient is almost zero?

    A (seed 0, default settings, 0.1 s on 2 cores): After 300 steps plain gradient descent is at
    θ = -2.44 (L = 2.196); with momentum θ = 2.18 (L = 0.000).
    """
    finals, paths = {}, {}
    for name, mom in (("gradient descent", 0.0), ("momentum", cfg.momentum)):
        x = cr.tensor([-4.0], dtype=cr.float64, requires_grad=True)
        opt = cr.optim.SGD([x], lr=cfg.lr, momentum=mom, form="notes")
        path = []
        for _ in range(cfg.steps):
            opt.zero_grad()
            _plateau(x).sum().backward()
            opt.step()
            path.append(x.item())
        paths[name], finals[name] = path, float(_plateau(np.array(path[-1])))
    xs = np.linspace(-5, 4, 300)
    fig, ax = figure()
    ax.plot(xs, _plateau(xs), "k", label="L(θ)")
    for name, path in paths.items():
        ax.plot(path[::5], _plateau(np.array(path[::5])), "o", ms=3, label=name)
    ax.set(title="Crossing a plateau", xlabel="θ", ylabel="L")
    ax.legend()
    where = {k: _plateau_verdict(paths[k][-1], finals[k]) for k in paths}
    words = {"diverged": tr("training.momentum_plateau.diverged", "diverged"),
             "minimum": tr("training.momentum_plateau.reached", "reached the minimum"),
             "plateau": tr("training.momentum_plateau.stalled", "is still on the plateau"),
             "swinging": tr("training.momentum_plateau.swinging", "is swinging past the minimum")}
    head = tr("training.momentum_plateau.headline",
              "After {steps} steps plain gradient descent {wa} (θ = {a:.2f}, L = {la:.3f}); with momentum it {wb} "
              "(θ = {b:.2f}, L = {lb:.3f}).", steps=cfg.steps, a=paths["gradient descent"][-1],
              la=finals["gradient descent"], b=paths["momentum"][-1], lb=finals["momentum"],
              wa=words[where["gradient descent"]], wb=words[where["momentum"]])
    return Result({"final_loss": finals, "final_theta": {k: v[-1] for k, v in paths.items()}, "where": where},
                  {"plateau": fig}, head)


def _plateau_verdict(theta, loss):
    """Where a run on ``_plateau`` ended: at the ``minimum`` (θ = 2, L ≈ 0), still on the ``plateau``
    left of the drop, ``swinging`` past the minimum, or ``diverged`` (not finite)."""
    if not np.isfinite(theta) or not np.isfinite(loss):
        return "diverged"
    if loss < 0.1:
        return "minimum"
    return "plateau" if theta < -0.5 else "swinging"


@dataclasses.dataclass
class BatchConfig:
    epochs: int = 10
    small: int = 8
    large: int = 512
    RANGES = {"epochs": (1, 200),
              "small": (1, 4096),
              "large": (1, 4096)}


@experiment("training.batch_size", BatchConfig,
            "Small or large batches: which is faster per epoch, and which generalizes better?",
            "batch size B: one update per B examples. Large B: fewer, smoother, parallel updates (less "
            "time per epoch); small B: more, noisier updates — the noise helps escape sharp minima",
            quick=dict(epochs=4),
            captions={
                "validation": "Per epoch the small batch makes many noisy updates and the large batch a few smooth ones: "
                    "compare how far each gets in the same number of epochs.",
            })
def batch_size(cfg, ctx):
    """Q: Small or large batches: which is faster per epoch, and which generalizes better?

    A (seed 0, default settings, 0.6 s on 2 cores): An epoch takes 0.038 s with B = 8 and 0.010
    s with B = 512; after 10 epochs the test accuracy is 0.978 vs 0.933, and nudging the weights
    by 5% raises the training loss by 3.57e-04 vs 8.12e-04 (sharpness).
    """
    data = digits(ctx.seed)
    out, curves = {}, {}
    for name, bs in (("small", cfg.small), ("large", cfg.large)):
        cr.manual_seed(ctx.seed)
        model = mlp()
        hist = train(model, data, cfg.epochs, bs, lr=0.05 if bs > 64 else 0.01, seed=ctx.seed,
                      progress=ctx.progress_enabled)
        out[name] = {"batch_size": bs, "seconds_per_epoch": hist["seconds"] / cfg.epochs,
                     "updates_per_epoch": -(-len(data[0][1]) // bs),
                     "val_accuracy": hist["val_accuracy"][-1], "test_accuracy": test_accuracy(model, data),
                     "sharpness": sharpness(model, data, ctx.seed)}
        curves[f"B = {bs}"] = (np.arange(1, cfg.epochs + 1), hist["val_accuracy"])
    fig = lines(curves, "Validation accuracy per epoch", "epoch", "accuracy")
    s, l = out["small"], out["large"]
    head = tr("training.batch_size.headline",
              "An epoch takes {ts:.3f} s with B = {bs} and {tl:.3f} s with B = {bl}; after {e} epochs the test accuracy "
              "is {as_:.3f} vs {al:.3f}, and nudging the weights by 5% raises the training loss by {ss:.2e} vs {sl:.2e} "
              "(sharpness).", ts=s["seconds_per_epoch"], bs=cfg.small, tl=l["seconds_per_epoch"], bl=cfg.large,
              e=cfg.epochs, as_=s["test_accuracy"], al=l["test_accuracy"], ss=s["sharpness"], sl=l["sharpness"])
    return Result(out, {"validation": fig}, head)


@dataclasses.dataclass
class BNConfig:
    epochs: int = 8
    depth: int = 4
    RANGES = {"epochs": (1, 200), "depth": (1, 20)}


@experiment("training.batchnorm", BNConfig,
            "Does batch normalization make a deep sigmoid network easier to train?",
            "z̃ = (z − μ)/σ over the batch, then γz̃ + β (γ = 1, β = 0 at first); running mean "
            "μ̄ ← (1 − p)μ̄ + pμ with p = 0.1 is used at test time",
            quick=dict(epochs=4),
            captions={
                "training_loss": "The deep sigmoid network without batch norm barely moves; with it the loss falls from the "
                    "first epoch.",
            })
def batchnorm(cfg, ctx):
    """Q: Does batch normalization make a deep sigmoid network easier to train?

    A (seed 0, default settings, 0.6 s on 2 cores): After 8 epochs the training loss is 0.165
    with batch norm vs 2.317 without (test accuracy 0.964 vs 0.089).
    """
    data = digits(ctx.seed)
    out, curves = {}, {}
    for name, norm in (("without", False), ("with", True)):
        cr.manual_seed(ctx.seed)
        model = mlp(64, cfg.depth, nn.Sigmoid, norm)
        hist = train(model, data, cfg.epochs, 64, lr=0.05, seed=ctx.seed,
                      progress=ctx.progress_enabled)
        out[name] = {"train_loss": hist["loss"], "test_accuracy": test_accuracy(model, data)}
        curves[f"{name} batch norm"] = (np.arange(1, cfg.epochs + 1), hist["loss"])
    fig = lines(curves, f"Training loss of a {cfg.depth}-layer sigmoid network", "epoch", "loss", logy=True)
    head = tr("training.batchnorm.headline",
              "After {e} epochs the training loss is {a:.3f} with batch norm vs {b:.3f} without (test accuracy {ta:.3f} "
              "vs {tb:.3f}).", e=cfg.epochs, a=out["with"]["train_loss"][-1], b=out["without"]["train_loss"][-1],
              ta=out["with"]["test_accuracy"], tb=out["without"]["test_accuracy"])
    return Result(out, {"training_loss": fig}, head)


@dataclasses.dataclass
class ScheduleConfig:
    epochs: int = 12
    lr: float = 0.15
    warmup_epochs: int = 3
    RANGES = {"epochs": (1, 200),
              "lr": (1e-05, 10.0),
              "warmup_epochs": (0, 200)}


@experiment("training.lr_schedule", ScheduleConfig,
            "Does warming the learning rate up and then decaying it beat a constant large rate?",
            "warmup: η grows linearly for the first epochs (the statistics of σ are unreliable early); "
            "decay: η shrinks as we near the goal. Run here: ηₜ = η·(0.05 + 0.95·t/T_w) for t < T_w, then "
            "cosine decay ηₜ = η·½(1 + cos(π(t − T_w)/(T − T_w))) (the Transformer's warmup is "
            "d^−½·min(step^−½, step·warmup^−3/2): TransformerWarmupLR)",
            quick=dict(epochs=6, warmup_epochs=2),
            captions={
                "validation_loss": "Validation loss under each schedule; a curve that stops is a run that diverged.",
                "learning_rate": "What each schedule does to η: warmup climbs, then cosine decay brings it down.",
            })
def lr_schedule(cfg, ctx):
    """Q: Does warming the learning rate up and then decaying it beat a constant large rate?

    A (seed 0, default settings, 0.5 s on 2 cores): With η = 0.15 held constant the test
    accuracy is 0.911; warming up and decaying the same peak rate gives 0.972.
    """
    from chainrule.optim import lr_scheduler as S
    from chainrule.utils.data import DataLoader, TensorDataset
    data = digits(ctx.seed)
    (xtr, ytr), (xva, yva), _ = data
    out, curves, diverged, schedules = {}, {}, {}, {}
    for name in ("constant", "warmup + cosine decay"):
        cr.manual_seed(ctx.seed)
        model = mlp(64, 3)
        opt = cr.optim.SGD(model.parameters(), lr=cfg.lr, momentum=0.9)
        sched = None
        if name != "constant":
            warmup = min(cfg.warmup_epochs, cfg.epochs - 1)
            sched = S.SequentialLR(opt, [S.LinearLR(opt, 0.05, total_iters=max(warmup, 1)),
                                         S.CosineAnnealingLR(opt, max(cfg.epochs - warmup, 1))],
                                   milestones=[max(warmup, 1)])
        trainer = cr.train.Trainer(model, nn.CrossEntropyLoss(), opt, sched, metrics=["accuracy"],
                                   progress=ctx.progress_enabled)
        try:
            trainer.fit(DataLoader(TensorDataset(cr.tensor(xtr), cr.tensor(ytr)), batch_size=64, shuffle=True),
                        DataLoader(TensorDataset(cr.tensor(xva), cr.tensor(yva)), batch_size=256),
                        epochs=cfg.epochs)
        except FloatingPointError:        # a result, not a crash: this η is too large
            diverged[name] = trainer.step
        hist = trainer.history
        schedules[name] = hist.get("lr", [])
        done = len(hist.get("val_loss", []))
        out[name] = {"test_accuracy": test_accuracy(model, data) if name not in diverged else float("nan"),
                     "diverged_at_step": diverged.get(name), "epochs_completed": done}
        if done:
            curves[name] = (np.arange(1, done + 1), hist["val_loss"])
    fig = lines(curves, "Validation loss per epoch (a diverged run stops)", "epoch", "loss", logy=True)
    fig.axes[0].xaxis.get_major_locator().set_params(integer=True)
    rates = {name: (np.arange(1, len(h) + 1), h) for name, h in schedules.items() if h}
    fig_lr = lines(rates, "The learning rate each epoch", "epoch", "η")
    fig_lr.axes[0].xaxis.get_major_locator().set_params(integer=True)
    c, w = out["constant"], out["warmup + cosine decay"]
    if diverged:
        parts = [tr("training.lr_schedule.diverged", "{k} η = {lr} diverged at step {v}", k=k, lr=cfg.lr, v=v)
                 for k, v in diverged.items()]
        kept = [k for k in out if k not in diverged]
        if kept:
            parts.append(tr("training.lr_schedule.kept", "{k} reaches test accuracy {a:.3f}", k=kept[0],
                            a=out[kept[0]]["test_accuracy"]))
        head = tr("training.lr_schedule.headline_diverged", "{parts}. Lower η to compare the schedules.",
                  parts="; ".join(parts))
    else:
        verdict = (tr("training.lr_schedule.beats", "beats") if w["test_accuracy"] > c["test_accuracy"] else
                   tr("training.lr_schedule.not_beats", "does not beat (not this time)"))
        head = tr("training.lr_schedule.headline",
                  "With η = {lr} held constant the test accuracy is {c:.3f}; warming up and decaying the same peak rate "
                  "gives {w:.3f}: the schedule {verdict} the constant rate.", lr=cfg.lr, c=c["test_accuracy"],
                  w=w["test_accuracy"], verdict=verdict)
    return Result(out, {"validation_loss": fig, "learning_rate": fig_lr}, head)


@dataclasses.dataclass
class BiasOptConfig:
    epochs: int = 10
    shallow: int = 2
    deep: int = 12
    RANGES = {"epochs": (1, 200), "shallow": (1, 50), "deep": (1, 50)}


@experiment("training.model_bias_vs_optimization", BiasOptConfig,
            "A deeper plain network has a bigger function set — so why can its *training* loss be higher?",
            "If a deeper model cannot even fit the training data as well as a shallower one, the "
            "problem is optimization, not model bias (not overfitting either: look at the training loss)",
            quick=dict(epochs=4),
            captions={
                "training_loss": "The deeper network could fit at least as well, yet its training loss stays higher: an "
                    "optimization problem, not model bias.",
            })
def model_bias_vs_optimization(cfg, ctx):
    """Q: A deeper plain network has a bigger function set — so why can its *training* loss be higher?

    A (seed 0, default settings, 0.6 s on 2 cores): After 10 epochs the 12-layer network's
    training loss is 2.318, the 2-layer one's 0.035: an optimization issue, since the deep net's
    function set contains the shallow one's.
    """
    data = digits(ctx.seed)
    out, curves = {}, {}
    for name, depth in (("shallow", cfg.shallow), ("deep", cfg.deep)):
        cr.manual_seed(ctx.seed)
        model = mlp(32, depth, nn.Sigmoid)
        hist = train(model, data, cfg.epochs, 64, lr=0.5, seed=ctx.seed,
                      progress=ctx.progress_enabled)
        out[name] = {"layers": depth, "train_loss": hist["loss"][-1]}
        curves[f"{depth} hidden layers"] = (np.arange(1, cfg.epochs + 1), hist["loss"])
    fig = lines(curves, "Training loss: deeper is not easier", "epoch", "loss", logy=True)
    head = tr("training.model_bias_vs_optimization.headline",
              "After {e} epochs the {d}-layer network's training loss is {ld:.3f}, the {s}-layer one's {ls:.3f}: "
              "{verdict}.", e=cfg.epochs, d=cfg.deep, ld=out["deep"]["train_loss"], s=cfg.shallow,
              ls=out["shallow"]["train_loss"],
              verdict=tr("training.model_bias_vs_optimization.optimization", "an optimization issue, since the deep "
                         "net's function set contains the shallow one's")
              if out["deep"]["train_loss"] > out["shallow"]["train_loss"] else
              tr("training.model_bias_vs_optimization.fits", "the deeper net fits at least as well this time"))
    return Result(out, {"training_loss": fig}, head)
