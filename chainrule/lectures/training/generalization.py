"""Lecture 3, continued — generalization: robust losses, overfitting remedies, cross validation,
deep vs wide, and why more hypotheses need more data (Hoeffding)."""
import dataclasses
import math

import numpy as np

import chainrule as cr
from chainrule import nn

from ..common import bars, digits, figure, fit_poly, lines, mlp, predict_poly, test_accuracy, train
from ..lang import figure_text, tr
from ..registry import Result, experiment


@dataclasses.dataclass
class RobustConfig:
    n: int = 60
    outliers: int = 6
    steps: int = 1500
    RANGES = {"n": (10, 100_000),
              "outliers": (0, 10),
              "steps": (1, 100_000)}


@experiment("training.robust_losses", RobustConfig,
            "With outliers in the data, how do MSE, MAE and Huber losses (and gradient clipping) fit a line?",
            "MSE: (y − ŷ)² — an outlier's pull grows with its error; MAE: |y − ŷ|; Huber: square near 0, "
            "absolute far away; clipping: g′ = g·g_max/‖g‖ when ‖g‖ > g_max",
            quick=dict(steps=600),
            captions={
                "lines": "The outliers drag the MSE line (and clipping does not help); MAE and Huber stay near the "
                    "true line.",
            })
def robust_losses(cfg, ctx):
    """Q: With outliers in the data, how do MSE, MAE and Huber losses (and gradient clipping) fit a
    line?

    A (seed 0, default settings, 0.6 s on 2 cores): The fitted line's error (|Δslope| + |Δbias|)
    is 2.51 with MSE, 0.10 with MAE and 0.25 with Huber: the robust losses ignore the outliers'
    pull.
    """
    rng = ctx.rng
    x = rng.uniform(-2, 2, cfg.n)
    y = 1.5 * x + 0.5 + 0.2 * rng.standard_normal(cfg.n)
    idx = rng.choice(cfg.n, cfg.outliers, replace=False)
    y[idx] += 15.0
    xt, yt = cr.tensor(x.astype(np.float32)), cr.tensor(y.astype(np.float32))
    fns = {"MSE": cr.nn.functional.mse_loss, "MAE": cr.nn.functional.l1_loss,
           "Huber": lambda a, b: cr.nn.functional.huber_loss(a, b, delta=1.0)}
    fits = {}
    for name, fn in list(fns.items()) + [("MSE + clipping", cr.nn.functional.mse_loss)]:
        w = cr.zeros(2, requires_grad=True)
        opt = cr.optim.SGD([w], lr=0.05)
        for _ in range(cfg.steps):
            opt.zero_grad()
            fn(w[0] * xt + w[1], yt).backward()
            if name.endswith("clipping"):
                cr.nn.utils.clip_grad_norm_([w], 1.0)
            opt.step()
        fits[name] = w._data.astype(float).tolist()
    errors = {k: float(abs(v[0] - 1.5) + abs(v[1] - 0.5)) for k, v in fits.items()}
    fig, ax = figure()
    ax.scatter(x, y, s=10, c="gray")
    g = np.linspace(-2, 2, 10)
    for k, (a, b) in fits.items():
        ax.plot(g, a * g + b, label=f"{k}: {a:.2f}x + {b:.2f}")
    ax.plot(g, 1.5 * g + 0.5, "k--", label="truth: 1.50x + 0.50")
    ax.set(title="Fitting a line with outliers", xlabel="x", ylabel="y")
    ax.legend(fontsize=7)
    head = tr("training.robust_losses.headline",
              "The fitted line's error (|Δslope| + |Δbias|) is {mse:.2f} with MSE, {mae:.2f} with MAE and {huber:.2f} "
              "with Huber: {verdict}.", mse=errors["MSE"], mae=errors["MAE"], huber=errors["Huber"],
              verdict=tr("training.robust_losses.robust", "the robust losses ignore the outliers' pull")
              if max(errors["MAE"], errors["Huber"]) < errors["MSE"] else
              tr("training.robust_losses.not_robust", "the robust losses did not beat MSE this time"))
    return Result({"fits": fits, "parameter_error": errors}, {"lines": fig}, head)


@dataclasses.dataclass
class RemediesConfig:
    epochs: int = 30
    n_train: int = 150
    RANGES = {"epochs": (1, 500), "n_train": (20, 1000)}


def _noise_augment(batch):
    """Collate, then add fresh Gaussian noise to every example: new training images each epoch."""
    from chainrule.utils.data import default_collate
    x, y = default_collate(batch)
    return x + cr.randn(*x.shape) * 0.5, y


