"""k-means and PCA against scikit-learn, and the PCA of the notes (covariance eigenvectors) against
the SVD."""
import numpy as np
import pytest
from sklearn.cluster import KMeans as SkKMeans
from sklearn.datasets import load_digits, make_blobs
from sklearn.decomposition import PCA as SkPCA

from chainrule.methods.unsupervised import KMeans, PCA


@pytest.mark.parametrize("solver", ["svd", "eig"])
def test_pca_equals_scikit_learn(solver):
    x = load_digits().data[:500]
    ours, theirs = PCA(10, solver=solver).fit(x), SkPCA(10, svd_solver="full").fit(x)
    np.testing.assert_allclose(ours.explained_variance_, theirs.explained_variance_, rtol=1e-8)
    np.testing.assert_allclose(ours.explained_variance_ratio_, theirs.explained_variance_ratio_, rtol=1e-8)
    np.testing.assert_allclose(ours.components_, theirs.components_, atol=1e-8)
    np.testing.assert_allclose(ours.transform(x), theirs.transform(x), atol=1e-7)
    np.testing.assert_allclose(ours.inverse_transform(ours.transform(x)),
                               theirs.inverse_transform(theirs.transform(x)), atol=1e-7)


def test_first_component_is_the_direction_of_largest_variance():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 2)) * [3.0, 0.5] @ np.array([[np.cos(0.5), np.sin(0.5)], [-np.sin(0.5), np.cos(0.5)]])
    pca = PCA(2).fit(x)
    assert abs(abs(pca.components_[0] @ [np.cos(0.5), np.sin(0.5)]) - 1) < 1e-3
    assert abs(pca.components_[0] @ pca.components_[1]) < 1e-12
    np.testing.assert_allclose(pca.explained_variance_, [9, 0.25], rtol=0.1)


def test_kmeans_equals_scikit_learn_on_blobs():
    x, _ = make_blobs(600, centers=4, cluster_std=0.8, random_state=3)
    ours = KMeans(4, n_init=5, random_state=0).fit(x)
    theirs = SkKMeans(4, n_init=5, random_state=0).fit(x)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-6)
    order = lambda c: c[np.lexsort(c.T)]
    np.testing.assert_allclose(order(ours.cluster_centers_), order(theirs.cluster_centers_), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(x), ours.labels_)


def test_kmeans_on_digits_is_as_good_as_scikit_learn():
    x = load_digits().data
    ours = KMeans(10, n_init=4, random_state=1).fit(x)
    theirs = SkKMeans(10, n_init=4, random_state=1).fit(x)
    assert ours.inertia_ <= theirs.inertia_ * 1.02


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="n_components"):
        PCA(100).fit(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="solver"):
        PCA(2, solver="qr")
    with pytest.raises(ValueError, match="3 samples cannot make 4 clusters"):
        KMeans(4).fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="2-D"):
        KMeans(2).fit(np.zeros(5))
