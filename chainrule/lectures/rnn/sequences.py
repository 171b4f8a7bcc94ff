"""Why recurrent training is hard (the rugged error surface and gradient clipping), CTC for
outputs shorter than the input, and the HMM an RNN tagger is compared with."""
import dataclasses

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.models import HMM
from chainrule.models.decoding import ctc_greedy

from ..common import bars, figure, lines
from ..lang import tr
from ..registry import Result, experiment
from .labeling import Tagger


# ------------------------------------------------------------------------------------ clipping
@dataclasses.dataclass
class ClipConfig:
    length: int = 100
    steps: int = 60
    lr: float = 0.01
    clip: float = 1.0
    RANGES = {"length": (5, 2000), "steps": (1, 10_000), "lr": (1e-6, 10.0), "clip": (1e-4, 1e4)}


def _linear_rnn_loss(w, length, target):
    """One linear neuron y_t = w·y_{t−1} + x_t, fed 1 then zeros: y_T = w^{T−1}. Loss (y_T − target)²."""
    y = cr.ones(1, dtype=cr.float64)
    for _ in range(length - 1):
        y = y * w
    return ((y - target) ** 2).sum()


@experiment("rnn.clipping", ClipConfig,
            "Why is an RNN's error surface so rugged, and what does gradient clipping do about it?",
            "y_T = w^{T−1}: for w < 1 the output vanishes, past w = 1 it explodes — flat plains and cliffs.  "
            "Clipping: g ← g · min(1, c/‖g‖)",
            quick=dict(length=60, steps=40))
def clipping(cfg, ctx):
    """Q: Why is an RNN's error surface so rugged, and what does gradient clipping do about it?

    A: the lecture's one-neuron RNN: its output after T steps is w^{T−1}, so the loss is flat for
    w < 1 and a cliff just past 1. Gradient descent that reaches the cliff gets a gradient
    thousands of times larger than before and is thrown far away; the same steps with the
    gradient norm clipped walk down the cliff and settle.
    """
    ws = np.linspace(0.8, 1.06, 300)
    target = 0.5
    surface = [float((w ** (cfg.length - 1) - target) ** 2) for w in ws]
    paths = {}
    for name, clip in (("plain gradient descent", None), (f"clipped at {cfg.clip}", cfg.clip)):
        w = cr.tensor([1.015], dtype=cr.float64, requires_grad=True)   # just over the edge of the cliff
        path, largest, first = [], 0.0, None
        for _ in range(cfg.steps):
            loss = _linear_rnn_loss(w, cfg.length, target)
            g, = cr.autograd.grad(loss, w)
            gn = float(abs(g.item()))
            largest = max(largest, gn)
            first = gn if first is None else first
            if clip is not None and gn > clip:
                g = g * (clip / gn)
            with cr.no_grad():
                w -= cfg.lr * g
            path.append(float(w.item()))
            if not np.isfinite(path[-1]) or abs(path[-1]) > 1e6:
                break
        final = _linear_rnn_loss(cr.tensor([path[-1]], dtype=cr.float64), cfg.length, target).item() \
            if np.isfinite(path[-1]) and abs(path[-1]) < 1e6 else float("inf")
        paths[name] = {"w": path, "final_loss": final, "largest_gradient": largest, "first_gradient": first}
    fig, ax = figure(6, 4)
    ax.plot(ws, surface, color="k", lw=1)
    ax.set_yscale("log")
    ax.set(title=f"Loss of y_T = w^{cfg.length - 1} against w (target {target})", xlabel="w", ylabel="loss")
    for name, p in paths.items():
        pts = [v for v in p["w"] if ws[0] <= v <= ws[-1]]
        ax.plot(pts, [(v ** (cfg.length - 1) - target) ** 2 for v in pts], "o-", ms=3, label=name)
    ax.legend(fontsize=8)
    plain, clipped = paths["plain gradient descent"], paths[f"clipped at {cfg.clip}"]
    start = (1.015 ** (cfg.length - 1) - target) ** 2
    head = tr("rnn.clipping.headline",
              "Starting on the cliff of y = w^{p} at w = 1.015 (loss {s:.3g}), the gradient is {g:.0f}: one plain "
              "gradient step (η = {lr}) throws w to {j:.2f} and the run ends with loss {a:.3g}; ",
              p=cfg.length - 1, s=start, g=plain["first_gradient"], lr=cfg.lr, j=plain["w"][0], a=plain["final_loss"])
    if clipped["final_loss"] < start:
        head += tr("rnn.clipping.walks", "the same steps with the gradient clipped at {c} walk down the cliff and end "
                   "with loss {b:.3g}.", c=cfg.clip, b=clipped["final_loss"])
    else:
        head += tr("rnn.clipping.too_long", "clipped at {c}, the steps (η·{c} long) are still too long here: loss "
                   "{b:.3g}.", c=cfg.clip, b=clipped["final_loss"])
    return Result({"paths": paths}, {"surface": fig}, head)