@experiment("training.overfitting_remedies", RemediesConfig,
            "Trained on only 150 digits, which remedies against overfitting help the most?",
            "more data · data augmentation · dropout · L2 (weight decay) · early stopping — each limits "
            "how closely the model can follow the few training examples",
            quick=dict(epochs=20),
            captions={
                "remedies": "Each bar is one remedy against the same small-data baseline; more data is the tallest.",
            })
def overfitting_remedies(cfg, ctx):
    """Q: Trained on only 150 digits, which remedies against overfitting help the most?

    A (seed 0, default settings, 3.2 s on 2 cores): Baseline test accuracy 0.928; best remedy:
    more data (×7) (0.972). augmentation (noise) 0.928, dropout 0.5 0.925, L2 (wd 1e-2) 0.928,
    early stopping 0.928.
    """
    small = digits(ctx.seed, cfg.n_train)
    full = digits(ctx.seed)
    setups = {
        "baseline": dict(data=small),
        "more data (×7)": dict(data=full),
        "augmentation (noise)": dict(data=small, augment=_noise_augment),
        "dropout 0.5": dict(data=small, dropout=0.5),
        "L2 (wd 1e-2)": dict(data=small, weight_decay=1e-2),
        "early stopping": dict(data=small, early_stopping=5),
    }
    acc = {}
    for name, s in ctx.progress(list(setups.items()), desc="remedies"):
        cr.manual_seed(ctx.seed)
        model = mlp(256, 2, dropout=s.get("dropout", 0.0))
        train(model, s["data"], cfg.epochs, 16, lr=0.01, weight_decay=s.get("weight_decay", 0.0),
               augment=s.get("augment"), early_stopping=s.get("early_stopping"), seed=ctx.seed,
               progress=ctx.progress_enabled)
        acc[name] = test_accuracy(model, small)
    fig = bars(acc, "Test accuracy with each remedy", "accuracy")
    best = max((k for k in acc if k != "baseline"), key=acc.get)
    head = tr("training.overfitting_remedies.headline",
              "Baseline test accuracy {base:.3f}; best remedy: {best} ({b:.3f}). {others}.", base=acc["baseline"],
              best=figure_text(best), b=acc[best], others=tr("list.sep", ", ").join(
                  f"{figure_text(k)} {v:.3f}" for k, v in acc.items() if k not in ("baseline", best)))
    return Result({"test_accuracy": acc}, {"remedies": fig}, head)


@dataclasses.dataclass
class CVConfig:
    folds: int = 5
    max_degree: int = 6
    n_train: int = 30
    RANGES = {"folds": (2, 20),
              "max_degree": (1, 12),
              "n_train": (20, 10_000)}


@experiment("training.cross_validation", CVConfig,
            "N-fold cross validation: which polynomial degree should we choose without peeking at the test set?",
            "split the training set into N folds; train on N − 1, validate on the one left out; average "
            "over the folds; pick the model with the lowest average, retrain on all training data",
            quick=dict(),
            captions={
                "cross_validation": "Cross-validation error, computed on the training set only, points at the same degree as the "
                    "test error.",
            })
def cross_validation(cfg, ctx):
    """Q: N-fold cross validation: which polynomial degree should we choose without peeking at the test
    set?

    A (seed 0, default settings, 0.1 s on 2 cores): Cross validation picks degree 3 (CV error
    0.66); its test error is 0.62, and the degree with the lowest test error is 2.
    """
    from chainrule.data import KFold
    from chainrule.data.datasets import polynomial_with_categories
    x, _, y = polynomial_with_categories(cfg.n_train + 300, seed=7 + ctx.seed, noise=0.8, n_categories=1)
    xtr, ytr, xte, yte = x[:cfg.n_train], y[:cfg.n_train], x[cfg.n_train:], y[cfg.n_train:]
    cv, test = {}, {}
    for d in range(1, cfg.max_degree + 1):
        errs = []
        for fit_idx, va in KFold(cfg.folds, shuffle=True, generator=cr.Generator().manual_seed(ctx.seed)).split(cfg.n_train):
            th = fit_poly(xtr[fit_idx], ytr[fit_idx], d)
            errs.append(np.mean((predict_poly(th, xtr[va], d) - ytr[va]) ** 2))
        cv[d] = float(np.mean(errs))
        th = fit_poly(xtr, ytr, d)
        test[d] = float(np.mean((predict_poly(th, xte, d) - yte) ** 2))
    chosen = min(cv, key=cv.get)
    best_test = min(test, key=test.get)
    ds = list(cv)
    fig = lines({"cross-validation error": (ds, [cv[d] for d in ds]), "test error": (ds, [test[d] for d in ds])},
                f"{cfg.folds}-fold cross validation", "degree", "MSE", logy=True)
    head = tr("training.cross_validation.headline",
              "Cross validation picks degree {d} (CV error {cv:.2f}); its test error is {t:.2f}, and the degree with "
              "the lowest test error is {best}.", d=chosen, cv=cv[chosen], t=test[chosen], best=best_test)
    return Result({"cv_mse": cv, "test_mse": test, "chosen_degree": chosen, "best_test_degree": best_test},
                  {"cross_validation": fig}, head)


