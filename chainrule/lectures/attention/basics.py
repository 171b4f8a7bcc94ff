"""Self-attention itself: a vector set, the attention matrix, heads, positions and masks."""
import dataclasses
import time
import tracemalloc

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from chainrule.nn.layers.positional import sinusoidal_table

from ..common import bars, figure, fit, predict, train_each
from ..lang import tr
from ..registry import Result, experiment
from .tokens import OneLayer, attention_figure, earlier_only, seen_before


# ----------------------------------------------------------------------------------- vector set
@dataclasses.dataclass
class VectorSetConfig:
    length: int = 12
    vocab: int = 16
    width: int = 32
    steps: int = 400
    lr: float = 3e-3
    RANGES = {"length": (2, 64), "vocab": (4, 1000), "width": (4, 256), "steps": (1, 100_000),
              "lr": (1e-5, 1.0)}


class _Context(nn.Module):
    """Sequence labeling without attention: each word alone (``window=0``) or with its ±1
    neighbours concatenated (``window=1``), through the same MLP."""

    def __init__(self, vocab, d, window):
        super().__init__()
        self.window = window
        self.emb = nn.Embedding(vocab, d)
        self.out = nn.Sequential(nn.Linear((1 + 2 * window) * d, 64), nn.ReLU(), nn.Linear(64, 2))

    def forward(self, x):
        a = self.emb(cr.as_tensor(x))
        if self.window:
            a = cr.cat([F.pad(a[:, :-1], (0, 0, 1, 0)), a, F.pad(a[:, 1:], (0, 0, 0, 1))], -1)
        return self.out(a)


@experiment("attention.vector_set", VectorSetConfig,
            "“I saw a saw”: can a network label each word of a sentence when the label depends on "
            "words far away — one word at a time, a window, or self-attention?",
            "q^i = W^q a^i, k^j = W^k a^j, v^j = W^v a^j;  α_{i,j} = q^i·k^j / √d;  "
            "α′_{i,·} = softmax(α_{i,·});  b^i = Σ_j α′_{i,j} v^j   (matrix form: A = KᵀQ, O = VA′)",
            quick=dict(steps=250))
def vector_set(cfg, ctx):
    """Q: “I saw a saw”: can a network label each word when the label depends on words far away?

    A: the label of a word is whether it already appeared earlier in the sentence. A network that
    sees one word at a time can only guess the majority label; a ±1 window catches only adjacent
    repeats; self-attention — every word asking every earlier word “are you me?” — labels nearly
    every word right, and its attention matrix points at the earlier copy.
    """
    rng = ctx.rng
    test_x, test_y = seen_before(np.random.default_rng(10_000 + ctx.seed), 1000, cfg.length, cfg.vocab)
    models = {"one word (FC)": _Context(cfg.vocab, cfg.width, 0),
              "window ±1": _Context(cfg.vocab, cfg.width, 1),
              "self-attention": OneLayer(cfg.vocab, cfg.width, 2, mask=earlier_only)}
    acc, curves = {}, {}
    for name, model in models.items():
        def batch(model=model):
            x, y = seen_before(rng, 64, cfg.length, cfg.vocab)
            return model(x)[:, 1:], y
        curves[name] = fit(model, batch, cfg.steps, cfg.lr, ctx.progress)
        acc[name] = float((predict(model, test_x)[:, 1:] == test_y).mean())
    majority = float(max(test_y.mean(), 1 - test_y.mean()))
    # one test sentence with a repeat, and where its words looked
    attn = models["self-attention"]
    row = int(np.flatnonzero(test_y.sum(1) >= 2)[0])
    attn(test_x[row:row + 1])
    words = ["BOS"] + [f"w{t}" for t in test_x[row, 1:]]
    fig_attn = attention_figure(attn.weights[0, 0], words, words,
                                "Attention matrix α′ of one sentence (rows: each word's query)")
    repeats = np.argwhere(test_y[row] == 1).ravel() + 1
    on_copy = float(np.mean([attn.weights[0, 0, i, 1:i][test_x[row, 1:i] == test_x[row, i]].sum()
                             for i in repeats]))
    fig_acc = bars(acc, "Test accuracy of labeling every word", "accuracy")
    fig_acc.axes[0].axhline(majority, color="k", ls="--", lw=1)
    fig_acc.axes[0].text(0, majority + 0.01, tr("attention.majority", "majority label"), fontsize=8)
    head = tr("attention.vector_set.headline",
              "Labeling “did this word appear before?”: one word at a time {fc:.2f} (the majority label is "
              "{maj:.2f}), a ±1 window {win:.2f}, self-attention {att:.2f}. In the drawn sentence the repeated "
              "words put {copy:.0%} of their attention on their earlier copy.",
              fc=acc["one word (FC)"], maj=majority, win=acc["window ±1"], att=acc["self-attention"], copy=on_copy)
    return Result({"accuracy": acc, "majority": majority, "attention_on_earlier_copy": on_copy},
                  {"accuracy": fig_acc, "attention_matrix": fig_attn}, head)


