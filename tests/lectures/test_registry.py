"""Lectures register themselves: a module declaring TITLE and ORDER on the lectures package's path
is found, listed in course order and its experiments run; lectures share only public helpers."""
import ast
import os
import subprocess
import sys

import pytest

import chainrule.lectures as lectures_pkg
from chainrule.lectures import get, make_config, registry
from chainrule.lectures.context import Context

LECTURE = '''
"""A lecture added by dropping one file in."""
import dataclasses

from chainrule.lectures.common import figure
from chainrule.lectures.registry import Result, experiment

TITLE = "Lecture 0.5 — A lecture added by a test"
ORDER = 1.5


@dataclasses.dataclass
class Config:
    n: int = 3
    RANGES = {"n": (1, 100)}


@experiment("addedlecture.count", Config, "Does a dropped-in lecture run?")
def count(cfg, ctx):
    fig, ax = figure()
    ax.plot(range(cfg.n))
    return Result({"n": cfg.n}, {"line": fig}, f"It counted to {cfg.n}.")
'''


def test_a_lecture_module_on_the_path_is_found_listed_in_order_and_runs(tmp_path, monkeypatch):
    (tmp_path / "addedlecture.py").write_text(LECTURE)
    monkeypatch.setattr(lectures_pkg, "__path__", list(lectures_pkg.__path__) + [str(tmp_path)])
    try:
        order = list(registry.lectures())
        assert order[:3] == ["regression", "addedlecture", "classification"]
        exp = registry.get("addedlecture.count")
        assert exp.lecture == "addedlecture"
        assert registry.make_config(exp, overrides={"n": "5"}).n == 5
    finally:
        sys.modules.pop("chainrule.lectures.addedlecture", None)
        registry.REGISTRY.pop("addedlecture.count", None)


def test_an_experiment_must_carry_its_lectures_prefix():
    with pytest.raises(ValueError, match="experiments of lecture 'regression' are named 'regression.<name>'"):
        def misplaced(cfg, ctx):
            pass
        misplaced.__module__ = "chainrule.lectures.regression"
        registry.experiment("training.misplaced", object, "?")(misplaced)
    with pytest.raises(ValueError, match="is not in a lecture module"):
        registry.experiment("regression.x", object, "?")(lambda cfg, ctx: None)


def _lecture_files():
    root = os.path.dirname(lectures_pkg.__file__)
    for folder, _, files in os.walk(root):
        for f in files:
            if f.endswith(".py"):
                yield os.path.join(folder, f)


def test_no_lecture_module_imports_another_modules_private_names():
    offenders = []
    for path in _lecture_files():
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
            if isinstance(node, ast.ImportFrom):
                offenders += [f"{path}: from {'.' * node.level}{node.module or ''} import {a.name}"
                              for a in node.names if a.name.startswith("_")]
    assert not offenders, offenders


def test_chainrule_list_groups_by_lecture_in_course_order():
    out = subprocess.run([sys.executable, "-m", "chainrule", "list"], capture_output=True, text=True,
                         check=True).stdout
    titles = [line for line in out.splitlines() if line.startswith("Lecture")]
    assert [t.split(" —")[0] for t in titles[:3]] == ["Lecture 1", "Lecture 2", "Lecture 3"]


def test_every_setting_of_every_experiment_has_a_range_its_defaults_and_quick_values_meet():
    import dataclasses
    for name, exp in registry.all_experiments().items():
        for f in dataclasses.fields(exp.config):
            allowed = registry.setting_range(exp, f.name)
            if all(isinstance(a, str) for a in allowed):            # a text setting: its words
                assert allowed and f.default in allowed or all(v in allowed for v in f.default), (name, f.name)
            else:
                low, high = allowed
                assert low <= high, (name, f.name)
        registry.make_config(exp)                  # the defaults are in range
        registry.make_config(exp, quick=True)      # and so is the quick version


def test_a_text_setting_accepts_only_its_words():
    exp = registry.get("selfsupervised.adapters")
    assert registry.make_config(exp, overrides={"task": "qa"}).task == "qa"
    with pytest.raises(ValueError, match="task must be one of sentence, token, pair, qa; got 'poem'"):
        registry.make_config(exp, overrides={"task": "poem"})
    assert "one of sentence, token, pair, qa" in registry.describe_settings(exp)


# The first lectures' experiments that train with a learning rate the user may set, at the largest η
# their range allows: each still finishes its page, and the page says what went wrong instead of a
# lesson its numbers contradict (a diverged run is a result, not a traceback).
LARGEST_ETA = {
    "regression.linear_views": lambda m, head: m["7_day"]["test_mae"] < m["1_day"]["test_mae"],
    "regression.normal_equations": lambda m, head: "diverged" in head,
    "regression.sigmoid_sum": lambda m, head: m["no_better_than_a_constant"] and "no better than a constant" in head,
    "classification.ce_vs_square": lambda m, head: m,
    "classification.xor": lambda m, head: m["accuracy_transformed"] > 0.9,
    "classification.softmax_regression": lambda m, head: m,
    "training.momentum_plateau": lambda m, head: m["where"]["momentum"] != "minimum",
    "training.optimizers": lambda m, head: m["diverged"] and "diverged" in head,
    "training.lr_schedule": lambda m, head: "diverged" in head,
}


@pytest.mark.parametrize("name", sorted(LARGEST_ETA))
def test_the_largest_learning_rate_a_setting_allows_ends_in_a_page_that_says_so(name):
    from chainrule.lectures.registry import setting_range
    exp = get(name)
    lr = setting_range(exp, "lr")[1]
    result = exp.fn(make_config(exp, quick=True, overrides={"lr": lr}), Context(seed=0, progress=False))
    import matplotlib.pyplot as plt
    for fig in result.figures.values():
        plt.close(fig)
    assert result.figures and LARGEST_ETA[name](result.metrics, result.headline), result.headline


def test_every_first_lecture_experiment_with_a_learning_rate_setting_is_tried_at_its_largest():
    import dataclasses
    from chainrule.lectures.registry import all_experiments
    with_lr = {n for n, e in all_experiments().items() if e.lecture in ("regression", "classification", "training")
               and "lr" in {f.name for f in dataclasses.fields(e.config)}}
    assert with_lr - set(LARGEST_ETA) == {"training.data_parallel"}   # MPI ranks: tested in tests/distributed


def _without_timings(metrics):
    """The metrics less wall-clock times (which no seed fixes)."""
    if isinstance(metrics, dict):
        return {k: _without_timings(v) for k, v in metrics.items() if not any(w in str(k) for w in ("second", "time"))}
    return metrics


@pytest.mark.parametrize("name, seed_shows", [("regression.linear_views", True), ("regression.overfitting", True),
                                              ("classification.softmax_regression", False),
                                              ("classification.perceptron_hinge", False),
                                              ("training.batch_size", True), ("training.cross_validation", True)])
def test_the_same_seed_reproduces_a_run_bit_for_bit_and_another_seed_changes_it(name, seed_shows):
    """--seed reaches the data, the initial weights and the batches: two runs with seed 3 give the
    same numbers to the last bit; seed 4 gives others (where the numbers are fine enough to show it:
    iris accuracy is the same on many seeds)."""
    import json
    exp = get(name)

    def numbers(seed):
        result = exp.fn(make_config(exp, quick=True), Context(seed=seed, progress=False))
        import matplotlib.pyplot as plt
        for fig in result.figures.values():
            plt.close(fig)
        return json.dumps(_without_timings(result.metrics), sort_keys=True, default=repr)

    first = numbers(3)
    assert numbers(3) == first
    if seed_shows:
        assert numbers(4) != first
