"""chainrule.data.transforms against torchvision 0.28: the same PIL pixels (both call Pillow), the
same tensor results within tolerance, the same kinds returned and the same reprs."""
import numpy as np
import pytest
import torch
from PIL import Image

import chainrule as cr
from chainrule.data import transforms as T
from chainrule.data.transforms import functional as CF
from torchvision_oracle import torchvision

tv = torchvision()
TT = tv.transforms
TF = tv.transforms.functional

RNG = np.random.default_rng(0)
RGB = RNG.integers(0, 256, (23, 31, 3), dtype=np.uint8)
GRAY = RNG.integers(0, 256, (17, 12), dtype=np.uint8)


def _pil(a):
    return Image.fromarray(a)


def _inputs():
    """(name, chainrule input, torchvision input) for the same image in every kind."""
    f = RGB.transpose(2, 0, 1).astype(np.float32) / 255
    return [("pil_rgb", _pil(RGB), _pil(RGB)), ("pil_gray", _pil(GRAY), _pil(GRAY)),
            ("tensor_float", cr.tensor(f), torch.tensor(f)),
            ("tensor_uint8", cr.tensor(RGB.transpose(2, 0, 1).copy()), torch.tensor(RGB.transpose(2, 0, 1).copy())),
            ("tensor_batch", cr.tensor(np.stack([f, f[:, ::-1].copy()])), torch.tensor(np.stack([f, f[:, ::-1].copy()])))]


def _same(got, want, atol, name):
    if isinstance(want, Image.Image):
        assert isinstance(got, Image.Image), f"{name}: expected a PIL image back, got {type(got)}"
        assert got.mode == want.mode and got.size == want.size, name
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=name)
        return
    assert isinstance(got, cr.Tensor), f"{name}: expected a Tensor back, got {type(got)}"
    w = want.numpy()
    assert got.shape == tuple(w.shape) and got.dtype.name == str(want.dtype).split(".")[1], name
    tol = 1 if w.dtype == np.uint8 else atol   # integer images may round one level apart
    np.testing.assert_allclose(got.numpy().astype(np.float64), w.astype(np.float64), atol=tol, err_msg=name)


FUNCTIONS = [
    ("resize_short", lambda F, x: F.resize(x, 10), 1e-5),
    ("resize_hw", lambda F, x: F.resize(x, [40, 9]), 1e-5),
    ("resize_max", lambda F, x: F.resize(x, 11, max_size=13), 1e-5),
    ("resize_nearest", lambda F, x: F.resize(x, [7, 50], interpolation=tv.transforms.InterpolationMode.NEAREST), 1e-6),
    ("resize_bicubic", lambda F, x: F.resize(x, [12, 14], interpolation=tv.transforms.InterpolationMode.BICUBIC), 1e-4),
    ("resize_no_aa", lambda F, x: F.resize(x, [9, 10], antialias=False) if not isinstance(x, Image.Image) else F.resize(x, [9, 10]), 1e-5),
    ("crop", lambda F, x: F.crop(x, 2, 3, 8, 5), 0),
    ("crop_outside", lambda F, x: F.crop(x, -2, 5, 30, 40), 0),
    ("center_crop", lambda F, x: F.center_crop(x, [7, 9]), 0),
    ("center_crop_big", lambda F, x: F.center_crop(x, 40), 0),
    ("resized_crop", lambda F, x: F.resized_crop(x, 1, 2, 10, 12, [6, 6]), 1e-5),
    ("pad_const", lambda F, x: F.pad(x, [1, 2, 3, 4], fill=7), 0),
    ("pad_edge", lambda F, x: F.pad(x, 3, padding_mode="edge"), 0),
    ("pad_reflect", lambda F, x: F.pad(x, [2, 1], padding_mode="reflect"), 0),
    ("pad_symmetric", lambda F, x: F.pad(x, [2, 1, 0, 3], padding_mode="symmetric"), 0),
    ("hflip", lambda F, x: F.hflip(x), 0),
    ("vflip", lambda F, x: F.vflip(x), 0),
    ("rotate", lambda F, x: F.rotate(x, 33.0), 1e-5),
    ("rotate_bilinear_expand", lambda F, x: F.rotate(x, -20.0, interpolation=tv.transforms.InterpolationMode.BILINEAR,
                                                     expand=True), 1e-4),
    ("rotate_center_fill", lambda F, x: F.rotate(x, 90.0, center=[3, 4], fill=1), 1e-5),
    ("affine", lambda F, x: F.affine(x, 15.0, [3, -2], 1.2, [10.0, 5.0]), 1e-5),
    ("affine_bilinear", lambda F, x: F.affine(x, -40.0, [0, 0], 0.8, 0.0,
                                              interpolation=tv.transforms.InterpolationMode.BILINEAR), 1e-4),
    ("grayscale", lambda F, x: F.rgb_to_grayscale(x), 1e-5),
    ("grayscale3", lambda F, x: F.rgb_to_grayscale(x, 3), 1e-5),
    ("brightness", lambda F, x: F.adjust_brightness(x, 1.4), 1e-5),
    ("contrast", lambda F, x: F.adjust_contrast(x, 0.6), 1e-5),
    ("saturation", lambda F, x: F.adjust_saturation(x, 1.7), 1e-5),
    ("hue", lambda F, x: F.adjust_hue(x, 0.2), 1e-5),
    ("hue_negative", lambda F, x: F.adjust_hue(x, -0.35), 1e-5),
    ("blur", lambda F, x: F.gaussian_blur(x, [5, 3], [1.5, 0.8]), 1e-5),
    ("blur_default_sigma", lambda F, x: F.gaussian_blur(x, 3), 1e-5),
]


