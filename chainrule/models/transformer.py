"""Sequence-to-sequence Transformers (Vaswani et al. 2017, "Attention Is All You Need"; the
non-autoregressive one after Gu et al. 2018), written nanoGPT style: a config, the blocks, the model.

Shapes: N batch, S source length, T target length, d model width, h heads, V vocabulary.
Pre-LN blocks (a layer norm before each sub-block) train without warm-up at these sizes.
"""
import dataclasses
import math

import numpy as np

from .. import nn
from ..autograd.grad_mode import no_grad
from ..nn import functional as F
from ..nn.layers.positional import sinusoidal_table
from ..ops.attention import additive_mask
from ..ops.combine import cat
from ..ops.creation import as_tensor, tensor, zeros
from . import decoding


@dataclasses.dataclass
class Seq2SeqConfig:
    src_vocab: int = 32
    tgt_vocab: int = 32
    d_model: int = 64
    n_heads: int = 4
    n_encoder_layers: int = 2
    n_decoder_layers: int = 2
    d_ff: int = 128
    max_len: int = 64
    dropout: float = 0.0
    pad_id: int = 0
    bos_id: int = 1
    eos_id: int = 2


class Attention(nn.Module):
    """Multi-head attention with a key/value cache: queries from x, keys and values from
    ``context`` (x itself for self-attention). With ``cache`` (a dict) the keys and values of the
    steps before are reused — self-attention appends this step's, cross-attention computes the
    memory's once."""

    def __init__(self, d, h, dropout=0.0):
        super().__init__()
        self.h, self.dropout = h, dropout
        self.q_proj, self.kv_proj, self.out_proj = nn.Linear(d, d), nn.Linear(d, 2 * d), nn.Linear(d, d)

    def _heads(self, t):                                   # (N, L, d) → (N, h, L, d/h)
        n, L, d = t.shape
        return t.reshape(n, L, self.h, d // self.h).transpose(1, 2)

    def forward(self, x, context=None, mask=None, cache=None, append=True):
        q = self._heads(self.q_proj(x))
        if cache is not None and not append and "k" in cache:      # cross-attention: memory fixed
            k, v = cache["k"], cache["v"]
        else:
            k, v = (self._heads(t) for t in self.kv_proj(x if context is None else context).chunk(2, -1))
            if cache is not None:
                if append and "k" in cache:
                    k, v = cat([cache["k"], k], 2), cat([cache["v"], v], 2)
                cache["k"], cache["v"] = k, v
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        n, _, L, _ = y.shape
        return self.out_proj(y.transpose(1, 2).reshape(n, L, -1))


class MLP(nn.Module):
    def __init__(self, d, d_ff, dropout=0.0):
        super().__init__()
        self.fc, self.proj, self.drop = nn.Linear(d, d_ff), nn.Linear(d_ff, d), nn.Dropout(dropout)

    def forward(self, x):
        return self.drop(self.proj(F.relu(self.fc(x))))


class EncoderBlock(nn.Module):
    """x + SelfAttention(LN(x)), then + MLP(LN(·))."""

    def __init__(self, cfg):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.d_model), nn.LayerNorm(cfg.d_model)
        self.attn = Attention(cfg.d_model, cfg.n_heads, cfg.dropout)
        self.mlp = MLP(cfg.d_model, cfg.d_ff, cfg.dropout)

    def forward(self, x, mask):
        x = x + self.attn(self.ln1(x), mask=mask)
        return x + self.mlp(self.ln2(x))


class DecoderBlock(nn.Module):
    """Masked self-attention, cross-attention to the encoder's memory, MLP — each pre-LN + residual."""

    def __init__(self, cfg):
        super().__init__()
        self.ln1, self.ln2, self.ln3 = (nn.LayerNorm(cfg.d_model) for _ in range(3))
        self.self_attn = Attention(cfg.d_model, cfg.n_heads, cfg.dropout)
        self.cross_attn = Attention(cfg.d_model, cfg.n_heads, cfg.dropout)
        self.mlp = MLP(cfg.d_model, cfg.d_ff, cfg.dropout)

    def forward(self, x, memory, self_mask, memory_mask, cache=None):
        c_self, c_cross = (None, None) if cache is None else cache
        x = x + self.self_attn(self.ln1(x), mask=self_mask, cache=c_self)
        x = x + self.cross_attn(self.ln2(x), memory, mask=memory_mask, cache=c_cross, append=False)
        return x + self.mlp(self.ln3(x))


