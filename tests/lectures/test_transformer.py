"""Lecture 8 (Transformer): each experiment's stated answer on its quick config, seeds 0–2."""
import pytest

from chainrule.lectures.transformer import encode_numbers, number_words

SEEDS = [0, 1, 2]


def test_number_words():
    assert number_words(342) == "three hundred forty two".split()
    assert number_words(700) == ["seven", "hundred"] and number_words(15) == ["fifteen"]
    assert number_words(0) == ["zero"] and number_words(90) == ["ninety"]
    src, tgt = encode_numbers([342])
    assert tgt[0].tolist() == [1, 6, 7, 5, 2]
    with pytest.raises(ValueError):
        number_words(1000)


@pytest.mark.parametrize("seed", SEEDS)
def test_translation_and_beam_is_never_less_probable(run_quick, seed):
    m = run_quick("transformer.translation", seed=seed)
    assert m["accuracy"]["greedy"] > 0.65 and m["accuracy"]["beam 4"] > 0.65
    assert m["beam_less_probable"] == 0
    assert m["mean_log_prob"]["beam"] >= m["mean_log_prob"]["greedy"] - 1e-9


@pytest.mark.parametrize("seed", SEEDS)
def test_noisy_inputs_recover_where_teacher_forcing_follows_the_error(run_quick, seed):
    m = run_quick("transformer.exposure_bias", seed=seed)
    r = m["recovery_after_error"]
    assert min(m["accuracy_with_gold_inputs"].values()) > 0.98
    assert r["teacher forcing"] < 0.85 and r["noisy inputs"] > r["teacher forcing"] + 0.1
    assert abs(r["scheduled sampling"] - r["teacher forcing"]) < 0.05   # its own predictions were right


@pytest.mark.parametrize("seed", SEEDS)
def test_non_autoregressive_sampling_mixes_the_two_translations(run_quick, seed):
    m = run_quick("transformer.nat_vs_at", seed=seed)
    assert m["valid_sampled"]["autoregressive"] > 0.9
    assert m["valid_sampled"]["non-autoregressive"] < 0.45       # ≈ 2 of the 8 independent combinations


@pytest.mark.parametrize("seed", SEEDS)
def test_speaker_id_with_padding_mask(run_quick, seed):
    m = run_quick("transformer.speaker_id", seed=seed)
    assert m["accuracy"]["padding mask"] > 0.9
    assert m["logit_change_with_more_padding"]["padding mask"] < 1e-4
    assert m["logit_change_with_more_padding"]["no mask"] > 0.1
