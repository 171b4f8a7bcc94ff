"""Learning without labels, the two classics of the unsupervised lecture (scikit-learn's names and
attributes, so either can stand in for the other):

- k-means: pick k centres (k-means++: each new centre drawn with probability ∝ its squared distance
  to the nearest centre so far), then Lloyd's iterations — assign every point to its nearest centre,
  move every centre to the mean of its points — until no centre moves; keep the best of ``n_init``
  starts by the within-cluster sum of squares (``inertia_``).
- PCA: the first component w¹ is the unit direction of largest variance of the centred data, the
  second the largest among directions orthogonal to it, … The notes derive them as the
  eigenvectors of the covariance S = (1/(N−1))·Σ(x − x̄)(x − x̄)ᵀ with the largest eigenvalues
  (``solver="eig"``); the singular value decomposition of the centred data gives the same
  directions without forming S (``solver="svd"``, the default). Component signs follow
  scikit-learn's rule (the largest |loading| of each component is positive), so the two agree.

Plain NumPy: these are closed-form or combinatorial steps, not gradient descent.
"""
import numpy as np

from ..random import default_generator


def _as_matrix(x, who):
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype=np.float64)
    if x.ndim != 2 or not len(x):
        raise ValueError(f"{who}: expected a non-empty 2-D array (samples × features), got shape {x.shape}")
    return x


def _squared_distances(x, centres):
    return (x * x).sum(1)[:, None] - 2 * x @ centres.T + (centres * centres).sum(1)[None, :]


class KMeans:
    def __init__(self, n_clusters=8, n_init=10, max_iter=300, tol=1e-4, random_state=None):
        if n_clusters < 1:
            raise ValueError(f"KMeans: n_clusters must be ≥ 1, got {n_clusters}")
        self.n_clusters, self.n_init, self.max_iter, self.tol = n_clusters, n_init, max_iter, tol
        self.random_state = random_state

    def _rng(self):
        if self.random_state is None:
            return np.random.default_rng(int(default_generator.np.integers(2 ** 63)))
        return np.random.default_rng(self.random_state)

    @staticmethod
    def _plus_plus(x, k, rng):
        centres = [x[rng.integers(len(x))]]
        d2 = ((x - centres[0]) ** 2).sum(1)
        for _ in range(1, k):
            p = d2 / d2.sum() if d2.sum() > 0 else np.full(len(x), 1 / len(x))
            centres.append(x[rng.choice(len(x), p=p)])
            d2 = np.minimum(d2, ((x - centres[-1]) ** 2).sum(1))
        return np.array(centres)

    def _lloyd(self, x, centres):
        tol = self.tol * x.var(0).mean()   # scikit-learn's: relative to the data's variance
        for it in range(1, self.max_iter + 1):
            labels = _squared_distances(x, centres).argmin(1)
            new = np.array([x[labels == j].mean(0) if (labels == j).any() else centres[j]
                            for j in range(len(centres))])
            shift = ((new - centres) ** 2).sum()
            centres = new
            if shift <= tol:
                break
        d = _squared_distances(x, centres)
        labels = d.argmin(1)
        return centres, labels, float(np.maximum(d[np.arange(len(x)), labels], 0).sum()), it

    def fit(self, x, y=None):
        x = _as_matrix(x, "KMeans.fit")
        if len(x) < self.n_clusters:
            raise ValueError(f"KMeans.fit: {len(x)} samples cannot make {self.n_clusters} clusters")
        rng, best = self._rng(), None
        for _ in range(self.n_init):
            run = self._lloyd(x, self._plus_plus(x, self.n_clusters, rng))
            if best is None or run[2] < best[2]:
                best = run
        self.cluster_centers_, self.labels_, self.inertia_, self.n_iter_ = best
        return self

    def predict(self, x):
        return _squared_distances(_as_matrix(x, "KMeans.predict"), self.cluster_centers_).argmin(1)

    def fit_predict(self, x, y=None):
        return self.fit(x).labels_


class PCA:
    def __init__(self, n_components=None, solver="svd"):
        if solver not in ("svd", "eig"):
            raise ValueError(f"PCA: solver must be 'svd' or 'eig', got {solver!r}")
        self.n_components, self.solver = n_components, solver

    def fit(self, x, y=None):
        x = _as_matrix(x, "PCA.fit")
        n, d = x.shape
        k = min(n, d) if self.n_components is None else self.n_components
        if not 1 <= k <= min(n, d):
            raise ValueError(f"PCA.fit: n_components must be in [1, {min(n, d)}], got {k}")
        self.mean_ = x.mean(0)
        centred = x - self.mean_
        if self.solver == "svd":
            _, s, vt = np.linalg.svd(centred, full_matrices=False)
            variances, components = s ** 2 / (n - 1), vt
        else:   # the notes' derivation: eigenvectors of the covariance, largest eigenvalue first
            values, vectors = np.linalg.eigh(centred.T @ centred / (n - 1))
            order = np.argsort(values)[::-1]
            variances, components = np.maximum(values[order], 0), vectors[:, order].T
        signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(1)])
        components = components * signs[:, None]
        total = x.var(0, ddof=1).sum()
        self.components_ = components[:k]
        self.explained_variance_ = variances[:k]
        self.explained_variance_ratio_ = variances[:k] / total
        self.singular_values_ = np.sqrt(variances[:k] * (n - 1))
        self.n_components_ = k
        return self

    def transform(self, x):
        return (_as_matrix(x, "PCA.transform") - self.mean_) @ self.components_.T

    def fit_transform(self, x, y=None):
        return self.fit(x).transform(x)

    def inverse_transform(self, z):
        return np.asarray(z) @ self.components_ + self.mean_
