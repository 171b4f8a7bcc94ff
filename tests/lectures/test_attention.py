"""Lecture 7 (self-attention): each experiment's stated answer on its quick config, seeds 0–2."""
import pytest

SEEDS = [0, 1, 2]


@pytest.mark.parametrize("seed", SEEDS)
def test_self_attention_labels_what_a_window_cannot(run_quick, seed):
    m = run_quick("attention.vector_set", seed=seed)
    acc = m["accuracy"]
    assert abs(acc["one word (FC)"] - m["majority"]) < 0.03           # alone, a word can only guess
    assert acc["one word (FC)"] < acc["window ±1"] < 0.85
    assert acc["self-attention"] > 0.97 and m["attention_on_earlier_copy"] > 0.6


@pytest.mark.parametrize("seed", SEEDS)
def test_two_heads_divide_the_work_one_head_splits_it(run_quick, seed):
    m = run_quick("attention.multi_head", seed=seed)
    one = m["1 head"]
    assert one["accuracy"] > 0.95 and 0.15 < one["two_back"][0] < 0.5      # one softmax, shared
    assert m["2 heads"]["accuracy"] > 0.95 and m["specialization"] > 0.6     # one place per head


@pytest.mark.parametrize("seed", SEEDS)
def test_positions_make_order_learnable(run_quick, seed):
    m = run_quick("attention.positional_encoding", seed=seed)
    assert m["accuracy"]["none"] < 0.4
    assert m["accuracy"]["sinusoidal"] > 0.95 and m["accuracy"]["learned"] > 0.95
    assert m["permutation_gap"]["none"] < 1e-4 < m["permutation_gap"]["sinusoidal"]


@pytest.mark.parametrize("seed", SEEDS)
def test_masks_make_outputs_exactly_independent(run_quick, seed):
    g = run_quick("attention.masks", seed=seed)["max_change"]
    assert g["causal: earlier outputs, mask on"] == 0.0 and g["padding: real outputs, mask on"] == 0.0
    assert g["causal: earlier outputs, no mask"] > 0.01 and g["padding: real outputs, no mask"] > 0.01


def test_masks_reject_padding_longer_than_the_sequence(run_quick):
    with pytest.raises(ValueError, match="pad"):
        run_quick("attention.masks", pad=8)


@pytest.mark.parametrize("seed", SEEDS)
def test_efficient_variants_save_memory_and_local_loses_range(run_quick, seed):
    m = run_quick("attention.efficient", seed=seed)
    g = m["memory_growth_exponent"]
    assert g["full"] > 1.6
    for name in ("local", "Linformer", "linear"):
        assert g[name] < 1.3, name
    assert m["peak_bytes"]["local"][-1] < m["peak_bytes"]["full"][-1]
    acc = m["far_accuracy"]
    assert acc["local"] < 0.6 and acc["global+local"] > 0.9 and acc["full"] > 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_attention_keeps_the_long_range_an_rnn_loses(run_quick, seed):
    acc = run_quick("attention.vs_rnn", seed=seed)["accuracy"]
    assert acc["RNN"]["4"] > 0.95 and acc["RNN"]["24"] < 0.7
    assert acc["self-attention"]["4"] > 0.95 and acc["self-attention"]["24"] > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_dot_and_additive_both_learn_additive_costs_more(run_quick, seed):
    m = run_quick("attention.dot_vs_additive", seed=seed)
    assert min(m["accuracy"].values()) > 0.97
    assert m["peak_bytes"]["additive"] > 4 * m["peak_bytes"]["dot-product"]


@pytest.mark.parametrize("seed", SEEDS)
def test_cnn_wins_small_on_a_local_rule_attention_reaches_what_a_cnn_cannot(run_quick, seed):
    acc = run_quick("attention.cnn_vs_attention", seed=seed)["accuracy"]
    assert acc["motif: CNN"]["64"] > acc["motif: self-attention"]["64"] + 0.1
    assert acc["motif: CNN"]["2048"] > 0.95 and acc["motif: self-attention"]["2048"] > 0.9
    assert max(acc["long range: CNN"].values()) < 0.65 and acc["long range: self-attention"]["2048"] > 0.95
