"""Sequence labeling with memory: slot filling, bidirectional networks, and how long LSTM, GRU and
a plain RNN remember."""
import dataclasses

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.models import JordanRNN

from ..common import bars, figure, lines, predict, train_each
from ..lang import tr
from ..registry import Result, experiment

ARRIVE, LEAVE, FILLERS, CITIES = 2, 3, range(4, 10), range(10, 15)
OTHER, DESTINATION, DEPARTURE = 0, 1, 2


def flights(rng, n, length=8, verb_last=False):
    """“arrive … Taipei …” / “leave … Taipei …”: a verb, fillers, a city somewhere after it (or, with
    ``verb_last``, before it), more fillers. The city is the destination after “arrive” and the
    place of departure after “leave”; every other word is “other”."""
    x = rng.choice(list(FILLERS), (n, length))
    y = np.zeros((n, length), np.int64)
    verb = rng.integers(0, 2, n)
    for i in range(n):
        if verb_last:
            v = rng.integers(1, length)
            c = rng.integers(0, v)
        else:
            v = rng.integers(0, length - 1)
            c = rng.integers(v + 1, length)
        x[i, v] = ARRIVE if verb[i] == 0 else LEAVE
        x[i, c] = rng.choice(list(CITIES))
        y[i, c] = DESTINATION if verb[i] == 0 else DEPARTURE
    return x, y


class Tagger(nn.Module):
    """Embedding → a recurrent layer (``kind``: 'RNN', 'LSTM', 'GRU', or 'none' for one word at a
    time) → a label per word."""

    def __init__(self, kind, vocab=15, d=16, hidden=32, classes=3, bidirectional=False):
        super().__init__()
        self.kind = kind
        self.emb = nn.Embedding(vocab, d)
        if kind == "none":
            self.rnn, width = None, d
        else:
            self.rnn = getattr(nn, kind)(d, hidden, batch_first=True, bidirectional=bidirectional)
            width = hidden * (2 if bidirectional else 1)
        self.out = nn.Sequential(nn.Linear(width, 32), nn.ReLU(), nn.Linear(32, classes))

    def forward(self, x):
        h = self.emb(cr.as_tensor(x))
        if self.rnn is not None:
            h = self.rnn(h)[0]
        return self.out(h)


def _city_accuracy(model, x, y):
    pred = predict(model, x)
    cities = y != OTHER
    return float((pred[cities] == y[cities]).mean())


@dataclasses.dataclass
class SlotConfig:
    length: int = 8
    steps: int = 300
    lr: float = 1e-2
    RANGES = {"length": (3, 64), "steps": (1, 100_000), "lr": (1e-5, 1.0)}


@experiment("rnn.slot_filling", SlotConfig,
            "Slot filling: is “Taipei” the destination or the place of departure? Can a network that reads one "
            "word at a time tell — and one with memory?",
            "feed-forward: y_t = f(x_t);   RNN: h_t = σ(W_x x_t + W_h h_{t−1} + b),  y_t = g(h_t) — the memory h "
            "carries “arrive” or “leave” to the city",
            quick=dict(steps=200))
def slot_filling(cfg, ctx):
    """Q: Is “Taipei” the destination or the place of departure — can a network that reads one word
    at a time tell, and one with memory?

    A: the same city word gets a different label after “arrive” and after “leave”. A feed-forward
    network sees only the word, so it can only guess (half right on the cities); a recurrent
    network carries the verb in its memory to the city and labels it correctly.
    """
    test_x, test_y = flights(np.random.default_rng(10_000 + ctx.seed), 500, cfg.length)
    models = train_each({"one word (feed-forward)": lambda: Tagger("none"), "RNN (Elman)": lambda: Tagger("RNN")},
                        lambda rng, n: flights(rng, n, cfg.length), cfg.steps, cfg.lr, ctx)
    acc = {name: _city_accuracy(m, test_x, test_y) for name, m in models.items()}
    fig = bars(acc, "Accuracy of the city's label (destination / departure)", "accuracy")
    head = tr("rnn.slot_filling.headline",
              "The city's label depends on a verb earlier in the sentence: reading one word at a time scores {a:.2f} "
              "on the cities (a coin flip between destination and departure); an RNN, whose memory carries the verb "
              "to the city, scores {b:.2f}.", a=acc["one word (feed-forward)"], b=acc["RNN (Elman)"])
    return Result({"city_accuracy": acc}, {"accuracy": fig}, head)


