"""The fit loop: epochs of batches, each a forward pass, a loss, backward and an optimizer step
(step 3 of the course), with validation, metrics, a progress bar, early stopping, gradient
clipping and checkpoints that resume to the very same weights as an uninterrupted run."""
import math
import warnings

import numpy as np

from ..autograd.grad_mode import no_grad
from ..nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from ..random import default_generator
from ..utils.data.dataloader import DataLoader
from .checkpoint import read_latest_checkpoint, write_checkpoint
from .metrics import resolve


class EarlyStopping:
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs
    (Lecture: early stopping against overfitting); optionally restore the best weights."""

    def __init__(self, monitor="val_loss", patience=5, min_delta=0.0, mode="min", restore_best=True):
        if mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {mode!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode, self.restore_best = mode, restore_best
        self.best, self.bad_epochs, self.best_state, self.stopped_epoch = None, 0, None, None

    def on_epoch_end(self, trainer, epoch, logs):
        if self.monitor not in logs:
            raise KeyError(f"EarlyStopping: metric {self.monitor!r} is not logged; logged: "
                           f"{', '.join(sorted(logs))}")
        value = logs[self.monitor]
        better = self.best is None or (value < self.best - self.min_delta if self.mode == "min"
                                       else value > self.best + self.min_delta)
        if better:
            self.best, self.bad_epochs = value, 0
            if self.restore_best:
                self.best_state = {k: v._data.copy() for k, v in trainer.model.state_dict().items()}
        else:
            self.bad_epochs += 1
            if self.bad_epochs >= self.patience:
                trainer.stop = True
                self.stopped_epoch = epoch

    def on_train_end(self, trainer):
        if self.restore_best and self.best_state is not None and self.stopped_epoch is not None:
            trainer.model.load_state_dict(self.best_state)


class Trainer:
    """Holds a training run; ``fit()`` below is the one-call interface."""

    def __init__(self, model, loss_fn, optimizer, scheduler=None, metrics=(), callbacks=(),
                 grad_clip_norm=None, grad_clip_value=None, scheduler_interval="epoch",
                 checkpoint_dir=None, checkpoint_every=None, keep_last=3, progress=True, log=None):
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}")
        if checkpoint_every is not None and (not isinstance(checkpoint_every, int) or checkpoint_every <= 0):
            raise ValueError(f"fit: checkpoint_every must be a positive number of steps, got {checkpoint_every}")
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self.metrics = [resolve(m) for m in metrics]
        self.callbacks = list(callbacks)
        self.grad_clip_norm, self.grad_clip_value = grad_clip_norm, grad_clip_value
        self.scheduler_interval = scheduler_interval
        self.checkpoint_dir, self.checkpoint_every, self.keep_last = checkpoint_dir, checkpoint_every, keep_last
        self.progress, self.log = progress, log
        self.history = {}
        self.epoch = self.step = self.batch_in_epoch = 0
        self.epoch_rng = None
        self.stop = False

    # --------------------------------------------------------------------- checkpoints
    def state(self):
        return {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
                "rng": default_generator.get_state(), "epoch_rng": self.epoch_rng,
                "epoch": self.epoch, "step": self.step, "batch_in_epoch": self.batch_in_epoch,
                "history": self.history}

    def save_checkpoint(self):
        if self.checkpoint_dir:
            return write_checkpoint(self.checkpoint_dir, self.step, self.state(), self.keep_last)

    def restore(self, state, source="the checkpoint"):
        try:
            self.model.load_state_dict(state["model"])
        except RuntimeError as e:
            raise RuntimeError(f"resume: {source} does not fit this model: {e}") from None
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        default_generator.set_state(state["rng"])
        self.epoch_rng = state["epoch_rng"]
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.batch_in_epoch = int(state["batch_in_epoch"])
        self.history = {k: list(v) for k, v in state["history"].items()}

    # ---------------------------------------------------------------------------- steps
    def _loss(self, batch):
        *inputs, target = batch if isinstance(batch, (list, tuple)) else (batch, None)
        output = self.model(*inputs)
        loss = self.loss_fn(output, target) if target is not None else self.loss_fn(output)
        return loss, output, target

    def train_step(self, batch):
        self.model.train()
        self.optimizer.zero_grad()
        loss, output, target = self._loss(batch)
        if not math.isfinite(loss.item()):
            raise FloatingPointError(f"fit: the loss became {loss.item()} at step {self.step} (epoch "
                                     f"{self.epoch}); lower the learning rate or clip gradients")
        loss.backward()
        params = [p for g in self.optimizer.param_groups for p in g["params"]]
        if self.grad_clip_norm is not None:
            clip_grad_norm_(params, self.grad_clip_norm)
        if self.grad_clip_value is not None:
            clip_grad_value_(params, self.grad_clip_value)
        self.optimizer.step()
        if self.scheduler is not None and self.scheduler_interval == "step":
            self.scheduler.step()
        return loss.item(), output, target

    def evaluate(self, loader):
        """Mean loss and metrics over a loader, in eval mode without recording the graph."""
        self.model.eval()
        total, count, outs, targets = 0.0, 0, [], []
        with no_grad():
            for batch in loader:
                loss, output, target = self._loss(batch)
                n = len(output)
                total += loss.item() * n
                count += n
                if self.metrics:
                    outs.append(output._data)
                    targets.append(np.asarray(target))
        logs = {"loss": total / max(count, 1)}
        if self.metrics:
            o, t = np.concatenate(outs), np.concatenate(targets)
            for name, fn in self.metrics:
                logs[name] = fn(o, t)
        return logs

    def _record(self, logs):
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)

    def _batches(self, loader):
        """This epoch's batches; on resume, the interrupted epoch continues where it stopped."""
        skip = self.batch_in_epoch
        if skip and isinstance(loader, DataLoader) and self.epoch_rng is not None:
            resume_rng = default_generator.get_state()
            default_generator.set_state(self.epoch_rng)  # redraw this epoch's shuffle
            return loader.iterate(skip, after_skip=lambda: default_generator.set_state(resume_rng))
        self.epoch_rng = default_generator.get_state()
        it = iter(loader)
        for _ in range(skip):
            next(it, None)
        return it

    def fit(self, train_loader, val_loader=None, epochs=1, resume=False):
        if resume:
            if not self.checkpoint_dir:
                raise ValueError("fit: resume needs a checkpoint_dir")
            path, state = read_latest_checkpoint(self.checkpoint_dir)
            if state is None and resume != "auto":
                raise FileNotFoundError(f"fit: resume=True but there is no checkpoint (ckpt-*.safetensors) "
                                        f"in {self.checkpoint_dir}; use resume='auto' to start fresh then")
            if state is not None:
                self.restore(state, f"the checkpoint {path}")
                if self.log:
                    self.log(f"resumed from {path} (epoch {self.epoch}, step {self.step})")
        bar = _progress(total=len(train_loader) * epochs, initial=self.epoch * len(train_loader) +
                        self.batch_in_epoch, enabled=self.progress)
        try:
            while self.epoch < epochs and not self.stop:
                losses, outs, targets = [], [], []
                for batch in self._batches(train_loader):
                    loss, output, target = self.train_step(batch)
                    self.step += 1
                    self.batch_in_epoch += 1
                    losses.append(loss)
                    if self.metrics and target is not None:
                        outs.append(output._data)
                        targets.append(target._data)
                    bar.update(1)
                    bar.set_postfix(loss=f"{loss:.4f}", lr=f"{self.optimizer.param_groups[0]['lr']:.2e}",
                                    refresh=False)
                    if self.checkpoint_every and self.step % self.checkpoint_every == 0:
                        self.save_checkpoint()
                    for cb in self.callbacks:
                        if hasattr(cb, "on_step_end"):
                            cb.on_step_end(self, self.step, loss)
                logs = {"loss": float(np.mean(losses)) if losses else float("nan"),
                        "lr": self.optimizer.param_groups[0]["lr"]}
                if outs:
                    o, t = np.concatenate(outs), np.concatenate(targets)
                    for name, fn in self.metrics:
                        logs[name] = fn(o, t)
                if val_loader is not None:
                    for k, v in self.evaluate(val_loader).items():
                        logs["val_" + k] = v
                if self.scheduler is not None and self.scheduler_interval == "epoch":
                    if hasattr(self.scheduler, "is_better"):  # ReduceLROnPlateau watches a metric
                        self.scheduler.step(logs.get("val_loss", logs["loss"]))
                    else:
                        self.scheduler.step()
                self._record(logs)
                bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if k != "lr"}, refresh=True)
                if self.log:
                    self.log(f"epoch {self.epoch + 1}/{epochs}: " +
                             ", ".join(f"{k} {v:.4g}" for k, v in logs.items()))
                self.epoch += 1
                self.batch_in_epoch = 0
                self.epoch_rng = None
                for cb in self.callbacks:
                    if hasattr(cb, "on_epoch_end"):
                        cb.on_epoch_end(self, self.epoch, logs)
                if self.checkpoint_dir and not self.checkpoint_every:
                    self.save_checkpoint()
        finally:
            bar.close()
        for cb in self.callbacks:
            if hasattr(cb, "on_train_end"):
                cb.on_train_end(self)
        return self.history


