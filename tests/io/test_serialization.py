"""save/load: safetensors round trips with PyTorch both ways, nested structures, no pickle,
atomic writes, clear errors."""
import os

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import chainrule as cr


def _mlp(nn):
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


def test_chainrule_weights_load_into_torch_and_back(tmp_path):
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    model = _mlp(cr.nn)
    path = tmp_path / "w.safetensors"
    cr.save(model.state_dict(), path)
    tmodel = _mlp(torch.nn)
    tmodel.load_state_dict(load_file(str(path)))
    np.testing.assert_allclose(tmodel(torch.tensor(x)).detach().numpy(), model(cr.tensor(x)).data, rtol=1e-5, atol=1e-6)
    tmodel2 = _mlp(torch.nn)
    save_file(tmodel2.state_dict(), str(tmp_path / "t.safetensors"))
    model2 = _mlp(cr.nn)
    model2.load_state_dict(cr.load(tmp_path / "t.safetensors"))
    np.testing.assert_allclose(model2(cr.tensor(x)).data, tmodel2(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_nested_structures_round_trip(tmp_path):
    obj = {"model": {"a.b": cr.ones(2, 3), "c": cr.tensor([1, 2]), "scalar": cr.tensor(7)}, "epoch": 4, "lr": 0.01,
           "betas": (0.9, 0.99), "names": ["x", None, True], "state": {0: {"step": 3}},
           "raw": np.arange(3.0), "inf": float("inf")}
    cr.save(obj, tmp_path / "o.safetensors")
    back = cr.load(tmp_path / "o.safetensors")
    assert back["epoch"] == 4 and back["betas"] == (0.9, 0.99) and back["names"] == ["x", None, True]
    assert back["state"] == {0: {"step": 3}} and back["inf"] == float("inf")
    assert isinstance(back["model"]["a.b"], cr.Tensor) and back["model"]["c"].dtype == cr.int64
    assert back["model"]["scalar"].shape == () and back["model"]["scalar"].item() == 7  # 0-d stays 0-d
    assert isinstance(back["raw"], np.ndarray)


def test_no_pickle_without_consent(tmp_path):
    with pytest.raises(TypeError, match="cannot store a Sequential .* weights_only=False"):
        cr.save(_mlp(cr.nn), tmp_path / "m.bin")
    assert not os.path.exists(tmp_path / "m.bin")
    cr.save({"fn": len}, tmp_path / "p.bin", weights_only=False)
    with pytest.raises(RuntimeError, match="pickled Python objects"):
        cr.load(tmp_path / "p.bin")
    assert cr.load(tmp_path / "p.bin", weights_only=False)["fn"] is len


def test_failed_save_keeps_the_previous_file(tmp_path):
    path = tmp_path / "keep.safetensors"
    cr.save({"w": cr.ones(3)}, path)
    with pytest.raises(TypeError):
        cr.save({"w": object()}, path)
    np.testing.assert_array_equal(cr.load(path)["w"].data, np.ones(3))
    assert [p.name for p in tmp_path.iterdir()] == ["keep.safetensors"]  # no temporary left behind


def test_bad_files_are_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file: .*missing.safetensors"):
        cr.load(tmp_path / "missing.safetensors")
    path = tmp_path / "cut.safetensors"
    cr.save({"w": cr.ones(100)}, path)
    path.write_bytes(path.read_bytes()[:-50])
    with pytest.raises(ValueError, match="cut.safetensors is not a valid safetensors file"):
        cr.load(path)
