"""BERT's side of the lecture: pre-training by filling in blanks, then the four fine-tuning cases against the same model trained from scratch,
the parameter-efficient adapters, and LoRA merged into its weights."""
import dataclasses
import time

import numpy as np

import chainrule as cr
from chainrule.models.bert import mask_tokens
from chainrule.nn import adapters

from ..common import bars, figure, lines
from ..lang import tr
from ..registry import Result, experiment
from . import corpus as C


@dataclasses.dataclass
class PretrainConfig:
    width: int = 128
    layers: int = 2
    steps: int = 3000
    batch_size: int = 64
    lr: float = 1e-3
    RANGES = {"width": (32, 512), "layers": (1, 12), "steps": (1, 100_000), "batch_size": (1, 1024),
              "lr": (1e-6, 1.0)}


QUICK_PRETRAIN = dict(width=64, layers=1, steps=400, batch_size=32)


def _pretrained(cfg, ctx):
    """The BERT pre-trained with these settings: (model, loss history, held-out masked accuracy,
    seconds), built once per process."""
    (model, history, acc), seconds = C.trained_once(
        ("bert", cfg.width, cfg.layers, cfg.steps, cfg.batch_size, cfg.lr, ctx.seed),
        lambda: C.pretrain_bert(C.tokenizer(), cfg.width, cfg.layers, steps=cfg.steps, batch=cfg.batch_size,
                                lr=cfg.lr, seed=ctx.seed, progress=ctx.progress))
    return model, history, acc, seconds


def _frequency_baseline(tok, rng):
    """Accuracy at the [MASK]ed positions of always answering the most frequent training token, and
    the unigram entropy (nats): what a model that ignores the context can reach."""
    ids, _ = C.pretraining_pairs(tok, 48)
    counts = np.bincount(ids[ids > C.MASK], minlength=tok.get_vocab_size()).astype(float)
    val, _ = C.pretraining_pairs(tok, 48, "val")
    x, y = mask_tokens(val[:1000], C.MASK, tok.get_vocab_size(), special_ids=(C.PAD, C.CLS, C.SEP), rng=rng)
    p = counts / counts.sum()
    blank = (y != -100) & (x == C.MASK)
    return float((y[blank] == counts.argmax()).mean()), float(-(p[p > 0] * np.log(p[p > 0])).sum())


def _fill_in(model, tok, text, n_best=3):
    """Each word-piece of ``text`` masked in turn: the model's top guesses for it."""
    ids = tok.encode(text).ids
    rows = np.array([[C.CLS] + ids[:i] + [C.MASK] + ids[i + 1:] + [C.SEP] for i in range(len(ids))])
    model.eval()
    with cr.no_grad():
        logits = model(rows, np.zeros_like(rows), np.ones_like(rows))[0].numpy()
    model.train()
    guesses = [[tok.id_to_token(int(j)) for j in np.argsort(-logits[i, i + 1])[:n_best]] for i in range(len(ids))]
    return [(tok.id_to_token(t), g) for t, g in zip(ids, guesses)]


@experiment("selfsupervised.bert_mlm", PretrainConfig,
            "Can a model learn language from text with nobody labelling it — by covering words and "
            "guessing them back?",
            "masked LM: choose 15% of the tokens; 80% → [MASK], 10% → a random token, 10% kept; "
            "L = −Σ_{chosen t} log p_θ(x_t | x with t hidden)",
            quick=QUICK_PRETRAIN)