@dataclasses.dataclass
class FatTallConfig:
    layers: int = 5
    samples: int = 1025
    RANGES = {"layers": (1, 10), "samples": (9, 100_000)}


def _tent_layers(k):
    """k layers of 2 ReLUs computing the tent map t(x) = 2ReLU(x) − 4ReLU(x − ½) k times:
    a zigzag with 2ᵏ linear pieces, from 6k + 1 parameters."""
    def linear(w, b):
        layer = nn.Linear(len(w[0]), len(w))
        with cr.no_grad():
            layer.weight.copy_(cr.tensor(w))
            layer.bias.copy_(cr.tensor(b))
        return layer
    mods = [linear([[1.0], [1.0]], [0.0, -0.5]), nn.ReLU()]
    for _ in range(k - 1):  # t's output 2a − 4b fed straight into the next pair of ReLUs
        mods += [linear([[2.0, -4.0], [2.0, -4.0]], [0.0, -0.5]), nn.ReLU()]
    return nn.Sequential(*mods, linear([[2.0, -4.0]], [0.0]))


@experiment("training.fat_or_tall", FatTallConfig,
            "With the same number of parameters, can a tall (deep) network represent functions a fat "
            "(shallow) one cannot?",
            "a layer of n ReLUs makes at most n + 1 linear pieces; stacking layers multiplies pieces — "
            "k layers of 2 ReLUs (the tent map composed k times) make 2ᵏ. Deep = modularization: "
            "fewer parameters for the same function",
            quick=dict(layers=4, samples=513),
            captions={
                "fat_or_tall": "With the same number of parameters, the tall network makes the target's 2ᵏ pieces; the fat "
                    "one's best fit is far coarser.",
            })
def fat_or_tall(cfg, ctx):
    """Q: With the same number of parameters, can a tall (deep) network represent functions a fat
    (shallow) one cannot?

    A (seed 0, default settings, 0.1 s on 2 cores): 5 layers of 2 ReLUs (31 parameters) draw the
    32-piece zigzag exactly (MSE 0.0e+00); one layer with the same budget (10 ReLUs, at most 11
    pieces), least-squares fitted with evenly spaced breakpoints, reaches MSE 0.0833.
    """
    k = cfg.layers
    x = np.linspace(0, 1, cfg.samples)
    target = 1 - np.abs(((x * 2 ** k) % 2) - 1)  # the zigzag with 2ᵏ pieces (peak height 1)
    tall = _tent_layers(k)
    with cr.no_grad():
        tall_out = tall(cr.tensor(x[:, None].astype(np.float32)))._data[:, 0]
    tall_params = sum(p.numel() for p in tall.parameters())
    n_fat = (tall_params - 1) // 3                  # 1 → n → 1 has 3n + 1 parameters
    # a fat network at its best guess: breakpoints spread evenly, output weights by least squares
    knots = np.linspace(0, 1, n_fat + 2)[1:-1]
    feats = np.concatenate([np.ones((len(x), 1)), x[:, None], np.maximum(x[:, None] - knots[None, :n_fat - 1], 0)], 1)
    coef = np.linalg.lstsq(feats, target, rcond=None)[0]
    fat_out = feats @ coef
    tall_mse = float(np.mean((tall_out - target) ** 2))
    fat_mse = float(np.mean((fat_out - target) ** 2))
    fig, ax = figure(7, 3.5)
    ax.plot(x, target, "k", lw=3, alpha=0.3, label=f"target: {2 ** k} pieces")
    ax.plot(x, tall_out, label=f"tall: {k} layers × 2 ReLUs ({tall_params} params)")
    ax.plot(x, fat_out, label=f"fat: 1 layer × {n_fat} ReLUs ({3 * n_fat + 1} params), best fit")
    ax.set(title="Same parameter budget, deep vs shallow", xlabel="x", ylabel="y")
    ax.legend(fontsize=7)
    head = tr("training.fat_or_tall.headline",
              "{k} layers of 2 ReLUs ({p} parameters) draw the {pieces}-piece zigzag exactly (MSE {tall:.1e}); one "
              "layer with the same budget ({n} ReLUs, at most {n1} pieces), least-squares fitted with evenly spaced "
              "breakpoints, reaches MSE {fat:.4f}.", k=k, p=tall_params, pieces=2 ** k, tall=tall_mse, n=n_fat,
              n1=n_fat + 1, fat=fat_mse)
    return Result({"tall_parameters": tall_params, "fat_parameters": 3 * n_fat + 1, "tall_mse": tall_mse,
                   "fat_best_mse": fat_mse, "pieces": 2 ** k}, {"fat_or_tall": fig}, head)