# ------------------------------------------------------------------------------------------ CTC
def _spoken(rng, n, max_labels=3, symbols=4, noise=0.5):
    """Label sequences of 1–3 symbols (1..4); frames: each label held 2–4 frames with 0–2 silent
    frames around, as noisy one-hot vectors (silence is symbol 0 = the CTC blank)."""
    seqs, frames = [], []
    for _ in range(n):
        labels = list(rng.integers(1, symbols + 1, rng.integers(1, max_labels + 1)))
        f = [0] * rng.integers(0, 3)
        for lab in labels:
            f += [lab] * rng.integers(2, 5) + [0] * rng.integers(0, 3)
        seqs.append(labels)
        frames.append(f)
    T = max(len(f) for f in frames)
    x = np.zeros((n, T, symbols + 1), np.float32)
    for i, f in enumerate(frames):
        x[i, np.arange(len(f)), f] = 1.0
    x += noise * rng.standard_normal(x.shape).astype(np.float32)
    return x, np.array([len(f) for f in frames]), seqs


class _Recognizer(nn.Module):
    def __init__(self, symbols=4, hidden=32):
        super().__init__()
        self.rnn = nn.LSTM(symbols + 1, hidden, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, symbols + 1)

    def forward(self, x):
        return self.out(self.rnn(cr.as_tensor(x))[0]).log_softmax(-1)       # (N, T, C)


@dataclasses.dataclass
class CtcConfig:
    steps: int = 400
    lr: float = 1e-2
    RANGES = {"steps": (1, 100_000), "lr": (1e-5, 1.0)}


@experiment("rnn.ctc", CtcConfig,
            "Frames in, a shorter label sequence out, and nobody says which frame is which label: how does CTC "
            "train a recognizer?",
            "p(l|x) = Σ over alignments π that merge (repeats joined, blanks dropped) into l of Π_t y_t(π_t);  "
            "loss −log p(l|x) by the forward–backward recursion",
            quick=dict(steps=300))
def ctc(cfg, ctx):
    """Q: Frames in, a shorter label sequence out, with no frame-level labels: how does CTC train a
    recognizer?

    A: a bidirectional LSTM emits a distribution over the labels plus a blank at every frame; CTC
    sums the probability of every alignment that spells the target, so training needs only the
    label sequence. Decoded by taking each frame's best symbol, merging repeats and dropping
    blanks, the recognizer transcribes unseen utterances, and its frame-by-frame choices line up
    with where each label was spoken.
    """
    rng = ctx.rng
    model = _Recognizer()
    opt = cr.optim.Adam(model.parameters(), lr=cfg.lr)
    losses = []
    for _ in ctx.progress(range(cfg.steps), total=cfg.steps, desc="training"):
        x, lengths, seqs = _spoken(rng, 32)
        flat = cr.tensor(np.concatenate(seqs))
        loss = cr.nn.functional.ctc_loss(model(x).transpose(0, 1), flat, lengths, [len(s) for s in seqs])
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        losses.append(loss.item())
    x, lengths, seqs = _spoken(np.random.default_rng(10_000 + ctx.seed), 200)
    model.eval()
    with cr.no_grad():
        lp = model(x).numpy()
    decoded = [ctc_greedy(lp[i, :lengths[i]]) for i in range(len(seqs))]
    exact = float(np.mean([d == [int(v) for v in s] for d, s in zip(decoded, seqs)]))
    fig_loss = lines({"CTC loss": (list(range(1, len(losses) + 1)), losses)}, "Training loss", "step", "loss")
    right = [j for j in range(len(seqs)) if decoded[j] == [int(v) for v in seqs[j]]] or list(range(len(seqs)))
    i = max(right, key=lambda j: (len(seqs[j]), lengths[j]))        # the longest one decoded right
    fig_align, ax = figure(7, 3)
    ax.imshow(np.exp(lp[i, :lengths[i]]).T, aspect="auto", cmap="viridis", vmin=0, vmax=1)
    ax.set(title=f"Per-frame probabilities (target {' '.join(str(v) for v in seqs[i])}; decoded "
                 f"{' '.join(str(v) for v in decoded[i])})", xlabel="frame", ylabel="symbol (0 = blank)")
    head = tr("rnn.ctc.headline",
              "Trained on label sequences only (no frame labels), the recognizer transcribes {e:.0%} of 200 unseen "
              "utterances exactly; its loss fell from {a:.2f} to {b:.2f}.", e=exact, a=losses[0], b=losses[-1])
    return Result({"exact_match": exact, "loss_first": losses[0], "loss_last": losses[-1]},
                  {"loss": fig_loss, "alignment": fig_align}, head)


