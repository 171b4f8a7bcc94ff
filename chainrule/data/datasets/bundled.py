"""scikit-learn's bundled datasets behind one API: ``load_digits()`` → (X float32, y)."""
import numpy as np


def _load(name):
    try:
        import sklearn.datasets as skd
    except ImportError:  # pragma: no cover - scikit-learn is a dependency
        raise ImportError("chainrule.data.datasets needs scikit-learn for its bundled datasets: "
                          "pip install scikit-learn") from None
    bunch = getattr(skd, f"load_{name}")()
    x = bunch.data.astype(np.float32)
    y = bunch.target
    y = y.astype(np.float32) if name == "diabetes" else y.astype(np.int64)
    return x, y


def load_digits():
    """1,797 handwritten digits as 8×8 images (64 features, values 0–16), 10 classes."""
    return _load("digits")


def load_iris():
    """150 irises, 4 measurements, 3 species."""
    return _load("iris")


def load_wine():
    """178 wines, 13 chemical features, 3 cultivars."""
    return _load("wine")


def load_breast_cancer():
    """569 tumours, 30 features, malignant (0) or benign (1)."""
    return _load("breast_cancer")


def load_diabetes():
    """442 patients, 10 features, a disease progression score to regress (float32 targets)."""
    return _load("diabetes")
