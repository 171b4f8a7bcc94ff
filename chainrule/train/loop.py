"""The fit loop: epochs of batches, each a training step — by default a forward pass, a loss,
backward and an optimizer step (step 3 of the course) — with validation, metrics, a progress bar,
early stopping, gradient clipping and checkpoints that resume to the very same weights as an
uninterrupted run.

The step is a protocol, so one loop trains every kind of model in the course::

    def training_step(batch, step):          # or override Trainer.training_step
        ...any number of models, losses, optimizers...
        return {"loss": loss, "kl": kl}      # scalars to log

When the returned ``"loss"`` is a Tensor that needs a gradient, the trainer runs its backward,
clips, and steps every registered optimizer (it zeroed them before the step); otherwise the step
did its own updates (a GAN's alternating D and G steps) and the trainer only logs. Registered
schedulers step per ``scheduler_interval``. Every registered model, optimizer and scheduler is
saved in the checkpoints, with the random state and the position in the epoch.
"""
import math

import numpy as np

from .. import distributed as dist
from ..autograd.grad_mode import no_grad
from ..autograd.tensor import Tensor, wrap_array
from ..nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from ..random import default_generator
from ..utils.data.dataloader import DataLoader
from .callbacks import EarlyStopping, _progress
from .checkpoint import read_latest_checkpoint, write_checkpoint
from .metrics import resolve


def _named(single, name, many, what):
    """``{name: single}`` merged with the ``many`` dict (or list) of registered objects."""
    out = {} if single is None else {name: single}
    if many is not None:
        items = many.items() if isinstance(many, dict) else ((f"{name}{i}", m) for i, m in enumerate(many))
        for key, value in items:
            if key in out:
                raise ValueError(f"Trainer: two {what} registered as {key!r}")
            out[key] = value
    return out


def _scalar(value, key, step):
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"Trainer: the step logged {key!r} as a tensor of shape {tuple(value.shape)}; "
                             f"log scalars (loss.item() or a 1-element tensor)")
        value = value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"Trainer: the step logged {key!r} = {value!r} at step {step}; logged values "
                        f"must be numbers or 1-element tensors") from None


def _batch_len(batch):
    """The number of examples in a batch (its first tensor's length; 1 if it has none)."""
    if isinstance(batch, (list, tuple)):
        return _batch_len(batch[0]) if batch else 1
    if isinstance(batch, dict):
        return _batch_len(next(iter(batch.values()))) if batch else 1
    shape = getattr(batch, "shape", None)
    return shape[0] if shape else 1


def _world():
    """(rank, world size) of a data-parallel run, (0, 1) otherwise."""
    if dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def _sum_over_ranks(values):
    """The element-wise sum over ranks of a list of floats."""
    t = wrap_array(np.array(values, dtype=np.float64))
    dist.all_reduce(t)
    return t._data.tolist()


def _rows_of_all_ranks(array):
    """Every rank's rows, concatenated in rank order (ranks may hold different numbers of rows)."""
    world = dist.get_world_size()
    counts = [wrap_array(np.zeros(1, np.int64)) for _ in range(world)]
    dist.all_gather(counts, wrap_array(np.array([len(array)], np.int64)))
    counts = [int(c._data[0]) for c in counts]
    padded = np.zeros((max(counts),) + array.shape[1:], array.dtype)
    padded[:len(array)] = array
    parts = [wrap_array(np.empty_like(padded)) for _ in range(world)]
    dist.all_gather(parts, wrap_array(padded))
    return np.concatenate([p._data[:n] for p, n in zip(parts, counts)])


def _table_of_ranks(state):
    """Every rank's generator state stacked (rank r in row r), for a checkpoint."""
    world = dist.get_world_size()
    rows = [wrap_array(np.empty_like(np.asarray(state))) for _ in range(world)]
    dist.all_gather(rows, wrap_array(np.ascontiguousarray(np.asarray(state))))
    return wrap_array(np.stack([r._data for r in rows]))


