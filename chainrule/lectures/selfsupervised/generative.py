"""GPT's side of the lecture: next-token prediction on Shakespeare (nanoGPT's baby run), sampling
temperature, in-context learning, and fine-tuning vs prompting."""
import copy
import dataclasses
import itertools
import math
import re
import time

import numpy as np

import chainrule as cr
from chainrule.data.datasets import shakespeare
from chainrule.data.tokenizers import CharTokenizer
from chainrule.models.gpt import GPT, GPTConfig

from ..common import bars, lines
from ..lang import tr
from ..registry import Result, experiment
from . import corpus

_LOWER_WORD = re.compile(r"[a-z]+")


def char_ids(names=corpus.TINY_PLAYS):
    """(tokenizer, train ids, validation ids): the plays' characters, split 90/10 by position."""
    text = shakespeare(list(names))
    tok = CharTokenizer.train(text)
    ids = np.array(tok.encode(text).ids, np.int64)
    cut = int(0.9 * len(ids))
    return tok, ids[:cut], ids[cut:]


def _batch(ids, block, batch, rng):
    ix = rng.integers(0, len(ids) - block - 1, batch)
    return np.stack([ids[i:i + block] for i in ix]), np.stack([ids[i + 1:i + block + 1] for i in ix])


def eval_loss(model, ids, block, batch, rng, iters):
    """Mean next-character cross-entropy (nats) over ``iters`` random batches."""
    model.eval()
    with cr.no_grad():
        out = float(np.mean([model(*_batch(ids, block, batch, rng))[1].item() for _ in range(iters)]))
    model.train()
    return out


def nanogpt_lr(it, iters, lr, warmup, min_lr):
    """nanoGPT's schedule: linear warm-up over ``warmup`` iterations, then cosine decay from ``lr``
    to ``min_lr`` at ``iters``."""
    if it < warmup:
        return lr * (it + 1) / (warmup + 1)
    ratio = min(1.0, (it - warmup) / max(1, iters - warmup))
    return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)


