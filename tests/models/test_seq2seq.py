"""The sequence-to-sequence Transformers and the decoding strategies: caching changes nothing,
beam width 1 is greedy, the filters keep what they say, both models learn a toy task."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.models import decoding
from chainrule.models.transformer import NonAutoregressiveTransformer, Seq2SeqConfig, Seq2SeqTransformer

BOS, EOS = 1, 2


class TableModel:
    """A fake decoder: the next-token log-probabilities depend on the last token only."""

    def __init__(self, table):
        self.table = np.log(np.asarray(table, np.float64))

    def step(self, tokens, state):
        return self.table[tokens[:, -1]], state + 1

    def reorder(self, state, rows):
        return state


# tokens: 0 pad, 1 BOS, 2 EOS, 3 "A", 4 "B".  Greedy takes A (0.6) then must pay 0.4·…;
# B (0.4) is followed by EOS with certainty: p(B EOS) = 0.4 > p(A EOS) = 0.6·0.3 = 0.18.
TABLE = [[.2, .2, .2, .2, .2],
         [0, 0, 0, .6, .4],
         [0, 0, 1, 0, 0],
         [0, 0, .3, .35, .35],
         [0, 0, 1, 0, 0]]


def test_beam_search_finds_the_sequence_greedy_misses():
    with np.errstate(divide="ignore"):
        m = TableModel(TABLE)
    greedy = decoding.greedy(m, 0, BOS, EOS, 5, 1)[0]
    assert greedy.tolist()[:2] == [BOS, 3]
    best, score = decoding.beam_search(m, 0, BOS, EOS, 5, beam_size=2, length_penalty=0.0)
    assert best.tolist() == [BOS, 4, EOS] and np.isclose(score, np.log(0.4))
    one, _ = decoding.beam_search(m, 0, BOS, EOS, 5, beam_size=1)
    assert one.tolist() == greedy.tolist()[:len(one)] and one[-1] == greedy[len(one) - 1]


def test_filter_logits_top_k_and_nucleus():
    logits = np.log(np.array([[0.5, 0.2, 0.15, 0.1, 0.05]]))
    k2 = decoding.filter_logits(logits, top_k=2)
    assert np.isfinite(k2).sum() == 2 and np.isfinite(k2[0, :2]).all()
    p = decoding.filter_logits(logits, top_p=0.8)      # 0.5 + 0.2 < 0.8 ≤ 0.5 + 0.2 + 0.15
    assert np.isfinite(p[0]).tolist() == [True, True, True, False, False]
    assert np.isfinite(decoding.filter_logits(logits, top_p=0.1)).sum() == 1   # the top token stays
    with pytest.raises(ValueError, match="top_p"):
        decoding.filter_logits(logits, top_p=0.0)


def _toy(seed=0, n=64, length=5, vocab=10):
    """Reverse a sequence of tokens 3..vocab-1: src (n, length), tgt = BOS reversed EOS."""
    rng = np.random.default_rng(seed)
    src = rng.integers(3, vocab, (n, length))
    tgt = np.concatenate([np.full((n, 1), BOS), src[:, ::-1], np.full((n, 1), EOS)], 1)
    return src, tgt


def _model(seed=0, **kw):
    cr.manual_seed(seed)
    return Seq2SeqTransformer(Seq2SeqConfig(src_vocab=10, tgt_vocab=10, d_model=32, n_heads=4, d_ff=64,
                                            max_len=16, **kw))


def test_cached_decoding_equals_uncached():
    m = _model()
    src, _ = _toy(n=3)
    for strategy in ("greedy", "beam"):
        a = m.generate(src, 6, strategy=strategy, use_cache=True)
        b = m.generate(src, 6, strategy=strategy, use_cache=False)
        assert [x.tolist() for x in a] == [x.tolist() for x in b]
    s_c, s_u = m.start(src), m.start(src, use_cache=False)
    tokens = np.array([[BOS]] * 3)
    for t in range(4):
        (lc, s_c), (lu, s_u) = m.step(tokens, s_c), m.step(tokens, s_u)
        np.testing.assert_allclose(lc, lu, atol=1e-4)
        tokens = np.concatenate([tokens, lc.argmax(-1)[:, None]], 1)


def test_teacher_forcing_logits_equal_stepwise_logits():
    m = _model()
    src, tgt = _toy(n=2)
    full = m(src, tgt[:, :-1]).detach().numpy()
    state = m.start(src)
    for t in range(tgt.shape[1] - 1):
        logits, state = m.step(tgt[:, :t + 1], state)
        np.testing.assert_allclose(logits, full[:, t], atol=1e-4)


def test_scheduled_sampling_mixes_in_predictions():
    m = _model()
    src, tgt = _toy(n=8)
    base = m.loss(src, tgt).item()
    assert m.loss(src, tgt, sampling_prob=0.0).item() == base
    assert m.loss(src, tgt, sampling_prob=1.0, generator=np.random.default_rng(0)).item() != base


def test_seq2seq_learns_to_reverse():
    m = _model()
    src, tgt = _toy(n=256)
    opt = cr.optim.Adam(m.parameters(), lr=3e-3)
    for step in range(300):
        i = np.random.default_rng(step).integers(0, 256, 32)
        opt.zero_grad()
        loss = m.loss(src[i], tgt[i])
        loss.backward()
        opt.step()
    out = m.generate(src[:16], 7)
    exact = np.mean([o.tolist() == t.tolist() for o, t in zip(out, tgt[:16])])
    assert loss.item() < 0.3 and exact >= 0.75


def test_sampling_strategies():
    m = _model()
    src, _ = _toy(n=2)
    greedy = m.generate(src, 6)
    top1 = m.generate(src, 6, strategy="sample", top_k=1, rng=np.random.default_rng(0))
    assert [g.tolist() for g in greedy] == [t.tolist() for t in top1]
    with pytest.raises(ValueError, match="strategy"):
        m.generate(src, 3, strategy="viterbi")


def test_non_autoregressive_model_learns_lengths_and_tokens():
    cr.manual_seed(0)
    m = NonAutoregressiveTransformer(Seq2SeqConfig(src_vocab=10, tgt_vocab=10, d_model=32, n_heads=4,
                                                   d_ff=64, max_len=16))
    rng = np.random.default_rng(0)
    lengths = rng.integers(2, 6, 256)
    src = np.zeros((256, 5), np.int64)
    for i, n in enumerate(lengths):
        src[i, :n] = rng.integers(3, 10, n)
    tgt = src.copy()                                   # copy task, padded with 0
    opt = cr.optim.Adam(m.parameters(), lr=3e-3)
    first = None
    for step in range(300):
        i = np.random.default_rng(step).integers(0, 256, 32)
        opt.zero_grad()
        loss = m.loss(src[i], tgt[i])
        loss.backward()
        opt.step()
        first = first or loss.item()
    out = m.generate(src[:64])
    assert loss.item() < 0.4 * first
    assert np.mean([len(o) == n for o, n in zip(out, lengths[:64])]) >= 0.7


def test_ctc_greedy_merges_repeats_and_drops_blanks():
    lp = np.log(np.eye(4)[[1, 1, 0, 1, 2, 2, 0, 0]] * 0.9 + 0.025)
    assert decoding.ctc_greedy(lp) == [1, 1, 2]


def test_ctc_prefix_beam_search_finds_the_most_probable_labeling():
    """Brute force over every alignment of 5 frames: the labeling with the largest total probability."""
    import itertools
    rng = np.random.default_rng(4)
    for _ in range(5):
        p = rng.dirichlet(np.ones(3) * 0.7, size=5)
        totals = {}
        for path in itertools.product(range(3), repeat=5):
            lab = tuple(s for i, s in enumerate(path) if s != 0 and (i == 0 or path[i - 1] != s))
            totals[lab] = totals.get(lab, 0.0) + np.prod(p[np.arange(5), path])
        best = max(totals, key=totals.get)
        got, logp = decoding.ctc_prefix_beam_search(np.log(p), beam_size=50)
        assert tuple(got) == best and np.isclose(logp, np.log(totals[best]))