class Trainer:
    """Holds a training run; ``fit()`` below is the one-call interface for the supervised case.

    ``model``/``optimizer``/``scheduler`` register one each; ``models``/``optimizers``/
    ``schedulers`` (dicts name → object) register more. ``training_step(batch, step)`` and
    ``validation_step(batch, step)`` replace the supervised steps (or override the methods).

    Data-parallel (launched with mpirun, ``distributed.init_process_group`` called, the model
    wrapped in ``DistributedDataParallel``, a ``DistributedSampler`` in the loader): the trainer
    calls the sampler's ``set_epoch`` every epoch, logs losses and metrics over all ranks' examples,
    and only rank 0 shows progress and writes checkpoints (which hold every rank's random state, so
    a run resumes exactly on the same number of ranks).
    """

    def __init__(self, model=None, loss_fn=None, optimizer=None, scheduler=None, metrics=(), callbacks=(),
                 grad_clip_norm=None, grad_clip_value=None, scheduler_interval="epoch",
                 checkpoint_dir=None, checkpoint_every=None, keep_last=3, progress=True, log=None, *,
                 training_step=None, validation_step=None, models=None, optimizers=None, schedulers=None):
        if scheduler_interval not in ("epoch", "step"):
            raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}")
        if checkpoint_every is not None and (not isinstance(checkpoint_every, int) or checkpoint_every <= 0):
            raise ValueError(f"fit: checkpoint_every must be a positive number of steps, got {checkpoint_every}")
        self.models = _named(model, "model", models, "models")
        self.optimizers = _named(optimizer, "optimizer", optimizers, "optimizers")
        self.schedulers = _named(scheduler, "scheduler", schedulers, "schedulers")
        self.model, self.loss_fn, self.optimizer, self.scheduler = model, loss_fn, optimizer, scheduler
        self._training_step, self._validation_step = training_step, validation_step
        if training_step is None and type(self).training_step is Trainer.training_step:
            if model is None or loss_fn is None or optimizer is None:
                raise ValueError("Trainer: the supervised step needs model, loss_fn and optimizer; "
                                 "for anything else pass training_step=fn(batch, step)")
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
        self._outputs = None

    # --------------------------------------------------------------------- checkpoints
    def state(self):
        """Everything a resume needs (in a data-parallel run, a collective: every rank calls it)."""
        state = {"models": {k: m.state_dict() for k, m in self.models.items()},
                 "optimizers": {k: o.state_dict() for k, o in self.optimizers.items()},
                 "schedulers": {k: s.state_dict() for k, s in self.schedulers.items()},
                 "rng": default_generator.get_state(), "epoch_rng": self.epoch_rng,
                 "epoch": self.epoch, "step": self.step, "batch_in_epoch": self.batch_in_epoch,
                 "history": self.history}
        rank, world = _world()
        if world > 1:
            state["world_size"] = world
            state["rng"] = _table_of_ranks(state["rng"])
            if self.epoch_rng is not None:
                state["epoch_rng"] = _table_of_ranks(self.epoch_rng)
        return state

    def save_checkpoint(self):
        if self.checkpoint_dir:
            state = self.state()
            if _world()[0] == 0:
                return write_checkpoint(self.checkpoint_dir, self.step, state, self.keep_last)

    def restore(self, state, source="the checkpoint"):
        rank, world = _world()
        saved_world = int(state.get("world_size", 1))
        if saved_world != world:
            raise RuntimeError(f"resume: {source} was written by a run on {saved_world} rank(s); "
                               f"resume it on {saved_world} (this run has {world})")
        for kind, registered in (("models", self.models), ("optimizers", self.optimizers),
                                 ("schedulers", self.schedulers)):
            saved = state.get(kind) or {}
            if set(saved) != set(registered):
                raise RuntimeError(f"resume: {source} holds {kind} {sorted(saved)}, this run registers "
                                   f"{sorted(registered)}")
            for name, obj in registered.items():
                try:
                    obj.load_state_dict(saved[name])
                except RuntimeError as e:
                    raise RuntimeError(f"resume: {source} does not fit this model ({kind[:-1]} "
                                       f"{name!r}): {e}") from None
        rng, epoch_rng = state["rng"], state["epoch_rng"]
        if world > 1:
            rng = np.asarray(rng)[rank]
            epoch_rng = None if epoch_rng is None else wrap_array(np.asarray(epoch_rng)[rank].copy())
        default_generator.set_state(rng)
        self.epoch_rng = epoch_rng
        self.epoch, self.step = int(state["epoch"]), int(state["step"])
        self.batch_in_epoch = int(state["batch_in_epoch"])
        self.history = {k: list(v) for k, v in state["history"].items()}

    # ---------------------------------------------------------------------------- steps
    def _loss(self, batch):
        *inputs, target = batch if isinstance(batch, (list, tuple)) else (batch, None)
        output = self.model(*inputs)
        loss = self.loss_fn(output, target) if target is not None else self.loss_fn(output)
        if self.metrics and target is not None:
            self._outputs = (output._data, np.asarray(target))   # arrays only: the graph is freed
        return loss, len(output)

    def training_step(self, batch, step):
        """One step's work; returns the scalars to log (see the module docstring). The default is
        the supervised step: loss_fn(model(*inputs), target)."""
        if self._training_step is not None:
            return self._training_step(batch, step)
        return {"loss": self._loss(batch)[0]}

    def validation_step(self, batch, step):
        """Scalars to average over the validation set (run in eval mode without a graph)."""
        if self._validation_step is not None:
            return self._validation_step(batch, step)
        loss, n = self._loss(batch)
        return {"loss": loss, "_n": n}

    def train_step(self, batch):
        """Run ``training_step`` on one batch with the optimization it asks for; the logged floats."""
        for m in self.models.values():
            m.train()
        for opt in self.optimizers.values():
            opt.zero_grad()
        self._outputs = None
        logs = self.training_step(batch, self.step)
        if not isinstance(logs, dict):
            raise TypeError(f"Trainer: training_step must return a dict of scalars to log, got "
                            f"{type(logs).__name__}")
        loss = logs.get("loss")
        if isinstance(loss, Tensor) and loss.requires_grad:
            value = loss.item()
            if not math.isfinite(value):
                raise FloatingPointError(f"fit: the loss became {value} at step {self.step} (epoch "
                                         f"{self.epoch}); lower the learning rate or clip gradients")
            loss.backward()
            params = [p for opt in self.optimizers.values() for g in opt.param_groups for p in g["params"]]
            if self.grad_clip_norm is not None:
                clip_grad_norm_(params, self.grad_clip_norm)
            if self.grad_clip_value is not None:
                clip_grad_value_(params, self.grad_clip_value)
            for opt in self.optimizers.values():
                opt.step()
        if self.scheduler_interval == "step":
            for sched in self.schedulers.values():
                sched.step()
        return {k: _scalar(v, k, self.step) for k, v in logs.items()}

    def evaluate(self, loader):
        """Mean of ``validation_step``'s scalars (weighted by batch size) and the metrics over a
        loader, in eval mode without recording the graph."""
        for m in self.models.values():
            m.eval()
        totals, count, outs, targets = {}, 0, [], []
        with no_grad():
            for i, batch in enumerate(loader):
                self._outputs = None
                logs = self.validation_step(batch, i)
                n = logs.pop("_n", None) or _batch_len(batch)
                for k, v in logs.items():
                    totals[k] = totals.get(k, 0.0) + _scalar(v, k, i) * n
                count += n
                if self._outputs is not None:
                    outs.append(self._outputs[0])
                    targets.append(self._outputs[1])
        keys = sorted(totals)
        if _world()[1] > 1:
            *sums, count = _sum_over_ranks([totals[k] for k in keys] + [count])
            totals = dict(zip(keys, sums))
        logs = {k: v / max(count, 1) for k, v in totals.items()}
        logs.update(self._metrics(outs, targets))
        return logs

    def _metrics(self, outs, targets):
        """The metrics over every example seen (on every rank, in a data-parallel run)."""
        if not outs or not self.metrics:
            return {}
        o, t = np.concatenate(outs), np.concatenate(targets)
        if _world()[1] > 1:
            o, t = _rows_of_all_ranks(o), _rows_of_all_ranks(t)
        return {name: fn(o, t) for name, fn in self.metrics}

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

    def _lr(self):
        opt = next(iter(self.optimizers.values()), None)
        return {} if opt is None else {"lr": opt.param_groups[0]["lr"]}

    def _resume(self, resume):
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

    def _end_of_epoch(self, sums, count, outs, targets, val_loader, epochs):
        if _world()[1] > 1:  # every rank ran the same number of steps (DistributedSampler)
            keys = sorted(sums)
            *values, count = _sum_over_ranks([sums[k] for k in keys] + [count])
            sums = dict(zip(keys, values))
        logs = {k: v / count for k, v in sums.items()} if count else {"loss": float("nan")}
        logs.update(self._lr())
        logs.update(self._metrics(outs, targets))
        if val_loader is not None:
            for k, v in self.evaluate(val_loader).items():
                logs["val_" + k] = v
        if self.scheduler_interval == "epoch":
            for sched in self.schedulers.values():
                if hasattr(sched, "is_better"):  # ReduceLROnPlateau watches a metric
                    sched.step(logs.get("val_loss", logs.get("loss")))
                else:
                    sched.step()
        self._record(logs)
        if self.log:
            self.log(f"epoch {self.epoch + 1}/{epochs}: " + ", ".join(f"{k} {v:.4g}" for k, v in logs.items()))
        return logs

    def fit(self, train_loader, val_loader=None, epochs=1, resume=False):
        if resume:
            self._resume(resume)
        rank = _world()[0]
        if rank != 0:
            self.log = None  # one voice for the whole run
        bar = _progress(total=len(train_loader) * epochs, initial=self.epoch * len(train_loader) +
                        self.batch_in_epoch, enabled=self.progress and rank == 0)
        sampler = getattr(train_loader, "sampler", None)
        try:
            while self.epoch < epochs and not self.stop:
                if hasattr(sampler, "set_epoch"):  # a DistributedSampler: this epoch's shards
                    sampler.set_epoch(self.epoch)
                sums, count, outs, targets = {}, 0, [], []
                for batch in self._batches(train_loader):
                    logs = self.train_step(batch)
                    if self._outputs is not None:
                        outs.append(self._outputs[0])
                        targets.append(self._outputs[1])
                        self._outputs = None
                    self.step += 1
                    self.batch_in_epoch += 1
                    for k, v in logs.items():
                        sums[k] = sums.get(k, 0.0) + v
                    count += 1
                    bar.update(1)
                    bar.set_postfix({**{k: f"{v:.4f}" for k, v in logs.items()},
                                     **{k: f"{v:.2e}" for k, v in self._lr().items()}}, refresh=False)
                    if self.checkpoint_every and self.step % self.checkpoint_every == 0:
                        self.save_checkpoint()
                    for cb in self.callbacks:
                        if hasattr(cb, "on_step_end"):
                            cb.on_step_end(self, self.step, logs.get("loss"))
                logs = self._end_of_epoch(sums, count, outs, targets, val_loader, epochs)
                bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if k != "lr"}, refresh=True)
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
    uninterrupted run would reach (resume='auto' also starts fresh when there is none).
    early_stopping=patience (or an EarlyStopping) watches val_loss.
    """
    callbacks = list(callbacks)
    if early_stopping is not None:
        callbacks.append(early_stopping if isinstance(early_stopping, EarlyStopping)
                         else EarlyStopping(patience=int(early_stopping)))
    trainer = Trainer(model, loss_fn, optimizer, scheduler, metrics, callbacks, grad_clip_norm,
                      grad_clip_value, scheduler_interval, checkpoint_dir, checkpoint_every,
                      keep_last, progress, log)
    return trainer.fit(train_loader, val_loader, epochs, resume)
