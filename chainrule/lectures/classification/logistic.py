"""Lecture 2, logistic regression and its limits: cross-entropy against square error, XOR and the
feature transform, softmax regression, the perceptron and the hinge loss."""
import dataclasses

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.data.datasets import gaussian_classes, xor as xor_data

from ..common import best_line_accuracy, figure, line_of, lines
from ..lang import tr
from ..registry import Result, experiment


@dataclasses.dataclass
class LossConfig:
    steps: int = 300
    lr: float = 1.0
    RANGES = {"steps": (1, 100_000), "lr": (0.0001, 100.0)}


@experiment("classification.ce_vs_square", LossConfig,
            "Why cross-entropy and not square error for logistic regression?",
            "f = σ(wx + b). Cross-entropy: ∂L/∂w = −(ŷ − f)x. Square error: ∂L/∂w = 2(f − ŷ)f(1 − f)x — "
            "nearly 0 when f is near 0 or 1, even if f is completely wrong",
            quick=dict(steps=150),
            captions={
                "cross_entropy_surface": "Cross-entropy: steep far from the answer, so a wrong start gets a big gradient.",
                "square_error_surface": "Square error: flat both far from and near the answer, so a wrong start gets almost no "
                    "gradient.",
                "training": "From the same confidently wrong start, cross-entropy's loss drops at once; square error's "
                    "barely moves.",
            })
def ce_vs_square(cfg, ctx):
    """Q: Why cross-entropy and not square error for logistic regression?

    A (seed 0, default settings, 0.7 s on 2 cores): From the same wrong start, after 300 steps
    cross-entropy reaches accuracy 0.84, square error only 0.50: its gradient is nearly flat far
    from the target.
    """
    x, y = gaussian_classes(100, means=((-1.0, 0.0), (1.0, 0.0)), seed=2 + ctx.seed)
    x1 = x[:, :1]
    xt, yt = cr.tensor(x1), cr.tensor(y.astype(np.float32)[:, None])
    start = (-6.0, 4.0)  # far from the answer: the model is confidently wrong
    losses = {}
    accs = {}
    for name in ("cross-entropy", "square error"):
        w = cr.tensor([[start[0]]], requires_grad=True)
        b = cr.tensor([start[1]], requires_grad=True)
        opt = cr.optim.SGD([w, b], lr=cfg.lr)
        hist = []
        for _ in range(cfg.steps):
            opt.zero_grad()
            f = (xt @ w + b).sigmoid()
            loss = cr.nn.functional.binary_cross_entropy(f, yt) if name == "cross-entropy" else ((f - yt) ** 2).mean()
            loss.backward()
            opt.step()
            hist.append(loss.item())
        with cr.no_grad():
            accs[name] = float(np.mean(((xt @ w + b)._data > 0) == (yt._data > 0.5)))
        losses[name] = hist
    ws, bs = np.meshgrid(np.linspace(-8, 8, 80), np.linspace(-8, 8, 80))
    z = ws[..., None] * x1[:, 0] + bs[..., None]
    f = 1 / (1 + np.exp(-z))
    ce = -(y * np.log(f + 1e-12) + (1 - y) * np.log(1 - f + 1e-12)).mean(-1)
    se = ((f - y) ** 2).mean(-1)
    figs = {}
    for name, surf in (("cross_entropy_surface", ce), ("square_error_surface", se)):
        fig, ax = figure(5, 4)
        cs = ax.contourf(ws, bs, surf, levels=20, cmap="viridis")
        fig.colorbar(cs)
        ax.plot(*start, "r*", ms=12, label="start")
        ax.set(title=name.replace("_", " "), xlabel="w", ylabel="b")
        ax.legend()
        figs[name] = fig
    figs["training"] = lines({k: (np.arange(1, cfg.steps + 1), v) for k, v in losses.items()},
                             "Training from a confidently wrong start", "step", "loss")
    ce, sq = accs["cross-entropy"], accs["square error"]
    if ce > sq:
        head = tr("classification.ce_vs_square.headline",
                  "From the same wrong start, after {steps} steps cross-entropy reaches accuracy {ce:.2f}, square error "
                  "only {sq:.2f}: square error's gradient is nearly flat far from the target.",
                  steps=cfg.steps, ce=ce, sq=sq)
    else:
        head = tr("classification.ce_vs_square.headline_not",
                  "From the same wrong start, after {steps} steps cross-entropy reaches accuracy {ce:.2f} and square "
                  "error {sq:.2f}: with these settings square error's flat start did not hold it back (not this time — "
                  "the default η shows the difference).", steps=cfg.steps, ce=ce, sq=sq)
    return Result({"accuracy": accs, "final_loss": {k: v[-1] for k, v in losses.items()}}, figs, head)