@experiment("rnn.bidirectional", SlotConfig,
            "When the word that decides a label comes after it, does reading backwards too help?",
            "forward RNN: h→_t from x_1 … x_t;  backward RNN: h←_t from x_T … x_t;  y_t = g([h→_t; h←_t])",
            quick=dict(steps=200))
def bidirectional(cfg, ctx):
    """Q: When the word that decides a label comes after it, does reading backwards too help?

    A: here the verb comes after the city (“Taipei … arrive”). A forward RNN has not read it yet
    when it labels the city and can only guess; a bidirectional RNN also reads from the end, so its
    backward half has seen the verb, and it labels the city correctly.
    """
    test_x, test_y = flights(np.random.default_rng(10_000 + ctx.seed), 500, cfg.length, verb_last=True)
    models = train_each({"forward RNN": lambda: Tagger("RNN"),
                         "bidirectional RNN": lambda: Tagger("RNN", bidirectional=True)},
                        lambda rng, n: flights(rng, n, cfg.length, verb_last=True), cfg.steps, cfg.lr, ctx)
    acc = {name: _city_accuracy(m, test_x, test_y) for name, m in models.items()}
    fig = bars(acc, "Accuracy of the city's label when the verb comes later", "accuracy")
    head = tr("rnn.bidirectional.headline",
              "With the verb after the city, a forward RNN labels the city right {a:.2f} of the time (it has not read "
              "the verb yet); a bidirectional RNN {b:.2f}.", a=acc["forward RNN"], b=acc["bidirectional RNN"])
    return Result({"city_accuracy": acc}, {"accuracy": fig}, head)


# ------------------------------------------------------------------------- vanishing gradients
@dataclasses.dataclass
class VanishingConfig:
    length: int = 50
    hidden: int = 16
    batch: int = 64
    RANGES = {"length": (2, 2000), "hidden": (1, 512), "batch": (1, 4096)}


@experiment("rnn.vanishing_gradients", VanishingConfig,
            "How does the gradient travel back through time in a plain RNN, a GRU and an LSTM?",
            "RNN: ∂h_T/∂h_t = Π_{k>t} diag(1 − h_k²) W_h — a product of T − t factors;  LSTM: "
            "∂c_T/∂c_t = Π_{k>t} diag(f_k) — the forget gates, ≈ 1 when the cell keeps its memory",
            quick=dict(length=40))
def vanishing_gradients(cfg, ctx):
    """Q: How does the gradient travel back through time in a plain RNN, a GRU and an LSTM?

    A: the gradient of the last output with respect to each earlier input, in freshly initialized
    networks: through the plain RNN it is multiplied by the recurrent Jacobian at every step and
    shrinks by many orders of magnitude; the GRU's update gate and, most, the LSTM's cell (its
    forget gates starting near 1) carry it much further back — why the gated cells can learn
    long-range dependencies.
    """
    x = cr.tensor(ctx.rng.standard_normal((cfg.batch, cfg.length, 8)).astype(np.float32), requires_grad=True)
    norms, ratio = {}, {}
    for kind in ("RNN", "GRU", "LSTM"):
        cr.manual_seed(ctx.seed)
        rnn = getattr(nn, kind)(8, cfg.hidden, batch_first=True)
        if kind == "LSTM":                     # forget-gate biases at 1 (Jozefowicz et al. 2015)
            with cr.no_grad():
                rnn.bias_ih_l0[cfg.hidden:2 * cfg.hidden] = 1.0
                rnn.bias_hh_l0[cfg.hidden:2 * cfg.hidden] = 0.0
        x.grad = None
        rnn(x)[0][:, -1].sum().backward()
        g = np.linalg.norm(x.grad.numpy(), axis=2).mean(0)
        norms[kind] = g.tolist()
        ratio[kind] = float(g[0] / g[-1])
    fig = lines({k: (list(range(cfg.length)), v) for k, v in norms.items()},
                "‖∂h_T/∂x_t‖ at initialization (mean over a batch)", "input step t", "gradient norm", logy=True)
    head = tr("rnn.vanishing_gradients.headline",
              "From the last of {L} steps back to the first, the gradient shrinks to {r:.1e} of its size through a "
              "plain RNN, to {g:.1e} through a GRU and to {l:.1e} through an LSTM.",
              L=cfg.length, r=ratio["RNN"], g=ratio["GRU"], l=ratio["LSTM"])
    return Result({"gradient_norms": norms, "first_to_last": ratio}, {"gradients": fig}, head)


