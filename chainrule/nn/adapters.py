"""Parameter-efficient fine-tuning: keep the pre-trained model frozen and train a small addition.

Each method is a module plus a function that puts it into any model by module-path patterns
(``"c_attn"`` matches every module whose dotted name is or ends with ``.c_attn``; shell wildcards
``"transformer.h.*.attn.c_attn"`` work too) and freezes everything else except ``keep`` (e.g. the
new task's classifier):

- BitFit (Ben Zaken et al. 2022): train only the biases — ``bitfit(model)``.
- Adapter (Houlsby et al. 2019): a bottleneck d → r → d with a residual, h + W_up·f(W_down·h),
  after a sub-layer's output projection; W_up starts at zero so the model starts unchanged —
  ``add_adapters(model, targets, bottleneck)``.
- Adapter bias (Fu et al. 2022, "AdapterBias"): a learned shift vector v added to each token
  with a token-dependent weight α(h) = w·h + b: h + α(h)·v — ``add_adapter_bias(model, targets)``.
- Prefix tuning (Li & Liang 2021): P learned key and value vectors per layer and head, placed in
  front of every sequence's keys and values; every token may attend to them —
  ``add_prefix(model, length)`` (on attention modules that have a ``prefix`` slot: GPT's and BERT's).
- LoRA (Hu et al. 2021): W x + (α/r)·B A x with A (r × d_in), B (d_out × r) zero at the start;
  ``merge()`` folds B A into W so inference costs nothing extra — ``apply_lora(model, targets, r, alpha)``.

``trainable_parameters(model)`` → (trainable, total) is the table's first column.
"""
import fnmatch
import math

import numpy as np

from . import init
from .layers.activation import GELU
from .layers.linear import Linear
from .module import Module
from .parameter import Parameter
from ..autograd.grad_mode import no_grad


def _matches(name, patterns):
    return any(name == p or name.endswith("." + p) or fnmatch.fnmatchcase(name, p) for p in patterns)


def _check_patterns(fn, patterns):
    if isinstance(patterns, str):
        patterns = (patterns,)
    if not patterns:
        raise ValueError(f"{fn}: give at least one module-path pattern")
    return tuple(patterns)


def _replace(model, fn, targets, make):
    """Replace each module matched by ``targets`` with ``make(name, module)``; returns the names."""
    targets = _check_patterns(fn, targets)
    named = [(n, m) for n, m in model.named_modules() if n and _matches(n, targets)]
    if not named:
        names = [n for n, _ in model.named_modules() if n]
        raise ValueError(f"{fn}: no module matches {list(targets)}; module names look like {names[:8]}")
    for name, module in named:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, make(name, module))
    return [n for n, _ in named]


def freeze_except(model, trainable):
    """requires_grad = trainable(name) for every parameter (name as in named_parameters)."""
    for name, p in model.named_parameters():
        p.requires_grad_(bool(trainable(name)))
    return model


def trainable_parameters(model):
    """(number of trainable parameter values, all parameter values), each tensor counted once."""
    params = list(model.parameters())
    return sum(p.numel() for p in params if p.requires_grad), sum(p.numel() for p in params)


def _kept(keep):
    keep = () if keep is None else ((keep,) if isinstance(keep, str) else tuple(keep))
    return lambda name: any(_matches(name.rpartition(".")[0], (k,)) or name.startswith(k + ".") for k in keep)


def bitfit(model, keep=()):
    """Train only the biases (and the modules named in ``keep``)."""
    kept = _kept(keep)
    return freeze_except(model, lambda n: n.endswith("bias") or kept(n))


class Adapter(Module):
    """h + W_up·GELU(W_down·h): d → bottleneck → d, the up projection zero-initialised."""

    def __init__(self, d, bottleneck):
        super().__init__()
        if bottleneck < 1:
            raise ValueError(f"Adapter: bottleneck must be ≥ 1, got {bottleneck}")
        self.down, self.act, self.up = Linear(d, bottleneck), GELU(), Linear(bottleneck, d)
        init.zeros_(self.up.weight)
        init.zeros_(self.up.bias)

    def forward(self, h):
        return h + self.up(self.act(self.down(h)))


class AdapterBias(Module):
    """h + α(h)·v: one shift vector v (d) scaled per token by a linear α(h) = w·h + b."""

    def __init__(self, d):
        super().__init__()
        self.v = Parameter(np.zeros(d, np.float32))
        self.alpha = Linear(d, 1)

    def forward(self, h):
        return h + self.alpha(h) * self.v


class Adapted(Module):
    """``module`` followed by ``adapter``: the wrapped module keeps its own name inside."""

    def __init__(self, module, adapter):
        super().__init__()
        self.module, self.adapter = module, adapter

    def forward(self, *args, **kwargs):
        return self.adapter(self.module(*args, **kwargs))


def _out_features(fn, name, module):
    if not isinstance(module, Linear):
        raise TypeError(f"{fn}: {name} is a {type(module).__name__}; adapters go after Linear layers")
    return module.out_features


def _adapter_names(model):
    return {n for n, m in model.named_modules() if isinstance(m, (Adapter, AdapterBias, Prefix, LoRALinear))}


