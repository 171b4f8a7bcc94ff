"""What the lectures share, public so any lecture may use it: plotting helpers (every figure looks
alike), small networks trained on the bundled 8×8 digits, closed-form polynomial fits, and
straight-line classifiers."""
import os
import time

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.methods.sample_quality import frechet_distance


def digits(seed, n_train=None):
    from chainrule.data import Standardizer, train_val_test_split
    from chainrule.data.datasets import load_digits
    x, y = load_digits()
    xtr, xva, xte, ytr, yva, yte = train_val_test_split(x, y, fractions=(0.6, 0.2, 0.2),
                                                        generator=cr.Generator().manual_seed(seed))
    if n_train:
        xtr, ytr = xtr[:n_train], ytr[:n_train]
    s = Standardizer().fit(xtr)
    return [(s.transform(a).astype(np.float32), b) for a, b in ((xtr, ytr), (xva, yva), (xte, yte))]


def digit_pixels(seed, n_train=1400):
    """The bundled 8×8 digits as 64 pixels in [0, 1]: a random ``n_train`` to train on and the rest
    (at least 397 of the 1,797) to test on."""
    from chainrule.data.datasets import load_digits
    x, y = load_digits()
    order = np.random.default_rng(seed).permutation(len(y))
    x = (x / 16).astype(np.float32)
    return (x[order[:n_train]], y[order[:n_train]]), (x[order[n_train:]], y[order[n_train:]])


def fashion_pixels(seed, n_train, n_test=2000, classes=None):
    """Fashion-MNIST as N×1×28×28 pixels in [0, 1]: random ``n_train`` training and ``n_test`` test
    images (training images only of ``classes`` when given)."""
    from chainrule.data.datasets import FashionMNIST
    (xtr, ytr), (xte, yte) = FashionMNIST(train=True).arrays(), FashionMNIST(train=False).arrays()
    rng = np.random.default_rng(seed)
    pool = np.arange(len(ytr)) if classes is None else np.flatnonzero(np.isin(ytr, classes))
    tr, te = rng.permutation(pool)[:n_train], rng.permutation(len(yte))[:n_test]
    return (xtr[tr], ytr[tr]), (xte[te], yte[te])


FASHION_CLASSES = ("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                   "ankle boot")


class FashionScorer:
    """The ruler for generated Fashion-MNIST images: a small CNN trained once per process on real
    images (always seed 0, so every run is measured with the same ruler). ``frechet(images)`` is the
    classifier Fréchet distance — FID's formula on this CNN's 64 penultimate features — between the
    images and 2,000 real test images; ``classify`` gives its labels. Images are N×1×28×28 in [0, 1]."""

    def __init__(self, n_train=12000, epochs=3):
        (xtr, ytr), (xte, yte) = fashion_pixels(0, n_train)
        self.reference, self.reference_labels = xte, yte
        state = cr.random.default_generator.get_state()
        cr.manual_seed(0)
        self.features_net = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                          nn.Flatten(), nn.Linear(32 * 49, 64), nn.ReLU())
        self.head = nn.Linear(64, 10)
        model = nn.Sequential(self.features_net, self.head)
        loader = cr.utils.data.DataLoader(cr.utils.data.TensorDataset(cr.tensor(xtr), cr.tensor(ytr)),
                                          batch_size=64, shuffle=True)
        cr.train.fit(model, nn.CrossEntropyLoss(), cr.optim.Adam(model.parameters(), lr=2e-3), loader,
                     epochs=epochs, progress=False)
        model.eval()
        self.accuracy = float((self.classify(xte) == yte).mean())
        self.reference_features = self.features(xte)
        cr.random.default_generator.set_state(state)   # the caller's random stream is untouched

    def features(self, images):
        images = np.asarray(images, dtype=np.float32).reshape(-1, 1, 28, 28)
        with cr.no_grad():
            return np.concatenate([self.features_net(cr.tensor(images[i:i + 500])).numpy()
                                   for i in range(0, len(images), 500)])

    def classify(self, images):
        with cr.no_grad():
            return self.head(cr.tensor(self.features(images))).numpy().argmax(1)

    def frechet(self, images):
        return frechet_distance(self.features(images), self.reference_features)


_SCORER = []


def fashion_scorer():
    """The process's one FashionScorer (trained on first use, about half a minute on 2 cores)."""
    if not _SCORER:
        _SCORER.append(FashionScorer())
    return _SCORER[0]


def fashion(seed, n_train, n_test=2000):
    """Fashion-MNIST (Debian's dataset-fashion-mnist): a random ``n_train`` of the 60,000 training
    images and ``n_test`` of the 10,000 test images, as N×1×28×28 standardized with the training
    set's mean and std."""
    (xtr, ytr), (xte, yte) = fashion_pixels(seed, n_train, n_test)
    mean, std = xtr.mean(), xtr.std()
    return ((xtr - mean) / std, ytr), ((xte - mean) / std, yte)


