"""What the self-supervised experiments share: Shakespeare's text, a byte-pair vocabulary with
BERT's special tokens, the four downstream tasks generated from the text (each with an answer
we know: ``TASK_RULES``), masked-token pre-training of a small BERT, and the fine-tuning loop."""
import functools
import re
import time

import numpy as np

import chainrule as cr
from chainrule.data.datasets import shakespeare
from chainrule.data.datasets.text import TINY_PLAYS
from chainrule.data.tokenizers import BPETokenizer
from chainrule.models.bert import (BertConfig, BertForPreTraining, BertForQuestionAnswering,
                                   BertForSequenceClassification, BertForTokenClassification, mask_tokens)

SPECIALS = ["[PAD]", "[CLS]", "[SEP]", "[MASK]"]
PAD, CLS, SEP, MASK = range(4)
TASKS = ("sentence", "token", "pair", "qa")
_WORD = re.compile(r"[A-Za-z']+")


@functools.lru_cache(maxsize=4)
def plays(names=TINY_PLAYS):
    """{play: its text in the tiny-shakespeare layout}."""
    return {n: shakespeare([n]) for n in names}


@functools.lru_cache(maxsize=4)
def speeches(names=TINY_PLAYS):
    """[(play, speaker, [lines])] in order."""
    out = []
    for play, text in plays(names).items():
        for block in text.split("\n\n"):
            head, _, body = block.partition("\n")
            lines = [ln for ln in body.split("\n") if ln.strip()]
            if head.endswith(":") and lines:
                out.append((play, head[:-1], lines))
    return out


@functools.lru_cache(maxsize=4)
def tokenizer(vocab_size=512, names=TINY_PLAYS):
    """A byte-pair vocabulary of ``vocab_size`` trained on the plays, BERT's specials first."""
    return BPETokenizer.train("\n".join(plays(names).values()), vocab_size, special_tokens=SPECIALS)


_TRAINED = {}


def trained_once(key, build):
    """``build()`` run once per process for ``key`` (the last four kept), with the seconds it took:
    the experiments that share a pre-trained model pay for it once and copy it, never change it."""
    if key not in _TRAINED:
        t0 = time.perf_counter()
        made = build()
        while len(_TRAINED) >= 4:
            _TRAINED.pop(next(iter(_TRAINED)))
        _TRAINED[key] = (made, time.perf_counter() - t0)
    return _TRAINED[key]


def _encode(tok, text):
    return tok.encode(text).ids


def _pad(rows, length, fill):
    """Rows of ints → one (len(rows), length) array, each row cut or filled with ``fill``."""
    out = np.full((len(rows), length), fill, np.int64)
    for i, r in enumerate(rows):
        r = r[:length]
        out[i, :len(r)] = r
    return out


def pack(rows, length):
    """Rows of ids → (ids, attention mask), cut or padded with [PAD] to ``length``."""
    ids = _pad(rows, length, PAD)
    return ids, (ids != PAD).astype(np.int64)


def _pair_row(ea, eb):
    """[CLS] A [SEP] B [SEP] and its segment ids (0 for [CLS] A [SEP], 1 for B [SEP])."""
    return [CLS] + ea + [SEP] + eb + [SEP], [0] * (len(ea) + 2) + [1] * (len(eb) + 1)


def pretraining_pairs(tok, length, split="train"):
    """BERT's pre-training inputs from the plays, no labels needed: [CLS] A [SEP] B [SEP] with A a
    line of a speech and B the line after it (segment ids 0 for A, 1 for B); the first 90% of the
    speeches train, the rest validate. Returns (ids, token types)."""
    sp = speeches()
    cut = int(0.9 * len(sp))
    chosen = sp[:cut] if split == "train" else sp[cut:]
    half = (length - 3) // 2
    rows, types = [], []
    for _, _, lines in chosen:
        for a, b in zip(lines, lines[1:]):
            ea = _encode(tok, a)[:half]
            row, typ = _pair_row(ea, _encode(tok, b)[:length - 3 - len(ea)])
            rows.append(row)
            types.append(typ)
    return _pad(rows, length, PAD), _pad(types, length, 0)


def bert_config(tok, width, layers):
    return BertConfig(vocab_size=tok.get_vocab_size(), hidden_size=width, num_hidden_layers=layers,
                      num_attention_heads=max(1, width // 32), intermediate_size=4 * width,
                      hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                      max_position_embeddings=64)


def pretrain_bert(tok, width=128, layers=2, length=48, steps=1500, batch=32, lr=1e-3, seed=0, progress=None):
    """Masked-token pre-training on consecutive line pairs of the plays with AdamW and a one-cycle
    schedule (BERT's second objective, next-sentence prediction, is left out: RoBERTa found it does
    not help, and on these verse lines it stayed at a coin's accuracy). Returns (model, history of
    the loss, masked-token accuracy on held-out speeches)."""
    cr.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model = BertForPreTraining(bert_config(tok, width, layers))
    ids, types = pretraining_pairs(tok, length)
    opt = cr.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = cr.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.1)
    history = []
    for _ in (range(steps) if progress is None else progress(range(steps), desc="pre-training")):
        b = rng.integers(0, len(ids), batch)
        x, y = mask_tokens(ids[b], MASK, tok.get_vocab_size(), special_ids=(PAD, CLS, SEP), rng=rng)
        loss = mlm_loss(model, x, types[b], (ids[b] != PAD).astype(np.int64), y)
        opt.zero_grad()
        loss.backward()
        cr.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        history.append(loss.item())
    return model, history, masked_accuracy(model, tok, length, rng)


