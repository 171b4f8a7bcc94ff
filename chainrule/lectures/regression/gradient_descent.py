"""Lecture 1, gradient descent: a linear model of daily views, the error surface and the learning
rate, gradient descent against the normal equations, feature scaling, and a curve as a sum of
sigmoid (or ReLU) pieces."""
import dataclasses

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.data.datasets import daily_views, windows

from ..common import figure, lines
from ..lang import figure_text, tr
from ..registry import Result, experiment


def _gd(params, loss_fn, lr, steps, opt=None):
    """Plain gradient descent θ ← θ − η∇L on chainrule tensors; returns the loss history."""
    opt = opt or cr.optim.SGD(params, lr=lr)
    hist = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        hist.append(loss.item())
    return hist


def _views_split(days, train_frac, seed):
    v = daily_views(days, seed=seed)
    x, y = windows(v, 7)
    n = int(len(y) * train_frac)
    return v, x[:n], y[:n], x[n:], y[n:]


@dataclasses.dataclass
class ViewsConfig:
    days: int = 730
    train_fraction: float = 0.67
    steps: int = 3000
    lr: float = 0.05
    RANGES = {"days": (60, 100_000),
              "train_fraction": (0.1, 0.9),
              "steps": (1, 100_000),
              "lr": (1e-05, 10.0)}


@experiment("regression.linear_views", ViewsConfig,
            "Does looking at the last 7 days predict tomorrow's views better than looking at yesterday only?",
            "y = b + Σⱼ wⱼxⱼ  (xⱼ: the views j days ago), L = (1/N) Σ |y − ŷ|  (MAE)",
            quick=dict(days=300, steps=600),
            captions={
                "predictions": "Follow the black line: the 7-day model tracks the weekly ups and downs that the 1-day model "
                    "can only copy a day late.",
            })
def linear_views(cfg, ctx):
    """Q: Does looking at the last 7 days predict tomorrow's views better than looking at yesterday
    only?

    A (seed 0, default settings, 0.7 s on 2 cores): The 7-day model's test MAE is 121.9 views vs
    226.5 for yesterday alone: the weekly pattern helps.
    """
    v, xtr, ytr, xte, yte = _views_split(cfg.days, cfg.train_fraction, ctx.seed)
    mu, sd = xtr.mean(), xtr.std()
    results, preds = {}, {}
    for k in (1, 7):
        a_tr = cr.tensor((xtr[:, -k:] - mu) / sd)
        a_te = cr.tensor((xte[:, -k:] - mu) / sd)
        t_tr = cr.tensor((ytr - mu) / sd)
        model = nn.Linear(k, 1)
        _gd(list(model.parameters()), lambda: ((model(a_tr).squeeze(-1) - t_tr) ** 2).mean(), cfg.lr,
            cfg.steps, cr.optim.Adam(model.parameters(), lr=cfg.lr))
        with cr.no_grad():
            p_tr = model(a_tr).squeeze(-1)._data * sd + mu
            p_te = model(a_te).squeeze(-1)._data * sd + mu
        results[f"{k}_day"] = {"train_mae": float(np.abs(p_tr - ytr).mean()),
                                "test_mae": float(np.abs(p_te - yte).mean())}
        preds[k] = p_te
    fig, ax = figure(7, 3.5)
    t = np.arange(len(yte))
    ax.plot(t, yte, label="true", color="k", lw=1)
    for k, p in preds.items():
        ax.plot(t, p, label=f"{k}-day model", lw=1)
    ax.set(title="Test period: views and predictions", xlabel="day", ylabel="views")
    ax.legend()
    better = results["7_day"]["test_mae"] < results["1_day"]["test_mae"]
    head = tr("regression.linear_views.headline", "The 7-day model's test MAE is {a:.1f} views vs {b:.1f} for "
              "yesterday alone: the weekly pattern {verdict}.", a=results["7_day"]["test_mae"],
              b=results["1_day"]["test_mae"], verdict=tr("regression.linear_views.helps", "helps") if better else
              tr("regression.linear_views.no_help", "does not help"))
    return Result(results, {"predictions": fig}, head)


@dataclasses.dataclass
class SurfaceConfig:
    steps: int = 150
    lrs: tuple[float, ...] = (0.02, 0.2, 0.37, 0.45)
    grid: int = 120
    RANGES = {"steps": (5, 10_000),
              "lrs": (1e-05, 100.0),
              "grid": (10, 400)}


