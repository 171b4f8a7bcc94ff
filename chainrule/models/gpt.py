"""GPT: a decoder-only Transformer trained to predict the next token (Radford et al. 2018/2019,
"Improving Language Understanding by Generative Pre-Training", "Language Models are Unsupervised
Multitask Learners"), written the way Karpathy's nanoGPT ``model.py`` is: a config, the blocks,
the model — with nanoGPT's parameter names, so its state-dict keys and initialization are the same.

Shapes: B batch, T sequence length (≤ block_size), C = n_embd, nh heads, hs = C / nh, V vocabulary.

Self-supervision: the text labels itself. For tokens x₁…x_T the targets are x₂…x_{T+1}; the loss is
the mean cross-entropy −log p(x_{t+1} | x₁…x_t), and causal attention keeps position t from seeing
anything after t, so one forward pass trains T predictions at once.
"""
import dataclasses
import math

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..ops.combine import cat
from ..ops.creation import arange, as_tensor, multinomial, tensor
from . import decoding


@dataclasses.dataclass
class GPTConfig:
    block_size: int = 1024          # the longest context the position table covers
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = True               # biases in the Linears and LayerNorms (False: a little faster, GPT-2 has them)

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"GPTConfig: n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        for name in ("block_size", "vocab_size", "n_layer", "n_head", "n_embd"):
            if getattr(self, name) < 1:
                raise ValueError(f"GPTConfig: {name} must be ≥ 1, got {getattr(self, name)}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"GPTConfig: dropout must be in [0, 1), got {self.dropout}")


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention where position t attends to positions ≤ t only.
    ``cache`` (a dict) holds this layer's keys and values of the tokens before, so generating one
    more token costs one row of attention instead of the whole square."""

    def __init__(self, config):
        super().__init__()
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)   # q, k, v at once
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout, self.resid_dropout = nn.Dropout(config.dropout), nn.Dropout(config.dropout)
        self.n_head, self.n_embd, self.dropout = config.n_head, config.n_embd, config.dropout
        self.prefix = None                              # prefix tuning (nn.adapters) puts a module here

    def forward(self, x, cache=None):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))  # (B, nh, T, hs)
        prefix = self.prefix                            # prefix tuning: learned keys/values in front
        if cache is not None and "k" in cache:
            k, v = cat([cache["k"], k], 2), cat([cache["v"], v], 2)
        if cache is not None:
            cache["k"], cache["v"] = k, v
        if prefix is not None:
            pk, pv = prefix(B)
            k, v = cat([pk, k], 2), cat([pv, v], 2)
        S = k.shape[2]                                  # keys: prefix + cached + these T
        if S == T:                                      # the plain square: the fused causal path
            y = F.scaled_dot_product_attention(q, k, v, dropout_p=self.dropout if self.training else 0.0,
                                               is_causal=True)
        else:                                           # query i sits at key position S − T + i
            allowed = np.arange(S)[None, :] <= (S - T + np.arange(T))[:, None]
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=tensor(allowed),
                                               dropout_p=self.dropout if self.training else 0.0)
        y = y.transpose(1, 2).contiguous().view(B, T, C)   # heads side by side again
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    """Position-wise: C → 4C → GELU → C."""

    def __init__(self, config):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    """Pre-LN residual block: x + attn(LN(x)), then + mlp(LN(·))."""

    def __init__(self, config):
        super().__init__()
        self.ln_1 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config)
        self.ln_2 = nn.LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln_1(x), cache)
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, config):
        super().__init__()
        if not isinstance(config, GPTConfig):
            raise TypeError(f"GPT: config must be a GPTConfig, got {type(config).__name__}")
        self.config = config
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(config.vocab_size, config.n_embd),      # token embeddings
            wpe=nn.Embedding(config.block_size, config.n_embd),      # position embeddings
            drop=nn.Dropout(config.dropout),
            h=nn.ModuleList([Block(config) for _ in range(config.n_layer)]),
            ln_f=nn.LayerNorm(config.n_embd, bias=config.bias),
        ))
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight     # weight tying: one matrix reads and writes tokens
        self.apply(self._init_weights)
        for name, p in self.named_parameters():               # GPT-2: residual projections scaled by 1/√(2L)
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def get_num_params(self, non_embedding=True):
        """Parameters counted once (the tied matrix once); without the position table by default."""
        n = sum(p.numel() for p in self.parameters())
        return n - self.transformer.wpe.weight.numel() if non_embedding else n

    def forward(self, idx, targets=None, caches=None, start=0):
        """idx (B, T) token ids → (logits, loss). With targets: logits (B, T, V) and the mean
        cross-entropy (targets −1 are ignored); without: the last position's logits (B, 1, V) and
        None, all a sampler needs. ``caches``/``start``: per-layer key/value caches and the position
        of idx[:, 0] (generation)."""
        idx = as_tensor(idx)
        if idx.ndim != 2:
            raise ValueError(f"GPT: idx must be (batch, time) token ids, got shape {tuple(idx.shape)}")
        B, T = idx.shape
        if start + T > self.config.block_size:
            raise ValueError(f"GPT: cannot forward a sequence ending at position {start + T}, block size is "
                             f"only {self.config.block_size}")
        pos = arange(start, start + T)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))   # (B, T, C)
        for i, block in enumerate(self.transformer.h):
            x = block(x, None if caches is None else caches[i])
        x = self.transformer.ln_f(x)
        if targets is not None:
            logits = self.lm_head(x)
            loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), as_tensor(targets).view(-1), ignore_index=-1)
            return logits, loss
        return self.lm_head(x[:, -1:, :]), None

    def crop_block_size(self, block_size):
        """Shrink the context (e.g. a pre-trained model used with shorter text)."""
        if not 1 <= block_size <= self.config.block_size:
            raise ValueError(f"crop_block_size: block_size must be in [1, {self.config.block_size}], got {block_size}")
        self.config.block_size = block_size
        self.transformer.wpe.weight = nn.Parameter(self.transformer.wpe.weight.detach()[:block_size].clone())

    def configure_optimizers(self, weight_decay, learning_rate, betas=(0.9, 0.95)):
        """AdamW with weight decay on the matrices (≥ 2-D) and none on biases and LayerNorm gains."""
        from ..optim import AdamW
        params = [p for p in self.parameters() if p.requires_grad]
        groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
                  {"params": [p for p in params if p.ndim < 2], "weight_decay": 0.0}]
        return AdamW([g for g in groups if g["params"]], lr=learning_rate, betas=betas)

    @no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, use_cache=True):
        """Append ``max_new_tokens`` tokens to idx (B, T), each drawn from softmax(logits / temperature)
        over the ``top_k`` most likely / the ``top_p`` nucleus (temperature 0: the arg-max). With
        ``use_cache`` each step feeds only the new token and reuses the keys and values before it;
        once the text outgrows block_size every position shifts, so each step recomputes the last
        block_size tokens — exactly what the uncached model sees."""
        if max_new_tokens < 1:
            raise ValueError(f"generate: max_new_tokens must be ≥ 1, got {max_new_tokens}")
        if temperature < 0:
            raise ValueError(f"generate: temperature must be ≥ 0, got {temperature}")
        idx = as_tensor(idx)
        bs = self.config.block_size
        caches, fed = None, 0                           # fed: how many tokens of idx the cache holds
        for _ in range(max_new_tokens):
            T = idx.shape[1]
            if not use_cache or caches is None or T > bs:
                ctx = idx if T <= bs else idx[:, -bs:]  # past the block size positions shift: recompute
                caches = [dict() for _ in self.transformer.h] if use_cache else None
                logits, _ = self(ctx, caches=caches)
            else:
                logits, _ = self(idx[:, fed:], caches=caches, start=fed)
            fed = T
            logits = logits[:, -1, :].numpy().astype(np.float64)
            if temperature == 0.0:
                nxt = logits.argmax(-1)[:, None]
            else:
                p = np.exp(decoding.log_softmax(decoding.filter_logits(logits / temperature, top_k, top_p)))
                nxt = multinomial(tensor(p), 1).numpy()
            idx = cat([idx, tensor(nxt.astype(np.int64))], 1)
        return idx
