"""Experiments: each lecture idea as a function from a config to numbers and figures.

``@experiment`` registers a function ``fn(cfg, ctx) -> Result`` under a dotted name that starts with
its lecture (``regression.overfitting``), with the one question it answers and the formula from
the notes it shows. ``Config`` dataclasses give defaults that finish in about a minute on two cores;
``quick`` overrides make a ~10 s version that the tests run.
"""
import dataclasses
import difflib
import importlib
import pkgutil
import sys
import typing

from .lang import tr


_PACKAGE = __name__.rsplit(".", 1)[0]   # chainrule.lectures


def _lecture_of(module_name):
    """The lecture a module belongs to: the innermost enclosing module that declares ``TITLE``
    (its last name component is the lecture's name and the experiments' prefix)."""
    parts = module_name.split(".")
    for i in range(len(parts), 0, -1):
        mod = sys.modules.get(".".join(parts[:i]))
        if mod is not None and hasattr(mod, "TITLE"):
            return parts[i - 1], mod
    return None, None


def discover():
    """Import every module of the ``chainrule.lectures`` package path (where a lecture is one
    module or package declaring ``TITLE`` and ``ORDER``); adding a lecture touches no other file."""
    for info in pkgutil.iter_modules(sys.modules[_PACKAGE].__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{_PACKAGE}.{info.name}")


def lectures():
    """``{name: title}`` of every lecture, in course order (each module's ``ORDER``)."""
    discover()
    found = []
    for name, mod in list(sys.modules.items()):
        if mod is not None and name.startswith(_PACKAGE + ".") and name.count(".") == _PACKAGE.count(".") + 1 \
                and hasattr(mod, "TITLE"):
            found.append((getattr(mod, "ORDER", 999), name.rsplit(".", 1)[1], mod.TITLE))
    return {short: title for _, short, title in sorted(found)}


@dataclasses.dataclass
class Result:
    """What an experiment returns: its metrics, its figures (name → matplotlib Figure) and the
    answer to its question in one or two sentences with the numbers."""
    metrics: dict
    figures: dict
    headline: str


@dataclasses.dataclass
class Experiment:
    name: str
    fn: typing.Callable
    config: type
    question: str
    formula: str
    quick: dict
    captions: dict = dataclasses.field(default_factory=dict)   # figure name → what to notice in it

    @property
    def lecture(self):
        return self.name.split(".")[0]


REGISTRY = {}


def experiment(name, config, question, formula="", quick=None, captions=None):
    """Register ``fn(cfg, ctx) -> Result`` as experiment ``name``, whose prefix is the lecture of
    the module defining it (``regression.overfitting`` in ``lectures/regression/``). ``captions``
    says under each figure (by its name in ``Result.figures``) what to notice in it."""
    def register(fn):
        lecture, _ = _lecture_of(fn.__module__)
        if lecture is None:
            raise ValueError(f"experiment {name!r}: {fn.__module__} is not in a lecture module (one "
                             f"that declares TITLE and ORDER)")
        if name.split(".")[0] != lecture:
            raise ValueError(f"experiment {name!r}: experiments of lecture {lecture!r} are named "
                             f"'{lecture}.<name>'")
        REGISTRY[name] = Experiment(name, fn, config, question, formula, dict(quick or {}), dict(captions or {}))
        return fn
    return register


def get(name):
    """The experiment called name, or a KeyError that suggests the closest names."""
    discover()
    if name not in REGISTRY:
        close = difflib.get_close_matches(name, list(REGISTRY) + ["tour"], n=3, cutoff=0.4)
        hint = tr("error.did_you_mean", "; did you mean {names}?", names=tr("list.or", " or ").join(close)) if close \
            else tr("error.see_list", "; see `chainrule list`")
        raise KeyError(tr("error.unknown_experiment", "unknown experiment {name!r}", name=name) + hint)
    return REGISTRY[name]


def all_experiments():
    discover()
    return dict(REGISTRY)


def make_config(exp, quick=False, overrides=None):
    """The experiment's config: defaults, then the quick version, then ``key=value`` overrides
    (strings are parsed to each field's type; unknown keys and bad values raise ValueError)."""
    fields = {f.name: f for f in dataclasses.fields(exp.config)}
    values = dict(exp.quick) if quick else {}
    for key, raw in (overrides or {}).items():
        if key not in fields:
            valid = ", ".join(f"{n} ({_type_name(f.type)})" for n, f in fields.items())
            raise ValueError(f"{exp.name}: unknown setting {key!r}; valid settings: {valid}")
        values[key] = parse_value(raw, fields[key].type, key, exp.name) if isinstance(raw, str) else raw
    cfg = exp.config(**values)
    for key in fields:
        check_range(exp, key, getattr(cfg, key))
    return cfg


def setting_range(exp, key):
    """The inclusive (low, high) range of a setting, from its config's ``RANGES`` (per element for
    a tuple setting), or for a text setting the tuple of the words it accepts."""
    ranges = getattr(exp.config, "RANGES", {})
    if key not in ranges:
        raise ValueError(f"{exp.name}: setting {key} has no range in {exp.config.__name__}.RANGES")
    return ranges[key]


def _is_choice(allowed):
    return all(isinstance(a, str) for a in allowed)


def check_range(exp, key, value):
    """Raise ValueError naming the setting, what it needs and what was given."""
    allowed = setting_range(exp, key)
    items = value if isinstance(value, (tuple, list)) else (value,)
    if isinstance(value, (tuple, list)) and not value:
        raise ValueError(tr("error.setting_empty", "setting {setting} needs at least one value, got none",
                            setting=key))
    if _is_choice(allowed):
        for v in items:
            if v not in allowed:
                raise ValueError(tr("error.setting_choice", "setting {setting} must be one of {words}; got {v!r}",
                                    setting=key, words=", ".join(allowed), v=v))
        return
    low, high = allowed
    for v in items:
        if v < low:
            raise ValueError(tr("error.setting_low", "setting {setting} must be ≥ {low}, got {v}", setting=key, low=low,
                                v=v))
        if v > high:
            raise ValueError(tr("error.setting_high", "setting {setting} must be ≤ {high}, got {v}", setting=key, high=high,
                                v=v))


def describe_settings(exp):
    """One line per setting, in the form ``--set`` takes: name=default (type, range)."""
    lines = []
    for f in dataclasses.fields(exp.config):
        default = f.default
        shown = ",".join(str(v) for v in default) if isinstance(default, (tuple, list)) else default
        allowed = setting_range(exp, f.name)
        each = ", each" if isinstance(default, (tuple, list)) else ""
        where = f"one of {', '.join(allowed)}" if _is_choice(allowed) else f"in [{allowed[0]}, {allowed[1]}]"
        lines.append(f"  --set {f.name}={shown}   ({_type_name(f.type)}{each} {where})")
    return "\n".join(lines)


def _type_name(t):
    if typing.get_origin(t) in (tuple, list):
        args = [a for a in typing.get_args(t) if a is not Ellipsis]
        return f"comma-separated {_type_name(args[0]) if args else 'str'}s"
    return getattr(t, "__name__", str(t)).replace("typing.", "")


def parse_value(raw, typ, key, name):
    """'3' → 3 for an int field, '0.1,1,10' → (0.1, 1.0, 10.0) for a tuple of floats, …"""
    if isinstance(typ, str):
        typ = {"int": int, "float": float, "bool": bool, "str": str}.get(typ, typ)
    origin = typing.get_origin(typ)
    try:
        if typ is bool:
            if raw.lower() in ("1", "true", "yes", "on"):
                return True
            if raw.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(raw)
        if origin in (tuple, list):
            args = typing.get_args(typ)
            inner = args[0] if args else str
            items = [parse_value(x.strip(), inner, key, name) for x in raw.split(",") if x.strip()]
            return tuple(items) if origin is tuple else items
        if typ in (int, float, str):
            return typ(raw)
    except ValueError:
        raise ValueError(tr("error.setting_type", "{name}: setting {setting} expects {type}, got {raw!r}", name=name,
                            setting=key, type=_type_name(typ), raw=raw)) from None
    raise ValueError(f"{name}: setting {key} has a type ({typ}) that cannot be set from the command line")