@dataclasses.dataclass
class HoeffdingConfig:
    n_values: tuple[int, ...] = (10, 50, 100, 500, 1000)
    hypotheses: int = 10
    epsilon: float = 0.1
    draws: int = 2000
    RANGES = {"n_values": (1, 100_000),
              "hypotheses": (1, 10_000),
              "epsilon": (0.001, 1.0),
              "draws": (10, 1_000_000)}


@experiment("training.hoeffding", HoeffdingConfig,
            "How likely is a training set that misleads us (some h with |L_train(h) − L_all(h)| > ε), "
            "and is the Hoeffding bound |H|·2exp(−2Nε²) true?",
            "P(D_train is bad) ≤ Σ_h P(D_train is bad due to h) ≤ |H|·2exp(−2Nε²): more data N or "
            "fewer hypotheses |H| make a bad training set unlikely",
            quick=dict(draws=400, n_values=(10, 100, 500)),
            captions={
                "hoeffding": "The measured probability of a bad training set stays under the Hoeffding bound and falls "
                    "with N like it.",
            })
def hoeffding(cfg, ctx):
    """Q: How likely is a training set that misleads us (some h with |L_train(h) − L_all(h)| > ε), and
    is the Hoeffding bound |H|·2exp(−2Nε²) true?

    A (seed 0, default settings, 1.0 s on 2 cores): The bound holds at every N: e.g. N = 1000:
    empirical 0.0000 ≤ bound 0.0000; N = 10: 0.983 ≤ 1.000 (a loose bound).
    """
    rng = ctx.rng
    population = rng.uniform(0, 1, 100_000)
    labels = (population > 0.4).astype(int) ^ (rng.random(100_000) < 0.1)
    thresholds = np.linspace(0.1, 0.9, cfg.hypotheses)
    l_all = np.array([np.mean((population > t).astype(int) != labels) for t in thresholds])
    empirical, bound = {}, {}
    for n in cfg.n_values:
        bad = 0
        for _ in range(cfg.draws):
            i = rng.integers(0, len(population), n)
            l_train = np.array([np.mean((population[i] > t).astype(int) != labels[i]) for t in thresholds])
            bad += np.any(np.abs(l_train - l_all) > cfg.epsilon)
        empirical[n] = bad / cfg.draws
        bound[n] = min(1.0, cfg.hypotheses * 2 * math.exp(-2 * n * cfg.epsilon ** 2))
    ns = list(cfg.n_values)
    fig = lines({"empirical P(bad)": (ns, [max(empirical[n], 1e-4) for n in ns]),
                 "Hoeffding bound": (ns, [bound[n] for n in ns])},
                f"|H| = {cfg.hypotheses} threshold classifiers, ε = {cfg.epsilon}", "N", "probability", logy=True)
    fig.axes[0].set_xscale("log")
    holds = all(empirical[n] <= bound[n] for n in ns)
    head = tr("training.hoeffding.headline" if holds else "training.hoeffding.headline_not",
              "The bound holds at every N: e.g. N = {n1}: empirical {e1:.4f} ≤ bound {b1:.4f}; N = {n0}: {e0:.3f} ≤ "
              "{b0:.3f} (a loose bound)." if holds else "The empirical frequency exceeded the bound at some N (a "
              "sampling fluke with {draws} draws): N = {n1}: {e1:.4f} against {b1:.4f}; N = {n0}: {e0:.3f} against "
              "{b0:.3f}.", n1=ns[-1], e1=empirical[ns[-1]], b1=bound[ns[-1]], n0=ns[0], e0=empirical[ns[0]],
              b0=bound[ns[0]], draws=cfg.draws)
    return Result({"empirical": {str(k): v for k, v in empirical.items()}, "bound": {str(k): v for k, v in bound.items()}},
                  {"hoeffding": fig}, head)