def mlm_loss(model, x, types, mask, labels):
    """BertForPreTraining's masked-LM loss with the vocabulary projection computed only at the
    chosen positions (the others carry no label: the same loss for a seventh of the work)."""
    h, _ = model.bert(x, types, mask)
    chosen = np.flatnonzero(labels.reshape(-1) != -100)
    logits = model.cls.predictions(h.reshape(-1, h.shape[-1])[chosen])
    return cr.nn.functional.cross_entropy(logits, cr.tensor(labels.reshape(-1)[chosen]))


def masked_accuracy(model, tok, length, rng, n=1000):
    """Accuracy of the guesses at the positions replaced by [MASK] (BERT's 80/10/10 rule; the 10%
    kept and the 10% random tokens are not counted) on pairs from the held-out speeches."""
    ids, types = (a[:n] for a in pretraining_pairs(tok, length, "val"))
    x, y = mask_tokens(ids, MASK, tok.get_vocab_size(), special_ids=(PAD, CLS, SEP), rng=rng)
    model.eval()
    with cr.no_grad():
        logits = model(x, types, (ids != PAD).astype(np.int64))[0].numpy()
    model.train()
    blank = (y != -100) & (x == MASK)
    return float((logits.argmax(-1)[blank] == y[blank]).mean())


# ------------------------------------------------------------------ the four downstream tasks
TASK_RULES = {
    "sentence": "one label per line: is it as written (1), or were two of its words swapped (0)?",
    "token": "one label per token: was its word put in at random in place of the line's own word?",
    "pair": "a pair (A, B): a line cut at a word boundary; is B the rest of A's line (1) or of another (0)?",
    "qa": "[CLS] a word [SEP] a line [SEP]: the answer is the span of the word that follows it in the line",
}


def _split(items, split, seed=1234):
    """A fixed 80/20 split by item (the labels are never seen in pre-training; the text may be)."""
    order = np.random.default_rng(seed).permutation(len(items))
    cut = int(0.8 * len(items))
    return [items[i] for i in (order[:cut] if split == "train" else order[cut:])]


def _tokens_with_spans(tok, text):
    enc = tok.encode(text)
    spans, at = [], 0
    for t in enc.tokens:
        spans.append((at, at + len(t)))
        at += len(t)
    return enc.ids, spans


def _lines(split, min_words):
    """The lines of every speech with at least ``min_words`` (different) words, split 80/20."""
    return _split([ln for _, _, ls in speeches() for ln in ls
                   if len({w.lower() for w in _WORD.findall(ln)}) >= min_words], split)


def _swap_two_words(line, rng):
    """The line with two of its (different) words swapped."""
    words = list(_WORD.finditer(line))
    pairs = [(i, j) for i in range(len(words)) for j in range(i + 1, len(words))
             if words[i].group().lower() != words[j].group().lower()]
    a, b = (words[k] for k in pairs[rng.integers(len(pairs))])
    return line[:a.start()] + b.group() + line[a.end():b.start()] + a.group() + line[b.end():]


