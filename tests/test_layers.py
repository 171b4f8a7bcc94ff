"""The layering rule of DESIGN.md: a module imports only its own layer and the layers below it
(``chainrule/__init__.py``, the public face, re-exports everything and is exempt)."""
import ast
import os

import pytest

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "chainrule")

# lowest first; a module may import from its own rank or lower
RANKS = {
    "backend": 0, "kernels": 0, "tunables": 0,
    "autograd": 1, "random": 1,
    "ops": 2, "distributed": 2,
    "nn": 3,
    "optim": 4, "data": 4, "io": 4, "train": 4, "utils": 4,
    "models": 5, "vision": 5, "methods": 5,
    "lectures": 6,
    "cli": 7, "report": 7, "demo": 7, "__main__": 7,
}
FACE = 6   # `import chainrule` (the whole public face) is for lectures and above
# autograd.functional (jacobian, hessian, vjp, hvp) is built from ops, as torch.autograd.functional
# is from torch's; it sits at the ops layer though its path is PyTorch's.
MODULE_RANKS = {("autograd", "functional"): 2}


def _modules():
    for folder, _, files in os.walk(ROOT):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(folder, f)
                rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
                if rel != ["__init__"]:
                    yield path, rel


def _imports(path, rel):
    """(line, target parts inside chainrule or None for the face) of every import of chainrule."""
    pkg = rel[:-1]                                   # the package a relative import starts from
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "chainrule":
                    yield node.lineno, None
                elif a.name.startswith("chainrule."):
                    yield node.lineno, a.name.split(".")[1:]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[:len(pkg) - (node.level - 1)] if node.level > 1 else pkg
                target = base + (node.module.split(".") if node.module else [])
                if not target:                      # `from .. import x` at the top: x is a layer
                    for a in node.names:
                        yield node.lineno, [a.name]
                    continue
                yield node.lineno, target
            elif node.module == "chainrule":
                for a in node.names:
                    yield node.lineno, [a.name]
            elif node.module and node.module.startswith("chainrule."):
                yield node.lineno, node.module.split(".")[1:]


def test_every_module_is_in_a_known_layer():
    unknown = sorted({rel[0] for _, rel in _modules()} - set(RANKS))
    assert not unknown, f"add these to DESIGN.md's layers and to RANKS: {unknown}"


def test_no_import_runs_upward():
    bad = []
    for path, rel in _modules():
        rank = MODULE_RANKS.get(tuple(rel), RANKS[rel[0]])
        for line, target in _imports(path, rel):
            if target is None:
                if rank < FACE:
                    bad.append(f"{'/'.join(rel)}.py:{line} imports the chainrule face")
                continue
            layer = target[0]
            if layer in RANKS and RANKS[layer] > rank:
                bad.append(f"{'/'.join(rel)}.py:{line} ({rel[0]}, rank {rank}) imports "
                           f"{'.'.join(target)} (rank {RANKS[layer]})")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("package", ["models", "vision", "methods"])
def test_the_zoo_packages_exist_and_import(package):
    import importlib
    mod = importlib.import_module(f"chainrule.{package}")
    assert mod.__doc__ and "lectures" in mod.__doc__     # each states its layering rule
