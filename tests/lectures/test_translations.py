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