@functools.lru_cache(maxsize=32)
def task_examples(task, split, length=48, vocab_size=512):
    """Every example of ``task`` in ``split`` as arrays: (ids, token types, attention mask, labels);
    for "qa" the labels are (start, end) token positions. The rules: ``TASK_RULES``."""
    tok = tokenizer(vocab_size)
    rng = np.random.default_rng({"sentence": 1, "token": 2, "pair": 3, "qa": 4}.get(task, 0) + 10 * (split == "test"))
    if task == "sentence":
        rows, labels = [], []
        for k, ln in enumerate(_lines(split, 4)):
            kept = k % 2 == 0
            if not kept:
                ln = _swap_two_words(ln, rng)
            rows.append([CLS] + _encode(tok, ln)[:length - 2] + [SEP])
            labels.append(int(kept))
        ids, mask = pack(rows, length)
        return ids, np.zeros_like(ids), mask, np.array(labels)
    if task == "token":
        lines = _lines(split, 4)
        vocab = sorted({w for ln in _lines("train", 4) for w in _WORD.findall(ln)})
        rows, labels = [], []
        for ln in lines:
            words = list(_WORD.finditer(ln))
            w = words[rng.integers(len(words))]
            new = vocab[rng.integers(len(vocab))]
            text = ln[:w.start()] + new + ln[w.end():]
            ids_, spans = _tokens_with_spans(tok, text)
            s, e = w.start(), w.start() + len(new)
            lab = [int(a < e and s < b) for a, b in spans]
            rows.append([CLS] + ids_[:length - 2] + [SEP])
            labels.append([-100] + lab[:length - 2] + [-100])
        ids, mask = pack(rows, length)
        return ids, np.zeros_like(ids), mask, _pad(labels, length, -100)
    if task == "pair":
        cuts = []
        for ln in _lines(split, 4):
            words = list(_WORD.finditer(ln))
            at = words[rng.integers(1, len(words))].start()
            cuts.append((ln[:at].rstrip(), ln[at:]))
        rows, types, labels = [], [], []
        half = (length - 3) // 2
        for k, (a, b) in enumerate(cuts):
            follows = k % 2 == 0
            if not follows:
                b = cuts[rng.integers(len(cuts))][1]
            ea = _encode(tok, a)[-half:]
            row, typ = _pair_row(ea, _encode(tok, " " + b)[:length - 3 - len(ea)])
            rows.append(row)
            types.append(typ)
            labels.append(int(follows))
        ids, mask = pack(rows, length)
        return ids, _pad(types, length, 0), mask, np.array(labels)
    if task == "qa":
        rows, types, spans_out = [], [], []
        for ln in _lines(split, 2):
            words = list(_WORD.finditer(ln))
            counts = {}
            for w in words:
                counts[w.group()] = counts.get(w.group(), 0) + 1
            options = [k for k in range(len(words) - 1) if counts[words[k].group()] == 1]
            if not options:
                continue
            k = options[rng.integers(len(options))]
            q = _encode(tok, words[k].group())
            ids_, spans = _tokens_with_spans(tok, ln)
            s, e = words[k + 1].start(), words[k + 1].end()
            covering = [j for j, (a, b) in enumerate(spans) if a < e and s < b]
            offset = len(q) + 2
            if offset + covering[-1] >= length - 1:
                continue
            rows.append([CLS] + q + [SEP] + ids_[:length - offset - 1] + [SEP])
            types.append([0] * offset + [1] * (len(rows[-1]) - offset))
            spans_out.append((offset + covering[0], offset + covering[-1]))
        ids, mask = pack(rows, length)
        return ids, _pad(types, length, 0), mask, np.array(spans_out)
    raise ValueError(f"task_examples: task must be one of {TASKS}, got {task!r}")


def task_model(task, config, pretrained=None, seed=0):
    """The fine-tuning model of ``task`` with a fresh head; its encoder copied from ``pretrained``
    (a BertForPreTraining) or, without one, initialised from scratch."""
    cr.manual_seed(seed)
    make = {"sentence": lambda: BertForSequenceClassification(config, num_labels=2),
            "token": lambda: BertForTokenClassification(config, num_labels=2),
            "pair": lambda: BertForSequenceClassification(config, num_labels=2),
            "qa": lambda: BertForQuestionAnswering(config)}[task]
    model = make()
    if pretrained is not None:
        own = model.bert.state_dict()
        model.bert.load_state_dict({k: v for k, v in pretrained.bert.state_dict().items() if k in own})
    return model


def _loss(task, model, ids, types, mask, labels):
    if task == "qa":
        return model(ids, types, mask, start_positions=labels[:, 0], end_positions=labels[:, 1])[2]
    return model(ids, types, mask, labels=labels)[1]


def finetune(task, model, n_labeled, steps, lr=1e-3, batch=32, seed=0):
    """``steps`` AdamW steps, on the parameters that require gradients (an adapter's, when one is
    in), with batches drawn from the first ``n_labeled`` training examples."""
    ids, types, mask, labels = task_examples(task, "train")
    pool = np.random.default_rng(seed).permutation(len(ids))[:n_labeled]
    rng = np.random.default_rng(seed + 1)
    opt = cr.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr, weight_decay=0.01)
    model.train()
    for _ in range(steps):
        b = pool[rng.integers(0, len(pool), batch)]
        loss = _loss(task, model, ids[b], types[b], mask[b], labels[b])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model


def evaluate(task, model, n=600):
    """The task's score on (up to n) test examples: accuracy; for "token" the F1 of the
    swapped-in words' tokens; for "qa" exact match of the answer span (start and end)."""
    ids, types, mask, labels = (a[:n] for a in task_examples(task, "test"))
    model.eval()
    with cr.no_grad():
        out = model(ids, types, mask)
    model.train()
    if task == "qa":
        s = np.where(mask == 1, out[0].numpy(), -np.inf).argmax(-1)
        e = np.where(mask == 1, out[1].numpy(), -np.inf).argmax(-1)
        return float(((s == labels[:, 0]) & (e == labels[:, 1])).mean())
    pred = out[0].numpy().argmax(-1)
    if task == "token":
        real = labels != -100
        tp = ((pred == 1) & (labels == 1) & real).sum()
        fp = ((pred == 1) & (labels == 0) & real).sum()
        fn = ((pred == 0) & (labels == 1) & real).sum()
        return float(2 * tp / max(1, 2 * tp + fp + fn))
    return float((pred == labels).mean())