# -------------------------------------------------------------------------------- HMM vs RNN
@dataclasses.dataclass
class HmmConfig:
    train_sequences: int = 200
    length: int = 20
    steps: int = 300
    RANGES = {"train_sequences": (5, 100_000), "length": (3, 500), "steps": (1, 100_000)}


_TRUE = dict(start=[0.6, 0.3, 0.1], transition=[[0.7, 0.2, 0.1], [0.1, 0.7, 0.2], [0.2, 0.1, 0.7]],
             emission=[[0.5, 0.3, 0.1, 0.05, 0.05, 0.0], [0.05, 0.1, 0.5, 0.3, 0.05, 0.0],
                       [0.0, 0.05, 0.05, 0.1, 0.3, 0.5]])


def _counted_hmm(states, symbols, pairs):
    """The supervised HMM: π, A, B from counts of tagged sequences (add-one smoothing)."""
    start, trans, emit = np.ones(states), np.ones((states, states)), np.ones((states, symbols))
    for z, x in pairs:
        start[z[0]] += 1
        np.add.at(trans, (z[:-1], z[1:]), 1)
        np.add.at(emit, (z, x), 1)
    return HMM(states, symbols, start / start.sum(), trans / trans.sum(1, keepdims=True),
               emit / emit.sum(1, keepdims=True))


@experiment("rnn.hmm_vs_rnn", HmmConfig,
            "Tagging: how does an RNN tagger compare with the hidden Markov model that speech and language "
            "processing used before it?",
            "HMM: P(x, z) = π_{z₁} Π_t A_{z_{t−1} z_t} B_{z_t}(x_t); tags by Viterbi: argmax_z P(x, z);  "
            "RNN: a tag per step from a bidirectional GRU",
            quick=dict(steps=200))
def hmm_vs_rnn(cfg, ctx):
    """Q: Tagging: how does an RNN tagger compare with the hidden Markov model?

    A: on sequences generated by an HMM, Viterbi with the true model is the best any tagger can
    do; an HMM counted from the tagged training data comes close, and a bidirectional GRU tagger
    trained on the same sequences learns nearly as well without being told the data's structure.
    """
    true = HMM(3, 6, **_TRUE)
    rng = np.random.default_rng(ctx.seed)
    train = [true.sample(cfg.length, seed=int(rng.integers(1 << 30))) for _ in range(cfg.train_sequences)]
    test = [true.sample(cfg.length, seed=int(rng.integers(1 << 30))) for _ in range(200)]
    acc = {}
    acc["HMM, true parameters (Viterbi)"] = float(np.mean([np.mean(np.array(true.viterbi(x)[0]) == z) for z, x in test]))
    counted = _counted_hmm(3, 6, train)
    acc["HMM, counted from the data (Viterbi)"] = float(np.mean([np.mean(np.array(counted.viterbi(x)[0]) == z)
                                                               for z, x in test]))
    cr.manual_seed(ctx.seed)
    model = Tagger("GRU", vocab=6, classes=3, bidirectional=True)
    xs, zs = np.stack([x for _, x in train]), np.stack([z for z, _ in train])
    opt = cr.optim.Adam(model.parameters(), lr=1e-2)
    for _ in ctx.progress(range(cfg.steps), total=cfg.steps, desc="training"):
        i = ctx.rng.integers(0, len(xs), 32)
        opt.zero_grad()
        cr.nn.functional.cross_entropy(model(xs[i]).reshape(-1, 3), cr.tensor(zs[i].reshape(-1))).backward()
        opt.step()
    model.eval()
    with cr.no_grad():
        pred = model(np.stack([x for _, x in test])).numpy().argmax(-1)
    acc["bidirectional GRU"] = float((pred == np.stack([z for z, _ in test])).mean())
    fig = bars(acc, f"Tagging accuracy ({cfg.train_sequences} training sequences)", "accuracy")
    head = tr("rnn.hmm_vs_rnn.headline",
              "Tagging sequences an HMM generated: Viterbi with the generating model {t:.3f}, an HMM "
              "counted from {n} tagged sequences {c:.3f}, a bidirectional GRU trained on them {g:.3f}.",
              t=acc["HMM, true parameters (Viterbi)"], n=cfg.train_sequences,
              c=acc["HMM, counted from the data (Viterbi)"], g=acc["bidirectional GRU"])
    return Result({"accuracy": acc}, {"accuracy": fig}, head)


