"""Run by test_fit.py in a subprocess: trains one of the worked steps, optionally SIGKILLs itself
mid-epoch, resumes; saves every registered model's weights."""
import os
import signal
import sys

import chainrule as cr

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from worked_steps import BUILDERS  # noqa: E402


def main(kind, folder, mode, out):
    cr.manual_seed(0)
    kwargs, loader = BUILDERS[kind]()

    class KillAt:
        def on_step_end(self, trainer, step, loss):
            if mode == "kill" and step == 23:  # mid-epoch 3 (10 batches per epoch)
                os.kill(os.getpid(), signal.SIGKILL)

    trainer = cr.train.Trainer(**kwargs, callbacks=[KillAt()], checkpoint_dir=folder, checkpoint_every=4,
                               keep_last=2, progress=False)
    trainer.fit(loader, epochs=5, resume=(mode == "resume"))
    cr.save({f"{name}.{k}": v for name, m in trainer.models.items() for k, v in m.state_dict().items()}, out)


if __name__ == "__main__":
    main(*sys.argv[1:])
