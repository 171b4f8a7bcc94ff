"""PyTorch twins of chainrule's GPT and BERT (the same module and parameter names), the oracles
the tests copy weights into. Written for the tests from the papers' definitions."""
import torch
import torch.nn as tnn
import torch.nn.functional as tF


class CausalSelfAttention(tnn.Module):
    def __init__(self, c):
        super().__init__()
        self.c_attn = tnn.Linear(c.n_embd, 3 * c.n_embd, bias=c.bias)
        self.c_proj = tnn.Linear(c.n_embd, c.n_embd, bias=c.bias)
        self.n_head, self.n_embd = c.n_head, c.n_embd

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        y = tF.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.c_proj(y.transpose(1, 2).reshape(B, T, C))


class GPTBlock(tnn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1 = tnn.LayerNorm(c.n_embd, bias=c.bias)
        self.attn = CausalSelfAttention(c)
        self.ln_2 = tnn.LayerNorm(c.n_embd, bias=c.bias)
        self.mlp = tnn.Module()
        self.mlp.c_fc = tnn.Linear(c.n_embd, 4 * c.n_embd, bias=c.bias)
        self.mlp.c_proj = tnn.Linear(4 * c.n_embd, c.n_embd, bias=c.bias)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp.c_proj(tF.gelu(self.mlp.c_fc(self.ln_2(x))))


class GPT(tnn.Module):
    def __init__(self, c):
        super().__init__()
        self.transformer = tnn.ModuleDict(dict(
            wte=tnn.Embedding(c.vocab_size, c.n_embd), wpe=tnn.Embedding(c.block_size, c.n_embd),
            h=tnn.ModuleList([GPTBlock(c) for _ in range(c.n_layer)]), ln_f=tnn.LayerNorm(c.n_embd, bias=c.bias)))
        self.lm_head = tnn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight

    def forward(self, idx, targets):
        T = idx.shape[1]
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T))
        for b in self.transformer.h:
            x = b(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return logits, tF.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1), ignore_index=-1)


class BertLayer(tnn.Module):
    def __init__(self, c):
        super().__init__()
        H, eps = c.hidden_size, c.layer_norm_eps
        self.h = c.num_attention_heads
        self.attention = tnn.Module()
        self.attention.self = tnn.Module()
        for n in ("query", "key", "value"):
            setattr(self.attention.self, n, tnn.Linear(H, H))
        self.attention.output = tnn.Module()
        self.attention.output.dense, self.attention.output.LayerNorm = tnn.Linear(H, H), tnn.LayerNorm(H, eps=eps)
        self.intermediate = tnn.Module()
        self.intermediate.dense = tnn.Linear(H, c.intermediate_size)
        self.output = tnn.Module()
        self.output.dense, self.output.LayerNorm = tnn.Linear(c.intermediate_size, H), tnn.LayerNorm(H, eps=eps)

    def forward(self, x, keep):
        B, T, H = x.shape
        s = self.attention.self
        q, k, v = (lin(x).view(B, T, self.h, H // self.h).transpose(1, 2) for lin in (s.query, s.key, s.value))
        y = tF.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(B, T, H)
        a = self.attention.output.LayerNorm(x + self.attention.output.dense(y))
        return self.output.LayerNorm(a + self.output.dense(tF.gelu(self.intermediate.dense(a))))


class Bert(tnn.Module):
    """BertModel (no dropout) + the pooler."""

    def __init__(self, c):
        super().__init__()
        H = c.hidden_size
        self.embeddings = tnn.Module()
        self.embeddings.word_embeddings = tnn.Embedding(c.vocab_size, H)
        self.embeddings.position_embeddings = tnn.Embedding(c.max_position_embeddings, H)
        self.embeddings.token_type_embeddings = tnn.Embedding(c.type_vocab_size, H)
        self.embeddings.LayerNorm = tnn.LayerNorm(H, eps=c.layer_norm_eps)
        self.encoder = tnn.Module()
        self.encoder.layer = tnn.ModuleList([BertLayer(c) for _ in range(c.num_hidden_layers)])
        self.pooler = tnn.Module()
        self.pooler.dense = tnn.Linear(H, H)

    def forward(self, ids, types, attention_mask):
        e = self.embeddings
        x = e.LayerNorm(e.word_embeddings(ids) + e.position_embeddings(torch.arange(ids.shape[1]))
                        + e.token_type_embeddings(types))
        keep = attention_mask.bool()[:, None, None, :]
        for layer in self.encoder.layer:
            x = layer(x, keep)
        return x, torch.tanh(self.pooler.dense(x[:, 0]))


def load_from(torch_model, chainrule_model, dtype=torch.float64):
    """Copy chainrule's parameters into the twin (same names; tied weights land once)."""
    sd = {k: torch.tensor(v.numpy(), dtype=dtype) for k, v in chainrule_model.state_dict().items()}
    missing, _ = torch_model.to(dtype).load_state_dict(sd, strict=False)
    assert not missing, missing
    return torch_model
