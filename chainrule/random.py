"""Randomness: one global generator, seeded by ``chainrule.manual_seed``.

The same seed gives the same numbers, bit for bit, on the same machine. A ``Generator`` can be
made and passed to the random factories and samplers, as in PyTorch.
"""
import numpy as np


class Generator:
    """A source of random numbers (NumPy's PCG64) with PyTorch's methods."""

    def __init__(self, device="cpu"):
        self._seed = 67280421310721  # PyTorch's default seed
        self.np = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < 0:
            seed &= (1 << 64) - 1
        self._seed = seed
        self.np = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the new seed."""
        s = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The generator's state as a uint8 tensor (saveable in a checkpoint)."""
        from .autograd.tensor import wrap_array
        st = self.np.bit_generator.state
        words = [st["state"]["state"], st["state"]["inc"]]
        raw = b"".join(w.to_bytes(16, "little") for w in words)
        raw += bytes([st["has_uint32"]]) + int(st["uinteger"]).to_bytes(4, "little")
        raw += int(self._seed).to_bytes(8, "little")
        return wrap_array(np.frombuffer(raw, dtype=np.uint8).copy())

    def set_state(self, state):
        raw = bytes(np.asarray(state, dtype=np.uint8))
        if len(raw) != 45:
            raise ValueError(f"Generator.set_state: expected a state of 45 bytes (from get_state), "
                             f"got {len(raw)}")
        bg = np.random.PCG64()
        bg.state = {"bit_generator": "PCG64",
                    "state": {"state": int.from_bytes(raw[0:16], "little"),
                              "inc": int.from_bytes(raw[16:32], "little")},
                    "has_uint32": raw[32], "uinteger": int.from_bytes(raw[33:37], "little")}
        self.np = np.random.Generator(bg)
        self._seed = int.from_bytes(raw[37:45], "little")
        return self


default_generator = Generator()


def manual_seed(seed):
    """Seed the global generator: the same seed gives the same run."""
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def numpy_generator(generator=None):
    """The NumPy generator behind ``generator`` (the global one when None)."""
    return (generator or default_generator).np
