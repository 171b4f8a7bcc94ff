"""Checkpoints: everything needed to continue a run exactly — model, optimizer, scheduler, random
state, position — written atomically, keeping the last K."""
import os
import re
import warnings

from ..io.serialization import load, save

_PATTERN = re.compile(r"^ckpt-(\d+)\.safetensors$")


def checkpoint_paths(folder):
    """Existing checkpoints in folder, oldest first."""
    if not os.path.isdir(folder):
        return []
    found = [(int(m.group(1)), os.path.join(folder, name)) for name in os.listdir(folder)
             if (m := _PATTERN.match(name))]
    return [p for _, p in sorted(found)]


def write_checkpoint(folder, step, state, keep_last=3):
    """Save ``state`` as folder/ckpt-<step>.safetensors atomically, then delete all but the newest K."""
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"ckpt-{step:09d}.safetensors")
    save(state, path)
    if keep_last:
        for old in checkpoint_paths(folder)[:-keep_last]:
            os.remove(old)
    return path


def read_latest_checkpoint(folder):
    """The newest checkpoint that loads; a damaged newest one is reported and the previous used."""
    problems = []
    for path in reversed(checkpoint_paths(folder)):
        try:
            state = load(path)
        except (ValueError, OSError) as e:
            problems.append(str(e))
            continue
        if problems:
            warnings.warn("skipped damaged checkpoint(s): " + "; ".join(problems) + f"; using {path}")
        return path, state
    if problems:
        raise ValueError(f"no readable checkpoint in {folder}:\n  " + "\n  ".join(problems))
    return None, None