@pytest.mark.parametrize("name,fn,atol", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functional_matches_torchvision(name, fn, atol):
    for kind, c_img, t_img in _inputs():
        if name.startswith(("hue", "saturation", "grayscale")) and kind == "pil_gray":
            continue   # defined for colour images only
        try:
            want = fn(TF, t_img)
        except (TypeError, ValueError, RuntimeError):
            with pytest.raises((TypeError, ValueError, RuntimeError)):
                fn(CF, c_img)
            continue
        _same(fn(CF, c_img), want, atol, f"{name} on {kind}")


def test_conversions_match_torchvision():
    for arr in (RGB, GRAY, RGB[..., :1], RNG.random((5, 4, 3)).astype(np.float32)):
        _same(T.ToTensor()(arr), TT.ToTensor()(arr), 1e-7, f"ToTensor ndarray {arr.shape}")
        _same(T.ToPILImage()(arr if arr.dtype == np.uint8 else arr), TT.ToPILImage()(arr), 0, "ToPILImage ndarray")
    for mode in ("RGB", "L", "RGBA", "1", "I", "F", "LA"):
        img = _pil(RGB).convert(mode)
        _same(T.ToTensor()(img), TT.ToTensor()(img), 1e-7, f"ToTensor PIL {mode}")
        _same(T.PILToTensor()(img), TT.PILToTensor()(img), 0, f"PILToTensor {mode}")
    f = RNG.random((3, 6, 5)).astype(np.float32)
    _same(T.ToPILImage()(cr.tensor(f)), TT.ToPILImage()(torch.tensor(f)), 0, "ToPILImage float tensor")
    _same(T.ToPILImage(mode="HSV")(cr.tensor(RGB.transpose(2, 0, 1).copy())),
          TT.ToPILImage(mode="HSV")(torch.tensor(RGB.transpose(2, 0, 1).copy())), 0, "ToPILImage HSV")
    u8 = RGB.transpose(2, 0, 1).copy()
    for dt_c, dt_t, src in ((cr.float32, torch.float32, u8), (cr.uint8, torch.uint8, f),
                            (cr.float64, torch.float64, f), (cr.int16, torch.int16, u8)):
        _same(T.ConvertImageDtype(dt_c)(cr.tensor(src)), TT.ConvertImageDtype(dt_t)(torch.tensor(src)), 1e-7,
              f"ConvertImageDtype {src.dtype} -> {dt_t}")
    _same(T.Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])(cr.tensor(f)),
          TT.Normalize([0.5, 0.4, 0.3], [0.2, 0.3, 0.4])(torch.tensor(f)), 1e-6, "Normalize")


def test_the_course_pipeline_on_pil_images_of_mixed_sizes():
    """The CNN homework: Compose([Resize((128, 128)), ToTensor()]) over RGB photos of any size."""
    images = [_pil(RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)) for h, w in ((300, 200), (97, 410), (128, 128))]
    c_tf = T.Compose([T.Resize((128, 128)), T.ToTensor()])
    t_tf = TT.Compose([TT.Resize((128, 128)), TT.ToTensor()])
    batch = cr.stack([c_tf(im) for im in images])
    assert batch.shape == (3, 3, 128, 128) and batch.dtype == cr.float32
    np.testing.assert_array_equal(batch.numpy(), torch.stack([t_tf(im) for im in images]).numpy())