def fit(model, loss_fn, optimizer, train_loader, val_loader=None, epochs=1, scheduler=None,
        metrics=(), callbacks=(), checkpoint_dir=None, checkpoint_every=None, resume=False,
        keep_last=3, grad_clip_norm=None, grad_clip_value=None, early_stopping=None,
        scheduler_interval="epoch", progress=True, log=None):
    """Train ``model`` and return its history (a dict of per-epoch lists: loss, lr, metrics, val_*).

    checkpoint_every=N saves every N steps (else every epoch, when checkpoint_dir is given);
    resume=True continues from the newest checkpoint in checkpoint_dir to exactly the weights an
    uninterrupted run would reach (resume='auto' also starts fresh when there is none). early_stopping=patience (or an EarlyStopping) watches val_loss.
    """
    callbacks = list(callbacks)
    if early_stopping is not None:
        callbacks.append(early_stopping if isinstance(early_stopping, EarlyStopping)
                         else EarlyStopping(patience=int(early_stopping)))
    trainer = Trainer(model, loss_fn, optimizer, scheduler, metrics, callbacks, grad_clip_norm,
                      grad_clip_value, scheduler_interval, checkpoint_dir, checkpoint_every,
                      keep_last, progress, log)
    return trainer.fit(train_loader, val_loader, epochs, resume)


class _NoBar:
    def update(self, n=1):
        pass

    def set_postfix(self, *args, **kwargs):
        pass

    def close(self):
        pass


def _progress(total, initial, enabled):
    if not enabled:
        return _NoBar()
    try:
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - tqdm is a dependency
        warnings.warn("tqdm is not installed: no progress bar")
        return _NoBar()
    return tqdm(total=total, initial=initial, unit="batch", dynamic_ncols=True, leave=False)