def _freeze_to_added(model, keep):
    """Train the added modules' own parameters and ``keep``; freeze the rest (a LoRA layer's base too)."""
    added, kept = _adapter_names(model), _kept(keep)

    def trainable(name):
        owner = name.rpartition(".")[0]
        return kept(name) or any(owner == a or owner.startswith(a + ".") for a in added)
    freeze_except(model, trainable)
    for m in model.modules():                    # a LoRA layer's base weights stay frozen
        if isinstance(m, LoRALinear):
            for p in m.base.parameters():
                p.requires_grad_(False)
    return model


def add_adapters(model, targets, bottleneck=16, keep=()):
    """Houlsby adapters after every Linear matched by ``targets`` (e.g. the attention output and
    the feed-forward output projections); all else frozen except ``keep``."""
    _replace(model, "add_adapters", targets,
             lambda n, m: Adapted(m, Adapter(_out_features("add_adapters", n, m), bottleneck)))
    return _freeze_to_added(model, keep)


def add_adapter_bias(model, targets, keep=()):
    """Adapter bias after every Linear matched by ``targets``; all else frozen except ``keep``."""
    _replace(model, "add_adapter_bias", targets,
             lambda n, m: Adapted(m, AdapterBias(_out_features("add_adapter_bias", n, m))))
    return _freeze_to_added(model, keep)


class Prefix(Module):
    """Learned keys and values (heads, length, head_dim) put in front of an attention's own."""

    def __init__(self, heads, head_dim, length):
        super().__init__()
        if length < 1:
            raise ValueError(f"Prefix: length must be ≥ 1, got {length}")
        self.length = length
        self.key = Parameter(np.zeros((heads, length, head_dim), np.float32))
        self.value = Parameter(np.zeros((heads, length, head_dim), np.float32))
        init.normal_(self.key, 0.0, 0.02)
        init.normal_(self.value, 0.0, 0.02)

    def forward(self, batch):
        h, p, d = self.key.shape
        return self.key.unsqueeze(0).expand(batch, h, p, d), self.value.unsqueeze(0).expand(batch, h, p, d)


def add_prefix(model, length=8, keep=()):
    """Prefix tuning: a ``Prefix`` of ``length`` in every attention module with a ``prefix`` slot."""
    found = 0
    for name, m in model.named_modules():
        if hasattr(m, "prefix") and not isinstance(m, Prefix):
            heads = getattr(m, "n_head", None) or getattr(m, "num_attention_heads", None)
            width = getattr(m, "n_embd", None) or m.query.out_features
            m.prefix = Prefix(heads, width // heads, length)
            found += 1
    if not found:
        raise ValueError(f"add_prefix: {type(model).__name__} has no attention module with a prefix slot "
                         f"(GPT's CausalSelfAttention and BERT's BertSelfAttention have one)")
    return _freeze_to_added(model, keep)


class LoRALinear(Module):
    """y = base(x) + (α/r)·B(A(dropout(x))): ``base`` frozen, A (r × d_in) Kaiming-uniform, B zero."""

    def __init__(self, base, r=8, alpha=16, dropout=0.0):
        super().__init__()
        if not isinstance(base, Linear):
            raise TypeError(f"LoRALinear: base must be a Linear, got {type(base).__name__}")
        if r < 1:
            raise ValueError(f"LoRALinear: rank r must be ≥ 1, got {r}")
        from .layers.misc import Dropout
        self.base, self.r, self.scaling = base, r, alpha / r
        self.lora_A = Linear(base.in_features, r, bias=False)
        self.lora_B = Linear(r, base.out_features, bias=False)
        init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        init.zeros_(self.lora_B.weight)
        self.lora_dropout = Dropout(dropout)
        self.merged = False
        for p in base.parameters():
            p.requires_grad_(False)

    @property
    def weight(self):
        return self.base.weight

    @property
    def bias(self):
        return self.base.bias

    def forward(self, x):
        y = self.base(x)
        if self.merged:
            return y
        return y + self.lora_B(self.lora_A(self.lora_dropout(x))) * self.scaling

    def _delta(self):
        return (self.lora_B.weight @ self.lora_A.weight) * self.scaling

    @no_grad()
    def merge(self):
        """W ← W + (α/r)·B A: the same outputs (without dropout) from one matrix."""
        if not self.merged:
            self.base.weight.add_(self._delta())
            self.merged = True
        return self

    @no_grad()
    def unmerge(self):
        """W ← W − (α/r)·B A: back to the separate low-rank path (to train it further)."""
        if self.merged:
            self.base.weight.sub_(self._delta())
            self.merged = False
        return self


def apply_lora(model, targets, r=8, alpha=16, dropout=0.0, keep=()):
    """Wrap every Linear matched by ``targets`` in a ``LoRALinear``; all else frozen except ``keep``."""
    def make(name, m):
        if not isinstance(m, Linear):
            raise TypeError(f"apply_lora: {name} is a {type(m).__name__}; LoRA wraps Linear layers")
        return LoRALinear(m, r, alpha, dropout)
    _replace(model, "apply_lora", targets, make)
    return _freeze_to_added(model, keep)


def merge_lora(model):
    """Merge every LoRA layer of ``model``."""
    for m in model.modules():
        if isinstance(m, LoRALinear):
            m.merge()
    return model


def unmerge_lora(model):
    for m in model.modules():
        if isinstance(m, LoRALinear):
            m.unmerge()
    return model