@dataclasses.dataclass
class XorConfig:
    steps: int = 2000
    lr: float = 0.5
    RANGES = {"steps": (1, 100_000), "lr": (0.0001, 100.0)}


def _fit_binary(model, x, y, steps, lr):
    opt = cr.optim.Adam(model.parameters(), lr=lr * 0.1)
    for _ in range(steps):
        opt.zero_grad()
        cr.nn.functional.binary_cross_entropy_with_logits(model(x), y).backward()
        opt.step()
    with cr.no_grad():
        return float(np.mean((model(x)._data > 0) == (y._data > 0.5)))


@experiment("classification.xor", XorConfig,
            "Can logistic regression learn XOR? What fixes it?",
            "σ(w₁x₁ + w₂x₂ + b) draws one straight line — XOR needs two. Transform the features "
            "(x₁′ = distance to (0,0), x₂′ = distance to (1,1)), or cascade logistic units: a neural network",
            quick=dict(steps=600),
            captions={
                "logistic_line": "No single line puts the two classes of XOR on different sides.",
                "transformed_features": "After the feature transform the same classes sit on two sides of one line.",
                "hidden_layer_regions": "A hidden layer learns the transform itself: its units cut the plane into regions that "
                    "separate XOR.",
            })
def xor(cfg, ctx):
    """Q: Can logistic regression learn XOR? What fixes it?

    A (seed 0, quick settings): no straight line separates XOR's corners — any line gets at most
    3 of the 4 (accuracy ≤ 0.75), and logistic regression's does no better; with transformed
    features the classes become separable by a line (0.98), and one hidden layer of 4 units
    learns the features itself (1.00).
    """
    x, y = xor_data(200, noise=0.08, seed=ctx.seed)
    xt, yt = cr.tensor(x), cr.tensor(y.astype(np.float32)[:, None])
    cr.manual_seed(ctx.seed)
    line = nn.Linear(2, 1)
    logistic = _fit_binary(line, xt, yt, cfg.steps, cfg.lr)
    feat = np.stack([np.linalg.norm(x - [0, 0], axis=1), np.linalg.norm(x - [1, 1], axis=1)], axis=1)
    feat_line = nn.Linear(2, 1)
    transformed = _fit_binary(feat_line, cr.tensor(feat.astype(np.float32)), yt, cfg.steps, cfg.lr)
    net = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    hidden = _fit_binary(net, xt, yt, cfg.steps, cfg.lr)
    best_line = best_line_accuracy(x, y)
    figs = {}
    for key, title, pts, model, lim in (
            ("logistic_line", f"Logistic regression: one line (accuracy {logistic:.2f})", x, line, (-0.5, 1.5)),
            ("transformed_features", f"Transformed features x′: separable (accuracy {transformed:.2f})", feat,
             feat_line, (-0.1, 1.7))):
        fig, ax = figure(5, 5)
        ax.scatter(pts[:, 0], pts[:, 1], c=y, cmap="coolwarm", s=8)
        w, b0 = line_of(model)
        g = np.linspace(*lim, 2)
        if abs(w[1]) > 1e-9:
            ax.plot(g, -(w[0] * g + b0) / w[1], "k-", lw=1.5, label="w·x + b = 0")
            ax.legend(loc="upper right")
        ax.set(title=title, xlim=lim, ylim=lim, xlabel="x₁" if pts is x else "x₁′ (distance to (0,0))",
               ylabel="x₂" if pts is x else "x₂′ (distance to (1,1))")
        figs[key] = fig
    fig, ax = figure(5, 5)
    g = np.linspace(-0.5, 1.5, 150)
    G0, G1 = np.meshgrid(g, g)
    with cr.no_grad():
        z = net(cr.tensor(np.stack([G0.ravel(), G1.ravel()], 1).astype(np.float32)))._data.reshape(G0.shape)
    ax.contourf(G0, G1, z > 0, alpha=0.2, cmap="coolwarm")
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=8)
    ax.set(title=f"One hidden layer of 4 units: its regions (accuracy {hidden:.2f})", xlabel="x₁", ylabel="x₂")
    figs["hidden_layer_regions"] = fig
    with cr.no_grad():
        hedge = float(np.abs(line(xt).sigmoid()._data - 0.5).max())
    head = tr("classification.xor.headline",
              "No straight line separates XOR: the best line gets {best:.2f} of the points. Logistic regression "
              "does not even find that one: minimizing cross-entropy it hedges (every probability within "
              "0.5 ± {hedge:.2f}), so where its line falls is arbitrary ({logistic:.2f} this time). With "
              "transformed features a line reaches {transformed:.2f}, and one hidden layer of 4 units learns "
              "such features itself: {hidden:.2f}.", best=best_line, hedge=hedge, logistic=logistic,
              transformed=transformed, hidden=hidden)
    return Result({"accuracy_logistic": logistic, "accuracy_best_line": best_line, "logistic_hedge": hedge,
                   "accuracy_transformed": transformed, "accuracy_hidden_layer": hidden}, figs, head)


