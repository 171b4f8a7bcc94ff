"""Languages of the lecture pages and the command line: English is written in the code; every other
language is one catalogue module here (``zh.py``) mapping keys to text. ``tr(key, english)`` gives
the current language's text, or the English when the catalogue has no line for it (a page is never
missing a sentence, only not yet translated).

The language: ``--lang`` on the command line, else ``CHAINRULE_LANG``, else the locale (a zh_*
locale picks Chinese), else English.
"""
import importlib
import locale
import os

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