# ------------------------------------------------------------------------ seq2seq with an end
_BOS, _EOS = 1, 2


def _reverse_task(rng, n, lo=2, hi=6):
    """Reverse 2–6 digits (tokens 3..12): source padded with 0; target BOS, reversed digits, EOS."""
    lengths = rng.integers(lo, hi + 1, n)
    src = np.zeros((n, hi), np.int64)
    tgt = np.zeros((n, hi + 2), np.int64)
    for i, m in enumerate(lengths):
        s = rng.integers(3, 13, m)
        src[i, :m] = s
        tgt[i, 0], tgt[i, 1:m + 1], tgt[i, m + 1] = _BOS, s[::-1], _EOS
    return src, tgt, lengths


class _GruSeq2Seq(nn.Module):
    """Encoder GRU (over the packed source) → its last state starts the decoder GRU, which reads the
    previous output token and emits the next — until it emits the end symbol."""

    def __init__(self, vocab=13, d=16, hidden=64):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc, self.dec = nn.GRU(d, hidden, batch_first=True), nn.GRU(d, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)

    def encode(self, src, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.emb(cr.as_tensor(src)), list(lengths), batch_first=True,
                                                   enforce_sorted=False)
        return self.enc(packed)[1]

    def forward(self, src, lengths, tgt_in):                 # teacher forcing
        return self.out(self.dec(self.emb(cr.as_tensor(tgt_in)), self.encode(src, lengths))[0])

    def generate(self, src, lengths, max_len):
        with cr.no_grad():
            h = self.encode(src, lengths)
            tok, outs = np.full((len(src), 1), _BOS), []
            for _ in range(max_len):
                o, h = self.dec(self.emb(cr.as_tensor(tok)), h)
                tok = self.out(o).numpy().argmax(-1)
                outs.append(tok[:, 0])
        return np.stack(outs, 1)


@dataclasses.dataclass
class Seq2SeqConfig:
    steps: int = 400
    lr: float = 1e-2
    RANGES = {"steps": (1, 100_000), "lr": (1e-5, 1.0)}


@experiment("rnn.seq2seq", Seq2SeqConfig,
            "Sequence to sequence: when the output's length is not given, how does the decoder know when to stop?",
            "decoder: y_t = argmax p(y | y_<t, h_enc), fed back as the next input, from BOS until it emits EOS — "
            "the end symbol is one more word to predict",
            quick=dict(steps=300))
def seq2seq(cfg, ctx):
    """Q: Sequence to sequence: when the output's length is not given, how does the decoder know when to stop?

    A: it is trained to predict one more symbol after the last digit — the end symbol — and at test
    time it stops when it emits it. An encoder–decoder GRU reversing 2–6 digits ends almost every
    output at the right length and reverses most sequences exactly.
    """
    rng = ctx.rng
    model = _GruSeq2Seq()
    opt = cr.optim.Adam(model.parameters(), lr=cfg.lr)
    for _ in ctx.progress(range(cfg.steps), total=cfg.steps, desc="training"):
        src, tgt, lengths = _reverse_task(rng, 64)
        logits = model(src, lengths, tgt[:, :-1])
        loss = cr.nn.functional.cross_entropy(logits.reshape(-1, 13), cr.tensor(tgt[:, 1:].reshape(-1)), ignore_index=0)
        opt.zero_grad()
        loss.backward()
        opt.step()
    src, tgt, lengths = _reverse_task(np.random.default_rng(10_000 + ctx.seed), 300)
    gen = model.generate(src, lengths, 8)
    stop = np.array([(np.flatnonzero(g == _EOS)[0] if (g == _EOS).any() else len(g)) for g in gen])
    right_length = float(np.mean(stop == lengths))
    exact = float(np.mean([s == m and (g[:m] == t[1:m + 1]).all() for g, t, m, s in zip(gen, tgt, lengths, stop)]))
    counts = np.zeros((7, 9))
    for m, s in zip(lengths, stop):
        counts[m, min(s, 8)] += 1
    fig, ax = figure(5, 4)
    ax.imshow(counts[2:, :], cmap="Blues", aspect="auto")
    ax.set(title="Where the decoder emitted EOS", xlabel="output length (8 = never stopped)",
           ylabel="input length", yticks=range(5), yticklabels=range(2, 7))
    head = tr("rnn.seq2seq.headline",
              "Reversing 2–6 digits with no length given: the decoder ends {r:.0%} of its outputs at the right length "
              "by emitting the end symbol, and reverses {e:.0%} exactly.", r=right_length, e=exact)
    return Result({"right_length": right_length, "exact": exact}, {"stops": fig}, head)
