"""The fit loop: learning, metrics, callbacks, clipping, checkpoints and exact resumption."""
import os
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.train import EarlyStopping, checkpoint_paths, fit, metrics, read_latest_checkpoint
from chainrule.utils.data import DataLoader, TensorDataset

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import worked_steps  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _blobs(n=200, seed=0):
    x, y = cr.data.datasets.gaussian_classes(n // 2, means=((0, 0), (3, 3)), seed=seed)
    return DataLoader(TensorDataset(cr.tensor(x), cr.tensor(y)), batch_size=32, shuffle=True)


def test_fit_learns_and_records_history():
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    hist = fit(model, nn.CrossEntropyLoss(), cr.optim.Adam(model.parameters(), lr=0.01), _blobs(),
               _blobs(seed=1), epochs=8, metrics=["accuracy"], progress=False)
    assert set(hist) >= {"loss", "lr", "accuracy", "val_loss", "val_accuracy"}
    assert len(hist["loss"]) == 8 and hist["loss"][-1] < hist["loss"][0]
    assert hist["val_accuracy"][-1] > 0.95


def test_scheduler_grad_clipping_and_early_stopping():
    cr.manual_seed(0)
    model = nn.Linear(2, 2)
    opt = cr.optim.SGD(model.parameters(), lr=0.5)
    sched = cr.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5)
    seen = []

    class Watch:
        def on_step_end(self, trainer, step, loss):
            total = sum(float((p.grad.data ** 2).sum()) for p in model.parameters()) ** 0.5
            seen.append(total)
    stop = EarlyStopping(patience=1, min_delta=10.0)  # nothing improves by 10: stops after 2 epochs
    hist = fit(model, nn.CrossEntropyLoss(), opt, _blobs(), _blobs(seed=1), epochs=10, scheduler=sched,
               grad_clip_norm=0.01, callbacks=[Watch(), stop], progress=False)
    assert len(hist["loss"]) == 2 and stop.stopped_epoch == 2
    assert max(seen) <= 0.01 + 1e-6
    assert hist["lr"] == [0.5, 0.25]


def test_metrics_match_hand_computations():
    out = np.array([[2.0, 1.0, 0.1], [0.1, 3.0, 0.2], [0.0, 0.1, 5.0], [1.0, 0.9, 0.8]])
    t = np.array([0, 1, 1, 2])
    assert metrics.accuracy(out, t) == 0.5
    assert metrics.top_k_accuracy(out, t, k=2) == 0.75
    np.testing.assert_array_equal(metrics.confusion_matrix(out, t, 3), [[1, 0, 0], [0, 1, 1], [1, 0, 0]])
    y, yh = np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.0, 2.0])
    assert metrics.mse(yh, y) == pytest.approx((0.25 + 0 + 1) / 3)
    assert metrics.mae(yh, y) == pytest.approx(0.5)
    assert metrics.r2(yh, y) == pytest.approx(1 - 1.25 / 2.0)


def test_checkpoints_keep_the_last_k_and_skip_a_damaged_one(tmp_path):
    cr.manual_seed(0)
    model = nn.Linear(2, 2)
    fit(model, nn.CrossEntropyLoss(), cr.optim.SGD(model.parameters(), lr=0.1), _blobs(), epochs=2,
        checkpoint_dir=str(tmp_path), checkpoint_every=3, keep_last=2, progress=False)
    paths = checkpoint_paths(str(tmp_path))
    assert [os.path.basename(p) for p in paths] == ["ckpt-000000009.safetensors", "ckpt-000000012.safetensors"]
    newest = paths[-1]
    with open(newest, "r+b") as f:
        f.truncate(100)
    with pytest.raises(ValueError, match="ckpt-000000012.safetensors is not a valid safetensors file"):
        cr.load(newest)
    with pytest.warns(UserWarning, match="ckpt-000000012.safetensors"):
        path, state = read_latest_checkpoint(str(tmp_path))
    assert path == paths[0] and state["step"] == 9