# ------------------------------------------------------------------------------------ multi-head
@dataclasses.dataclass
class MultiHeadConfig:
    length: int = 8
    vocab: int = 7
    width: int = 32
    steps: int = 800
    lr: float = 1e-2
    RANGES = {"length": (2, 64), "vocab": (2, 100), "width": (4, 256), "steps": (1, 100_000), "lr": (1e-5, 1.0)}


def _difference_task(rng, n, length, vocab):
    """Two leading zeros, then random digits; the target at each later position is
    (previous digit − the one before it) mod vocab: two places to look at every step."""
    x = rng.integers(0, vocab, (n, length + 2))
    x[:, :2] = 0
    return x, (x[:, 1:-1] - x[:, :-2]) % vocab


def _strictly_earlier(T):
    blocked = ~np.tril(np.ones((T, T), bool), -1)
    blocked[0, 0] = False
    return blocked


@experiment("attention.multi_head", MultiHeadConfig,
            "Why several heads? What do different heads attend to?",
            "q^{i,h} = W^{q,h} q^i (likewise k, v) for each head h; b^{i,h} from head h's own α′;  "
            "b^i = W^O [b^{i,1}; b^{i,2}; …]",
            quick=dict())
def multi_head(cfg, ctx):
    """Q: Why several heads? What do different heads attend to?

    A: every step needs two things — the previous digit and the one before it (the target is their
    difference). One head has one softmax and must split it between the two places; with two heads
    (same width) each head takes one place: one looks one step back, the other two steps back.
    """
    rng = ctx.rng
    tx, ty = _difference_task(np.random.default_rng(10_000 + ctx.seed), 500, cfg.length, cfg.vocab)
    out, figs = {}, {}
    for heads in (1, 2):
        cr.manual_seed(ctx.seed)
        model = OneLayer(cfg.vocab, cfg.width, cfg.vocab, heads=heads, positions="learned",
                         max_len=cfg.length + 2, mask=_strictly_earlier, use_self=False)

        def batch(model=model):
            x, y = _difference_task(rng, 64, cfg.length, cfg.vocab)
            return model(x)[:, 2:], y
        fit(model, batch, cfg.steps, cfg.lr, ctx.progress)
        acc = float((predict(model, tx)[:, 2:] == ty).mean())
        w = model.weights
        i = np.arange(2, w.shape[-1])
        back1 = w[:, :, i, i - 1].mean((0, 2))               # each head's mass one step back
        back2 = w[:, :, i, i - 2].mean((0, 2))               # … and two steps back
        out[f"{heads} head{'s' * (heads > 1)}"] = {"accuracy": acc, "one_back": back1.tolist(),
                                                   "two_back": back2.tolist()}
        labels = ["0", "0"] + [str(d) for d in tx[0, 2:]]
        for h in range(heads):
            figs[f"heads{heads}_head{h + 1}"] = attention_figure(
                w[0, h], labels, labels, f"{heads}-head model, head {h + 1}: one-back {back1[h]:.2f}, "
                                         f"two-back {back2[h]:.2f}")
    two, one = out["2 heads"], out["1 head"]
    h1 = int(np.argmax(two["one_back"]))             # the head that looks one step back most
    h2 = int(np.argmax(two["two_back"]))             # … and two steps back
    split = min(two["one_back"][h1], two["two_back"][h2]) if h1 != h2 else 0.0
    head = tr("attention.multi_head.one_head",
              "Target: (previous digit − the one before) mod {v}. One head reaches accuracy {a1:.2f} by splitting its "
              "attention {o1:.2f} / {t1:.2f} between the two places. ",
              v=cfg.vocab, a1=one["accuracy"], o1=one["one_back"][0], t1=one["two_back"][0])
    if split > 0.5:
        head += tr("attention.multi_head.divided",
                   "With two heads (accuracy {a2:.2f}) head {h1} puts {p1:.2f} of its attention one step back and head "
                   "{h2} {p2:.2f} two steps back: each head looks at one thing.",
                   a2=two["accuracy"], h1=h1 + 1, p1=two["one_back"][h1], h2=h2 + 1, p2=two["two_back"][h2])
    else:
        head += tr("attention.multi_head.not_divided",
                   "With two heads (accuracy {a2:.2f}) the heads did not divide the work this time (one step back: "
                   "{o:.2f} and {o2:.2f}; two steps back: {t:.2f} and {t2:.2f}).",
                   a2=two["accuracy"], o=two["one_back"][0], o2=two["one_back"][1], t=two["two_back"][0],
                   t2=two["two_back"][1])
    return Result({**out, "specialization": split}, figs, head)