@dataclasses.dataclass
class SoftmaxConfig:
    epochs: int = 300
    lr: float = 0.5
    RANGES = {"epochs": (1, 100_000), "lr": (0.0001, 100.0)}


@experiment("classification.softmax_regression", SoftmaxConfig,
            "Multi-class classification: how well does softmax regression do on the iris flowers, "
            "and is a 2-class softmax just a sigmoid?",
            "yᵢ = e^{zᵢ}/Σⱼe^{zⱼ}, z = Wx + b, L = −Σᵢ ŷᵢ ln yᵢ;  softmax(z₁, z₂)₁ = σ(z₁ − z₂)",
            quick=dict(epochs=150),
            captions={
                "training": "The cross-entropy of 3-class softmax regression falls steadily epoch by epoch.",
            })
def softmax_regression(cfg, ctx):
    """Q: Multi-class classification: how well does softmax regression do on the iris flowers, and is a
    2-class softmax just a sigmoid?

    A (seed 0, default settings, 0.8 s on 2 cores): Softmax regression reaches 0.978 test
    accuracy on the 3 iris species; a 2-class softmax equals σ(z₁ − z₂) within 0.0e+00.
    """
    from chainrule.data import Standardizer, train_val_test_split
    from chainrule.data.datasets import load_iris
    x, y = load_iris()
    xtr, xte, ytr, yte = train_val_test_split(x, y, fractions=(0.7, 0.3), generator=cr.Generator().manual_seed(ctx.seed))
    s = Standardizer().fit(xtr)
    a, t = cr.tensor(s.transform(xtr)), cr.tensor(ytr)
    model = nn.Linear(4, 3)
    opt = cr.optim.SGD(model.parameters(), lr=cfg.lr)
    hist = []
    for _ in range(cfg.epochs):
        opt.zero_grad()
        loss = cr.nn.functional.cross_entropy(model(a), t)
        loss.backward()
        opt.step()
        hist.append(loss.item())
    with cr.no_grad():
        acc = cr.train.accuracy(model(cr.tensor(s.transform(xte))), yte)
    z = np.random.default_rng(ctx.seed).standard_normal((100, 2))
    soft = cr.nn.functional.softmax(cr.tensor(z), dim=1)._data[:, 0]
    sig = cr.tensor(z[:, 0] - z[:, 1]).sigmoid()._data
    gap = float(np.abs(soft - sig).max())
    fig = lines({"cross-entropy": (np.arange(1, cfg.epochs + 1), hist)}, "Softmax regression on iris", "epoch", "loss")
    head = tr("classification.softmax_regression.headline",
              "Softmax regression reaches {acc:.3f} test accuracy on the 3 iris species; a 2-class softmax equals "
              "σ(z₁ − z₂) within {gap:.1e}.", acc=acc, gap=gap)
    return Result({"test_accuracy": acc, "softmax_vs_sigmoid_gap": gap}, {"training": fig}, head)


