"""Run by test_fit.py in a subprocess: trains, optionally SIGKILLs itself mid-epoch, resumes."""
import os
import signal
import sys

import numpy as np

import chainrule as cr
from chainrule import nn
from chainrule.data.datasets import load_digits
from chainrule.utils.data import DataLoader, TensorDataset


def main(folder, mode, out):
    cr.manual_seed(0)
    x, y = load_digits()
    x = (x[:300] / 16.0).astype(np.float32)
    data = TensorDataset(cr.tensor(x), cr.tensor(y[:300]))
    loader = DataLoader(data, batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.2), nn.Linear(32, 10))
    opt = cr.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = cr.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.5)

    class KillAt:
        def on_step_end(self, trainer, step, loss):
            if mode == "kill" and step == 23:  # mid-epoch 3 (10 batches per epoch)
                os.kill(os.getpid(), signal.SIGKILL)

    cr.train.fit(model, nn.CrossEntropyLoss(), opt, loader, epochs=5, scheduler=sched,
                 scheduler_interval="step", callbacks=[KillAt()], checkpoint_dir=folder,
                 checkpoint_every=4, keep_last=2, resume=(mode == "resume"), progress=False)
    cr.save(model.state_dict(), out)


if __name__ == "__main__":
    main(*sys.argv[1:])