def _surface_problem(seed):
    """Tomorrow's views from today's, with today's views scaled to [0, 2] but not centred: w and b
    then trade off against each other, and L(w, b) is a long, narrow valley (the case where the
    learning rate matters; standardizing would make the contours circles)."""
    v = daily_views(120, seed=seed)
    x, y = windows(v, 1)
    x = x[:, 0]
    xs = (x - x.min()) / (x.max() - x.min()) * 2
    ys = (y - y.mean()) / y.std()
    a = np.stack([xs, np.ones_like(xs)], 1)
    best = np.linalg.lstsq(a, ys, rcond=None)[0]
    hessian = 2 * a.T @ a / len(xs)
    return xs.astype(np.float32), ys.astype(np.float32), best, hessian


def _gd_path(xs, ys, start, lr, steps):
    """Gradient descent from ``start`` with step η; the path of (w, b) and the loss at each step,
    stopped early once the loss is no longer finite (a diverged run is a result)."""
    w = cr.tensor([start[0]], requires_grad=True)
    b = cr.tensor([start[1]], requires_grad=True)
    x, y = cr.tensor(xs), cr.tensor(ys)
    opt = cr.optim.SGD([w, b], lr=lr)
    path, losses = [tuple(start)], []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((b + w * x - y) ** 2).mean()
        losses.append(loss.item())
        if not np.isfinite(losses[-1]) or losses[-1] > 1e12:
            break
        loss.backward()
        opt.step()
        path.append((w.item(), b.item()))
    return np.array(path), np.array(losses)


def _judge_rate(path, losses, best, hessian, minimum):
    """'diverges', 'converges', 'oscillates across the valley' or 'crawls', read off the run."""
    if not np.isfinite(losses[-1]) or losses[-1] > 10 * losses[0]:
        return "diverges"
    steep = np.linalg.eigh(hessian)[1][:, -1]                # the valley's steep direction
    across = (path - best) @ steep
    flips = np.mean(np.sign(across[1:]) != np.sign(across[:-1]))
    if flips > 0.5:
        return "oscillates across the valley"
    if losses[-1] <= 1.05 * minimum:
        return "converges"
    return "crawls"


@experiment("regression.error_surface", SurfaceConfig,
            "How does the learning rate η change gradient descent's path on the error surface L(w, b)?",
            "L(w, b) = (1/N) Σ (ŷ − (b + w·x))²,  w ← w − η ∂L/∂w,  b ← b − η ∂L/∂b;"
            "  on a valley with curvature λ across it, η > 2/λ diverges",
            quick=dict(steps=100, grid=60),
            captions={
                "error_surface": "The valley is long and narrow: one direction is steep, the other flat. The small η creeps "
                    "along the flat way, the good η walks down the middle, the larger η zig-zags between the "
                    "walls, the largest is thrown out.",
                "loss_per_step": "The same four runs as loss per step (log scale): a slow slope, a fast drop to the minimum, a"
                    " bouncing descent, and a loss that grows without end.",
            })