# ------------------------------------------------------------------------------ positional encoding
@dataclasses.dataclass
class PositionConfig:
    length: int = 10
    vocab: int = 10
    width: int = 32
    steps: int = 400
    lr: float = 3e-3
    RANGES = {"length": (2, 64), "vocab": (2, 1000), "width": (4, 256), "steps": (1, 100_000), "lr": (1e-5, 1.0)}


@experiment("attention.positional_encoding", PositionConfig,
            "Self-attention has no idea of order — what does a positional encoding add?",
            "a^i ← a^i + e^i;  sinusoidal: e^i_{2k} = sin(i / 10000^{2k/d}), e^i_{2k+1} = cos(i / 10000^{2k/d}); "
            "or e^i learned",
            quick=dict(steps=300))
def positional_encoding(cfg, ctx):
    """Q: Self-attention has no idea of order — what does a positional encoding add?

    A: without positions, shuffling the words only shuffles the outputs (the layer sees a set), so
    “repeat the previous word” cannot be learned; adding sinusoidal or learned position vectors
    makes it easy.
    """
    rng = ctx.rng
    tx = np.random.default_rng(10_000 + ctx.seed).integers(0, cfg.vocab, (500, cfg.length))
    acc, models = {}, {}
    for kind in ("none", "sinusoidal", "learned"):
        cr.manual_seed(ctx.seed)
        model = OneLayer(cfg.vocab, cfg.width, cfg.vocab, positions=None if kind == "none" else kind,
                         max_len=cfg.length)

        def batch(model=model):
            x = rng.integers(0, cfg.vocab, (64, cfg.length))
            return model(x)[:, 1:], x[:, :-1]
        fit(model, batch, cfg.steps, cfg.lr, ctx.progress)
        acc[kind] = float((predict(model, tx)[:, 1:] == tx[:, :-1]).mean())
        models[kind] = model
    # the set view: permute the words, and without positions the outputs permute the same way
    perm = np.random.default_rng(ctx.seed).permutation(cfg.length)
    gaps = {}
    for kind in ("none", "sinusoidal"):
        m = models[kind].eval()
        with cr.no_grad():
            a, b = m(tx[:8]).numpy(), m(tx[:8, perm]).numpy()
        gaps[kind] = float(np.abs(a[:, perm] - b).max())
    fig_acc = bars({k if k != "none" else "no positions": v for k, v in acc.items()},
                   "Test accuracy of “repeat the previous word”", "accuracy")
    fig_pe, ax = figure(6, 3.2)
    im = ax.imshow(sinusoidal_table(cfg.length, cfg.width).T, aspect="auto", cmap="RdBu", vmin=-1, vmax=1)
    ax.set(title="Sinusoidal position vectors e^i (columns)", xlabel="position i", ylabel="dimension")
    fig_pe.colorbar(im, ax=ax, fraction=0.046)
    fig_pe.tight_layout()
    head = tr("attention.positional_encoding.headline",
              "“Repeat the previous word”: no positions {n:.2f} (shuffling the input shuffles the output: max change "
              "{g:.1e} after un-shuffling), sinusoidal {s:.2f}, learned {l:.2f}.",
              n=acc["none"], g=gaps["none"], s=acc["sinusoidal"], l=acc["learned"])
    return Result({"accuracy": acc, "permutation_gap": gaps}, {"accuracy": fig_acc, "sinusoidal": fig_pe}, head)


