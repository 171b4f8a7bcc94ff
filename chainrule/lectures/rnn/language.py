"""A character-level language model trained with truncated back-propagation through time."""
import dataclasses
import math

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.data.datasets import kjv, toy_language

from ..common import bars
from ..lang import tr
from ..registry import Result, experiment


class CharLSTM(nn.Module):
    def __init__(self, vocab, d=32, hidden=128):
        super().__init__()
        self.emb, self.rnn, self.head = nn.Embedding(vocab, d), nn.LSTM(d, hidden, batch_first=True), nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.rnn(self.emb(cr.as_tensor(x)), state)
        return self.head(out), state


def _bits_per_char(model, ids, chunk):
    """Cross-entropy in bits on ``ids`` read in chunks, the state carried from chunk to chunk."""
    model.eval()
    total, state = 0.0, None
    with cr.no_grad():
        for a in range(0, len(ids) - 1, chunk):
            x, y = ids[None, a:a + chunk], ids[None, a + 1:a + chunk + 1]
            x = x[:, :y.shape[1]]
            logits, state = model(x, state)
            total += cr.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), cr.tensor(y.reshape(-1)),
                                                    reduction="sum").item()
    model.train()
    return total / (len(ids) - 1) / math.log(2)


def _sample(model, chars, prompt, n, rng, temperature=0.7):
    index = {c: i for i, c in enumerate(chars)}
    model.eval()
    with cr.no_grad():
        logits, state = model(np.array([[index[c] for c in prompt if c in index]]))
        out = []
        for _ in range(n):
            p = np.exp(logits.numpy()[0, -1].astype(np.float64) / temperature)
            c = int(rng.choice(len(p), p=p / p.sum()))
            out.append(chars[c])
            logits, state = model(np.array([[c]]), state)
    model.train()
    return prompt + "".join(out)


@dataclasses.dataclass
class CharConfig:
    text: str = "kjv"
    chars: int = 150_000
    chunk: int = 25
    streams: int = 32
    steps: int = 600
    lr: float = 3e-3
    RANGES = {"text": ("kjv", "toy"), "chars": (1000, 5_000_000), "chunk": (1, 1000), "streams": (1, 1024),
              "steps": (1, 1_000_000), "lr": (1e-5, 1.0)}


@experiment("rnn.char_lm", CharConfig,
            "A character language model on the King James Bible: how does truncated back-propagation through time "
            "train an RNN on a text far longer than any sequence it back-propagates through?",
            "truncated BPTT: cut the text into chunks of k characters; carry h, c from one chunk to the next, but "
            "back-propagate only inside a chunk (the carried state is detached)",
            quick=dict(text="toy", chars=20_000, chunk=20, streams=16, steps=250))
def char_lm(cfg, ctx):
    """Q: How does truncated back-propagation through time train an RNN on a long text?

    A: the text is read as a few long streams, k characters at a time; the LSTM's state is carried
    from one chunk to the next (so it sees beyond k characters) but gradients stop at the chunk's
    start. The model's bits per character on unseen text fall far below the letter frequencies'
    entropy, and resetting the state at every chunk instead is compared on the page.
    """
    if cfg.text not in ("kjv", "toy"):
        raise ValueError(f"rnn.char_lm: setting text must be 'kjv' or 'toy', got {cfg.text!r}")
    text = kjv() if cfg.text == "kjv" else toy_language(cfg.chars + cfg.chars // 10, seed=ctx.seed)
    text = text[:cfg.chars + cfg.chars // 10]
    chars = sorted(set(text))
    ids = np.searchsorted(np.array(chars), np.array(list(text))).astype(np.int64)
    split = cfg.chars
    train, val = ids[:split], ids[split:]
    freq = np.bincount(train, minlength=len(chars)) / len(train)
    unigram = float(-(freq[freq > 0] * np.log2(freq[freq > 0])).sum())
    rows = train[:len(train) // cfg.streams * cfg.streams].reshape(cfg.streams, -1)
    results, models = {}, {}
    for name in ("state carried (truncated BPTT)", "state reset every chunk"):
        cr.manual_seed(ctx.seed)
        model = CharLSTM(len(chars))
        opt = cr.optim.Adam(model.parameters(), lr=cfg.lr)
        pos, state = 0, None
        for _ in ctx.progress(range(cfg.steps), total=cfg.steps, desc=name):
            if pos + cfg.chunk + 1 > rows.shape[1]:
                pos, state = 0, None
            x, y = rows[:, pos:pos + cfg.chunk], rows[:, pos + 1:pos + cfg.chunk + 1]
            logits, state = model(x, state)
            loss = cr.nn.functional.cross_entropy(logits.reshape(-1, len(chars)), cr.tensor(y.reshape(-1)))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            state = None if name.startswith("state reset") else tuple(s.detach() for s in state)
            pos += cfg.chunk
        results[name] = _bits_per_char(model, val, cfg.chunk)
        models[name] = model
    sample = _sample(models["state carried (truncated BPTT)"], chars, text[split:split + 20], 200,
                     np.random.default_rng(ctx.seed))
    fig = bars({"letter frequencies": unigram, **results}, "Bits per character on unseen text (lower is better)",
               "bits per character")
    carried, reset = results["state carried (truncated BPTT)"], results["state reset every chunk"]
    head = tr("rnn.char_lm.headline",
              "On unseen text the LSTM needs {c:.2f} bits per character with its state carried across chunks of {k} "
              "(letter frequencies alone: {u:.2f}); reset at every chunk, {r:.2f}. A sample: “{s}”",
              c=carried, k=cfg.chunk, u=unigram, r=reset, s=sample.replace("\n", " ")[:160])
    return Result({"bits_per_char": results, "unigram_bits": unigram, "sample": sample}, {"bits": fig}, head)
