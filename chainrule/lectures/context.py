"""What a running experiment gets besides its config: a seed, a progress bar and a log."""
import numpy as np

import chainrule as cr


class Context:
    def __init__(self, seed=0, progress=True, log=None):
        self.seed, self.progress_enabled, self.log = seed, progress, log or (lambda msg: None)
        cr.manual_seed(seed)
        self.rng = np.random.default_rng(seed)

    def progress(self, iterable, total=None, desc=None):
        if not self.progress_enabled:
            return iterable
        from tqdm.auto import tqdm
        return tqdm(iterable, total=total, desc=desc, leave=False, dynamic_ncols=True)