def error_surface(cfg, ctx):
    """Q: How does the learning rate η change gradient descent's path on the error surface L(w, b)?

    A (seed 0, default settings, 0.2 s on 2 cores): on a narrow valley (2/λ = 0.41) η = 0.02
    crawls, η = 0.2 converges, η = 0.37 oscillates across the valley (and still converges),
    η = 0.45 diverges.
    """
    xs, ys, best, hessian = _surface_problem(ctx.seed)
    minimum = float(np.mean((best[1] + best[0] * xs - ys) ** 2))
    start = (best[0] - 2.0, best[1] + 1.2)
    runs = {lr: _gd_path(xs, ys, start, lr, cfg.steps) for lr in cfg.lrs}
    verdicts = {lr: _judge_rate(p, l, best, hessian, minimum) for lr, (p, l) in runs.items()}
    lim = 2 / float(np.linalg.eigvalsh(hessian)[-1])
    span = 3.0
    ws = np.linspace(best[0] - span, best[0] + span, cfg.grid)
    bs = np.linspace(best[1] - span, best[1] + span, cfg.grid)
    W, B = np.meshgrid(ws, bs)
    L = ((B[..., None] + W[..., None] * xs - ys) ** 2).mean(-1)
    fig, ax = figure(6.5, 5.5)
    cs = ax.contour(W, B, L, levels=np.geomspace(minimum * 1.02, L.max(), 14), cmap="viridis", linewidths=1.2)
    ax.clabel(cs, fontsize=7, fmt="%.2f")
    for lr, (p, _) in runs.items():
        inside = np.all(np.abs(p - best) < span, axis=1)
        ax.plot(p[inside, 0], p[inside, 1], "o-", ms=2.5, lw=1.2, label=f"η = {lr}: {verdicts[lr]}")
    ax.plot(*start, "kX", ms=10, label="start")
    ax.plot(*best, "k*", ms=12, label="minimum")
    ax.set(title=f"Gradient descent on a narrow valley (diverges above η = 2/λ = {lim:.2f})",
           xlabel="w", ylabel="b", xlim=(ws[0], ws[-1]), ylim=(bs[0], bs[-1]))
    ax.legend(fontsize=8, loc="lower left")
    fig2, ax2 = figure(6.5, 4)
    for lr, (_, l) in runs.items():
        ax2.plot(np.arange(len(l)), l, label=f"η = {lr}")
    ax2.axhline(minimum, color="k", ls=":", label="minimum")
    ax2.set(title="Loss per step", xlabel="step", ylabel="L(w, b)", yscale="log")
    ax2.legend(fontsize=8)
    metrics = {"verdict": {str(lr): v for lr, v in verdicts.items()},
               "final_loss": {str(lr): float(l[-1]) for lr, (_, l) in runs.items()},
               "steps_run": {str(lr): int(len(l)) for lr, (_, l) in runs.items()},
               "minimum_loss": minimum, "largest_stable_lr": lim}
    parts = [tr("verdict.rate", "η = {lr} {verdict}", lr=lr, verdict=tr("verdict." + verdicts[lr], verdicts[lr])) +
             (tr("verdict.crawl_detail", " (L = {loss:.3f} after {steps} steps)", loss=runs[lr][1][-1], steps=cfg.steps)
              if verdicts[lr] == "crawls" else "") for lr in cfg.lrs]
    head = tr("regression.error_surface.headline", "On this narrow valley (2/λ = {lim:.2f}): {parts}; the minimum is "
              "L = {minimum:.3f}.", lim=lim, parts=tr("list.sep", ", ").join(parts), minimum=minimum)
    return Result(metrics, {"error_surface": fig, "loss_per_step": fig2}, head)


@dataclasses.dataclass
class NormalEqConfig:
    n: int = 200
    features: int = 5
    steps: int = 2000
    lr: float = 0.1
    RANGES = {"n": (60, 100_000),
              "features": (1, 50),
              "steps": (1, 100_000),
              "lr": (1e-05, 10.0)}


@experiment("regression.normal_equations", NormalEqConfig,
            "Does gradient descent reach the same weights as the closed-form least-squares solution?",
            "w* = (XᵀX)⁻¹Xᵀy  (set ∂L/∂w = 0)  vs  w ← w − η ∂L/∂w",
            quick=dict(steps=800),
            captions={
                "convergence": "Gradient descent's loss comes down onto the dashed line of the closed-form solution "
                    "(XᵀX)⁻¹Xᵀy.",
            })
def normal_equations(cfg, ctx):
    """Q: Does gradient descent reach the same weights as the closed-form least-squares solution?

    A (seed 0, default settings, 0.4 s on 2 cores): After 2000 steps gradient descent's weights
    differ from (XᵀX)⁻¹Xᵀy by at most 1.78e-15.
    """
    rng = ctx.rng
    x = rng.standard_normal((cfg.n, cfg.features))
    true_w = rng.standard_normal(cfg.features)
    y = x @ true_w + 0.5 + 0.1 * rng.standard_normal(cfg.n)
    a = np.concatenate([np.ones((cfg.n, 1)), x], axis=1)
    closed = np.linalg.solve(a.T @ a, a.T @ y)
    w = cr.zeros(cfg.features + 1, dtype=cr.float64, requires_grad=True)
    at, yt = cr.tensor(a), cr.tensor(y)
    hist = _gd([w], lambda: ((at @ w - yt) ** 2).mean(), cfg.lr, cfg.steps)
    diff = float(np.abs(w._data - closed).max())
    fig = lines({"gradient descent": (np.arange(1, len(hist) + 1), hist)}, "Loss during gradient descent",
                "step", "MSE", logy=True)
    fig.axes[0].axhline(float(np.mean((a @ closed - y) ** 2)), color="k", ls="--", label="closed form")
    fig.axes[0].legend()
    if np.isfinite(diff):
        head = tr("regression.normal_equations.headline", "After {steps} steps gradient descent's weights differ "
                  "from (XᵀX)⁻¹Xᵀy by at most {d:.2e}.", steps=cfg.steps, d=diff)
    else:
        head = tr("regression.normal_equations.diverged", "Gradient descent diverged with η = {lr} (its weights are "
                  "no longer finite), so it never reached (XᵀX)⁻¹Xᵀy: lower η.", lr=cfg.lr)
    return Result({"max_weight_difference": diff, "closed_form": closed.tolist(), "gradient_descent": w._data.tolist()},
                  {"convergence": fig}, head)