# ----------------------------------------------------------------------------- Elman vs Jordan
class _JordanTagger(nn.Module):
    """Embedding → Jordan network (its previous *output* fed back) → the label logits."""

    def __init__(self, vocab=15, d=16, hidden=32, classes=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.net = JordanRNN(d, hidden, classes, batch_first=True)

    def forward(self, x):
        return self.net(self.emb(cr.as_tensor(x)))


@experiment("rnn.elman_vs_jordan", SlotConfig,
            "Elman or Jordan: does it matter whether the hidden state or the output is fed back?",
            "Elman: h_t = σ(W_x x_t + W_h h_{t−1});   Jordan: h_t = σ(W_x x_t + W_y y_{t−1}), y_t = W_o h_t — "
            "the memory is what the network said",
            quick=dict(steps=200))
def elman_vs_jordan(cfg, ctx):
    """Q: Elman or Jordan: does it matter whether the hidden state or the output is fed back?

    A: on slot filling the verb must be carried over filler words labeled “other”. The Elman
    network keeps it in its hidden state; the Jordan network can keep it only in its output
    logits — the page reports whether that narrow, supervised memory was enough this time.
    """
    test_x, test_y = flights(np.random.default_rng(10_000 + ctx.seed), 500, cfg.length)
    models = train_each({"Elman": lambda: Tagger("RNN"), "Jordan": _JordanTagger},
                        lambda rng, n: flights(rng, n, cfg.length), cfg.steps, cfg.lr, ctx)
    acc = {name: _city_accuracy(m, test_x, test_y) for name, m in models.items()}
    fig = bars(acc, "Accuracy of the city's label", "accuracy")
    verdict = (tr("rnn.elman_vs_jordan.both", "both carried the verb to the city.")
               if min(acc.values()) > 0.95 else
               tr("rnn.elman_vs_jordan.jordan_short", "the Jordan network's output did not carry the verb this time.")
               if acc["Jordan"] < acc["Elman"] - 0.05 else
               tr("rnn.elman_vs_jordan.close", "the two ended close."))
    head = tr("rnn.elman_vs_jordan.headline", "City labels after the verb: Elman {e:.2f}, Jordan {j:.2f} — ",
              e=acc["Elman"], j=acc["Jordan"]) + verdict
    return Result({"city_accuracy": acc}, {"accuracy": fig}, head)


# ------------------------------------------------------------------------------- many to one
_GOOD, _BAD, _NOT, _PLAIN = (2, 3, 4), (5, 6, 7), 8, (9, 10, 11)


def _reviews(rng, n, length=8):
    """Sentiment with negation: a few good/bad words among plain ones, each possibly preceded by
    “not” (which flips it); the label says whether the flipped words are mostly good."""
    x = rng.choice(list(_PLAIN), (n, length))
    y = np.zeros(n, np.int64)
    for i in range(n):
        score = 0
        for p in rng.choice(np.arange(1, length, 2), 3, replace=False):
            good = rng.random() < 0.5
            x[i, p] = rng.choice(_GOOD if good else _BAD)
            flip = rng.random() < 0.5
            if flip:
                x[i, p - 1] = _NOT
            score += (1 if good else -1) * (-1 if flip else 1)
        y[i] = int(score > 0)
    return x, y


class _BagOfWords(nn.Module):
    def __init__(self, d=16):
        super().__init__()
        self.emb, self.out = nn.Embedding(12, d), nn.Linear(d, 2)

    def forward(self, x):
        return self.out(self.emb(cr.as_tensor(x)).mean(1))


class _Reader(nn.Module):
    def __init__(self, d=16, hidden=32):
        super().__init__()
        self.emb, self.rnn, self.out = nn.Embedding(12, d), nn.GRU(d, hidden, batch_first=True), nn.Linear(hidden, 2)

    def forward(self, x):
        return self.out(self.rnn(self.emb(cr.as_tensor(x)))[0][:, -1])


@experiment("rnn.many_to_one", SlotConfig,
            "Many-to-one: a whole sentence in, one sentiment out — what does reading in order add over a bag of words?",
            "bag of words: y = W · mean_t e(x_t);   RNN: y = W · h_T, h_t = GRU(e(x_t), h_{t−1})",
            quick=dict(steps=300))
def many_to_one(cfg, ctx):
    """Q: A whole sentence in, one sentiment out — what does reading in order add over a bag of words?

    A: with “not” flipping the word after it, the same words in another order mean the opposite.
    Averaging the word vectors forgets the order and stays far from perfect; a recurrent network
    reading the sentence word by word learns the negation.
    """
    test_x, test_y = _reviews(np.random.default_rng(10_000 + ctx.seed), 500, cfg.length)
    models = train_each({"bag of words": _BagOfWords, "GRU, last state": _Reader},
                        lambda rng, n: _reviews(rng, n, cfg.length), cfg.steps, cfg.lr, ctx)
    acc = {name: float((predict(m, test_x) == test_y).mean()) for name, m in models.items()}
    fig = bars(acc, "Sentiment accuracy (with negation)", "accuracy")
    head = tr("rnn.many_to_one.headline",
              "Sentences where “not” flips the next word: averaging the word vectors scores {b:.2f}; a GRU reading in "
              "order scores {g:.2f}.", b=acc["bag of words"], g=acc["GRU, last state"])
    return Result({"accuracy": acc}, {"accuracy": fig}, head)


# ------------------------------------------------------------------------------- long memory
def _remember_first(rng, n, length):
    """The first token is 0 or 1, then ``length − 1`` random distractors (2–5); asked at the end:
    what was the first token?"""
    x = rng.integers(2, 6, (n, length))
    x[:, 0] = rng.integers(0, 2, n)
    return x, x[:, 0].copy()


class _LastStep(nn.Module):
    """Embedding → one recurrent layer → its last output → 2 classes. The LSTM's forget-gate biases
    start at 1 (Jozefowicz et al. 2015), so a new LSTM keeps its cell by default."""

    def __init__(self, kind, hidden=16):
        super().__init__()
        self.emb = nn.Embedding(6, 8)
        self.rnn = getattr(nn, kind)(8, hidden, batch_first=True)
        if kind == "LSTM":
            with cr.no_grad():
                self.rnn.bias_ih_l0[hidden:2 * hidden] = 1.0
                self.rnn.bias_hh_l0[hidden:2 * hidden] = 0.0
        self.out = nn.Linear(hidden, 2)

    def forward(self, x):
        return self.out(self.rnn(self.emb(cr.as_tensor(x)))[0][:, -1])


def _lstm_replay(model, x):
    """Replay the trained LSTM on one sequence: per step its input gates, forget gates and cells."""
    r = model.rnn
    w_ih, w_hh = r.weight_ih_l0.detach().numpy(), r.weight_hh_l0.detach().numpy()
    b = r.bias_ih_l0.detach().numpy() + r.bias_hh_l0.detach().numpy()
    e = model.emb(cr.as_tensor(x[None])).detach().numpy()[0]
    H = w_hh.shape[1]
    h, c = np.zeros(H), np.zeros(H)
    sig = lambda v: 1 / (1 + np.exp(-v))
    gates_i, gates_f, cells = [], [], []
    for xt in e:
        z = w_ih @ xt + w_hh @ h + b
        i, f, g, o = sig(z[:H]), sig(z[H:2 * H]), np.tanh(z[2 * H:3 * H]), sig(z[3 * H:])
        c = f * c + i * g
        h = o * np.tanh(c)
        gates_i.append(i)
        gates_f.append(f)
        cells.append(c)
    return np.array(gates_i), np.array(gates_f), np.array(cells)


def _memory_unit(model, x):
    """The cell unit that carries the first token: replay ``x`` with first token 0 and with 1
    (same distractors); the unit whose final cell value differs most. Returns its traces."""
    runs = []
    for first in (0, 1):
        seq = x.copy()
        seq[0] = first
        runs.append(_lstm_replay(model, seq))
    k = int(np.argmax(np.abs(runs[0][2][-1] - runs[1][2][-1])))
    return {"input gate i (first token 0)": runs[0][0][:, k].tolist(),
            "forget gate f (first token 0)": runs[0][1][:, k].tolist(),
            "cell c (first token 0)": runs[0][2][:, k].tolist(),
            "cell c (first token 1)": runs[1][2][:, k].tolist()}


@dataclasses.dataclass
class MemoryConfig:
    length: int = 20
    steps: int = 800
    lr: float = 3e-3
    RANGES = {"length": (2, 500), "steps": (1, 100_000), "lr": (1e-5, 1.0)}


@experiment("rnn.long_memory", MemoryConfig,
            "Can an LSTM keep what it saw 20 steps ago when a plain RNN cannot — and what do its gates do?",
            "c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t,  h_t = o_t ⊙ tanh(c_t):  a cell keeps its value while its forget "
            "gate f ≈ 1 and what its input gate lets in does not overwrite it",
            quick=dict())
def long_memory(cfg, ctx):
    """Q: Can an LSTM keep what it saw many steps ago when a plain RNN cannot — and what do its
    gates do?

    A: asked at the end for the first token of a sequence full of distractors, the plain RNN's
    state is overwritten step after step and it stays at chance; the LSTM and the GRU answer
    correctly. Replaying the trained LSTM shows how: its forget gates stay high all along, so the
    cell carries the first token to the end.
    """
    test_x, test_y = _remember_first(np.random.default_rng(10_000 + ctx.seed), 400, cfg.length)
    models = train_each({k: (lambda k=k: _LastStep(k)) for k in ("RNN", "LSTM", "GRU")},
                        lambda rng, n: _remember_first(rng, n, cfg.length), cfg.steps, cfg.lr, ctx)
    acc = {k: float((predict(m, test_x) == test_y).mean()) for k, m in models.items()}
    unit = _memory_unit(models["LSTM"], test_x[0])
    fig_acc = bars(acc, f"“What was the first token?” after {cfg.length} steps (chance 0.5)", "accuracy")
    steps = list(range(cfg.length))
    fig_g = lines({k: (steps, v) for k, v in unit.items() if "gate" in k},
                  "Gates of the LSTM unit that carries the first token", "step", "gate value")
    fig_c = lines({k: (steps, v) for k, v in unit.items() if "cell" in k},
                  "Its cell c_t, for first token 0 and 1 (same distractors)", "step", "c_t")
    for fig in (fig_g, fig_c):
        fig.axes[0].xaxis.get_major_locator().set_params(integer=True)
    gap = abs(unit["cell c (first token 0)"][-1] - unit["cell c (first token 1)"][-1])
    head = tr("rnn.long_memory.headline",
              "Recalling the first of {L} tokens: plain RNN {r:.2f}, LSTM {l:.2f}, GRU {g:.2f}. In the trained LSTM one "
              "cell still differs by {d:.2f} at the last step between first token 0 and 1; its forget gate averages "
              "{f:.2f} along the way.", L=cfg.length, r=acc["RNN"], l=acc["LSTM"], g=acc["GRU"], d=gap,
              f=float(np.mean(unit["forget gate f (first token 0)"][1:])))
    return Result({"accuracy": acc, "memory_unit": unit, "final_cell_gap": gap},
                  {"accuracy": fig_acc, "gates": fig_g, "cell": fig_c}, head)


# ------------------------------------------------------------------------- one-hot vs embedding
class _OneHotTagger(nn.Module):
    """Each word as a one-hot vector of the vocabulary's size, straight into the RNN."""

    def __init__(self, vocab=15, hidden=32, classes=3):
        super().__init__()
        self.vocab = vocab
        self.rnn = nn.RNN(vocab, hidden, batch_first=True)
        self.out = nn.Sequential(nn.Linear(hidden, 32), nn.ReLU(), nn.Linear(32, classes))

    def forward(self, x):
        return self.out(self.rnn(nn.functional.one_hot(cr.as_tensor(x), self.vocab).float())[0])


@experiment("rnn.one_hot_vs_embedding", SlotConfig,
            "Words as one-hot vectors or as learned embeddings: what does the embedding learn?",
            "one-hot: x = e_w ∈ {0,1}^V, every two words orthogonal;  embedding: x = E[w] ∈ ℝ^d, learned with the "
            "network — words used alike end up alike",
            quick=dict(steps=200))
def one_hot_vs_embedding(cfg, ctx):
    """Q: Words as one-hot vectors or as learned embeddings: what does the embedding learn?

    A: both label the slots correctly. One-hot vectors say nothing about meaning — every two
    words are orthogonal. The embedding, learned only from the labeling task, places the city
    names closer to each other than to the filler words: words that play the same role get
    similar vectors.
    """
    test_x, test_y = flights(np.random.default_rng(10_000 + ctx.seed), 500, cfg.length)
    models = train_each({"one-hot": _OneHotTagger, "embedding (d = 8)": lambda: Tagger("RNN", d=8)},
                        lambda rng, n: flights(rng, n, cfg.length), cfg.steps, cfg.lr, ctx)
    acc = {name: _city_accuracy(m, test_x, test_y) for name, m in models.items()}
    E = models["embedding (d = 8)"].emb.weight.detach().numpy()
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    cities, fillers = list(CITIES), list(FILLERS)
    cc = U[cities] @ U[cities].T
    within = float(cc[~np.eye(len(cities), dtype=bool)].mean())
    across = float((U[cities] @ U[fillers].T).mean())
    centered = E - E.mean(0)
    xy = centered @ np.linalg.svd(centered, full_matrices=False)[2][:2].T
    fig, ax = figure(5, 4.5)
    for name, ids, color in (("cities", cities, "C0"), ("fillers", fillers, "C1"), ("arrive / leave", [ARRIVE, LEAVE], "C3")):
        ax.scatter(xy[ids, 0], xy[ids, 1], c=color, label=name)
    ax.set(title="Learned embeddings, first two principal components", xlabel="PC 1", ylabel="PC 2")
    ax.legend(fontsize=8)
    head = tr("rnn.one_hot_vs_embedding.headline",
              "City labels: one-hot {a:.2f}, embedding {b:.2f}. One-hot vectors are all orthogonal (cosine 0); the "
              "learned city vectors have mean cosine {w:.2f} with each other and {x:.2f} with the fillers",
              a=acc["one-hot"], b=acc["embedding (d = 8)"], w=within, x=across)
    head += tr("rnn.one_hot_vs_embedding.grouped", ": the task alone taught the embedding which words play the same role.") \
        if within > across + 0.1 else tr("rnn.one_hot_vs_embedding.not_grouped", ": not grouped this time.")
    return Result({"city_accuracy": acc, "cosine_within_cities": within, "cosine_cities_fillers": across},
                  {"embeddings": fig}, head)
