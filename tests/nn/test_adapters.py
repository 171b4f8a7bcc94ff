"""Parameter-efficient fine-tuning: each method trains only what it should, starts from the
unchanged model where the paper says so, and LoRA's merge gives the unmerged outputs."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.models.bert import BertConfig, BertForSequenceClassification
from chainrule.models.gpt import GPT, GPTConfig
from chainrule.nn import adapters as A

CFG = GPTConfig(block_size=10, vocab_size=11, n_layer=2, n_head=2, n_embd=16)


def _gpt(seed=0):
    cr.manual_seed(seed)
    return GPT(CFG)


def _data():
    rng = np.random.default_rng(0)
    return rng.integers(0, 11, (4, 10)), rng.integers(0, 11, (4, 10))


def _grad_names(model):
    x, y = _data()
    model.zero_grad()
    model(x, y)[1].backward()
    return {n for n, p in model.named_parameters() if p.grad is not None and np.abs(p.grad.numpy()).sum() > 0}


def _trainable_names(model):
    return {n for n, p in model.named_parameters() if p.requires_grad}


def test_bitfit_trains_only_biases():
    m = A.bitfit(_gpt())
    names = _trainable_names(m)
    assert names and all(n.endswith("bias") for n in names)
    assert _grad_names(m) <= names
    t, total = A.trainable_parameters(m)
    assert t == sum(p.numel() for n, p in m.named_parameters() if n.endswith("bias")) and total > 10 * t


def test_houlsby_adapter_starts_as_identity_and_trains_only_itself():
    m0, m = _gpt(), _gpt()
    A.add_adapters(m, ["attn.c_proj", "mlp.c_proj"], bottleneck=4)
    x, y = _data()
    np.testing.assert_allclose(m(x, y)[0].detach().numpy(), m0(x, y)[0].detach().numpy(), atol=1e-6)
    names = _trainable_names(m)
    assert names and all(".adapter." in n for n in names)
    assert _grad_names(m) <= names
    t, _ = A.trainable_parameters(m)
    assert t == 2 * CFG.n_layer * (16 * 4 + 4 + 4 * 16 + 16)
    assert "transformer.h.0.attn.c_proj.module.weight" in m.state_dict()


def test_adapter_bias_shift_is_token_dependent():
    m = A.add_adapter_bias(_gpt(), "mlp.c_proj")
    t, _ = A.trainable_parameters(m)
    assert t == CFG.n_layer * (16 + 16 + 1)
    ab = m.transformer.h[0].mlp.c_proj.adapter
    ab.v.data[:] = 1.0
    ab.alpha.weight.data[:] = 0.5
    h = cr.randn(2, 3, 16)
    shift = (ab(h) - h).detach().numpy()
    assert np.allclose(shift, shift[..., :1])              # the same vector v …
    assert not np.allclose(shift[0, 0, 0], shift[0, 1, 0])  # … scaled differently per token
    assert _grad_names(m) <= _trainable_names(m)


def test_prefix_tuning_changes_attention_and_trains_only_prefixes():
    m0, m = _gpt(), _gpt()
    A.add_prefix(m, length=3, keep="lm_head")
    assert m.transformer.h[0].attn.prefix.key.shape == (2, 3, 8)
    x, y = _data()
    assert not np.allclose(m(x, y)[0].detach().numpy(), m0(x, y)[0].detach().numpy())
    trainable = _trainable_names(m)
    assert all(".prefix." in n or n.startswith("lm_head") for n in trainable)
    assert "transformer.h.1.attn.prefix.value" in _grad_names(m)
    # a prefix sits in front of every sequence: generation with the cache still equals without
    m.eval()
    outs = [m.generate(x[:1, :3], 9, temperature=0.0, use_cache=c).numpy() for c in (True, False)]
    np.testing.assert_array_equal(*outs)


def test_prefix_on_bert_and_keep_trains_the_new_classifier():
    cfg = BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=16, max_position_embeddings=8)
    cr.manual_seed(0)
    m = A.add_prefix(BertForSequenceClassification(cfg, num_labels=3), length=2, keep="classifier")
    assert _trainable_names(m) == {"bert.encoder.layer.0.attention.self.prefix.key",
                                   "bert.encoder.layer.0.attention.self.prefix.value",
                                   "classifier.weight", "classifier.bias"}
    ids = np.random.default_rng(0).integers(1, 20, (2, 6))
    mask = np.ones_like(ids)
    mask[1, 4:] = 0
    logits, loss = m(ids, attention_mask=mask, labels=np.array([0, 2]))
    loss.backward()
    assert np.abs(m.bert.encoder.layer[0].attention.self.prefix.key.grad.numpy()).sum() > 0


def test_lora_starts_unchanged_merges_to_the_same_outputs_and_trains_only_a_and_b():
    m0, m = _gpt(), _gpt()
    A.apply_lora(m, ["c_attn"], r=2, alpha=4)
    x, y = _data()
    np.testing.assert_allclose(m(x, y)[0].detach().numpy(), m0(x, y)[0].detach().numpy(), atol=1e-6)
    assert _trainable_names(m) == {f"transformer.h.{i}.attn.c_attn.lora_{ab}.weight" for i in range(2) for ab in "AB"}
    t, _ = A.trainable_parameters(m)
    assert t == 2 * (2 * 16 + 48 * 2)
    opt = cr.optim.SGD([p for p in m.parameters() if p.requires_grad], lr=0.5)
    for _ in range(3):
        opt.zero_grad()
        m(x, y)[1].backward()
        opt.step()
    assert _grad_names(m) <= _trainable_names(m)
    before = m(x, y)[0].detach().numpy()
    assert not np.allclose(before, m0(x, y)[0].detach().numpy())
    A.merge_lora(m)
    layer = m.transformer.h[0].attn.c_attn
    assert layer.merged
    np.testing.assert_allclose(m(x, y)[0].detach().numpy(), before, atol=1e-5)
    w = layer.weight.detach().numpy().copy()
    A.unmerge_lora(m)
    np.testing.assert_allclose(m(x, y)[0].detach().numpy(), before, atol=1e-5)
    assert not np.allclose(layer.weight.detach().numpy(), w)   # B·A left the matrix again


def test_adapter_errors_name_what_went_wrong():
    with pytest.raises(ValueError, match="no module matches"):
        A.apply_lora(_gpt(), ["nonexistent"])
    with pytest.raises(TypeError, match="Linear"):
        A.apply_lora(_gpt(), ["ln_1"])
    with pytest.raises(ValueError, match="prefix slot"):
        A.add_prefix(nn.Sequential(nn.Linear(2, 2)))
    with pytest.raises(ValueError, match="rank"):
        A.LoRALinear(nn.Linear(2, 2), r=0)
