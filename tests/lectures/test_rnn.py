"""Lecture 6 (recurrent networks): each experiment's stated answer on its quick config, seeds 0–2."""
import pytest

SEEDS = [0, 1, 2]


@pytest.mark.parametrize("seed", SEEDS)
def test_memory_carries_the_verb_to_the_city(run_quick, seed):
    acc = run_quick("rnn.slot_filling", seed=seed)["city_accuracy"]
    assert acc["one word (feed-forward)"] < 0.6 and acc["RNN (Elman)"] > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_reading_backwards_sees_the_later_verb(run_quick, seed):
    acc = run_quick("rnn.bidirectional", seed=seed)["city_accuracy"]
    assert acc["forward RNN"] < 0.6 and acc["bidirectional RNN"] > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_gradients_vanish_fastest_through_a_plain_rnn(run_quick, seed):
    r = run_quick("rnn.vanishing_gradients", seed=seed)["first_to_last"]
    assert r["RNN"] < 1e-6 and r["RNN"] * 100 < r["GRU"] and r["GRU"] * 100 < r["LSTM"]


@pytest.mark.parametrize("seed", SEEDS)
def test_clipping_walks_down_the_cliff(run_quick, seed):
    p = run_quick("rnn.clipping", seed=seed)["paths"]
    plain, clipped = p["plain gradient descent"], p["clipped at 1.0"]
    assert plain["first_gradient"] > 100 and abs(plain["w"][0]) > 2          # thrown off the cliff
    assert clipped["final_loss"] < 1.0 and not plain["final_loss"] < 1.0


@pytest.mark.parametrize("seed", SEEDS)
def test_ctc_trains_a_recognizer_from_label_sequences(run_quick, seed):
    m = run_quick("rnn.ctc", seed=seed)
    assert m["exact_match"] > 0.6 and m["loss_last"] < 0.3 * m["loss_first"]


@pytest.mark.parametrize("seed", SEEDS)
def test_rnn_tagger_near_the_hmm(run_quick, seed):
    acc = run_quick("rnn.hmm_vs_rnn", seed=seed)["accuracy"]
    best = acc["HMM, true parameters (Viterbi)"]
    assert acc["HMM, counted from the data (Viterbi)"] > best - 0.03
    assert best - 0.08 < acc["bidirectional GRU"] <= best + 0.03


@pytest.mark.parametrize("seed", SEEDS)
def test_elman_and_jordan_on_slot_filling(run_quick, seed):
    acc = run_quick("rnn.elman_vs_jordan", seed=seed)["city_accuracy"]
    assert acc["Elman"] > 0.95
    assert acc["Jordan"] > 0.95          # on this task the output logits carry the verb too


@pytest.mark.parametrize("seed", SEEDS)
def test_reading_in_order_learns_negation(run_quick, seed):
    acc = run_quick("rnn.many_to_one", seed=seed)["accuracy"]
    assert acc["bag of words"] < 0.65 and acc["GRU, last state"] > 0.95


@pytest.mark.parametrize("seed", SEEDS)
def test_lstm_and_gru_remember_what_a_plain_rnn_loses(run_quick, seed):
    m = run_quick("rnn.long_memory", seed=seed)
    acc = m["accuracy"]
    assert acc["RNN"] < 0.6 and acc["LSTM"] > 0.95 and acc["GRU"] > 0.95
    f = m["memory_unit"]["forget gate f (first token 0)"][1:]
    assert m["final_cell_gap"] > 0.3 and sum(f) / len(f) > 0.5


@pytest.mark.parametrize("seed", SEEDS)
def test_embeddings_group_the_cities(run_quick, seed):
    m = run_quick("rnn.one_hot_vs_embedding", seed=seed)
    assert min(m["city_accuracy"].values()) > 0.95
    assert m["cosine_within_cities"] > m["cosine_cities_fillers"] + 0.2


@pytest.mark.parametrize("seed", SEEDS)
def test_the_decoder_stops_with_the_end_symbol(run_quick, seed):
    m = run_quick("rnn.seq2seq", seed=seed)
    assert m["right_length"] > 0.9 and m["exact"] > 0.75


@pytest.mark.parametrize("seed", SEEDS)
def test_truncated_bptt_char_model_learns_the_text(run_quick, seed):
    m = run_quick("rnn.char_lm", seed=seed)
    assert m["bits_per_char"]["state carried (truncated BPTT)"] < m["unigram_bits"] - 2.0