def train_gpt(model, ids, val, block, batch, iters, lr, rng, progress, eval_every=0, eval_iters=10, clip=1.0):
    """nanoGPT's loop: AdamW (β₂ 0.99, decay 0.1 on matrices), warm-up over the first 5% then
    cosine decay to lr/10, gradient clipping. Returns the validation curve [(iteration, loss)]."""
    opt = model.configure_optimizers(0.1, lr, (0.9, 0.99))
    warm = max(1, iters // 20)
    curve = []
    for it in progress(range(iters), desc="training"):
        for g in opt.param_groups:
            g["lr"] = nanogpt_lr(it, iters, lr, warm, lr / 10)
        _, loss = model(*_batch(ids, block, batch, rng))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        cr.nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        if eval_every and ((it + 1) % eval_every == 0 or it == 0):
            curve.append((it + 1, eval_loss(model, val, block, batch, rng, eval_iters)))
    return curve


def unigram_bigram(train, val, vocab):
    """Validation cross-entropy (nats) of the character frequencies and of the bigram table
    (add-one smoothed), both counted on the training text: the baselines without context."""
    uni = np.bincount(train, minlength=vocab) + 1.0
    uni /= uni.sum()
    big = np.ones((vocab, vocab))
    np.add.at(big, (train[:-1], train[1:]), 1.0)
    big /= big.sum(1, keepdims=True)
    return float(-np.log(uni[val]).mean()), float(-np.log(big[val[:-1], val[1:]]).mean())


@dataclasses.dataclass
class CharGPTConfig:
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128
    block_size: int = 64
    batch_size: int = 12
    iters: int = 2000
    lr: float = 1e-3
    eval_every: int = 250
    temperatures: tuple[float, ...] = (0.5, 1.0, 1.5)
    sample_chars: int = 400
    RANGES = {"n_layer": (1, 12), "n_head": (1, 16), "n_embd": (8, 512), "block_size": (4, 512),
              "batch_size": (1, 512), "iters": (1, 100_000), "lr": (1e-6, 1.0), "eval_every": (1, 100_000),
              "temperatures": (0.05, 5.0), "sample_chars": (20, 10_000)}


@experiment("selfsupervised.char_gpt", CharGPTConfig,
            "Text labels itself: how well does a GPT trained only to predict the next character of "
            "Shakespeare learn the language, and what does the sampling temperature do?",
            "L = −(1/T) Σₜ log p_θ(x_{t+1} | x₁…x_t)  (causal self-attention: position t sees ≤ t);  "
            "sampling: p(x) ∝ exp(logit_x / τ)",
            quick=dict(n_layer=2, n_head=2, n_embd=64, block_size=32, batch_size=16, iters=300, eval_every=100,
                       sample_chars=300))
def char_gpt(cfg, ctx):
    """Q: Text labels itself: how well does a GPT trained only to predict the next character of
    Shakespeare learn the language, and what does the sampling temperature do?

    A: no one labelled anything, yet the validation loss falls far below what the character
    frequencies (and even the bigram table) give: the model has learned spelling, words and the
    layout of a play. This is nanoGPT's CPU "baby" run (``benchmarks/nanogpt.py`` trains the same
    model in PyTorch from the same weights and batches). A low temperature samples mostly real words
    but repeats itself; a high one invents words.
    """
    tok, train, val = char_ids()
    rng = ctx.rng
    uni, big = unigram_bigram(train, val, tok.get_vocab_size())
    model = GPT(GPTConfig(block_size=cfg.block_size, vocab_size=tok.get_vocab_size(), n_layer=cfg.n_layer,
                          n_head=cfg.n_head, n_embd=cfg.n_embd, dropout=0.0))
    t0 = time.perf_counter()
    curve = train_gpt(model, train, val, cfg.block_size, cfg.batch_size, cfg.iters, cfg.lr, rng, ctx.progress,
                      cfg.eval_every)
    seconds = time.perf_counter() - t0
    val_loss = eval_loss(model, val, cfg.block_size, cfg.batch_size, rng, 40)
    words = set(_LOWER_WORD.findall(tok.decode(train).lower()))
    samples, real, distinct = {}, {}, {}
    model.eval()
    for tau in cfg.temperatures:
        start = cr.tensor(np.array([[tok.token_to_id("\n")]]))
        text = tok.decode(model.generate(start, cfg.sample_chars, temperature=tau).numpy()[0])
        found = _LOWER_WORD.findall(text.lower())
        samples[tau] = text
        real[tau] = float(np.mean([w in words for w in found])) if found else 0.0
        grams = [text[i:i + 4] for i in range(len(text) - 3)]
        distinct[tau] = len(set(grams)) / max(1, len(grams))
    its, losses = zip(*curve)
    fig = lines({tr("selfsupervised.char_gpt.val", "GPT (validation)"): (its, losses),
                 tr("selfsupervised.char_gpt.unigram", "character frequencies"): (its, [uni] * len(its)),
                 tr("selfsupervised.char_gpt.bigram", "bigram table"): (its, [big] * len(its))},
                tr("selfsupervised.char_gpt.title", "Next-character loss on unseen Shakespeare"),
                tr("selfsupervised.iteration", "iteration"),
                tr("selfsupervised.char_gpt.loss", "cross-entropy (nats per character)"))
    fig_t = bars({f"τ = {t}": real[t] for t in cfg.temperatures},
                 tr("selfsupervised.char_gpt.real_title", "Sampled words that are real words"),
                 tr("selfsupervised.char_gpt.fraction", "fraction"))
    lo, hi = min(cfg.temperatures), max(cfg.temperatures)
    head = tr("selfsupervised.char_gpt.headline",
              "After {n} iterations ({s:.0f} s) the validation loss is {v:.3f} nats per character ({b:.2f} bits), "
              "against {u:.2f} for the character frequencies and {g:.2f} for the bigram table. Sampling at τ = {lo} "
              "gives {rl:.0%} real words, at τ = {hi} only {rh:.0%}.",
              n=cfg.iters, s=seconds, v=val_loss, b=val_loss / math.log(2), u=uni, g=big, lo=lo, hi=hi,
              rl=real[lo], rh=real[hi])
    return Result({"val_loss": val_loss, "curve": curve, "unigram_loss": uni, "bigram_loss": big, "seconds": seconds,
                   "samples": {str(t): s for t, s in samples.items()},
                   "real_word_rate": {str(t): r for t, r in real.items()},
                   "distinct_4grams": {str(t): d for t, d in distinct.items()}},
                  {"validation": fig, "temperature": fig_t}, head)


# ------------------------------------------------------------------------ in-context learning
def permutation_tasks(symbols, seed=0):
    """Every task is a permutation of ``symbols`` inputs to as many outputs; 80% of them are for
    training, the other 20% are new tasks the model never trained on."""
    perms = np.array(list(itertools.permutations(range(symbols))))
    order = np.random.default_rng(seed).permutation(len(perms))
    cut = int(0.8 * len(perms))
    return perms[order[:cut]], perms[order[cut:]]


def task_sequences(perms, n, pairs, rng):
    """``n`` prompts of one task each, ``pairs`` examples long: x₁ [x₁→y₁] x₂ [x₂→y₂] … where x is
    drawn with repeats and y = task(x). Every x is a question (target: y, the token S² + S + y) and
    the example token [x→y] (S + x·S + y) that follows it shows the answer — a prompt whose
    examples the model reads as it goes. Returns (tokens, targets with −1 where nothing is
    scored, xs, ys)."""
    s = perms.shape[1]
    xs = rng.integers(0, s, (n, pairs))
    ys = np.take_along_axis(perms[rng.integers(0, len(perms), n)], xs, 1)
    seq = np.empty((n, 2 * pairs), np.int64)
    seq[:, 0::2], seq[:, 1::2] = xs, s + xs * s + ys
    targets = np.full_like(seq, -1)
    targets[:, 0::2] = s + s * s + ys
    return seq, targets, xs, ys


def vocabulary(symbols):
    """Inputs, example tokens [x→y] and answers."""
    return symbols + symbols * symbols + symbols


def answers(model, seq, symbols):
    """The model's answer at every question position of ``seq`` (the argmax over answer tokens)."""
    model.eval()
    with cr.no_grad():
        logits = model(seq, np.zeros_like(seq))[0].numpy()
    model.train()
    return logits[:, 0::2, symbols + symbols * symbols:].argmax(-1)


def in_context_model(cfg, rng, progress):
    """A GPT trained on prompts of many tasks: the only way to answer is from the examples before."""
    train_p, test_p = permutation_tasks(cfg.symbols)
    model = GPT(GPTConfig(block_size=2 * cfg.pairs, vocab_size=vocabulary(cfg.symbols), n_layer=cfg.n_layer,
                          n_head=cfg.n_head, n_embd=cfg.n_embd))
    opt = model.configure_optimizers(0.0, cfg.lr)
    for _ in progress(range(cfg.steps), desc="training on many tasks"):
        _, loss = model(*task_sequences(train_p, cfg.batch_size, cfg.pairs, rng)[:2])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return model, train_p, test_p


def best_possible(xs, ys, symbols):
    """Per question, the best any learner can do from the examples before it: right when x was
    shown, else a guess among the outputs not yet seen."""
    out = np.empty(xs.shape)
    for k in range(xs.shape[1]):
        seen = (xs[:, :k] == xs[:, k:k + 1]).any(1)
        left = np.array([symbols - len(set(row)) for row in ys[:, :k]])
        out[:, k] = np.where(seen, 1.0, 1.0 / np.maximum(left, 1))
    return out


def accuracy_by_examples(model, perms, n, pairs, rng):
    """Accuracy of the answer to question k+1 from the k examples before it, k = 0 … pairs−1, and
    the best possible accuracy."""
    seq, _, xs, ys = task_sequences(perms, n, pairs, rng)
    right = answers(model, seq, perms.shape[1]) == ys
    return right.mean(0).tolist(), best_possible(xs, ys, perms.shape[1]).mean(0).tolist()


@dataclasses.dataclass
class InContextConfig:
    symbols: int = 6
    pairs: int = 12
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 64
    batch_size: int = 64
    steps: int = 2000
    lr: float = 1e-3
    n_test: int = 2000
    RANGES = {"symbols": (3, 7), "pairs": (2, 64), "n_layer": (1, 8), "n_head": (1, 16), "n_embd": (8, 512),
              "batch_size": (1, 1024), "steps": (1, 100_000), "lr": (1e-6, 1.0), "n_test": (10, 100_000)}


QUICK_IN_CONTEXT = dict(pairs=8, n_layer=1, steps=1000, lr=3e-3)


def _in_context(cfg, ctx):
    """The in-context GPT for these training settings: (model, training tasks, new tasks, seconds),
    built once per process (the fine-tuning-vs-prompting experiment starts from the same model)."""
    settings = {f.name: getattr(cfg, f.name) for f in dataclasses.fields(InContextConfig) if f.name != "n_test"}

    def build():
        cr.manual_seed(ctx.seed)
        return in_context_model(InContextConfig(**settings), np.random.default_rng(ctx.seed), ctx.progress)
    (model, train_p, test_p), seconds = corpus.trained_once(("in-context", *settings.items(), ctx.seed), build)
    return model, train_p, test_p, seconds


@experiment("selfsupervised.in_context", InContextConfig,
            "Can a GPT learn a task it never saw from a few examples in its prompt — with no gradient step?",
            "p_θ(y_k | x₁ [x₁→y₁] … x_{k−1} [x_{k−1}→y_{k−1}] x_k): one θ for every task; the task is only in "
            "the prompt",
            quick=dict(QUICK_IN_CONTEXT, n_test=500))
def in_context(cfg, ctx):
    """Q: Can a GPT learn a new task from examples in its prompt, without any gradient step?

    A: a GPT trained on prompts of many different tasks (each a secret mapping of six symbols; a
    prompt asks x₁, shows the example [x₁→y₁], asks x₂, …) answers a *new* mapping's questions from
    the examples before them: at chance with no example, then at the best any learner could do
    (right whenever the question was shown, otherwise a guess among the outputs not yet used) as
    examples accumulate — with weights that never saw this task.
    """
    model, train_p, test_p, seconds = _in_context(cfg, ctx)
    acc, best = accuracy_by_examples(model, test_p, cfg.n_test, cfg.pairs, ctx.rng)
    seen_acc, _ = accuracy_by_examples(model, train_p, cfg.n_test, cfg.pairs, ctx.rng)
    ks = list(range(cfg.pairs))
    fig = lines({tr("selfsupervised.in_context.new", "new tasks (never trained on)"): (ks, acc),
                 tr("selfsupervised.in_context.old", "training tasks"): (ks, seen_acc),
                 tr("selfsupervised.in_context.best", "best possible"): (ks, best),
                 tr("selfsupervised.in_context.chance", "chance"): (ks, [1 / cfg.symbols] * len(ks))},
                tr("selfsupervised.in_context.title", "Answering from the examples in the prompt"),
                tr("selfsupervised.in_context.examples", "examples in the prompt"),
                tr("selfsupervised.accuracy", "accuracy"))
    head = tr("selfsupervised.in_context.headline",
              "On {n} permutations it never trained on, the GPT answers {a0:.0%} right with no example (chance "
              "{c:.0%}) and {ak:.0%} after {k} examples, where the best possible is {bk:.0%}; no weight changed "
              "(training on {t} other tasks took {s:.0f} s).",
              n=len(test_p), a0=acc[0], c=1 / cfg.symbols, ak=acc[-1], k=cfg.pairs - 1, bk=best[-1],
              t=len(train_p), s=seconds)
    return Result({"accuracy": acc, "best": best, "training_tasks_accuracy": seen_acc, "seconds": seconds},
                  {"in_context": fig}, head)


@dataclasses.dataclass
class PromptConfig(InContextConfig):
    shots: tuple[int, ...] = (1, 2, 4, 8)
    tasks: int = 20
    finetune_steps: int = 60
    finetune_lr: float = 1e-3
    RANGES = {**InContextConfig.RANGES, "shots": (1, 64), "tasks": (1, 1000), "finetune_steps": (1, 10_000),
              "finetune_lr": (1e-6, 1.0)}


def finetune_on_examples(model, xs, ys, symbols, steps, lr):
    """A copy of ``model`` fine-tuned on the task's examples alone: each x a one-token input whose
    answer y is the target (no examples in its context). Returns the copy."""
    tuned = copy.deepcopy(model)
    opt = cr.optim.AdamW(tuned.parameters(), lr=lr, weight_decay=0.0)
    for _ in range(steps):
        _, loss = tuned(xs[:, None], (symbols + symbols * symbols + ys)[:, None])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return tuned


@experiment("selfsupervised.finetune_vs_prompt", PromptConfig,
            "Fine-tune a copy of the model for each new task, or write the task's examples into the prompt?",
            "fine-tuning: θ_task = θ − η Σ ∇L(examples) (one θ per task);  prompting: one θ, "
            "p_θ(y | examples, x)",
            quick=dict(QUICK_IN_CONTEXT, shots=(1, 5), tasks=8, finetune_steps=30))
def finetune_vs_prompt(cfg, ctx):
    """Q: Fine-tune a copy per task, or put the examples in the prompt?

    A: from the same k examples of a new task, fine-tuning the GPT on them and prompting the
    unchanged GPT with them reach similar accuracy on the task's queries; but fine-tuning stores a
    whole copy of the parameters per task and takes gradient steps, while prompting stores nothing
    and costs one forward pass.
    """
    model, _, test_p, _ = _in_context(cfg, ctx)
    rng = ctx.rng
    s = cfg.symbols
    tune, prompt, best, tune_s = {k: [] for k in cfg.shots}, {k: [] for k in cfg.shots}, {k: [] for k in cfg.shots}, []
    queries = np.arange(s)
    for perm in test_p[rng.permutation(len(test_p))[:cfg.tasks]]:
        for k in cfg.shots:
            xs = rng.integers(0, s, k)
            ys = perm[xs]
            # prompting: the k questions with their example tokens, then each query
            shown = np.stack([xs, s + xs * s + ys], 1).reshape(-1)
            prompts = np.concatenate([np.tile(shown, (s, 1)), queries[:, None]], 1)
            prompt[k].append(float((answers(model, prompts, s)[:, -1] == perm[queries]).mean()))
            best[k].append(float(best_possible(prompts[:, 0::2], perm[prompts[:, 0::2]], s)[:, -1].mean()))
            t0 = time.perf_counter()
            tuned = finetune_on_examples(model, xs, ys, s, cfg.finetune_steps, cfg.finetune_lr)
            tune_s.append(time.perf_counter() - t0)
            tune[k].append(float((answers(tuned, queries[:, None], s)[:, 0] == perm[queries]).mean()))
    mean = {name: {k: float(np.mean(v[k])) for k in cfg.shots} for name, v in
            (("fine-tuning", tune), ("prompting", prompt), ("best possible", best))}
    n_params = sum(p.numel() for p in model.parameters())
    fig = lines({tr(f"selfsupervised.finetune_vs_prompt.{n}", n): (list(cfg.shots), list(v.values()))
                 for n, v in mean.items()},
                tr("selfsupervised.finetune_vs_prompt.title", "A new task from k examples"),
                tr("selfsupervised.finetune_vs_prompt.shots", "examples k"), tr("selfsupervised.accuracy", "accuracy"))
    k = max(cfg.shots)
    head = tr("selfsupervised.finetune_vs_prompt.headline",
              "From {k} examples of a new task, fine-tuning a copy ({steps} steps, {t:.2f} s, {p:,} parameters "
              "stored per task) answers {ft:.0%} of the queries and prompting the unchanged GPT {pr:.0%} "
              "(best possible {b:.0%}), with nothing stored per task.",
              k=k, steps=cfg.finetune_steps, t=float(np.mean(tune_s)), p=n_params, ft=mean["fine-tuning"][k],
              pr=mean["prompting"][k], b=mean["best possible"][k])
    return Result({"accuracy": mean, "finetune_seconds": float(np.mean(tune_s)), "parameters_per_task":
                   {"fine-tuning": n_params, "prompting": 0}}, {"shots": fig}, head)