@dataclasses.dataclass
class ScalingConfig:
    steps: int = 3000
    target_loss: float = 0.02
    RANGES = {"steps": (10, 100_000), "target_loss": (1e-06, 10.0)}


@experiment("regression.feature_scaling", ScalingConfig,
            "Why standardize features? How many gradient steps does each version need?",
            "x̃ᵢ = (xᵢ − mᵢ)/σᵢ  — features on one scale make the error surface round, so one η suits every direction",
            quick=dict(steps=1500),
            captions={
                "scaling": "Each with its largest safe η (1/the largest curvature): the standardized features reach the "
                    "minimum in far fewer steps than the raw ones, whose error surface is a long thin valley.",
            })
def feature_scaling(cfg, ctx):
    """Q: Why standardize features? How many gradient steps does each version need?

    A (seed 0, default settings, 0.6 s on 2 cores): Standardized features reach L < 0.02 in 2
    steps; raw features need more than 3000 (each with its largest stable learning rate).
    """
    rng = ctx.rng
    x = np.stack([rng.uniform(0, 1, 200), rng.uniform(0, 100, 200)], axis=1)
    y = 2 * x[:, 0] + 0.03 * x[:, 1] + 0.1 * rng.standard_normal(200)
    y = (y - y.mean()) / y.std()
    runs = {}
    for name, feats in (("raw", x), ("standardized", (x - x.mean(0)) / x.std(0))):
        a = cr.tensor(np.concatenate([np.ones((200, 1)), feats], axis=1))
        yt = cr.tensor(y)
        # the largest stable step for each surface: 1/λ_max of the Hessian 2XᵀX/N
        lr = 1.0 / np.linalg.eigvalsh(2 * a._data.T @ a._data / 200).max()
        w = cr.zeros(3, dtype=cr.float64, requires_grad=True)
        runs[name] = _gd([w], lambda: ((a @ w - yt) ** 2).mean(), lr, cfg.steps)
    steps = {k: next((i + 1 for i, v in enumerate(h) if v < cfg.target_loss), None) for k, h in runs.items()}
    fig = lines({k: (np.arange(1, len(h) + 1), h) for k, h in runs.items()},
                "Gradient descent with and without feature scaling", "step", "MSE", logy=True)
    raw = steps["raw"] if steps["raw"] is not None else tr("regression.feature_scaling.more_than", "more than {n}",
                                                           n=cfg.steps)
    head = tr("regression.feature_scaling.headline", "Standardized features reach L < {t} in {a} steps; raw "
              "features need {b} (each with its largest stable η).", t=cfg.target_loss, a=steps["standardized"], b=raw)
    return Result({"steps_to_target": {k: (v if v is not None else -1) for k, v in steps.items()},
                   "final_loss": {k: h[-1] for k, h in runs.items()}}, {"scaling": fig}, head)


@dataclasses.dataclass
class SigmoidConfig:
    counts: tuple[int, ...] = (3, 10, 100)
    steps: int = 3000
    lr: float = 0.01
    RANGES = {"counts": (1, 1000),
              "steps": (1, 100_000),
              "lr": (1e-05, 10.0)}


@experiment("regression.sigmoid_sum", SigmoidConfig,
            "Can a sum of sigmoids (or of ReLU pairs) approximate a curve, and do more pieces and "
            "more layers fit it better?",
            "y = b + Σᵢ cᵢ σ(bᵢ + wᵢx);  hard sigmoid = ReLU(x) − ReLU(x − 1) (two ReLUs);  "
            "vector form y = b + cᵀσ(b + Wx)",
            quick=dict(counts=(3, 30), steps=800),
            captions={
                "fits": "More pieces follow the target more closely; two layers of ReLUs bend more than one layer of "
                    "the same width.",
            })
