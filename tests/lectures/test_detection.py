"""Lecture 6's experiments, quick configs, each asserting its stated answer over three seeds."""
import pytest


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nms_keeps_one_box_per_object_at_a_middle_threshold(run_quick, seed):
    m = run_quick("detection.iou_nms", seed=seed)
    assert m["middle_threshold"] == 0.5 and m["one_per_object"]["0.5"]
    assert m["kept"]["0.5"] == m["objects"] < m["kept"]["0.9"] <= m["candidates"]
    kept = [m["kept"][k] for k in ("0.1", "0.3", "0.5", "0.7", "0.9")]
    assert kept == sorted(kept)          # a higher threshold never removes more


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tiny_yolo_passes_map_0_7(run_quick, seed):
    m = run_quick("detection.tiny_yolo", seed=seed)
    assert m["map50"] >= 0.7 and min(m["ap"].values()) >= 0.5
    assert m["epoch_reaching_0.7"] is not None and m["ms_per_image"] < 100


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_both_detectors_find_the_shapes_and_one_stage_is_faster(run_quick, seed):
    m = run_quick("detection.two_stage_vs_one_stage", seed=seed)
    assert m["map50"]["two_stage"] >= 0.5 and m["map50"]["one_stage"] >= 0.5
    assert m["ms_per_image"]["two_stage"] > 4 * m["ms_per_image"]["one_stage"]


def test_box_regression_encoding_round_trips():
    import numpy as np
    from chainrule.lectures.detection import _decode, _encode, sliding_windows
    w = sliding_windows((12, 20), 8)
    assert len(w) == 49 + 36 and w[:, 2].max() <= 64
    truth = w[::-1] + np.array([1.0, -2.0, 3.0, 0.5], np.float32)
    np.testing.assert_allclose(_decode(w, _encode(w, truth)), truth, atol=1e-4)
