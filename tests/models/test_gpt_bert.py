"""GPT and BERT against PyTorch twins with copied weights (forward and every gradient), the
key/value cache, the masking rule, the tokenizers and the pre-training heads."""
import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.data.tokenizers import BPETokenizer, CharTokenizer, load_tokenizer
from chainrule.models.bert import (BertConfig, BertForPreTraining, BertForQuestionAnswering,
                                   BertForSequenceClassification, BertForTokenClassification, BertModel,
                                   mask_tokens)
from chainrule.models.gpt import GPT, GPTConfig

from . import torch_text_models as T

GPT_SMALL = GPTConfig(block_size=12, vocab_size=13, n_layer=2, n_head=2, n_embd=8, bias=True)
BERT_SMALL = BertConfig(vocab_size=17, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=16, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                        max_position_embeddings=10)


def _grads_match(ours, theirs, atol=1e-9):
    tp = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        assert p.grad is not None, name
        np.testing.assert_allclose(p.grad.numpy(), tp[name].grad.numpy(), atol=atol, rtol=1e-7, err_msg=name)


@pytest.mark.parametrize("bias", [True, False])
def test_gpt_matches_its_pytorch_twin_forward_and_gradients(bias):
    cfg = GPTConfig(**{**GPT_SMALL.__dict__, "bias": bias})
    cr.manual_seed(0)
    ours = GPT(cfg).double()
    theirs = T.load_from(T.GPT(cfg), ours)
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 13, (3, 12)), rng.integers(0, 13, (3, 12))
    y[0, :4] = -1                                      # ignored targets
    logits, loss = ours(x, y)
    tlogits, tloss = theirs(torch.tensor(x), torch.tensor(y))
    np.testing.assert_allclose(logits.detach().numpy(), tlogits.detach().numpy(), atol=1e-10)
    assert abs(loss.item() - tloss.item()) < 1e-10
    loss.backward()
    tloss.backward()
    _grads_match(ours, theirs)


def test_gpt_ties_the_embedding_and_the_head_and_scales_residual_projections():
    cr.manual_seed(0)
    m = GPT(GPTConfig(block_size=8, vocab_size=50, n_layer=8, n_head=2, n_embd=32))
    assert m.transformer.wte.weight is m.lm_head.weight
    n_unique = sum(p.numel() for p in m.parameters())
    assert m.get_num_params(non_embedding=False) == n_unique
    assert 0.5 * 0.02 / 4 < m.transformer.h[0].attn.c_proj.weight.detach().numpy().std() < 1.5 * 0.02 / 4
    decay, no_decay = m.configure_optimizers(0.1, 1e-3).param_groups
    assert all(p.ndim >= 2 for p in decay["params"]) and all(p.ndim < 2 for p in no_decay["params"])


@pytest.mark.parametrize("temperature,top_k,top_p", [(0.0, None, None), (1.0, 5, None), (0.8, None, 0.9)])
def test_kv_cached_generation_equals_uncached_also_past_the_block_size(temperature, top_k, top_p):
    cr.manual_seed(1)
    m = GPT(GPT_SMALL).eval()
    start = np.array([[1, 2, 3], [4, 5, 6]])
    outs = []
    for use_cache in (True, False):
        cr.manual_seed(7)
        outs.append(m.generate(start, 15, temperature=temperature, top_k=top_k, top_p=top_p,
                               use_cache=use_cache).numpy())
    assert outs[0].shape == (2, 18)                    # 18 > block size 12: the cache restarts
    np.testing.assert_array_equal(outs[0], outs[1])


def test_cached_step_logits_equal_the_full_forward():
    cr.manual_seed(2)
    m = GPT(GPT_SMALL).eval()
    x = np.random.default_rng(0).integers(0, 13, (2, 9))
    full, _ = m(x, np.zeros_like(x))
    caches = [dict() for _ in m.transformer.h]
    m(x[:, :5], caches=caches)
    step, _ = m(x[:, 5:9], caches=caches, start=5)
    np.testing.assert_allclose(step.detach().numpy()[:, -1], full.detach().numpy()[:, -1], atol=1e-5)


def test_gpt_rejects_bad_input():
    m = GPT(GPT_SMALL)
    with pytest.raises(ValueError, match="block size"):
        m(np.zeros((1, 13), np.int64))
    with pytest.raises(ValueError, match="batch, time"):
        m(np.zeros(5, np.int64))
    with pytest.raises(ValueError, match="divisible"):
        GPTConfig(n_embd=10, n_head=3)
    with pytest.raises(ValueError, match="max_new_tokens"):
        m.generate(np.zeros((1, 2), np.int64), 0)


def _bert_batch(rng):
    ids = rng.integers(5, 17, (3, 10))
    types = np.zeros_like(ids)
    types[:, 6:] = 1
    mask = np.ones_like(ids)
    mask[1, 7:] = 0                                    # padding at the end of row 1
    return ids, types, mask


