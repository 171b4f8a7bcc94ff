"""Lecture 8 — Transformer: the encoder–decoder, decoding (greedy, beam, sampling), teacher
forcing and exposure bias, autoregressive vs non-autoregressive decoders, and the encoder as a
classifier of frame sequences (the speaker-identification homework)."""

TITLE = "Lecture 8 — Transformer: encoder–decoder, decoding, exposure bias, NAT"
ORDER = 8

import dataclasses
import time

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.models import decoding
from chainrule.models.transformer import NonAutoregressiveTransformer, Seq2SeqConfig, Seq2SeqTransformer

from .common import bars, lines
from .lang import tr
from .registry import Result, experiment

PAD, BOS, EOS = 0, 1, 2

# ------------------------------------------------------------------------------ number words
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORDS = _ONES + _TENS + ["hundred"]


def number_words(n):
    """English words of 0 ≤ n ≤ 999: 342 → three hundred forty two."""
    if not 0 <= n <= 999:
        raise ValueError(f"number_words: n must be in [0, 999], got {n}")
    out = []
    if n >= 100:
        out += [_ONES[n // 100], "hundred"]
        n %= 100
        if n == 0:
            return out
    if n >= 20:
        out.append(_TENS[n // 10 - 2])
        if n % 10:
            out.append(_ONES[n % 10])
    else:
        out.append(_ONES[n])
    return out


def encode_numbers(ns):
    """Source: word ids (3 + index in WORDS), padded; target: BOS, digits (3 + digit), EOS, padded."""
    src = np.zeros((len(ns), 5), np.int64)
    tgt = np.zeros((len(ns), 5), np.int64)
    for i, n in enumerate(ns):
        w = [3 + WORDS.index(t) for t in number_words(int(n))]
        d = [BOS] + [3 + int(c) for c in str(int(n))] + [EOS]
        src[i, :len(w)], tgt[i, :len(d)] = w, d
    return src, tgt


def _digits(tokens):
    return "".join(str(t - 3) for t in tokens if t >= 3)


def _log_prob(model, src, outputs):
    """log p(output | source) under the model (teacher-forced), one number per output."""
    model.eval()
    out = []
    with cr.no_grad():
        for s, o in zip(src, outputs):
            logits = model(s[None], o[None, :-1]).numpy()[0].astype(np.float64)
            lp = decoding.log_softmax(logits)
            out.append(float(lp[np.arange(len(o) - 1), o[1:]].sum()))
    return np.array(out)


def _train_numbers(cfg, seed, rng, progress, **loss_kw):
    numbers = np.random.default_rng(seed).permutation(1000)
    train_n, test_n = numbers[:800], numbers[800:800 + cfg.n_test]
    cr.manual_seed(seed)
    model = Seq2SeqTransformer(Seq2SeqConfig(src_vocab=3 + len(WORDS), tgt_vocab=13, d_model=cfg.width, n_heads=4,
                                             d_ff=2 * cfg.width, max_len=8))
    opt = cr.optim.Adam(model.parameters(), lr=3e-3)
    for _ in progress(range(cfg.steps), total=cfg.steps, desc="training"):
        src, tgt = encode_numbers(rng.choice(train_n, 64))
        opt.zero_grad()
        model.loss(src, tgt, generator=rng, **loss_kw).backward()
        opt.step()
    return model, test_n


@dataclasses.dataclass
class TranslationConfig:
    width: int = 64
    steps: int = 600
    n_test: int = 200
    beam_size: int = 4
    RANGES = {"width": (8, 512), "steps": (1, 100_000), "n_test": (10, 200), "beam_size": (1, 32)}


@experiment("transformer.translation", TranslationConfig,
            "A toy translation — number words to digits: what does beam search find that greedy decoding misses?",
            "greedy: y_t = argmax p(y | y_<t, x);  beam search: keep the k best prefixes by log p(y_≤t | x) "
            "(no length penalty here: digits have the length the number has)",
            quick=dict(steps=300, n_test=60))
def translation(cfg, ctx):
    """Q: A toy translation — number words to digits: what does beam search find that greedy misses?

    A: an encoder–decoder Transformer learns “three hundred forty two” → 342 from 800 numbers and
    translates numbers it never saw. Beam search keeps several prefixes, so the finished sequences
    it returns are at least as probable under the model as greedy's finished ones, and where
    greedy's first choice was a dead end it finds a better one.
    """
    model, test_n = _train_numbers(cfg, ctx.seed, ctx.rng, ctx.progress)
    src, tgt = encode_numbers(test_n)
    greedy = model.generate(src, 5)
    beam = model.generate(src, 5, strategy="beam", beam_size=cfg.beam_size, length_penalty=0.0)
    truth = [str(n) for n in test_n]
    acc = {"greedy": float(np.mean([_digits(o) == t for o, t in zip(greedy, truth)])),
           f"beam {cfg.beam_size}": float(np.mean([_digits(o) == t for o, t in zip(beam, truth)]))}
    lp_g, lp_b = _log_prob(model, src, greedy), _log_prob(model, src, beam)
    # compared where greedy's output is a translation at all: one that ended (EOS) within the limit
    # (beam search returns finished hypotheses; an unfinished one is not more probable, only cut off)
    ended = np.array([EOS in list(o[1:]) for o in greedy])
    better = int(np.sum(ended & (lp_b > lp_g + 1e-6)))
    worse = int(np.sum(ended & (lp_b < lp_g - 1e-6)))
    examples = [f"{' '.join(number_words(int(n)))} → {_digits(g)} / {_digits(b)}"
                for n, g, b in list(zip(test_n, greedy, beam))[:6]]
    fig = bars(acc, "Exact-match accuracy on numbers never seen in training", "accuracy")
    order = np.argsort(lp_g)
    fig2 = lines({"greedy": (list(range(len(order))), lp_g[order].tolist()),
                  f"beam {cfg.beam_size}": (list(range(len(order))), lp_b[order].tolist())},
                 "log p(output | input) of each test number (sorted by greedy's)", "test number", "log-probability")
    head = tr("transformer.translation.headline",
              "Number words → digits on {n} unseen numbers: greedy {g:.2f}, beam search {b:.2f} exact. ",
              n=len(test_n), g=acc["greedy"], b=acc[f"beam {cfg.beam_size}"])
    if better:
        head += tr("transformer.translation.better",
                   "For {better} numbers beam search found an output the model finds more probable than greedy's "
                   "(and a less probable one for {worse}).", better=better, worse=worse)
    else:
        head += tr("transformer.translation.same",
                   "Beam search found nothing more probable than greedy's outputs this time: the model was sure of "
                   "each next digit.")
    return Result({"accuracy": acc, "beam_more_probable": better, "beam_less_probable": worse,
                   "greedy_unfinished": int((~ended).sum()),
                   "mean_log_prob": {"greedy": float(lp_g[ended].mean()), "beam": float(lp_b[ended].mean())},
                   "examples": examples}, {"accuracy": fig, "log_prob": fig2}, head)


# ------------------------------------------------------------------------------- exposure bias
@dataclasses.dataclass
class ExposureConfig:
    length: int = 6
    steps: int = 250
    sampling_prob: float = 0.5
    noise: float = 0.3
    RANGES = {"length": (3, 20), "steps": (1, 100_000), "sampling_prob": (0.0, 1.0), "noise": (0.0, 1.0)}


def _counting(rng, n, length):
    """Source: a start digit s; target: s, s+1, …, s+length−1 (mod 10). The next digit follows from
    the previous one — a shortcut teacher forcing invites — or from s and the position."""
    s = rng.integers(0, 10, n)
    src = np.stack([3 + s, np.full(n, 13)], 1)
    tgt = np.concatenate([np.full((n, 1), BOS), 3 + (s[:, None] + np.arange(length)) % 10, np.full((n, 1), EOS)], 1)
    return src, tgt


@experiment("transformer.exposure_bias", ExposureConfig,
            "Exposure bias: a decoder trained on correct inputs only — what happens after its first mistake, and "
            "does scheduled sampling or showing it wrong inputs help?",
            "teacher forcing: decoder input y_{t−1} = gold;  scheduled sampling: y_{t−1} = the model's own prediction "
            "with probability p;  noisy inputs: y_{t−1} = a random token with probability q",
            quick=dict(steps=200))
def exposure_bias(cfg, ctx):
    """Q: A decoder trained on correct inputs only — what happens after its first mistake, and does
    scheduled sampling or showing it wrong inputs help?

    A: we put one wrong digit into the decoder's input and read what it predicts next. Trained
    with teacher forcing it follows the wrong digit (one error becomes several: “一步错，步步错”).
    Scheduled sampling feeds it its own predictions — but they are already right on this task, so
    it never sees a mistake and changes nothing. Feeding it random wrong inputs during training
    teaches it to ignore them and recover.
    """
    arms = {"teacher forcing": {}, "scheduled sampling": {"sampling_prob": cfg.sampling_prob},
            "noisy inputs": {"input_noise": cfg.noise}}
    src, tgt = _counting(np.random.default_rng(10_000 + ctx.seed), 300, cfg.length)
    wrong = tgt[:, :-1].copy()
    wrong[:, 2] = 3 + (wrong[:, 2] - 3 + np.random.default_rng(ctx.seed).integers(1, 10, len(wrong))) % 10
    recover, clean, free = {}, {}, {}
    for name, kw in arms.items():
        rng = np.random.default_rng(ctx.seed)
        cr.manual_seed(ctx.seed)
        model = Seq2SeqTransformer(Seq2SeqConfig(src_vocab=14, tgt_vocab=13, d_model=32, n_heads=4, d_ff=64,
                                                 max_len=cfg.length + 2, n_encoder_layers=1, n_decoder_layers=1))
        opt = cr.optim.Adam(model.parameters(), lr=3e-3)
        for step in ctx.progress(range(cfg.steps), total=cfg.steps, desc=name):
            s, t = _counting(rng, 64, cfg.length)
            ramp = {k: v * min(1.0, 2 * step / cfg.steps) for k, v in kw.items()}   # from 0 to p by half-way
            opt.zero_grad()
            model.loss(s, t, generator=rng, **ramp).backward()
            opt.step()
        model.eval()
        with cr.no_grad():
            after_error = model(src, wrong).numpy().argmax(-1)[:, 2:cfg.length]
            gold_inputs = model(src, tgt[:, :-1]).numpy().argmax(-1)[:, 2:cfg.length]
        recover[name] = float((after_error == tgt[:, 3:cfg.length + 1]).mean())
        clean[name] = float((gold_inputs == tgt[:, 3:cfg.length + 1]).mean())
        out = model.generate(src, cfg.length + 1)
        free[name] = float(np.mean([o.tolist() == t[:len(o)].tolist() for o, t in zip(out, tgt)]))
    fig = bars(recover, "Accuracy of the digits after one wrong input digit", "accuracy")
    tf, ss, nz = recover["teacher forcing"], recover["scheduled sampling"], recover["noisy inputs"]
    head = tr("transformer.exposure_bias.headline",
              "After one wrong input digit, the next digits are right {tf:.2f} of the time for teacher forcing, {ss:.2f} "
              "for scheduled sampling and {nz:.2f} for training with noisy inputs (with correct inputs the lowest of the "
              "three scores {c:.2f}). ",
              tf=tf, ss=ss, nz=nz, c=min(clean.values()))
    if abs(ss - tf) < 0.05:
        head += tr("transformer.exposure_bias.ss_same",
                   "Scheduled sampling changed little: the model's own predictions were already right, so it never saw "
                   "a mistake; wrong inputs shown on purpose did the job.")
    else:
        head += tr("transformer.exposure_bias.ss_diff",
                   "Scheduled sampling moved recovery by {d:+.2f}.", d=ss - tf)
    return Result({"recovery_after_error": recover, "accuracy_with_gold_inputs": clean,
                   "free_running_exact": free}, {"recovery": fig}, head)


# ------------------------------------------------------------------------------ AT versus NAT
@dataclasses.dataclass
class NatConfig:
    sources: int = 4
    steps: int = 300
    RANGES = {"sources": (1, 50), "steps": (1, 100_000)}


def _two_translations(rng, n, sources):
    """Each source s has two equally good 3-token translations (a multi-modal target): tokens
    3 + 6s + (0,1,2) or 3 + 6s + (3,4,5), chosen at random per example."""
    s, mode = rng.integers(0, sources, n), rng.integers(0, 2, n)
    return (3 + s)[:, None], 3 + s[:, None] * 6 + mode[:, None] * 3 + np.arange(3)


def _consistent(outputs, src):
    ok = []
    for o, s in zip(outputs, src[:, 0] - 3):
        o = list(o)
        ok.append(o in (list(3 + 6 * s + np.arange(3)), list(3 + 6 * s + 3 + np.arange(3))))
    return float(np.mean(ok))


@experiment("transformer.nat_vs_at", NatConfig,
            "Autoregressive or non-autoregressive decoding: how much faster is predicting every token at once, "
            "and what does it cost?",
            "AT: p(y|x) = Π_t p(y_t | y_<t, x) — T decoder passes;  NAT: p(y|x) = p(T|x) Π_t p(y_t | x) — one pass, "
            "tokens chosen independently",
            quick=dict(steps=250))
def nat_vs_at(cfg, ctx):
    """Q: Autoregressive or non-autoregressive: how much faster is predicting every token at once,
    and what does it cost?

    A: every source here has two correct translations. The autoregressive decoder picks one and
    continues it (its second token depends on its first); the non-autoregressive decoder runs one
    pass instead of one per token, but chooses each position independently, so its samples mix
    the two translations into outputs that are neither (the multi-modality problem).
    """
    rng = ctx.rng
    conf = Seq2SeqConfig(src_vocab=3 + cfg.sources, tgt_vocab=3 + 6 * cfg.sources, d_model=32, n_heads=4, d_ff=64,
                         max_len=8, n_encoder_layers=1, n_decoder_layers=1)
    at, nat = Seq2SeqTransformer(conf), NonAutoregressiveTransformer(conf)
    opt_at, opt_nat = cr.optim.Adam(at.parameters(), lr=3e-3), cr.optim.Adam(nat.parameters(), lr=3e-3)
    for _ in ctx.progress(range(cfg.steps), total=cfg.steps, desc="training"):
        src, toks = _two_translations(rng, 64, cfg.sources)
        tgt = np.concatenate([np.full((64, 1), BOS), toks, np.full((64, 1), EOS)], 1)
        for model, opt, loss in ((at, opt_at, lambda: at.loss(src, tgt)), (nat, opt_nat, lambda: nat.loss(src, toks))):
            opt.zero_grad()
            loss().backward()
            opt.step()
    src, _ = _two_translations(np.random.default_rng(10_000 + ctx.seed), 400, cfg.sources)
    draw = np.random.default_rng(ctx.seed)
    t = time.perf_counter()
    at_sample = [o[1:-1] for o in at.generate(src, 4, strategy="sample", rng=draw)]
    at_seconds = time.perf_counter() - t
    t = time.perf_counter()
    nat_sample = nat.generate(src, temperature=1.0, rng=draw)
    nat_seconds = time.perf_counter() - t
    valid = {"autoregressive": _consistent(at_sample, src), "non-autoregressive": _consistent(nat_sample, src)}
    greedy = {"autoregressive": _consistent([o[1:-1] for o in at.generate(src, 4)], src),
              "non-autoregressive": _consistent(nat.generate(src), src)}
    fig = bars(valid, "Sampled outputs that are one of the two correct translations", "fraction")
    head = tr("transformer.nat_vs_at.headline",
              "Each source has two correct translations. Sampling, the autoregressive decoder outputs a correct one "
              "{a:.2f} of the time; the non-autoregressive decoder, which chooses its 3 tokens independently, only "
              "{n:.2f} (mixing halves of both). It needs 1 decoder pass instead of 4 ({tn:.0f} ms against {ta:.0f} ms "
              "for {k} sources).",
              a=valid["autoregressive"], n=valid["non-autoregressive"], tn=nat_seconds * 1e3, ta=at_seconds * 1e3,
              k=len(src))
    return Result({"valid_sampled": valid, "valid_greedy": greedy, "decoder_passes": {"autoregressive": 4,
                   "non-autoregressive": 1}, "seconds": {"autoregressive": at_seconds, "non-autoregressive": nat_seconds}},
                  {"valid": fig}, head)


# -------------------------------------------------------------------------------- speaker ID
@dataclasses.dataclass
class SpeakerConfig:
    speakers: int = 16
    n_mels: int = 24
    width: int = 32
    steps: int = 300
    RANGES = {"speakers": (2, 100), "n_mels": (2, 256), "width": (8, 512), "steps": (1, 100_000)}


def _utterances(rng, n, speakers, voices, lo=8, hi=40):
    """Utterances of lo..hi frames: each frame = the speaker's voice vector + much noise; padded."""
    who = rng.integers(0, speakers, n)
    lengths = rng.integers(lo, hi + 1, n)
    x = np.zeros((n, hi, voices.shape[1]), np.float32)
    for i in range(n):
        x[i, :lengths[i]] = voices[who[i]] + 4.0 * rng.standard_normal((lengths[i], voices.shape[1]))
    return x, lengths, who


class _SpeakerNet(nn.Module):
    """The homework's model: frames → Linear → TransformerEncoderLayer → mean over frames → speaker.
    With ``masked`` the padding is neither attended to nor averaged."""

    def __init__(self, n_mels, d, speakers, masked):
        super().__init__()
        self.masked = masked
        self.prenet = nn.Linear(n_mels, d)
        self.encoder = nn.TransformerEncoderLayer(d, 2, 2 * d, dropout=0.0, batch_first=True)
        self.pred = nn.Linear(d, speakers)

    def forward(self, x, lengths):
        pad = np.arange(x.shape[1])[None] >= lengths[:, None]
        h = self.encoder(self.prenet(cr.as_tensor(x)), src_key_padding_mask=cr.tensor(pad) if self.masked else None)
        if self.masked:
            keep = cr.tensor((~pad).astype(np.float32))[..., None]
            return self.pred((h * keep).sum(1) / keep.sum(1))
        return self.pred(h.mean(1))


@experiment("transformer.speaker_id", SpeakerConfig,
            "The speaker-identification homework: does a Transformer encoder classify variable-length frame "
            "sequences, and why does it need the padding mask?",
            "h = Encoder(W x_1 … W x_T, key_padding_mask);  ŷ = softmax(W_o · mean over real frames of h)",
            quick=dict(steps=200))
def speaker_id(cfg, ctx):
    """Q: Does a Transformer encoder classify variable-length frame sequences, and why does it need
    the padding mask?

    A: frames are the speaker's voice plus heavy noise, so one frame says little and the whole
    utterance must be read. With the padding mask (and a mean over real frames only) the encoder
    identifies the speaker and its answer for an utterance does not depend on how much padding its
    batch needed; without the mask the padding leaks into the answer.
    """
    rng = ctx.rng
    voices = np.random.default_rng(ctx.seed).standard_normal((cfg.speakers, cfg.n_mels)).astype(np.float32)
    tx, tl, ty = _utterances(np.random.default_rng(10_000 + ctx.seed), 400, cfg.speakers, voices)
    acc, shift = {}, {}
    for masked in (True, False):
        name = "padding mask" if masked else "no mask"
        cr.manual_seed(ctx.seed)
        model = _SpeakerNet(cfg.n_mels, cfg.width, cfg.speakers, masked)
        opt = cr.optim.Adam(model.parameters(), lr=3e-3)
        for _ in ctx.progress(range(cfg.steps), total=cfg.steps, desc=name):
            x, lengths, who = _utterances(rng, 32, cfg.speakers, voices)
            opt.zero_grad()
            cr.nn.functional.cross_entropy(model(x, lengths), cr.tensor(who)).backward()
            opt.step()
        model.eval()
        with cr.no_grad():
            logits = model(tx, tl).numpy()
            more_pad = np.concatenate([tx, np.zeros((len(tx), 20, cfg.n_mels), np.float32)], 1)
            shift[name] = float(np.abs(model(more_pad, tl).numpy() - logits).max())
        acc[name] = float((logits.argmax(-1) == ty).mean())
    fig = bars(acc, "Speaker accuracy on unseen utterances (chance %.2f)" % (1 / cfg.speakers), "accuracy")
    head = tr("transformer.speaker_id.headline",
              "{k} speakers, 8–40 noisy frames each: with the padding mask the encoder is right {a:.2f} of the time and "
              "20 more padding frames change its logits by {s:.1e}; without the mask {b:.2f}, and the padding moves its "
              "logits by {t:.2f}.",
              k=cfg.speakers, a=acc["padding mask"], s=shift["padding mask"], b=acc["no mask"], t=shift["no mask"])
    return Result({"accuracy": acc, "logit_change_with_more_padding": shift}, {"accuracy": fig}, head)