@dataclasses.dataclass
class PerceptronConfig:
    epochs: int = 20
    steps: int = 500
    RANGES = {"epochs": (1, 10_000), "steps": (1, 100_000)}


@experiment("classification.perceptron_hinge", PerceptronConfig,
            "The 'ideal' loss counts mistakes (0-1 loss) but has no gradient. How do the perceptron "
            "and the hinge loss (SVM) stand in for it?",
            "0-1: δ(g(x) ≠ ŷ).  Perceptron: w ← w + ŷx on each mistake.  Hinge: max(0, 1 − ŷ f(x)) "
            "— 0 once f is correct by a margin",
            quick=dict(epochs=10, steps=200),
            captions={
                "perceptron": "On separable data the perceptron's mistakes per epoch fall to zero — and then it stops "
                    "learning.",
            })
def perceptron_hinge(cfg, ctx):
    """Q: The 'ideal' loss counts mistakes (0-1 loss) but has no gradient. How do the perceptron and
    the hinge loss (SVM) stand in for it?

    A (seed 0, default settings, 0.2 s on 2 cores): on separable classes the perceptron stops
    making mistakes after 3 epochs (accuracy 1.000); the hinge loss reaches 0.995.
    """
    x, y01 = gaussian_classes(100, means=((-2.5, -1.5), (2.5, 2.0)), seed=4 + ctx.seed)   # separable
    ys = 2.0 * y01 - 1.0
    a = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    w = np.zeros(3)
    mistakes = []
    for _ in range(cfg.epochs):
        m = 0
        for xi, yi in zip(a, ys):
            if yi * (xi @ w) <= 0:
                w += yi * xi
                m += 1
        mistakes.append(m)
    acc_perceptron = float(np.mean(np.sign(a @ w) == ys))
    wt = cr.zeros(3, requires_grad=True)
    at, yt = cr.tensor(a.astype(np.float32)), cr.tensor(ys.astype(np.float32))
    opt = cr.optim.SGD([wt], lr=0.05)
    for _ in range(cfg.steps):
        opt.zero_grad()
        (cr.clamp(1 - yt * (at @ wt), min=0).mean() + 0.01 * (wt[:2] ** 2).sum()).backward()
        opt.step()
    acc_hinge = float(np.mean(np.sign(a @ wt._data) == ys))
    fig = lines({"perceptron mistakes": (np.arange(1, cfg.epochs + 1), mistakes)},
                "Perceptron: mistakes per epoch", "epoch", "mistakes")
    clean = next((i + 1 for i, m in enumerate(mistakes) if m == 0), None)
    fig.axes[0].xaxis.get_major_locator().set_params(integer=True)
    first = (tr("classification.perceptron_hinge.stops", "The perceptron stops making mistakes after {e} epochs",
                e=clean) if clean is not None else
             tr("classification.perceptron_hinge.never", "The perceptron still makes {m} mistakes after {e} epochs (no "
                "line separates these points, so it never settles)", m=mistakes[-1], e=cfg.epochs))
    head = tr("classification.perceptron_hinge.headline", "{first} (accuracy {p:.3f}); the hinge loss reaches {h:.3f}.",
              first=first, p=acc_perceptron, h=acc_hinge)
    return Result({"accuracy_perceptron": acc_perceptron, "accuracy_hinge": acc_hinge, "mistakes": mistakes},
                  {"perceptron": fig}, head)