def test_resume_without_a_checkpoint(tmp_path):
    model = nn.Linear(2, 2)
    opt = cr.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        fit(model, nn.CrossEntropyLoss(), opt, _blobs(), checkpoint_dir=str(tmp_path), resume=True, progress=False)
    hist = fit(model, nn.CrossEntropyLoss(), opt, _blobs(), checkpoint_dir=str(tmp_path), resume="auto", progress=False)
    assert len(hist["loss"]) == 1


def test_resume_with_a_checkpoint_of_another_model_is_explained(tmp_path):
    model = nn.Linear(2, 2)
    fit(model, nn.CrossEntropyLoss(), cr.optim.SGD(model.parameters(), lr=0.1), _blobs(), epochs=1,
        checkpoint_dir=str(tmp_path), progress=False)
    other = nn.Linear(2, 3)
    with pytest.raises(RuntimeError, match=r"(?s)the checkpoint .*ckpt-000000007.safetensors does not fit this model.*size mismatch for weight"):
        fit(other, nn.CrossEntropyLoss(), cr.optim.SGD(other.parameters(), lr=0.1), _blobs(), epochs=2,
            checkpoint_dir=str(tmp_path), resume=True, progress=False)


@pytest.mark.parametrize("kind", ["supervised", "gan", "vae"])
def test_sigkilled_run_resumes_to_bit_identical_weights(tmp_path, kind):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    script = os.path.join(os.path.dirname(__file__), "resume_script.py")

    def run(folder, mode, out):
        return subprocess.run([sys.executable, script, kind, str(folder), mode, str(out)], env=env,
                              capture_output=True, text=True, timeout=300)
    full = run(tmp_path / "a", "full", tmp_path / "full.safetensors")
    assert full.returncode == 0, full.stderr
    killed = run(tmp_path / "b", "kill", tmp_path / "never.safetensors")
    assert killed.returncode == -9 and not (tmp_path / "never.safetensors").exists()
    assert checkpoint_paths(str(tmp_path / "b"))  # it left checkpoints behind
    resumed = run(tmp_path / "b", "resume", tmp_path / "resumed.safetensors")
    assert resumed.returncode == 0, resumed.stderr
    a, b = cr.load(tmp_path / "full.safetensors"), cr.load(tmp_path / "resumed.safetensors")
    assert len(a) > 2 and a.keys() == b.keys()
    for k in a:
        assert np.array_equal(a[k].data, b[k].data), k


def test_worked_steps_learn_and_log_their_scalars():
    cr.manual_seed(0)
    kwargs, loader = worked_steps.build_gan()
    G = kwargs["models"]["G"]

    def radius():
        with cr.no_grad():
            return G(cr.randn(500, 8)).norm(dim=1).mean().item()
    before = radius()
    hist = cr.train.Trainer(**kwargs, progress=False).fit(loader, epochs=10)
    assert set(hist) == {"d_loss", "g_loss", "lr"} and all(np.isfinite(hist["d_loss"]))
    assert before < 0.7 < 1.2 < radius()          # the generated points move out towards the ring (r = 2)
    cr.manual_seed(0)
    kwargs, loader = worked_steps.build_vae()
    hist = cr.train.Trainer(**kwargs, progress=False).fit(loader, val_loader=loader, epochs=6)
    assert {"loss", "recon", "kl", "lr", "val_recon"} <= set(hist)
    assert hist["recon"][-1] < 0.6 * hist["recon"][0] and hist["kl"][-1] > 0
    assert abs(hist["loss"][-1] - hist["recon"][-1] - hist["kl"][-1]) < 1e-3


def test_step_protocol_errors_are_explained():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="the supervised step needs model, loss_fn and optimizer"):
        cr.train.Trainer(model)
    t = cr.train.Trainer(model, training_step=lambda b, s: 1.0, progress=False)
    with pytest.raises(TypeError, match="training_step must return a dict"):
        t.fit([cr.ones(1, 2)])
    t = cr.train.Trainer(model, training_step=lambda b, s: {"out": model(b)}, progress=False)
    with pytest.raises(ValueError, match="logged 'out' as a tensor of shape"):
        t.fit([cr.ones(3, 2)])
