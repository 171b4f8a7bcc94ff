"""What self-attention costs and what it buys: the efficient variants (time, memory and range)
and the comparison with a recurrent network."""
import dataclasses
import time
import tracemalloc

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.ops import attention_variants as AV

from ..common import bars, fit, lines, predict
from ..lang import tr
from ..registry import Result, experiment

_VARIANTS = ("full", "local", "strided", "global+local", "clustering", "Linformer", "linear", "Synthesizer")


def _core(name, L, d, rng):
    """The attention pattern ``name`` on one (1, L, d) sequence, as a function of (q, k, v)."""
    if name == "full":
        return lambda q, k, v: cr.nn.functional.scaled_dot_product_attention(q, k, v)
    if name == "local":
        return lambda q, k, v: AV.local_attention(q, k, v, 8)
    if name == "strided":
        return lambda q, k, v: AV.strided_attention(q, k, v, 8)
    if name == "global+local":
        return lambda q, k, v: AV.global_local_attention(q, k, v, 8, [0])
    if name == "clustering":
        rot = rng.standard_normal((d, 4))
        return lambda q, k, v: AV.bucket_attention(q, v, AV.lsh_buckets(q, rot))
    if name == "Linformer":
        e, f = (cr.tensor(rng.standard_normal((32, L)).astype(np.float32) / np.sqrt(32)) for _ in range(2))
        return lambda q, k, v: AV.linformer_attention(q, k, v, e, f)
    if name == "linear":
        return lambda q, k, v: AV.linear_attention(q, k, v)
    scores = cr.tensor(rng.standard_normal((1, L, L)).astype(np.float32), requires_grad=True)
    return lambda q, k, v: AV.synthesizer_attention(scores, v)


def _cost(fn, L, d, rng, repeats):
    """Best-of-``repeats`` seconds and the peak bytes NumPy allocated for forward + backward."""
    q, k, v = (cr.tensor(rng.standard_normal((1, L, d)).astype(np.float32), requires_grad=True)
               for _ in range(3))
    fn(q, k, v).sum().backward()                         # warm-up: first-use compilation, caches
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        fn(q, k, v).sum().backward()
        best = min(best, time.perf_counter() - t)
    tracemalloc.start()
    fn(q, k, v).sum().backward()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return best, peak


class _RangeModel(nn.Module):
    """Token + learned position embeddings → one efficient self-attention layer → per-position MLP."""

    def __init__(self, layer, d, L):
        super().__init__()
        self.emb, self.pos, self.attn = nn.Embedding(2, d), nn.Embedding(L, d), layer
        self.out = nn.Sequential(nn.Linear(2 * d, 64), nn.ReLU(), nn.Linear(64, 2))

    def forward(self, x):
        a = self.emb(cr.as_tensor(x)) + self.pos.weight[:x.shape[1]]
        return self.out(cr.cat([a, self.attn(a)], -1))


@dataclasses.dataclass
class EfficientConfig:
    lengths: tuple[int, ...] = (64, 128, 256, 512, 1024)
    width: int = 32
    repeats: int = 3
    task_length: int = 24
    steps: int = 400
    RANGES = {"lengths": (16, 8192), "width": (4, 256), "repeats": (1, 100), "task_length": (10, 256),
              "steps": (1, 100_000)}


@experiment("attention.efficient", EfficientConfig,
            "The attention matrix is L × L: what do the efficient variants save, and what do they lose?",
            "full: O(L²d);  local/truncated (window w): O(Lwd);  strided (stride s): O(L²d/s);  "
            "Linformer (k summaries): O(Lkd);  linear: φ(Q)(φ(K)ᵀV) instead of (φ(Q)φ(K)ᵀ)V: O(Ld²)",
            quick=dict(lengths=(64, 128, 256), repeats=1, task_length=20, steps=300))
