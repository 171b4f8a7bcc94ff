"""Whole homework-style programs (benchmarks/programs.py) run under chainrule and under PyTorch with
only the imports changed, and give PyTorch's numbers: the same concatenated features written slice by
slice, the same regression losses epoch after epoch, the same images out of the transforms, the same
second-order MAML meta-gradients."""
import os
import sys

import numpy as np
import pytest
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import chainrule  # noqa: E402
from benchmarks import programs  # noqa: E402
from torchvision_oracle import torchvision  # noqa: E402


def test_hw2_features_written_slice_by_slice_equal_pytorch_and_the_classifier_learns():
    ours = programs.hw2_phoneme(chainrule, n_utt=100, epochs=4)
    theirs = programs.hw2_phoneme(torch, n_utt=100, epochs=1)
    np.testing.assert_array_equal(ours["X"], theirs["X"])
    np.testing.assert_array_equal(ours["y"], theirs["y"])
    assert ours["X"].shape[1] == 39 * 5 and ours["y"].dtype == np.int64
    assert ours["val_acc"] > 0.3                 # chance is 1/41


def test_hw1_per_sample_regression_gives_pytorchs_losses():
    ours = programs.hw1_regression(chainrule, n=400, epochs=4, shuffle=False)
    theirs = programs.hw1_regression(torch, n=400, epochs=4, shuffle=False)
    np.testing.assert_allclose(ours["valid_loss"], theirs["valid_loss"], rtol=1e-4)
    assert ours["valid_loss"][-1] < ours["valid_loss"][0]


def test_hw3_pil_images_of_mixed_sizes_through_transforms_and_worker_processes(tmp_path):
    torchvision()
    root = programs.make_image_folder(str(tmp_path), n=48)
    ours = programs.hw3_cnn(chainrule, root, size=32, epochs=3, num_workers=2)
    theirs = programs.hw3_cnn(torch, root, size=32, epochs=1, num_workers=0)
    np.testing.assert_allclose(ours["images"], theirs["images"], atol=1e-6)
    assert ours["first_shape"] == (16, 3, 32, 32)
    assert ours["losses"][-1] < ours["losses"][0]


def test_hw15_maml_meta_gradients_through_fast_weights_equal_pytorch():
    ours = programs.hw15_maml(chainrule, steps=2, inner_steps=2)
    theirs = programs.hw15_maml(torch, steps=2, inner_steps=2)
    np.testing.assert_allclose(ours["meta_loss"], theirs["meta_loss"], rtol=1e-5)
    for name, g in theirs["last_grads"].items():
        np.testing.assert_allclose(ours["last_grads"][name], g, rtol=1e-3, atol=1e-5, err_msg=name)