def sigmoid_sum(cfg, ctx):
    """Q: Can a sum of sigmoids (or of ReLU pairs) approximate a curve, and do more pieces and more
    layers fit it better?

    A (seed 0, quick settings): Training MSE falls from 0.27 with 3 sigmoids to near 0 with 30
    (more pieces fit better); at the same width, 2 layers of 10 ReLUs fit far better than one
    layer of 10 (the second layer combines the first one's pieces).
    """
    x = np.linspace(-1, 1, 200).astype(np.float32)[:, None]
    y = (np.sin(3 * np.pi * x) + x).astype(np.float32)  # three waves: a few sigmoids cannot follow
    xt, yt = cr.tensor(x), cr.tensor(y)
    fits, curves = {}, {}

    def train(model, name):
        opt = cr.optim.Adam(model.parameters(), lr=cfg.lr)
        _gd(list(model.parameters()), lambda: ((model(xt) - yt) ** 2).mean(), cfg.lr, cfg.steps, opt)
        with cr.no_grad():
            pred = model(xt)._data
        fits[name] = float(np.mean((pred - y) ** 2))
        curves[name] = pred[:, 0]
    def pieces(n, act):
        """Sigmoids (or ReLUs) with steep slopes and their turning points spread over [−1, 1],
        like the notes' piecewise-linear pieces."""
        first = nn.Linear(1, n)
        with cr.no_grad():
            slope = ctx.rng.choice([-1.0, 1.0], n) * ctx.rng.uniform(5, 15, n)
            first.weight.copy_(cr.tensor(slope[:, None].astype(np.float32)))
            first.bias.copy_(cr.tensor((-slope * ctx.rng.uniform(-1, 1, n)).astype(np.float32)))
        return nn.Sequential(first, act(), nn.Linear(n, 1))
    for n in cfg.counts:
        train(pieces(n, nn.Sigmoid), f"{n} sigmoids")
    n = max(cfg.counts)
    train(pieces(2 * n, nn.ReLU), f"{2 * n} ReLUs")
    k = 10   # the same width, one layer or two: the second layer combines the first one's pieces
    train(pieces(k, nn.ReLU), f"1 layer of {k} ReLUs")
    deep = pieces(k, nn.ReLU)
    deep = nn.Sequential(deep[0], deep[1], nn.Linear(k, k), nn.ReLU(), nn.Linear(k, 1))
    train(deep, f"2 layers of {k} ReLUs")
    fig, ax = figure()
    ax.plot(x[:, 0], y[:, 0], "k", lw=2, label="target")
    for name, c in curves.items():
        ax.plot(x[:, 0], c, lw=1, label=name)
    ax.set(title="Fitting a curve with sigmoids and ReLUs", xlabel="x", ylabel="y")
    ax.legend(fontsize=7)
    few, many = f"{cfg.counts[0]} sigmoids", f"{cfg.counts[-1]} sigmoids"
    one, two = fits[f"1 layer of {k} ReLUs"], fits[f"2 layers of {k} ReLUs"]
    head = tr("regression.sigmoid_sum.headline", "Training MSE falls from {a:.4f} with {p} sigmoids to {b:.4f} with "
              "{q} sigmoids ({v1}); {r} ReLUs reach {c:.4f}. At the same width a second layer {v2}: 2 layers of {k} "
              "ReLUs reach {two:.4f} against {one:.4f} for one layer.", a=fits[few], p=cfg.counts[0], b=fits[many],
              q=cfg.counts[-1],
              v1=tr("regression.sigmoid_sum.better", "more pieces fit better") if fits[many] < fits[few] else
              tr("regression.sigmoid_sum.not_better", "not better this time"), r=2 * n, c=fits[f"{2 * n} ReLUs"],
              v2=tr("regression.sigmoid_sum.helps", "helps") if two < one else
              tr("regression.sigmoid_sum.no_help", "did not help this time"), k=k, two=two, one=one)
    flat = [name for name, f in fits.items() if not f < 0.98 * float(np.var(y))]   # no better than the mean
    if flat:
        rest = [f"{figure_text(n)} {f:.4f}" for n, f in fits.items() if n not in flat]
        head = tr("regression.sigmoid_sum.failed", "With η = {lr} {names} ended no better than a constant (MSE ≈ "
                  "var(y) = {v:.4f}): the steps are too large for them, lower η.{others}", lr=cfg.lr,
                  v=float(np.var(y)), names=tr("list.sep", ", ").join(figure_text(n) for n in flat),
                  others=tr("regression.sigmoid_sum.others", " The others: {fits}.",
                            fits=tr("list.sep", ", ").join(rest)) if rest else "")
    return Result({"train_mse": fits, "no_better_than_a_constant": flat}, {"fits": fig}, head)