class _EncoderBase(nn.Module):
    """Embeddings (scaled by √d, plus sinusoidal positions), the encoder stack, the final norm."""

    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.src_emb = nn.Embedding(cfg.src_vocab, cfg.d_model)
        self.register_buffer("pe", tensor(sinusoidal_table(cfg.max_len, cfg.d_model)), persistent=False)
        self.encoder = nn.ModuleList([EncoderBlock(cfg) for _ in range(cfg.n_encoder_layers)])
        self.ln_enc = nn.LayerNorm(cfg.d_model)

    def _check_len(self, L, what):
        if L > self.cfg.max_len:
            raise ValueError(f"{type(self).__name__}: {what} length {L} exceeds max_len {self.cfg.max_len}")

    def _embed(self, emb, tokens, start=0):
        self._check_len(start + tokens.shape[1], "sequence")
        return emb(tokens) * math.sqrt(self.cfg.d_model) + self.pe[start:start + tokens.shape[1]]

    def encode(self, src):
        """src (N, S) ints → memory (N, S, d) and the additive padding mask (N, 1, 1, S)."""
        src = as_tensor(src)
        mask = additive_mask(src.numpy() == self.cfg.pad_id)[:, None, None, :]
        x = self._embed(self.src_emb, src)
        for block in self.encoder:
            x = block(x, mask)
        return self.ln_enc(x), mask