def efficient(cfg, ctx):
    """Q: The attention matrix is L × L: what do the efficient variants save, and what do they lose?

    A: full attention's memory grows with L², the local, strided, Linformer and linear variants'
    roughly with L. But a local window cannot see far: on “is this token the same as the first
    one?” truncated attention is at chance beyond its window, while adding one global token (the
    first) gives back the long range at local cost.
    """
    rng = ctx.rng
    sizes = sorted(cfg.lengths)
    seconds = {n: [] for n in _VARIANTS}
    memory = {n: [] for n in _VARIANTS}
    for L in ctx.progress(sizes, desc="lengths"):
        for name in _VARIANTS:
            t, m = _cost(_core(name, L, cfg.width, rng), L, cfg.width, rng, cfg.repeats)
            seconds[name].append(t)
            memory[name].append(m)
    growth = {n: float(np.log(memory[n][-1] / memory[n][0]) / np.log(sizes[-1] / sizes[0])) for n in _VARIANTS}
    fig_t = lines({n: (sizes, [s * 1e3 for s in seconds[n]]) for n in _VARIANTS},
                  "Forward + backward time of one attention (d = %d)" % cfg.width, "sequence length L", "ms")
    fig_m = lines({n: (sizes, [m / 2 ** 20 for m in memory[n]]) for n in _VARIANTS},
                  "Peak memory of forward + backward", "sequence length L", "MiB")
    for fig in (fig_t, fig_m):
        fig.axes[0].set_xscale("log", base=2)
        fig.axes[0].set_yscale("log")
    # range: "same token as the first?" at positions beyond a local window
    L, d = cfg.task_length, cfg.width
    layers = {"full": lambda: nn.FullSelfAttention(d), "local": lambda: nn.LocalSelfAttention(d, window=3),
              "global+local": lambda: nn.LongformerSelfAttention(d, window=3, global_tokens=(0,)),
              "linear": lambda: nn.LinearSelfAttention(d)}
    test = np.random.default_rng(10_000 + ctx.seed).integers(0, 2, (500, L))
    far = np.arange(L) > 3
    acc = {}
    for name, make in layers.items():
        cr.manual_seed(ctx.seed)
        model = _RangeModel(make(), d, L)

        def batch(model=model):
            x = rng.integers(0, 2, (32, L))
            return model(x), (x == x[:, :1]).astype(np.int64)
        fit(model, batch, cfg.steps, 3e-3, ctx.progress)
        acc[name] = float((predict(model, test) == (test == test[:, :1]))[:, far].mean())
    fig_acc = bars(acc, "“Same token as the first?” beyond the local window (chance 0.5)", "accuracy")
    head = tr("attention.efficient.headline",
              "From L = {a} to {b}, full attention's memory grows as L^{gf:.1f}, local as L^{gl:.1f}, linear as "
              "L^{gn:.1f}; at L = {b} full needs {mf:.1f} MiB and local {ml:.1f} MiB. But beyond its window local "
              "attention scores {al:.2f} on “same token as the first?”; one global token restores {ag:.2f} (full "
              "{af:.2f}, linear {an:.2f}).",
              a=sizes[0], b=sizes[-1], gf=growth["full"], gl=growth["local"], gn=growth["linear"],
              mf=memory["full"][-1] / 2 ** 20, ml=memory["local"][-1] / 2 ** 20, al=acc["local"],
              ag=acc["global+local"], af=acc["full"], an=acc["linear"])
    return Result({"lengths": sizes, "seconds": seconds, "peak_bytes": memory, "memory_growth_exponent": growth,
                   "far_accuracy": acc}, {"time": fig_t, "memory": fig_m, "range": fig_acc}, head)


# ---------------------------------------------------------------------------------- versus RNN
class _Elman(nn.Module):
    """h_t = tanh(W_x x_t + W_h h_{t−1} + b): one step after another, the last h classifies."""

    def __init__(self, d):
        super().__init__()
        self.emb, self.wx, self.wh = nn.Embedding(2, d), nn.Linear(d, d), nn.Linear(d, d, bias=False)
        self.out = nn.Linear(d, 2)

    def forward(self, x):
        a = self.emb(cr.as_tensor(x))
        h = cr.zeros(a.shape[0], a.shape[2])
        for t in range(a.shape[1]):
            h = cr.tanh(self.wx(a[:, t]) + self.wh(h))
        return self.out(h)


