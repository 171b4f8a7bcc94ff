"""Languages of the lecture pages and the command line: English is written in the code; every other
language is one catalogue module here (``zh.py``) mapping keys to text. ``tr(key, english)`` gives
the current language's text, or the English when the catalogue has no line for it (a page is never
missing a sentence, only not yet translated).

The language: ``--lang`` on the command line, else ``CHAINRULE_LANG``, else the locale (a zh_*
locale picks Chinese), else English.
"""
import functools
import importlib
import locale
import os
import re

LANGUAGES = ("en", "zh")
_state = {"lang": None}


def current():
    if _state["lang"] is None:
        env = os.environ.get("CHAINRULE_LANG", "").strip().lower()
        if env:
            set_language(env)
        else:
            loc = (locale.getlocale()[0] or os.environ.get("LANG", "") or "").lower()
            _state["lang"] = "zh" if loc.startswith("zh") else "en"
    return _state["lang"]


def set_language(lang):
    lang = (lang or "en").lower().split("_")[0].split("-")[0]
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    _state["lang"] = lang


def catalogue(lang=None):
    lang = lang or current()
    if lang == "en":
        return {}
    return importlib.import_module(f"{__name__}.{lang}").TEXT


def tr(key, english, lang=None, **values):
    """The text for ``key`` in the current language (``english`` when there is none), formatted
    with ``values``."""
    text = catalogue(lang).get(key, english)
    return text.format(**values) if values else text


@functools.lru_cache(maxsize=None)
def _figure_table(lang):
    """The catalogue's ``FIGURES`` table split into exact lines and patterns: a key with ``{}``
    matches any text in that place (a number, a name, which is itself looked up) and carries it into
    the translation's ``{}``."""
    if lang == "en":
        return {}, []
    table = getattr(importlib.import_module(f"{__name__}.{lang}"), "FIGURES", {})
    exact = {k: v for k, v in table.items() if "{}" not in k}
    keys = sorted((k for k in table if "{}" in k and k.replace("{}", "")), key=lambda k: -len(k.replace("{}", "")))
    patterns = [(re.compile("^" + "(.+?)".join(map(re.escape, k.split("{}"))) + "$", re.S), table[k]) for k in keys]
    return exact, patterns    # the most specific pattern (most fixed text) is tried first


def figure_text(text, lang=None):
    """A figure's text (title, axis label, legend entry, category) in the current language, or
    ``text`` as it is when the catalogue has no line for it."""
    exact, patterns = _figure_table(lang or current())
    if text in exact:
        return exact[text]
    for pattern, out in patterns:
        m = pattern.match(text)
        if m:
            return out.format(*(figure_text(g, lang) for g in m.groups()))
    return text


def translate_figure(fig, lang=None):
    """Put every text of a matplotlib figure — titles, axis labels, legend entries, annotations and
    the names on a categorical axis — into the current language, in place (numbers stay)."""
    lang = lang or current()
    if lang == "en":
        return fig
    from matplotlib.text import Text
    fig.canvas.draw()                     # lay out the tick labels so that they can be read
    ticks = set()
    for ax in fig.axes:
        for axis, labels in ((ax.xaxis, ax.get_xticklabels()), (ax.yaxis, ax.get_yticklabels())):
            ticks.update(map(id, labels))
            names = [t.get_text() for t in labels]
            moved = [figure_text(n, lang) for n in names]
            if moved != names:            # a categorical axis: fix its names in their new language
                axis.set_ticks(axis.get_ticklocs(), labels=moved)
    for text in fig.findobj(Text):
        if id(text) not in ticks and text.get_text():
            text.set_text(figure_text(text.get_text(), lang))
    return fig