def test_random_transforms_at_their_extremes_equal_the_deterministic_ones():
    img, t = _pil(RGB), cr.tensor(RGB.transpose(2, 0, 1).astype(np.float32) / 255)
    _same(T.RandomHorizontalFlip(1.0)(img), TF.hflip(img), 0, "hflip p=1")
    assert T.RandomVerticalFlip(0.0)(img) is img and T.RandomApply([T.Grayscale()], p=0.0)(img) is img
    _same(T.RandomRotation((30, 30))(img), TF.rotate(img, 30.0), 0, "rotation of a fixed angle")
    _same(T.RandomAffine((10, 10), scale=(1.5, 1.5))(t),
          TF.affine(torch.tensor(t.numpy()), 10.0, [0, 0], 1.5, [0.0, 0.0], fill=[0.0] * 3), 1e-5, "affine fixed")
    _same(T.GaussianBlur(3, sigma=1.2)(img), TF.gaussian_blur(img, [3, 3], [1.2, 1.2]), 0, "blur fixed sigma")
    _same(T.RandomGrayscale(p=1.0)(img), TF.rgb_to_grayscale(img, 3), 0, "random grayscale p=1")
    _same(T.ColorJitter(brightness=(1.3, 1.3))(img), TF.adjust_brightness(img, 1.3), 0, "jitter fixed brightness")
    _same(T.RandomResizedCrop(8, scale=(1.0, 1.0), ratio=(31 / 23, 31 / 23))(img), TF.resize(img, [8, 8]), 0,
          "resized crop of the whole image")
    _same(T.RandomCrop((23, 31))(img), img, 0, "crop of the full size")
    _same(T.RandomCrop(24, pad_if_needed=True, fill=3)(_pil(GRAY)).convert("L").crop((0, 0, 1, 1)),
          _pil(np.full((1, 1), 3, np.uint8)), 0, "pad_if_needed uses fill")
    erased = T.RandomErasing(p=1.0, value=0.5)(t)
    assert erased.shape == t.shape and np.isclose(erased.numpy(), 0.5).sum() > 0 and not np.shares_memory(
        erased.numpy(), t.numpy())


def test_random_parameters_stay_in_their_ranges_and_follow_the_seed():
    img = _pil(RGB)
    cr.manual_seed(3)
    a = [T.RandomResizedCrop.get_params(img, (0.2, 0.6), (0.5, 2.0)) for _ in range(50)]
    cr.manual_seed(3)
    b = [T.RandomResizedCrop.get_params(img, (0.2, 0.6), (0.5, 2.0)) for _ in range(50)]
    assert a == b
    for i, j, h, w in a:
        assert 0 <= i <= 23 - h and 0 <= j <= 31 - w and 0.1 <= h * w / (23 * 31) <= 0.75
    for _ in range(30):
        i, j, h, w = T.RandomCrop.get_params(img, (10, 12))
        assert 0 <= i <= 13 and 0 <= j <= 19 and (h, w) == (10, 12)
        angle = T.RandomRotation.get_params([-15.0, 5.0])
        assert -15 <= angle <= 5
        order, bri, con, sat, hue = T.ColorJitter.get_params([0.5, 1.5], None, [0.0, 2.0], [-0.1, 0.1])
        assert sorted(order.tolist()) == [0, 1, 2, 3] and 0.5 <= bri <= 1.5 and con is None and -0.1 <= hue <= 0.1
    flips = sum(np.array_equal(np.asarray(T.RandomHorizontalFlip()(img)), np.asarray(TF.hflip(img))) for _ in range(400))
    assert 150 < flips < 250


def test_reprs_match_torchvision():
    pairs = [(T.Resize(32), TT.Resize(32)), (T.Resize((3, 4)), TT.Resize((3, 4))),
             (T.CenterCrop(5), TT.CenterCrop(5)), (T.RandomHorizontalFlip(), TT.RandomHorizontalFlip()),
             (T.ToTensor(), TT.ToTensor()), (T.Normalize([0.5], [0.2]), TT.Normalize([0.5], [0.2])),
             (T.Grayscale(3), TT.Grayscale(3)), (T.RandomGrayscale(), TT.RandomGrayscale()),
             (T.GaussianBlur(3), TT.GaussianBlur(3)),
             (T.Compose([T.Resize(8), T.ToTensor()]), TT.Compose([TT.Resize(8), TT.ToTensor()]))]
    for c, t in pairs:
        assert repr(c) == repr(t)


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="resize: .*H×W×C NumPy array"):
        T.Resize(4)(RGB)
    with pytest.raises(ValueError, match="hue_factor"):
        CF.adjust_hue(_pil(RGB), 0.7)
    with pytest.raises(TypeError, match="normalize: input tensor should be a float tensor"):
        T.Normalize([0.5], [0.5])(cr.tensor(GRAY[None]))
    with pytest.raises(ValueError, match="GaussianBlur: kernel size"):
        T.GaussianBlur(4)
