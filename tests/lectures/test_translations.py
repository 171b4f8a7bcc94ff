"""Every ``tr(key, english, **values)`` in the lectures: the Chinese line for the key (when there is
one) and the English fill only placeholders the call passes — a page in Chinese must not fail where
the English one runs."""
import ast
import pathlib
import string

import chainrule.lectures as lectures
from chainrule.lectures.lang.zh import TEXT

SOURCES = sorted(pathlib.Path(lectures.__file__).parent.rglob("*.py"))


def _fields(template):
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def _calls():
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                english = node.args[1] if len(node.args) > 1 else None
                yield (path.name, node.lineno, node.args[0].value,
                       english.value if isinstance(english, ast.Constant) else None,
                       {k.arg for k in node.keywords}, any(k.arg is None for k in node.keywords))


CALLS = list(_calls())


def test_the_lectures_call_tr_with_literal_keys():
    assert len(CALLS) > 300


def test_every_translation_fills_only_what_its_call_passes():
    problems = []
    for where, line, key, english, given, spread in CALLS:
        if spread:            # tr(key, text, **values): the values are known only at run time
            continue
        for lang, text in (("English", english), ("Chinese", TEXT.get(key))):
            if text is not None and not _fields(text) <= given:
                problems.append(f"{where}:{line} {key}: {lang} needs {sorted(_fields(text) - given)}")
    assert not problems, "\n".join(problems)


def test_every_formula_and_figure_caption_of_the_first_lectures_has_its_chinese_line():
    from chainrule.lectures.registry import all_experiments
    first = [e for name, e in all_experiments().items() if e.lecture in ("regression", "classification", "training")]
    assert len(first) >= 27 and all(e.captions for e in first)
    keys = [f"{e.name}.caption.{fig}" for e in first for fig in e.captions] + [f"{e.name}.formula" for e in first]
    missing = [key for key in keys if key not in TEXT]
    assert not missing, missing


def test_figure_lines_carry_what_their_pattern_matched():
    from chainrule.lectures.lang import figure_text
    from chainrule.lectures.lang.zh import FIGURES
    assert all(k.count("{}") == v.count("{}") for k, v in FIGURES.items()), "a pattern drops or adds a {}"
    assert figure_text("η = 0.45: diverges", "zh") == "η = 0.45：发散"               # nested lookup
    assert figure_text("2 layers of 10 ReLUs", "zh") == "2 层、每层 10 个 ReLU"      # the most specific pattern
    assert figure_text("something new", "zh") == "something new"
    assert figure_text("epoch", "en") == "epoch"


def test_a_figure_is_redrawn_in_chinese_titles_labels_legend_and_categories():
    from chainrule.lectures.common import bars, lines
    from chainrule.lectures.lang import translate_figure
    fig = translate_figure(lines({"training error": ([1, 2], [3, 1])}, "Loss per step", "step", "loss"), "zh")
    ax = fig.axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == ("每一步的损失", "步数", "损失（loss）")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["训练误差"]
    fig = translate_figure(bars({"baseline": 0.9, "early stopping": 0.8}, "Test accuracy with each remedy",
                                "accuracy"), "zh")
    fig.canvas.draw()
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["基准", "提早停止"]
    assert fig.axes[0].get_ylabel() == "准确率"
