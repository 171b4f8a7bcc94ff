"""Experiments: each lecture idea as a function from a config to numbers and figures.

``@experiment`` registers a function ``fn(cfg, ctx) -> Result`` under a dotted name that starts with
its lecture (``regression.overfitting``), with the one question it answers and the formula from
the notes it shows. ``Config`` dataclasses give defaults that finish in about a minute on two cores;
``quick`` overrides make a ~10 s version that the tests run.
"""
import dataclasses
import difflib
import typing

LECTURES = {
    "regression": "Lecture 1 — Regression: find a function by gradient descent",
    "classification": "Lecture 2 — Classification: generative models and logistic regression",
    "training": "Lecture 3 — The art of training: critical points, batches, optimizers, overfitting",
}


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

    @property
    def lecture(self):
        return self.name.split(".")[0]


REGISTRY = {}


def experiment(name, config, question, formula="", quick=None):
    """Register ``fn(cfg, ctx) -> Result`` as experiment ``name`` (its lecture first)."""
    if name.split(".")[0] not in LECTURES:
        raise ValueError(f"experiment {name!r}: the name must start with a lecture ({', '.join(LECTURES)})")

    def register(fn):
        REGISTRY[name] = Experiment(name, fn, config, question, formula, dict(quick or {}))
        return fn
    return register


def get(name):
    """The experiment called name, or a KeyError that suggests the closest names."""
    from . import classification, generalization, regression, training  # noqa: F401  (registers them)
    if name not in REGISTRY:
        close = difflib.get_close_matches(name, list(REGISTRY) + ["tour"], n=3, cutoff=0.4)
        hint = f"; did you mean {' or '.join(close)}?" if close else "; see `chainrule list`"
        raise KeyError(f"unknown experiment {name!r}{hint}")
    return REGISTRY[name]


def all_experiments():
    from . import classification, generalization, regression, training  # noqa: F401
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
    return exp.config(**values)


def _type_name(t):
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
        raise ValueError(f"{name}: setting {key} expects {_type_name(typ)}, got {raw!r}") from None
    raise ValueError(f"{name}: setting {key} has a type ({typ}) that cannot be set from the command line")