def bert_mlm(cfg, ctx):
    """Q: Can a model learn language from unlabelled text by covering words and guessing them back?

    A: the text is its own label. A small BERT trained on pairs of consecutive lines of seven plays
    fills in hidden word-pieces of held-out speeches far more often than the best guess without
    context (the most frequent token), and its loss falls well below the entropy of the token
    frequencies. The curve shows how: a plateau while the model knows only which tokens are common,
    then a drop once attention learns to use the words around the blank (near step 1,000 of 3,000
    here; the quick run stops on the plateau). (BERT's second objective, "is B the next sentence?", is left out: RoBERTa found it
    unnecessary, and here a 3,000-step run with it stayed at 51.6% — a coin.)
    """
    tok = C.tokenizer()
    model, history, acc, seconds = _pretrained(cfg, ctx)
    freq_acc, entropy = _frequency_baseline(tok, ctx.rng)
    h = np.array(history)
    window = max(1, len(h) // 30)
    its = list(range(window, len(h) + 1, window))
    smooth = [float(h[i - window:i].mean()) for i in its]
    fig = lines({tr("selfsupervised.bert_mlm.mlm", "masked-token loss"): (its, smooth),
                 tr("selfsupervised.bert_mlm.unigram", "token frequencies (entropy)"): (its, [entropy] * len(its))},
                tr("selfsupervised.bert_mlm.title", "BERT pre-training on the plays (no labels)"),
                tr("selfsupervised.step", "step"), tr("selfsupervised.loss", "cross-entropy (nats)"))
    fig_acc = bars({tr("selfsupervised.bert_mlm.bert_masked", "BERT"): acc,
                    tr("selfsupervised.bert_mlm.freq", "most frequent token"): freq_acc},
                   tr("selfsupervised.bert_mlm.acc_title", "Masked word-pieces guessed right (held-out speeches)"),
                   tr("selfsupervised.accuracy", "accuracy"))
    example = _fill_in(model, tok, "What light through yonder window breaks?")
    head = tr("selfsupervised.bert_mlm.headline",
              "After {n} steps ({s:.0f} s) BERT guesses {m:.1%} of the masked word-pieces of unseen speeches, "
              "against {f:.1%} for always answering the most frequent token; its loss went from {l0:.2f} to "
              "{l1:.2f} nats, {side} the {e:.2f} of the token frequencies.",
              n=cfg.steps, s=seconds, m=acc, f=freq_acc, l0=smooth[0], l1=smooth[-1], e=entropy,
              side=tr("selfsupervised.bert_mlm.below", "below") if smooth[-1] < entropy else
              tr("selfsupervised.bert_mlm.above", "still above"))
    return Result({"mlm_accuracy": acc, "frequency_accuracy": freq_acc, "unigram_entropy": entropy,
                   "seconds": seconds, "first_loss": smooth[0], "final_loss": smooth[-1], "fill_in": example},
                  {"loss": fig, "accuracy": fig_acc}, head)


# ---------------------------------------------------------------- pre-trained vs from scratch
@dataclasses.dataclass
class FinetuneConfig(PretrainConfig):
    sizes: tuple[int, ...] = (32, 256, 2048)
    finetune_steps: int = 200
    finetune_lr: float = 3e-4
    tasks: tuple[str, ...] = C.TASKS
    RANGES = {**PretrainConfig.RANGES, "sizes": (4, 100_000), "finetune_steps": (1, 100_000),
              "finetune_lr": (1e-6, 1.0), "tasks": C.TASKS}


TASK_SCORE = {"sentence": "accuracy", "token": "F1", "pair": "accuracy", "qa": "exact match"}
TASK_TITLE = {"sentence": "line: word order as written?", "token": "token: which word swapped in?",
              "pair": "pair: is B the rest of A?", "qa": "QA: the word after a word"}


def _task_title(task):
    return tr(f"selfsupervised.task.{task}", TASK_TITLE[task])


@experiment("selfsupervised.pretrain_vs_scratch", FinetuneConfig,
            "Does pre-training help on the four kinds of downstream task — and most when labelled "
            "data is scarce?",
            "fine-tuning: θ starts at the pre-trained θ* (encoder) + a new head, then "
            "min L_task on the labelled examples; from scratch: θ starts random",
            quick=dict(QUICK_PRETRAIN, sizes=(32, 512), finetune_steps=100, tasks=("sentence", "pair")))
def pretrain_vs_scratch(cfg, ctx):
    """Q: Does pre-training help on the four downstream task types, most with little labelled data?

    A: the same model and the same fine-tuning steps, started from the pre-trained encoder or from
    random weights. On a laptop's budget (a 2-layer, 128-wide BERT pre-trained for five minutes)
    the answer depends on the task: the per-token task, whose answer lives in each token's own
    vector that masked-LM training shapes, gains at every labelled-set size; the whole-line and
    pair tasks read the [CLS] vector, which masked-LM pre-training never trains (BERT trains it
    with next-sentence prediction, which did not learn here), and gain little or nothing. The
    headline says which, for this run.
    """
    pre, *_ = _pretrained(cfg, ctx)
    config = C.bert_config(C.tokenizer(), cfg.width, cfg.layers)
    score = {t: {} for t in cfg.tasks}
    for task in ctx.progress(cfg.tasks, desc="tasks"):
        for n in cfg.sizes:
            score[task][n] = {}
            for name, start in (("pretrained", pre), ("scratch", None)):
                model = C.task_model(task, config, start, seed=ctx.seed)
                C.finetune(task, model, n, cfg.finetune_steps, lr=cfg.finetune_lr, seed=ctx.seed)
                score[task][n][name] = C.evaluate(task, model)
    gain = {n: float(np.mean([score[t][n]["pretrained"] - score[t][n]["scratch"] for t in cfg.tasks]))
            for n in cfg.sizes}
    fig, axes = figure(4.0 * len(cfg.tasks), 3.6, ncols=len(cfg.tasks))
    for ax, task in zip(np.atleast_1d(axes), cfg.tasks):
        for name in ("pretrained", "scratch"):
            ax.plot(cfg.sizes, [score[task][n][name] for n in cfg.sizes], "o-",
                    label=tr(f"selfsupervised.{name}", name))
        ax.set(xscale="log", title=_task_title(task),
               xlabel=tr("selfsupervised.labelled", "labelled examples"),
               ylabel=tr(f"selfsupervised.score.{TASK_SCORE[task]}", TASK_SCORE[task]))
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    lo, hi = min(cfg.sizes), max(cfg.sizes)
    by_task = {t: float(np.mean([score[t][n]["pretrained"] - score[t][n]["scratch"] for n in cfg.sizes]))
               for t in cfg.tasks}
    head = tr("selfsupervised.pretrain_vs_scratch.headline",
              "Mean gain of the pre-trained BERT over the same model from scratch ({steps} fine-tuning steps): "
              "{glo:+.3f} with {lo} labelled examples, {ghi:+.3f} with {hi}; by task: {tasks}. Pre-trained wins "
              "{w} of {total} (task, size) pairs.",
              steps=cfg.finetune_steps, lo=lo, hi=hi, glo=gain[lo], ghi=gain[hi],
              tasks=", ".join(f"{t} {g:+.3f}" for t, g in by_task.items()),
              w=sum(score[t][n]["pretrained"] > score[t][n]["scratch"] for t in cfg.tasks for n in cfg.sizes),
              total=len(cfg.tasks) * len(cfg.sizes))
    return Result({"score": score, "gain": gain, "gain_by_task": by_task,
                   "rules": {t: C.TASK_RULES[t] for t in cfg.tasks}}, {"by_size": fig}, head)


# ------------------------------------------------------------------------------ the adapters
@dataclasses.dataclass
class AdapterConfig(PretrainConfig):
    task: str = "token"
    n_labeled: int = 1024
    finetune_steps: int = 300
    finetune_lr: float = 3e-4
    adapter_lr: float = 3e-3
    bottleneck: int = 16
    rank: int = 8
    prefix_length: int = 8
    RANGES = {**PretrainConfig.RANGES, "task": C.TASKS, "n_labeled": (4, 100_000),
              "finetune_steps": (1, 100_000), "finetune_lr": (1e-6, 1.0), "adapter_lr": (1e-6, 1.0),
              "bottleneck": (1, 512), "rank": (1, 512), "prefix_length": (1, 64)}


HEAD = ("classifier", "qa_outputs", "bert.pooler")     # the new task's head is always trained


def adapted(method, model, cfg):
    """Put ``method`` into a fine-tuning model; returns the model (frozen except what it trains)."""
    if method == "full":
        return model
    if method == "head only":
        return adapters.freeze_except(model, lambda n: any(n.startswith(h + ".") for h in HEAD))
    if method == "BitFit":
        return adapters.bitfit(model, keep=HEAD)
    if method == "Houlsby adapter":
        return adapters.add_adapters(model, ["attention.output.dense", "output.dense"], cfg.bottleneck, keep=HEAD)
    if method == "adapter bias":
        return adapters.add_adapter_bias(model, ["attention.output.dense", "output.dense"], keep=HEAD)
    if method == "prefix":
        return adapters.add_prefix(model, cfg.prefix_length, keep=HEAD)
    if method == "LoRA":
        return adapters.apply_lora(model, ["query", "value"], r=cfg.rank, alpha=2 * cfg.rank, keep=HEAD)
    raise ValueError(f"adapted: unknown method {method!r}")


METHODS = ("full", "head only", "BitFit", "Houlsby adapter", "adapter bias", "prefix", "LoRA")


@experiment("selfsupervised.adapters", AdapterConfig,
            "Must fine-tuning change every weight? How close do BitFit, adapters, adapter bias, prefix "
            "tuning and LoRA come while training a small fraction of the parameters?",
            "adapter: h + W_up f(W_down h);  adapter bias: h + α(h)·v;  prefix: attention over [P_k; K], [P_v; V];  "
            "LoRA: W x + (α/r) B A x  (A: r×d, B: d×r, B₀ = 0)",
            quick=dict(QUICK_PRETRAIN, n_labeled=512, finetune_steps=100))
def adapters_table(cfg, ctx):
    """Q: Must fine-tuning change every weight?

    A: no. The pre-trained encoder stays frozen and each method trains a few percent of the
    parameters or less (plus the task's head), so one copy of the big model serves every task and
    each task stores only its small addition. How close each comes to full fine-tuning depends on
    how much it adds and where: the methods that change the attention and feed-forward outputs
    directly (LoRA, Houlsby adapters) come closest; the smallest (biases only, a bias vector, a
    prefix) sit between the frozen features with a new head and full fine-tuning at the same step
    budget. The table on the page is this run's.
    """
    pre, *_ = _pretrained(cfg, ctx)
    config = C.bert_config(C.tokenizer(), cfg.width, cfg.layers)
    rows = {}
    for method in ctx.progress(METHODS, desc="methods"):
        model = adapted(method, C.task_model(cfg.task, config, pre, seed=ctx.seed), cfg)
        trainable, total = adapters.trainable_parameters(model)
        t0 = time.perf_counter()
        lr = cfg.finetune_lr if method == "full" else cfg.adapter_lr
        C.finetune(cfg.task, model, cfg.n_labeled, cfg.finetune_steps, lr=lr, seed=ctx.seed)
        rows[method] = {"trainable": int(trainable), "total": int(total), "fraction": trainable / total,
                        "score": C.evaluate(cfg.task, model), "seconds": time.perf_counter() - t0}
    fig = bars({m: r["score"] for m, r in rows.items()},
               tr("selfsupervised.adapters.title", "{task}: frozen BERT + a small addition",
                  task=_task_title(cfg.task)),
               tr(f"selfsupervised.score.{TASK_SCORE[cfg.task]}", TASK_SCORE[cfg.task]))
    fig.axes[0].tick_params(axis="x", rotation=30)
    small = [m for m in METHODS if m not in ("full", "head only")]
    worst = min(small, key=lambda m: rows[m]["score"])
    head = tr("selfsupervised.adapters.headline",
              "Full fine-tuning trains {full:,} parameters and scores {fs:.3f}; the parameter-efficient methods "
              "train {lo:.1%}–{hi:.1%} of them and score {ws:.3f} ({worst}) to {bs:.3f} ({best}); the head alone "
              "on frozen features scores {hs:.3f}.",
              full=rows["full"]["trainable"], fs=rows["full"]["score"],
              lo=min(rows[m]["fraction"] for m in small), hi=max(rows[m]["fraction"] for m in small),
              ws=rows[worst]["score"], worst=worst, best=max(small, key=lambda m: rows[m]["score"]),
              bs=max(rows[m]["score"] for m in small), hs=rows["head only"]["score"])
    return Result({"table": rows}, {"accuracy": fig}, head)


# -------------------------------------------------------------------------- LoRA merged or not
@dataclasses.dataclass
class LoRAConfig(AdapterConfig):
    repeats: int = 20
    RANGES = {**AdapterConfig.RANGES, "repeats": (1, 1000)}


@experiment("selfsupervised.lora_merge", LoRAConfig,
            "Does LoRA cost anything at inference? Folding B A into W must give the same outputs.",
            "W' = W + (α/r)·B A  ⇒  W' x = W x + (α/r)·B (A x)",
            quick=dict(QUICK_PRETRAIN, n_labeled=256, finetune_steps=40, repeats=3))
def lora_merge(cfg, ctx):
    """Q: Does LoRA cost anything at inference?

    A: no: after training, merge() adds (α/r)·B A into the frozen W once; the merged model gives
    the same logits (to float32 rounding) as the unmerged one, runs as fast as the original model,
    and unmerge() takes the update back out, leaving W as it was.
    """
    pre, *_ = _pretrained(cfg, ctx)
    config = C.bert_config(C.tokenizer(), cfg.width, cfg.layers)
    model = adapted("LoRA", C.task_model(cfg.task, config, pre, seed=ctx.seed), cfg)
    C.finetune(cfg.task, model, cfg.n_labeled, cfg.finetune_steps, lr=cfg.adapter_lr, seed=ctx.seed)
    ids, types, mask, _ = (a[:256] for a in C.task_examples(cfg.task, "test"))
    model.eval()
    base = C.task_model(cfg.task, config, pre, seed=ctx.seed).eval()
    frozen = {n: p.numpy().copy() for n, p in model.named_parameters() if n.endswith("base.weight")}

    def timed(m):
        with cr.no_grad():
            out = m(ids, types, mask)[0].numpy()
            t0 = time.perf_counter()
            for _ in range(cfg.repeats):
                m(ids, types, mask)
        return out, (time.perf_counter() - t0) / cfg.repeats
    unmerged, t_un = timed(model)
    adapters.merge_lora(model)
    merged, t_m = timed(model)
    _, t_base = timed(base)
    adapters.unmerge_lora(model)
    restored = max(float(np.abs(p.numpy() - frozen[n]).max()) for n, p in model.named_parameters() if n in frozen)
    diff = float(np.abs(merged - unmerged).max())
    ms = {tr("selfsupervised.lora_merge.unmerged", "LoRA unmerged"): 1e3 * t_un,
          tr("selfsupervised.lora_merge.merged", "LoRA merged"): 1e3 * t_m,
          tr("selfsupervised.lora_merge.plain", "no LoRA"): 1e3 * t_base}
    fig = bars(ms, tr("selfsupervised.lora_merge.title", "Inference time of 256 examples"), "ms")
    head = tr("selfsupervised.lora_merge.headline",
              "Merged and unmerged LoRA give logits that differ by at most {d:.1e}; inference takes {m:.1f} ms "
              "merged against {u:.1f} ms unmerged ({b:.1f} ms for the model without LoRA), and unmerging "
              "restores W to within {r:.1e}.", d=diff, m=1e3 * t_m, u=1e3 * t_un, b=1e3 * t_base, r=restored)
    return Result({"max_difference": diff, "ms": {"unmerged": 1e3 * t_un, "merged": 1e3 * t_m, "plain": 1e3 * t_base},
                   "restored": restored, "score_scale": float(np.abs(unmerged).max())}, {"time": fig}, head)