class Seq2SeqTransformer(_EncoderBase):
    """Encoder–decoder Transformer. ``forward(src, tgt_in)`` is teacher forcing: the decoder reads
    the gold previous tokens and returns (N, T, V) logits for the next ones."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self.tgt_emb = nn.Embedding(cfg.tgt_vocab, cfg.d_model)
        self.decoder = nn.ModuleList([DecoderBlock(cfg) for _ in range(cfg.n_decoder_layers)])
        self.ln_dec = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.tgt_vocab, bias=False)

    def decode(self, tgt_in, memory, memory_mask, caches=None, start=0):
        """tgt_in (N, t) → logits (N, t, V); each position sees itself and the positions before
        (``start`` earlier positions live in ``caches``) and the whole memory."""
        tgt_in = as_tensor(tgt_in)
        t = tgt_in.shape[1]
        total = start + t
        # causal: position start+i sees positions ≤ start+i. Right padding needs no mask of its
        # own: no real position can see a later one, and pad positions are left out of the loss.
        self_mask = additive_mask(np.arange(total)[None, :] > np.arange(start, total)[:, None])  # (t, total)
        x = self._embed(self.tgt_emb, tgt_in, start)
        for i, block in enumerate(self.decoder):
            x = block(x, memory, self_mask, memory_mask, None if caches is None else caches[i])
        return self.head(self.ln_dec(x))

    def forward(self, src, tgt_in):
        memory, mask = self.encode(src)
        return self.decode(tgt_in, memory, mask)

    def loss(self, src, tgt, sampling_prob=0.0, input_noise=0.0, generator=None):
        """Cross-entropy of predicting tgt[:, 1:] from tgt[:, :-1] (tgt starts with BOS, padded
        with ``pad_id``) — teacher forcing. With ``sampling_prob`` p > 0, scheduled sampling: each
        decoder input after the first is, with probability p, the model's own previous prediction
        (from a first teacher-forced pass) instead of the gold token. With ``input_noise`` q > 0,
        each such input is replaced by a random token with probability q: the decoder is shown
        wrong inputs on purpose and must predict the right next token anyway."""
        tgt = np.asarray(as_tensor(tgt).numpy())
        tgt_in, tgt_out = tgt[:, :-1].copy(), tgt[:, 1:]
        memory, mask = self.encode(src)
        rng = np.random.default_rng() if generator is None else generator
        real = tgt_in[:, 1:] != self.cfg.pad_id
        if sampling_prob > 0:
            with no_grad():
                pred = self.decode(tgt_in, memory, mask).numpy().argmax(-1)
            swap = (rng.random(real.shape) < sampling_prob) & real
            tgt_in[:, 1:] = np.where(swap, pred[:, :-1], tgt_in[:, 1:])
        if input_noise > 0:
            swap = (rng.random(real.shape) < input_noise) & real
            tgt_in[:, 1:] = np.where(swap, rng.integers(3, self.cfg.tgt_vocab, real.shape), tgt_in[:, 1:])
        logits = self.decode(tgt_in, memory, mask)
        return F.cross_entropy(logits.reshape(-1, self.cfg.tgt_vocab), tensor(tgt_out.reshape(-1)),
                               ignore_index=self.cfg.pad_id)

    # --- decoding: the step protocol of chainrule.models.decoding -----------------------------
    def start(self, src, use_cache=True):
        memory, mask = self.encode(src)
        caches = [({}, {}) for _ in self.decoder] if use_cache else None
        return {"memory": memory, "mask": mask, "caches": caches, "t": 0}

    def step(self, tokens, state):
        """Logits for the next token after ``tokens`` (N, t). With a cache only the newest token
        is run through the decoder; without, the whole prefix is, every step."""
        with no_grad():
            if state["caches"] is None:
                logits = self.decode(tokens, state["memory"], state["mask"])[:, -1]
            else:
                t = state["t"]
                logits = self.decode(tokens[:, t:], state["memory"], state["mask"], state["caches"], t)[:, -1]
                state = dict(state, t=tokens.shape[1])
        return logits.numpy().astype(np.float64), state

    def reorder(self, state, rows):
        take = lambda x: x[rows] if isinstance(x, np.ndarray) else x[tensor(rows)]
        caches = None if state["caches"] is None else \
            [tuple({k: take(v) for k, v in c.items()} for c in pair) for pair in state["caches"]]
        return dict(state, memory=take(state["memory"]), mask=take(state["mask"]), caches=caches)

    def generate(self, src, max_new_tokens=None, strategy="greedy", beam_size=4, length_penalty=1.0,
                 temperature=1.0, top_k=None, top_p=None, use_cache=True, rng=None):
        """Decode every source row: ``strategy`` 'greedy', 'beam' or 'sample'. Returns a list of
        1-D int arrays, each starting with BOS (and ending with EOS when one was produced)."""
        self.eval()
        src = np.asarray(as_tensor(src).numpy())
        cfg = self.cfg
        n_new = max_new_tokens or cfg.max_len - 1
        if strategy == "beam":
            return [decoding.beam_search(self, self.start(src[i:i + 1], use_cache), cfg.bos_id, cfg.eos_id,
                                         n_new, beam_size, length_penalty)[0] for i in range(len(src))]
        if strategy not in ("greedy", "sample"):
            raise ValueError(f"generate: strategy must be 'greedy', 'beam' or 'sample', got {strategy!r}")
        t = 0.0 if strategy == "greedy" else temperature
        out = decoding.sample(self, self.start(src, use_cache), cfg.bos_id, cfg.eos_id, n_new, len(src),
                              temperature=t, top_k=top_k, top_p=top_p, rng=rng)
        return [_until_eos(row, cfg.eos_id) for row in out]


def _until_eos(row, eos):
    ends = np.flatnonzero(row[1:] == eos)
    return row[:ends[0] + 2] if ends.size else row


class NonAutoregressiveTransformer(_EncoderBase):
    """Non-autoregressive decoding: a classifier predicts the output length from the memory; the
    decoder then fills every position at once from position vectors alone (no causal mask, no
    previous tokens) — one pass instead of T, at the price of tokens chosen independently."""

    def __init__(self, cfg):
        super().__init__(cfg)
        self.length_head = nn.Linear(cfg.d_model, cfg.max_len + 1)
        self.query = nn.Embedding(cfg.max_len, cfg.d_model)
        self.decoder = nn.ModuleList([DecoderBlock(cfg) for _ in range(cfg.n_decoder_layers)])
        self.ln_dec = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.tgt_vocab, bias=False)

    def _pooled(self, memory, mask):
        keep = tensor((mask[:, 0, 0, :] == 0).astype(np.float32))[..., None]   # (N, S, 1)
        return (memory * keep).sum(1) / keep.sum(1)

    def forward(self, src, length):
        """Logits (N, T, V) for T = max(length) positions, and the length logits (N, max_len+1)."""
        memory, mask = self.encode(src)
        length = np.asarray(length)
        T = int(length.max())
        self._check_len(T, "target")
        blocked = additive_mask(np.arange(T)[None, :] >= length[:, None])[:, None, None, :]
        x = self.query.weight[:T].unsqueeze(0) + zeros(len(length), T, self.cfg.d_model)
        for block in self.decoder:
            x = block(x, memory, blocked, mask)
        return self.head(self.ln_dec(x)), self.length_head(self._pooled(memory, mask))

    def loss(self, src, tgt):
        """Token cross-entropy over the real positions plus the length cross-entropy (tgt without
        BOS/EOS, padded with ``pad_id``)."""
        tgt = np.asarray(as_tensor(tgt).numpy())
        length = (tgt != self.cfg.pad_id).sum(1)
        logits, len_logits = self(src, length)
        T = logits.shape[1]
        tok = F.cross_entropy(logits.reshape(-1, self.cfg.tgt_vocab), tensor(tgt[:, :T].reshape(-1)),
                              ignore_index=self.cfg.pad_id)
        return tok + F.cross_entropy(len_logits, tensor(length))

    def generate(self, src, temperature=0.0, rng=None):
        """Predict each row's length, then all its tokens in one decoder pass: the arg-max at every
        position (``temperature`` 0) or a draw from each position's own softmax(logits/temperature)
        — independently, which is exactly what a non-autoregressive decoder assumes."""
        self.eval()
        with no_grad():
            memory, mask = self.encode(src)
            length = np.maximum(self.length_head(self._pooled(memory, mask)).numpy().argmax(-1), 1)
            logits, _ = self(src, length)
        logits = logits.numpy().astype(np.float64)
        if temperature == 0.0:
            pred = logits.argmax(-1)
        else:
            rng = np.random.default_rng() if rng is None else rng
            p = np.exp(decoding.log_softmax(logits / temperature))
            pred = (p.cumsum(-1) > rng.random(p.shape[:-1] + (1,))).argmax(-1)
        return [pred[i, :length[i]] for i in range(len(length))]
