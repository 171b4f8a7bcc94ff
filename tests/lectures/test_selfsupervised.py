"""Lecture 9's experiments, quick configs, each asserting its stated answer over three seeds, and
the pieces they are built from (the corpus's tasks, the pre-training inputs)."""
import numpy as np
import pytest

from chainrule.lectures.selfsupervised import corpus as C


def test_pretraining_pairs_follow_the_layout():
    tok = C.tokenizer()
    ids, types = C.pretraining_pairs(tok, 48)
    assert ids.shape == types.shape and ids.shape[1] == 48 and len(ids) > 10_000
    assert (ids[:, 0] == C.CLS).all()
    for row, t in zip(ids[:50], types[:50]):
        seps = np.flatnonzero(row == C.SEP)
        assert len(seps) == 2 and (t[:seps[0] + 1] == 0).all() and (t[seps[0] + 1:seps[1] + 1] == 1).all()
        assert (row[seps[1] + 1:] == C.PAD).all() and (t[seps[1] + 1:] == 0).all()


@pytest.mark.parametrize("task", C.TASKS)
def test_task_examples_have_known_answers(task):
    ids, types, mask, labels = C.task_examples(task, "test")
    train = C.task_examples(task, "train")[0]
    assert len(ids) == len(labels) > 100 and len(train) > 3 * len(ids)
    assert ((ids != C.PAD) == (mask == 1)).all()
    tok = C.tokenizer()
    if task == "qa":                          # the span is the word after the question's word
        for row, (s, e) in zip(ids[:30], labels[:30]):
            sep = int(np.flatnonzero(row == C.SEP)[0])
            question = tok.decode(row[1:sep]).strip()
            line = tok.decode(row[sep + 1:]).replace("[SEP]", "").replace("[PAD]", "")
            answer = tok.decode(row[s:e + 1]).strip()
            words = C._WORD.findall(line)
            assert words[words.index(question) + 1].startswith(answer.strip("'")) or answer in words
    if task == "token":                       # one word per line swapped in: its tokens are marked, in one run
        for row, lab in zip(ids[:200], labels[:200]):
            marked = np.flatnonzero(lab == 1)
            assert len(marked) >= 1 and (np.diff(marked) == 1).all() and (lab[row == C.PAD] == -100).all()
    if task == "sentence":                    # half as written, half with two different words swapped
        assert set(np.unique(labels)) == {0, 1} and abs(labels.mean() - 0.5) < 0.01
        words = sorted(C._WORD.findall(C._swap_two_words("to be or not to be", np.random.default_rng(0))))
        assert words == sorted("to be or not to be".split())
    if task == "pair":
        assert set(np.unique(labels)) == {0, 1} and (types[labels == 1].sum(1) > 0).all()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_gpt_learns_a_new_task_from_its_prompt(run_quick, seed):
    m = run_quick("selfsupervised.in_context", seed=seed)
    acc, best = m["accuracy"], m["best"]
    assert abs(acc[0] - 1 / 6) < 0.06                       # no example: chance
    assert acc[-1] > 0.55 and acc[-1] > best[-1] - 0.2     # many examples: near the best possible
    assert all(b >= a - 0.05 for a, b in zip(acc[:-1], acc[1:]))   # more examples, more right


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_prompting_matches_fine_tuning_with_nothing_stored(run_quick, seed):
    m = run_quick("selfsupervised.finetune_vs_prompt", seed=seed)
    acc = m["accuracy"]
    assert acc["prompting"][5] > 0.5 and acc["prompting"][5] >= acc["fine-tuning"][5] - 0.1
    assert all(acc[n][k] <= acc["best possible"][k] + 0.1 for n in ("prompting", "fine-tuning") for k in acc[n])
    assert m["parameters_per_task"]["prompting"] == 0 < m["parameters_per_task"]["fine-tuning"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_masked_lm_pretraining_learns_from_unlabelled_text(run_quick, seed):
    # The quick run (400 steps, 64 wide) learns the token frequencies but stops before the loss's
    # plateau ends (near step 1,000 of the full run, where attention starts to use the context and
    # the blanks' accuracy climbs to ~33% against the frequencies' 4.5%): its claim is the first half.
    m = run_quick("selfsupervised.bert_mlm", seed=seed)
    assert m["final_loss"] < m["unigram_entropy"] < m["first_loss"]
    assert m["mlm_accuracy"] > m["frequency_accuracy"] - 0.01


def test_pretrained_and_scratch_models_are_fine_tuned_on_each_task(run_quick):
    m = run_quick("selfsupervised.pretrain_vs_scratch", tasks=("sentence", "pair", "token", "qa"),
                  sizes=(32, 64), finetune_steps=40)
    assert set(m["score"]) == {"sentence", "pair", "token", "qa"}
    for task, by_size in m["score"].items():
        for scores in by_size.values():
            assert set(scores) == {"pretrained", "scratch"} and all(0 <= v <= 1 for v in scores.values())
    assert set(m["gain"]) == {32, 64}


def test_each_adapter_trains_what_its_formula_says(run_quick):
    table = run_quick("selfsupervised.adapters", task="pair", finetune_steps=5)["table"]
    d, layers, head = 64, 1, (64 * 64 + 64) + (64 * 2 + 2)         # quick: width 64, 1 layer; pooler + classifier
    assert table["full"]["trainable"] == table["full"]["total"]
    assert table["head only"]["trainable"] == head
    assert table["LoRA"]["trainable"] == head + layers * 2 * (8 * d + d * 8)                  # query, value; r = 8
    assert table["Houlsby adapter"]["trainable"] == head + layers * 2 * (d * 16 + 16 + 16 * d + d)
    assert table["adapter bias"]["trainable"] == head + layers * 2 * (d + d + 1)            # v, w, b
    assert table["prefix"]["trainable"] == head + layers * 2 * 8 * d                        # keys and values, P = 8
    assert head < table["BitFit"]["trainable"] < head + 2000
    assert all(r["fraction"] < 0.1 for name, r in table.items() if name != "full")


def test_lora_merged_equals_unmerged_and_unmerge_restores(run_quick):
    m = run_quick("selfsupervised.lora_merge")
    assert m["max_difference"] < 1e-5 * max(1.0, m["score_scale"]) and m["restored"] < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_char_gpt_learns_shakespeare_and_temperature_trades_words_for_variety(run_quick, seed):
    m = run_quick("selfsupervised.char_gpt", seed=seed)
    assert m["val_loss"] < m["unigram_loss"] - 0.4
    lo, hi = min(m["real_word_rate"]), max(m["real_word_rate"])
    assert m["real_word_rate"][lo] > m["real_word_rate"][hi]
    assert m["distinct_4grams"][hi] > m["distinct_4grams"][lo]