def train(model, data, epochs, batch_size, opt=None, lr=1e-2, weight_decay=0.0, augment=None,
           early_stopping=None, seed=0, progress=False):
    from chainrule.utils.data import DataLoader, TensorDataset
    (xtr, ytr), (xva, yva), _ = data
    cr.manual_seed(seed)
    train = DataLoader(TensorDataset(cr.tensor(xtr), cr.tensor(ytr)), batch_size=batch_size, shuffle=True,
                       collate_fn=augment)
    val = DataLoader(TensorDataset(cr.tensor(xva), cr.tensor(yva)), batch_size=256)
    opt = opt or cr.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    t = time.perf_counter()
    hist = cr.train.fit(model, nn.CrossEntropyLoss(), opt, train, val, epochs=epochs, metrics=["accuracy"],
                        early_stopping=early_stopping, progress=progress)
    hist["seconds"] = time.perf_counter() - t
    return hist


def test_accuracy(model, data):
    model.eval()
    x, y = data[2]
    with cr.no_grad():
        return cr.train.accuracy(model(cr.tensor(x)), y)


def mlp(width=64, depth=1, act=nn.ReLU, norm=False, dropout=0.0, d_in=64):
    layers, d = [], d_in
    for _ in range(depth):
        layers.append(nn.Linear(d, width))
        if norm:
            layers.append(nn.BatchNorm1d(width))
        layers.append(act())
        if dropout:
            layers.append(nn.Dropout(dropout))
        d = width
    layers.append(nn.Linear(d, 10))
    return nn.Sequential(*layers)


def sharpness(model, data, seed, scale=0.05, draws=10):
    """How much the training loss rises, on average, when every weight is nudged by ±5% noise:
    a sharp minimum rises a lot, a flat one little."""
    x, y = cr.tensor(data[0][0]), cr.tensor(data[0][1])
    model.eval()
    rng = np.random.default_rng(seed)
    params = list(model.parameters())
    with cr.no_grad():
        base = cr.nn.functional.cross_entropy(model(x), y).item()
        saved = [p._data.copy() for p in params]
        rises = []
        for _ in range(draws):
            for p, s in zip(params, saved):
                p._data[...] = s * (1 + scale * rng.standard_normal(s.shape))
            rises.append(cr.nn.functional.cross_entropy(model(x), y).item() - base)
        for p, s in zip(params, saved):
            p._data[...] = s
    return float(np.mean(rises))


# --- token models trained on fresh batches ------------------------------------------------------

def fit(model, batch, steps, lr, progress=lambda it, **k: it, clip=None):
    """Adam on ``steps`` fresh batches; ``batch()`` returns (logits, targets). Returns the losses."""
    opt = cr.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in progress(range(steps), total=steps, desc="training"):
        opt.zero_grad()
        logits, target = batch()
        loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), cr.tensor(target.reshape(-1)))
        loss.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        losses.append(loss.item())
    return losses


def train_each(makers, draw, steps, lr, ctx, batch=64):
    """Train every model of ``makers`` (name → constructor), each from the same seed, on fresh
    batches ``draw(rng, batch)`` → (inputs, targets); returns name → the trained model."""
    trained = {}
    for name, make in makers.items():
        cr.manual_seed(ctx.seed)
        model = make()

        def one(model=model):
            x, y = draw(ctx.rng, batch)
            return model(x), y
        fit(model, one, steps, lr, ctx.progress)
        trained[name] = model
    return trained


def predict(model, x):
    model.eval()
    with cr.no_grad():
        out = model(x).numpy().argmax(-1)
    model.train()
    return out


def fit_batches(params, arrays, loss_fn, epochs, batch, lr, ctx, desc="epochs"):
    """Adam on shuffled mini-batches (drawn with ``ctx.rng``) of ``arrays`` (one first dimension);
    ``loss_fn(*batch_tensors)`` returns the loss. Returns the mean loss of each epoch."""
    params = list(params)
    opt = cr.optim.Adam(params, lr=lr)
    tensors, n, curve = [cr.tensor(a) for a in arrays], len(arrays[0]), []
    for _ in ctx.progress(range(epochs), total=epochs, desc=desc):
        order, total = ctx.rng.permutation(n), 0.0
        for i in range(0, n, batch):
            idx = cr.tensor(order[i:i + batch])
            loss = loss_fn(*[t[idx] for t in tensors])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(order[i:i + batch])
        curve.append(total / n)
    return curve


def evaluate(fn, *arrays):
    """``fn(*tensors)`` under no_grad, as NumPy."""
    with cr.no_grad():
        out = fn(*[cr.tensor(a) for a in arrays])
    return out.numpy() if hasattr(out, "numpy") else out


def purity(assigned, labels):
    """The share of samples whose group's most common label is their own (1.0: every group is one
    class; the share of the largest class: groups that ignore the classes)."""
    assigned, labels = np.asarray(assigned), np.asarray(labels)
    return float(sum(np.bincount(labels[assigned == g]).max() for g in np.unique(assigned)) / len(labels))


# --- figures ----------------------------------------------------------------------------------

_CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Microsoft YaHei", "PingFang SC",
              "SimHei")
_CJK_FILES = ("notosanscjk", "notoserifcjk", "wqy-zenhei", "msyh", "pingfang", "simhei")
_fonts_scanned = []


def _chinese_fallback(matplotlib):
    """Let figure text fall back to an installed CJK font, so Chinese titles and labels (--lang zh)
    are drawn instead of empty boxes; nothing changes where none is installed."""
    from matplotlib import font_manager
    installed = {f.name for f in font_manager.fontManager.ttflist}
    found = [name for name in _CJK_FONTS if name in installed]
    if not found and not _fonts_scanned:
        # matplotlib's font list is cached from its first run: a CJK font installed since is on
        # disk but not in the list, so look for one once and add it
        _fonts_scanned.append(True)
        for path in font_manager.findSystemFonts():
            if any(part in os.path.basename(path).lower() for part in _CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        installed = {f.name for f in font_manager.fontManager.ttflist}
        found = [name for name in _CJK_FONTS if name in installed]
    if found and found[0] not in matplotlib.rcParams["font.family"]:
        matplotlib.rcParams["font.family"] = ["DejaVu Sans", found[0]]   # per-glyph fallback, in order


def pyplot():
    """matplotlib.pyplot on the Agg backend, with the CJK font fallback."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    _chinese_fallback(matplotlib)
    return plt


def figure(w=5.5, h=4.0, ncols=1):
    """(figure, axes): one axes, or a row of ``ncols``."""
    return pyplot().subplots(1, ncols, figsize=(w, h))


def lines(series, title, xlabel, ylabel, logy=False):
    """series: {label: (xs, ys)} → a figure with one line each."""
    fig, ax = figure()
    for label, (xs, ys) in series.items():
        ax.plot(xs, ys, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if all(np.all(np.mod(np.asarray(xs, dtype=float), 1) == 0) for xs, _ in series.values()):
        from matplotlib.ticker import MaxNLocator
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # epochs and counts: no 2.5th epoch
    if logy:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def image_rows(rows, title, shape=None, cmap="gray", vmin=0.0, vmax=1.0):
    """rows: {label: N images} → one row of images per label, the label at the row's left. Images
    are H×W, 1×H×W or flat with ``shape`` = (H, W)."""
    n = max(len(v) for v in rows.values())
    fig, axes = pyplot().subplots(len(rows), n, figsize=(0.9 * n + 1.4, 0.95 * len(rows) + 0.6), squeeze=False)
    for r, (label, images) in enumerate(rows.items()):
        for c in range(n):
            ax = axes[r, c]
            ax.set_xticks([])
            ax.set_yticks([])
            for side in ax.spines.values():
                side.set_visible(False)
            if c < len(images):
                img = np.asarray(images[c])
                ax.imshow(img.reshape(shape) if shape else img.reshape(img.shape[-2:]), cmap=cmap, vmin=vmin, vmax=vmax)
        axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def bars(values, title, ylabel):
    fig, ax = figure()
    ax.bar(list(values), list(values.values()))
    ax.set(title=title, ylabel=ylabel)
    ax.tick_params(axis="x", rotation=30)
    ax.grid(alpha=0.3, axis="y")
    return fig


# --- polynomial fits --------------------------------------------------------------------------

def poly_features(x, degree):
    """[x, x², …, x^degree] as columns."""
    return np.stack([x ** d for d in range(1, degree + 1)], axis=1)


def fit_poly(xtr, ytr, degree, lam=0.0, extra_tr=None):
    """Least squares with L2 penalty λΣw² on the weights (not on the bias), in closed form."""
    a = poly_features(xtr, degree) if degree else np.zeros((len(xtr), 0))
    if extra_tr is not None:
        a = np.concatenate([a, extra_tr], axis=1)
    a1 = np.concatenate([np.ones((len(a), 1)), a], axis=1)
    reg = lam * np.eye(a1.shape[1])
    reg[0, 0] = 0.0
    return np.linalg.solve(a1.T @ a1 + reg, a1.T @ ytr)


def predict_poly(theta, x, degree, extra=None):
    """The fitted polynomial (bias first in theta) at x."""
    a = poly_features(x, degree)
    if extra is not None:
        a = np.concatenate([a, extra], axis=1)
    return theta[0] + a @ theta[1:]


# --- straight lines ----------------------------------------------------------------------------

def line_of(model):
    """(w, b) of a Linear(2, 1) as NumPy numbers."""
    return model.weight._data[0].astype(float), float(model.bias._data[0])


def best_line_accuracy(x, y, angles=180, offsets=200):
    """The best accuracy any straight line reaches on (x, y), by search over directions and offsets."""
    best = 0.0
    for t in np.linspace(0, np.pi, angles, endpoint=False):
        proj = x @ np.array([np.cos(t), np.sin(t)])
        for c in np.linspace(proj.min(), proj.max(), offsets):
            acc = np.mean((proj > c) == y)
            best = max(best, acc, 1 - acc)
    return float(best)