# ------------------------------------------------------------------------------------------- masks
@dataclasses.dataclass
class MaskConfig:
    length: int = 8
    width: int = 16
    pad: int = 3
    RANGES = {"length": (2, 64), "width": (4, 256), "pad": (1, 63)}


@experiment("attention.masks", MaskConfig,
            "What do the causal mask and the padding mask guarantee?",
            "α_{i,j} ← α_{i,j} − ∞ where j may not be seen (j > i: causal; j a padding position);  "
            "softmax then gives α′_{i,j} = 0 there",
            quick=dict())
def masks(cfg, ctx):
    """Q: What do the causal mask and the padding mask guarantee?

    A: with the causal mask, changing later words leaves the outputs of earlier positions exactly
    unchanged (a decoder cannot peek at the future); with the padding mask, changing what sits in
    the padding leaves every real position exactly unchanged. Without the masks both change.
    """
    if cfg.pad >= cfg.length:
        raise ValueError(f"attention.masks: pad ({cfg.pad}) must be smaller than length ({cfg.length})")
    layer = nn.TransformerEncoderLayer(cfg.width, 2, 2 * cfg.width, dropout=0.0, batch_first=True).eval()
    rng = ctx.rng
    x = cr.tensor(rng.standard_normal((1, cfg.length, cfg.width)).astype(np.float32))
    T, keep = cfg.length, cfg.length - cfg.pad
    causal = nn.Transformer.generate_square_subsequent_mask(T)
    changed_future = x.clone()
    changed_future[0, T // 2:] = cr.randn(T - T // 2, cfg.width)
    padding = cr.tensor(np.arange(T)[None] >= keep)
    changed_pad = x.clone()
    changed_pad[0, keep:] = cr.randn(cfg.pad, cfg.width) * 10
    with cr.no_grad():
        gap = {
            "causal: earlier outputs, mask on": (layer(x, src_mask=causal) - layer(changed_future, src_mask=causal))[0, :T // 2],
            "causal: earlier outputs, no mask": (layer(x) - layer(changed_future))[0, :T // 2],
            "padding: real outputs, mask on": (layer(x, src_key_padding_mask=padding) -
                                               layer(changed_pad, src_key_padding_mask=padding))[0, :keep],
            "padding: real outputs, no mask": (layer(x) - layer(changed_pad))[0, :keep]}
    gap = {k: float(v.abs().max()) for k, v in gap.items()}
    attn = layer.self_attn
    with cr.no_grad():
        w_causal = attn(x, x, x, attn_mask=causal)[1][0].numpy()
        w_pad = attn(x, x, x, key_padding_mask=padding)[1][0].numpy()
    labels = [str(i) for i in range(T)]
    figs = {"causal": attention_figure(w_causal, labels, labels, "Attention with the causal mask (j ≤ i only)"),
            "padding": attention_figure(w_pad, labels, labels,
                                        f"Attention with the padding mask (last {cfg.pad} positions are padding)")}
    head = tr("attention.masks.headline",
              "Changing the later half of the input moves the earlier outputs by {c0:.1e} with the causal mask and by "
              "{c1:.2f} without; changing the padding moves the real outputs by {p0:.1e} with the padding mask and by "
              "{p1:.2f} without.",
              c0=gap["causal: earlier outputs, mask on"], c1=gap["causal: earlier outputs, no mask"],
              p0=gap["padding: real outputs, mask on"], p1=gap["padding: real outputs, no mask"])
    return Result({"max_change": gap}, figs, head)


# ------------------------------------------------------------------------------ dot vs additive
class _Additive(nn.Module):
    """Additive attention: α_{i,j} = wᵀ tanh(W^q a^i + W^k a^j) — a small network per pair."""

    def __init__(self, vocab, d):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.wq, self.wk, self.wv = nn.Linear(d, d), nn.Linear(d, d, bias=False), nn.Linear(d, d)
        self.w = nn.Linear(d, 1, bias=False)
        self.out = nn.Sequential(nn.Linear(2 * d, 64), nn.ReLU(), nn.Linear(64, 2))

    def forward(self, x):
        a = self.emb(cr.as_tensor(x))
        T = a.shape[1]
        scores = self.w(cr.tanh(self.wq(a).unsqueeze(2) + self.wk(a).unsqueeze(1))).squeeze(-1)   # (N, T, T)
        alpha = F.softmax(scores.masked_fill(cr.tensor(earlier_only(T)), float("-inf")), -1)
        return self.out(cr.cat([a, alpha @ self.wv(a)], -1))


def _step_cost(model, x, y):
    """Seconds and peak NumPy bytes of one forward + backward."""
    loss = lambda: F.cross_entropy(model(x)[:, 1:].reshape(-1, 2), cr.tensor(y.reshape(-1)))
    loss().backward()
    t = time.perf_counter()
    loss().backward()
    seconds = time.perf_counter() - t
    tracemalloc.start()
    loss().backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, peak


@dataclasses.dataclass
class ScoreConfig(VectorSetConfig):
    cost_length: int = 64
    RANGES = {**VectorSetConfig.RANGES, "cost_length": (4, 1024)}


@experiment("attention.dot_vs_additive", ScoreConfig,
            "Dot-product or additive attention scores: do both learn, and what does each cost?",
            "dot-product: α_{i,j} = q^i·k^j / √d;   additive: α_{i,j} = wᵀ tanh(W^q a^i + W^k a^j)",
            quick=dict(steps=250, cost_length=48))
def dot_vs_additive(cfg, ctx):
    """Q: Dot-product or additive attention scores: do both learn, and what does each cost?

    A: both label “I saw a saw” correctly. The dot product needs one number per pair (q·k, one
    matrix product for all pairs); the additive score runs a small tanh network on every pair, so
    it keeps an L × L × d tensor: many times the memory, and slower — why the Transformer uses the
    (scaled) dot product.
    """
    test_x, test_y = seen_before(np.random.default_rng(10_000 + ctx.seed), 1000, cfg.length, cfg.vocab)
    cost_x, cost_y = seen_before(np.random.default_rng(ctx.seed), 32, cfg.cost_length, cfg.vocab)

    def draw(rng, n):
        x, y = seen_before(rng, n, cfg.length, cfg.vocab)
        return x, np.concatenate([np.zeros((n, 1), np.int64), y], 1)   # the BOS: seen before? no (0)
    models = train_each({"dot-product": lambda: OneLayer(cfg.vocab, cfg.width, 2, mask=earlier_only),
                         "additive": lambda: _Additive(cfg.vocab, cfg.width)}, draw, cfg.steps, cfg.lr, ctx)
    acc, seconds, peak = {}, {}, {}
    for name, model in models.items():
        acc[name] = float((predict(model, test_x)[:, 1:] == test_y).mean())
        seconds[name], peak[name] = _step_cost(model, cost_x, cost_y)
    fig_acc = bars(acc, "Test accuracy on “did this word appear before?”", "accuracy")
    fig_mem = bars({k: v / 2 ** 20 for k, v in peak.items()},
                   f"Peak memory of one training step (batch 32, L = {cfg.cost_length})", "MiB")
    head = tr("attention.dot_vs_additive.headline",
              "Both scores learn the task (dot-product {a:.2f}, additive {b:.2f}). At L = {L} one training step of the "
              "additive version needs {m:.1f}× the memory ({mb:.1f} against {ma:.1f} MiB) and {t:.1f}× the time: it "
              "keeps an L × L × d tensor where the dot product keeps L × L.",
              a=acc["dot-product"], b=acc["additive"], L=cfg.cost_length, m=peak["additive"] / peak["dot-product"],
              mb=peak["additive"] / 2 ** 20, ma=peak["dot-product"] / 2 ** 20,
              t=seconds["additive"] / seconds["dot-product"])
    return Result({"accuracy": acc, "seconds_per_step": seconds, "peak_bytes": peak},
                  {"accuracy": fig_acc, "memory": fig_mem}, head)