class _Attend(nn.Module):
    """Positions + one two-head self-attention layer; the last position classifies."""

    def __init__(self, d, L):
        super().__init__()
        self.emb, self.pos = nn.Embedding(2, d), nn.Embedding(L, d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
        self.out = nn.Sequential(nn.Linear(2 * d, 32), nn.ReLU(), nn.Linear(32, 2))

    def forward(self, x):
        a = self.emb(cr.as_tensor(x)) + self.pos.weight[:x.shape[1]]
        b = self.attn(a, a, a, need_weights=False)[0]
        return self.out(cr.cat([a[:, -1], b[:, -1]], -1))


@dataclasses.dataclass
class RnnConfig:
    lengths: tuple[int, ...] = (4, 16, 32)
    width: int = 16
    steps: int = 400
    timing_lengths: tuple[int, ...] = (16, 64, 256)
    lr: float = 3e-3
    RANGES = {"lengths": (2, 512), "width": (2, 128), "steps": (1, 100_000), "timing_lengths": (2, 4096),
              "lr": (1e-5, 1.0)}


@experiment("attention.vs_rnn", RnnConfig,
            "Self-attention or an RNN: which remembers far back, and which is faster on long sequences?",
            "RNN: h_t = tanh(W_x x_t + W_h h_{t−1} + b) — L steps one after another; "
            "self-attention: every b^i at once, each a path of length 1 to every input",
            quick=dict(lengths=(4, 24), steps=300, timing_lengths=(16, 128)))
def vs_rnn(cfg, ctx):
    """Q: Self-attention or an RNN: which remembers far back, and which is faster on long sequences?

    A: asked whether the last token equals the first, the RNN learns it for short sequences but
    falls to chance as the distance grows (the information must survive every step); attention
    connects the two ends directly and stays right. And the RNN's L steps run one after another,
    so its time grows with L while attention's one batched product stays small here.
    """
    rng = ctx.rng
    acc = {"RNN": {}, "self-attention": {}}
    for L in cfg.lengths:
        test = np.random.default_rng(10_000 + ctx.seed).integers(0, 2, (500, L))
        for name in acc:
            cr.manual_seed(ctx.seed)
            model = _Elman(cfg.width) if name == "RNN" else _Attend(cfg.width, L)

            def batch(model=model, L=L):
                x = rng.integers(0, 2, (64, L))
                return model(x), (x[:, 0] == x[:, -1]).astype(np.int64)
            fit(model, batch, cfg.steps, cfg.lr, ctx.progress)
            acc[name][str(L)] = float((predict(model, test) == (test[:, 0] == test[:, -1])).mean())
    ms = {"RNN": [], "self-attention": []}
    for L in cfg.timing_lengths:
        x = rng.integers(0, 2, (32, L))
        for name in ms:
            model = _Elman(cfg.width) if name == "RNN" else _Attend(cfg.width, L)
            model(x).sum().backward()
            t = time.perf_counter()
            model(x).sum().backward()
            ms[name].append((time.perf_counter() - t) * 1e3)
    lens = [int(k) for k in acc["RNN"]]
    fig_acc = lines({n: (lens, list(v.values())) for n, v in acc.items()},
                    "“Is the last token the first one?” test accuracy", "sequence length", "accuracy")
    fig_acc.axes[0].axhline(0.5, color="k", ls=":", lw=1)
    fig_t = lines({n: (list(cfg.timing_lengths), v) for n, v in ms.items()},
                  "Forward + backward time, batch 32", "sequence length", "ms")
    short, long = str(lens[0]), str(lens[-1])
    head = tr("attention.vs_rnn.headline",
              "Is the last token the first one? At length {s} the RNN scores {r0:.2f} and attention {a0:.2f}; at "
              "length {l} the RNN {r1:.2f}, attention {a1:.2f}. At length {tl} one forward + backward takes the RNN "
              "{rt:.0f} ms ({tl} steps in sequence) and attention {at:.0f} ms.",
              s=short, r0=acc["RNN"][short], a0=acc["self-attention"][short], l=long, r1=acc["RNN"][long],
              a1=acc["self-attention"][long], tl=cfg.timing_lengths[-1], rt=ms["RNN"][-1], at=ms["self-attention"][-1])
    return Result({"accuracy": acc, "ms": ms, "timing_lengths": list(cfg.timing_lengths)},
                  {"accuracy": fig_acc, "time": fig_t}, head)


# ----------------------------------------------------------------------------- CNN vs attention
def _rule_task(kind, rng, n, length):
    """“motif”: does the pattern 0 1 occur somewhere (a local rule, 4 tokens)? “long range”: is
    x[4] equal to x[L−5] (two fixed positions far apart, 2 tokens)?"""
    if kind == "motif":
        x = rng.integers(0, 4, (n, length))
        return x, ((x[:, :-1] == 0) & (x[:, 1:] == 1)).any(1).astype(np.int64)
    x = rng.integers(0, 2, (n, length))
    return x, (x[:, 4] == x[:, length - 5]).astype(np.int64)


class _CNN(nn.Module):
    """Two 3-wide convolutions (each output sees 5 neighbouring tokens), max over positions."""

    def __init__(self, vocab, d=32):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.c1, self.c2 = nn.Conv1d(d, 32, 3, padding=1), nn.Conv1d(32, 32, 3, padding=1)
        self.out = nn.Linear(32, 2)

    def forward(self, x):
        h = self.emb(cr.as_tensor(x)).transpose(1, 2)
        return self.out(cr.relu(self.c2(cr.relu(self.c1(h)))).amax(-1))


class _SelfAttention(nn.Module):
    """Learned positions, one two-head self-attention, a per-position MLP, max over positions."""

    def __init__(self, vocab, length, d=32):
        super().__init__()
        self.emb, self.pos = nn.Embedding(vocab, d), nn.Embedding(length, d)
        self.attn = nn.MultiheadAttention(d, 2, batch_first=True)
        self.mlp, self.out = nn.Sequential(nn.Linear(2 * d, 32), nn.ReLU()), nn.Linear(32, 2)

    def forward(self, x):
        a = self.emb(cr.as_tensor(x)) + self.pos.weight[:x.shape[1]]
        return self.out(self.mlp(cr.cat([a, self.attn(a, a, a, need_weights=False)[0]], -1)).amax(1))


@dataclasses.dataclass
class CnnConfig:
    sizes: tuple[int, ...] = (64, 256, 2048)
    length: int = 12
    steps: int = 600
    RANGES = {"sizes": (8, 100_000), "length": (10, 64), "steps": (1, 100_000)}


@experiment("attention.cnn_vs_attention", CnnConfig,
            "A CNN is self-attention restricted to a neighbourhood: when does the restriction help, and when does "
            "it hurt?",
            "CNN: b^i = Σ_{|j−i|≤r} W_{j−i} a^j (a fixed receptive field);  self-attention: b^i = Σ_j α′_{i,j} v^j "
            "(every j, weights learned from the data)",
            quick=dict(sizes=(64, 2048), steps=400))
def cnn_vs_attention(cfg, ctx):
    """Q: A CNN is self-attention restricted to a neighbourhood: when does the restriction help, and
    when does it hurt?

    A: for a local rule (“does 0 1 occur?”) the CNN's built-in neighbourhood is the right guess:
    it is right from 64 examples on, while self-attention must first learn which positions are
    neighbours and needs many more examples to catch up. For a rule between two far positions the
    CNN cannot reach at all, whatever the data, and self-attention learns it.
    """
    rng = ctx.rng
    acc = {}
    for kind in ("motif", "long range"):
        test_x, test_y = _rule_task(kind, np.random.default_rng(10_000 + ctx.seed), 1000, cfg.length)
        vocab = 4 if kind == "motif" else 2
        for name in ("CNN", "self-attention"):
            key = f"{kind}: {name}"
            acc[key] = {}
            for n in sorted(cfg.sizes):
                x, y = _rule_task(kind, rng, n, cfg.length)
                cr.manual_seed(ctx.seed)
                model = _CNN(vocab) if name == "CNN" else _SelfAttention(vocab, cfg.length)

                def batch(model=model, x=x, y=y, n=n):
                    i = rng.integers(0, n, 32)
                    return model(x[i]), y[i]
                fit(model, batch, cfg.steps, 3e-3, ctx.progress)
                acc[key][str(n)] = float((predict(model, test_x) == test_y).mean())
    sizes = sorted(cfg.sizes)
    fig = lines({k: (sizes, [v[str(n)] for n in sizes]) for k, v in acc.items()},
                "Test accuracy against training-set size", "training examples", "accuracy")
    fig.axes[0].set_xscale("log", base=2)
    small, big = str(sizes[0]), str(sizes[-1])
    head = tr("attention.cnn_vs_attention.headline",
              "Local rule (“does 0 1 occur?”): with {s} examples the CNN scores {c0:.2f} and self-attention {a0:.2f}; "
              "with {b} examples {c1:.2f} and {a1:.2f}. Rule between two far positions: the CNN stays at {cl:.2f} even "
              "with {b} examples (its receptive field cannot reach), self-attention reaches {al:.2f}.",
              s=small, c0=acc["motif: CNN"][small], a0=acc["motif: self-attention"][small], b=big,
              c1=acc["motif: CNN"][big], a1=acc["motif: self-attention"][big],
              cl=acc["long range: CNN"][big], al=acc["long range: self-attention"][big])
    return Result({"accuracy": acc}, {"accuracy": fig}, head)