def test_bert_matches_its_pytorch_twin_forward_and_gradients():
    cr.manual_seed(0)
    ours = BertModel(BERT_SMALL).double()
    theirs = T.load_from(T.Bert(BERT_SMALL), ours)
    ids, types, mask = _bert_batch(np.random.default_rng(0))
    x, pooled = ours(ids, types, mask)
    tx, tpooled = theirs(torch.tensor(ids), torch.tensor(types), torch.tensor(mask))
    np.testing.assert_allclose(x.detach().numpy(), tx.detach().numpy(), atol=1e-10)
    np.testing.assert_allclose(pooled.detach().numpy(), tpooled.detach().numpy(), atol=1e-10)
    w = np.random.default_rng(1).standard_normal(x.shape)
    ((x * cr.tensor(w)).sum() + pooled.sum()).backward()
    ((tx * torch.tensor(w)).sum() + tpooled.sum()).backward()
    _grads_match(ours, theirs)


def test_bert_padding_does_not_change_the_real_tokens():
    cr.manual_seed(0)
    m = BertModel(BERT_SMALL).eval()
    ids, types, mask = _bert_batch(np.random.default_rng(0))
    x, _ = m(ids, types, mask)
    other = ids.copy()
    other[1, 7:] = 3                                   # different padding tokens
    x2, _ = m(other, types, mask)
    np.testing.assert_allclose(x.detach().numpy()[1, :7], x2.detach().numpy()[1, :7], atol=1e-6)


def test_bert_heads_shapes_losses_and_tied_decoder():
    cr.manual_seed(0)
    ids, types, mask = _bert_batch(np.random.default_rng(0))
    pre = BertForPreTraining(BERT_SMALL)
    assert pre.cls.predictions.decoder.weight is pre.bert.embeddings.word_embeddings.weight
    labels = np.full_like(ids, -100)
    labels[:, 2] = ids[:, 2]
    mlm, nsp, loss = pre(ids, types, mask, labels=labels, next_sentence_label=np.array([0, 1, 0]))
    assert mlm.shape == (3, 10, 17) and nsp.shape == (3, 2) and np.isfinite(loss.item())
    loss.backward()
    assert all(p.grad is not None for p in pre.parameters())
    logits, loss = BertForSequenceClassification(BERT_SMALL, num_labels=4)(ids, types, mask, labels=np.array([0, 1, 3]))
    assert logits.shape == (3, 4) and loss.item() > 0
    logits, loss = BertForTokenClassification(BERT_SMALL, num_labels=3)(ids, labels=np.zeros_like(ids))
    assert logits.shape == (3, 10, 3)
    s, e, loss = BertForQuestionAnswering(BERT_SMALL)(ids, types, mask, start_positions=np.array([1, 2, 3]),
                                                      end_positions=np.array([2, 2, 5]))
    assert s.shape == e.shape == (3, 10) and loss.item() > 0
    assert "encoder.layer.0.attention.self.query.weight" in BertModel(BERT_SMALL).state_dict()


def test_masking_rule_frequencies_80_10_10():
    rng = np.random.default_rng(0)
    ids = rng.integers(5, 1000, (400, 250))
    ids[:, 0] = 1                                       # a special token: never chosen
    inputs, labels = mask_tokens(ids, mask_token_id=2, vocab_size=1000, special_ids=(1,), rng=rng)
    chosen = labels != -100
    assert not chosen[:, 0].any()
    assert abs(chosen[:, 1:].mean() - 0.15) < 0.005
    assert (labels[chosen] == ids[chosen]).all()
    masked = (inputs == 2)[chosen].mean()
    kept = (inputs == ids)[chosen].mean()              # 10% unchanged + random hits of the same id
    assert abs(masked - 0.8) < 0.01 and abs(kept - 0.1) < 0.01
    assert (inputs[~chosen] == ids[~chosen]).all()


def test_char_and_bpe_tokenizers_round_trip_and_save(tmp_path):
    text = "To be, or not to be: that is the question.\nWhether 'tis nobler in the mind to suffer\n" * 20
    for tok in (CharTokenizer.train(text, special_tokens=["[PAD]"]),
                BPETokenizer.train(text, vocab_size=80, special_tokens=["[PAD]", "[MASK]"])):
        enc = tok.encode(text)
        assert tok.decode(enc.ids) == text and "".join(enc.tokens) == text
        tok.save(tmp_path / "tok.json")
        again = load_tokenizer(tmp_path / "tok.json")
        assert again.encode(text).ids == enc.ids and again.get_vocab_size() == tok.get_vocab_size()
        assert tok.token_to_id("[PAD]") == 0
    bpe = BPETokenizer.train(text, vocab_size=80, special_tokens=["[MASK]"])
    assert len(bpe.encode(text)) < len(text) / 2      # merges shorten the text
    assert bpe.encode("to be [MASK] be").tokens.count("[MASK]") == 1
    assert " be" in bpe.get_vocab()                    # a word keeps its leading space
    with pytest.raises(ValueError, match="not in the vocabulary"):
        bpe.encode("Zebra")
    with pytest.raises(ValueError, match="smaller"):
        BPETokenizer.train(text, vocab_size=3)
