"""nanoGPT's CPU "baby" run, side by side: a character GPT (4 layers, 4 heads, 128 wide, block 64,
batch 12, dropout 0) trained 2,000 iterations on Shakespeare with nanoGPT's train.py settings
(AdamW lr 1e-3, β₂ 0.99, weight decay 0.1 on matrices, 100 warm-up iterations then cosine decay to
1e-4, gradient clipping at 1), in chainrule (``chainrule.models.GPT``) and in PyTorch (the same
model written here in torch), from the same initial weights and the same batches.

    python -m benchmarks.nanogpt [--iters 2000] [--threads 2]

prints both validation losses and wall times; the ``program_nanogpt_baby`` workload times it.
"""
import argparse
import time

import numpy as np

from .harness import workload

BABY = dict(block_size=64, n_layer=4, n_head=4, n_embd=128, dropout=0.0, bias=True)
TRAIN = dict(batch_size=12, learning_rate=1e-3, min_lr=1e-4, warmup_iters=100, weight_decay=0.1,
             beta1=0.9, beta2=0.99, grad_clip=1.0, eval_iters=20)


def char_data():
    """(train ids, validation ids, vocabulary size): the lecture's characters, split 90/10 by position."""
    from chainrule.lectures.selfsupervised.generative import char_ids
    tok, train_ids, val_ids = char_ids()
    return train_ids, val_ids, tok.get_vocab_size()


def get_lr(it, iters, c=TRAIN):
    """Linear warm-up, then cosine decay from learning_rate to min_lr at ``iters`` (the lecture's
    function, so both libraries and the lecture follow one schedule)."""
    from chainrule.lectures.selfsupervised.generative import nanogpt_lr
    return nanogpt_lr(it, iters, c["learning_rate"], c["warmup_iters"], c["min_lr"])


def torch_gpt(torch, cfg):
    """nanoGPT's model in PyTorch, the same parameter names as chainrule.models.gpt."""
    nn, F = torch.nn, torch.nn.functional

    class Attn(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
            self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)

        def forward(self, x):
            B, T, C = x.shape
            q, k, v = self.c_attn(x).split(cfg.n_embd, dim=2)
            q, k, v = (t.view(B, T, cfg.n_head, C // cfg.n_head).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class MLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias)
            self.gelu = nn.GELU()
            self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)

        def forward(self, x):
            return self.c_proj(self.gelu(self.c_fc(x)))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.attn = nn.LayerNorm(cfg.n_embd, bias=cfg.bias), Attn()
            self.ln_2, self.mlp = nn.LayerNorm(cfg.n_embd, bias=cfg.bias), MLP()

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.ModuleDict(dict(
                wte=nn.Embedding(cfg.vocab_size, cfg.n_embd), wpe=nn.Embedding(cfg.block_size, cfg.n_embd),
                h=nn.ModuleList([Block() for _ in range(cfg.n_layer)]), ln_f=nn.LayerNorm(cfg.n_embd, bias=cfg.bias)))
            self.lm_head = nn.Linear(cfg.n_embd, cfg.vocab_size, bias=False)
            self.transformer.wte.weight = self.lm_head.weight

        def forward(self, idx, targets):
            x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(idx.shape[1]))
            for b in self.transformer.h:
                x = b(x)
            logits = self.lm_head(self.transformer.ln_f(x))
            return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))

    return GPT()


def train(lib, data, iters=2000, seed=1337, c=TRAIN):
    """nanoGPT's training loop in ``lib`` (chainrule or torch). Returns a dict: val_loss,
    train_loss (each the mean of eval_iters batches at the end), seconds (the loop, evaluation
    included)."""
    import chainrule as cr
    from chainrule.models.gpt import GPT, GPTConfig
    train_ids, val_ids, vocab = data
    cfg = GPTConfig(vocab_size=vocab, **BABY)
    cr.manual_seed(seed)
    model = GPT(cfg)                                   # chainrule's initialization, shared by both
    if lib is not cr:
        weights = {k: lib.tensor(v.numpy()) for k, v in model.state_dict().items()}
        model = torch_gpt(lib, cfg)
        model.load_state_dict(weights)
        params = list(model.parameters())
        groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": c["weight_decay"]},
                  {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
        opt = lib.optim.AdamW(groups, lr=c["learning_rate"], betas=(c["beta1"], c["beta2"]))
    else:
        opt = model.configure_optimizers(c["weight_decay"], c["learning_rate"], (c["beta1"], c["beta2"]))
    clip = lib.nn.utils.clip_grad_norm_
    rng = np.random.default_rng(seed)

    def batch(ids):
        ix = rng.integers(0, len(ids) - cfg.block_size, c["batch_size"])
        x = np.stack([ids[i:i + cfg.block_size] for i in ix])
        y = np.stack([ids[i + 1:i + 1 + cfg.block_size] for i in ix])
        return lib.from_numpy(x), lib.from_numpy(y)

    t0 = time.perf_counter()
    model.train()
    for it in range(iters):
        for g in opt.param_groups:
            g["lr"] = get_lr(it, iters, c)
        x, y = batch(train_ids)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        clip(model.parameters(), c["grad_clip"])
        opt.step()
    model.eval()
    out = {}
    with lib.no_grad():
        for split, ids in (("train_loss", train_ids), ("val_loss", val_ids)):
            out[split] = float(np.mean([model(*batch(ids))[1].item() for _ in range(c["eval_iters"])]))
    out["seconds"] = time.perf_counter() - t0
    return out


def _once(lib):
    data = char_data()

    def measure():
        return train(lib, data)["seconds"]
    return measure


_once.unit = "s"
workload("program_nanogpt_baby", target=1.5, once=True, slow=True,
         about="nanoGPT's CPU baby config (char GPT 4×4×128, block 64, batch 12, dropout 0) trained 2,000 "
               "iterations on Shakespeare from the same weights and batches; wall time of the whole "
               "loop and the final evaluation")(_once)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--iters", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=1)
    a = ap.parse_args(argv)
    import torch

    import chainrule as cr
    torch.set_num_threads(a.threads)
    cr.set_num_threads(a.threads)
    data = char_data()
    print(f"text: {len(data[0]) + len(data[1]):,} characters, vocabulary {data[2]}")
    for seed in range(1337, 1337 + a.seeds):
        res = {name: train(lib, data, a.iters, seed) for name, lib in (("chainrule", cr), ("torch", torch))}
        for name, r in res.items():
            print(f"seed {seed} {name:9s}: val {r['val_loss']:.4f}  train {r['train_loss']:.4f}  {r['seconds']:.1f} s")
        dv = res["chainrule"]["val_loss"] / res["torch"]["val_loss"] - 1
        print(f"seed {seed} val loss difference {dv:+.2%}, time ratio "
              f"{res['chainrule']['seconds'] / res['torch']['seconds']:.2f}×")


if __name__ == "__main__":
    main()
