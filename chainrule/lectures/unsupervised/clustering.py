"""Lecture 10, the two classics: k-means groups the digits without being told what a digit is, and
PCA finds the directions along which they vary most."""
import dataclasses

import numpy as np

from chainrule.methods.unsupervised import KMeans, PCA

from ..common import digit_pixels, image_rows, purity, pyplot
from ..lang import tr
from ..registry import Result, experiment


@dataclasses.dataclass
class KMeansPCAConfig:
    k: int = 10
    n_init: int = 4
    n_train: int = 1400
    RANGES = {"k": (1, 50), "n_init": (1, 20), "n_train": (100, 1700)}


@experiment("unsupervised.kmeans_pca", KMeansPCAConfig,
            "Without any labels, do k-means' clusters find the ten digits — and how few principal "
            "components keep most of what makes digits differ?",
            "k-means: assign x to argmin_k ‖x − c_k‖², c_k ← mean of its points;  PCA: w¹ = argmax_{‖w‖=1} "
            "Var(w·x), w² the same ⟂ w¹, … = eigenvectors of Cov(x) by eigenvalue",
            quick=dict(n_init=2))
def kmeans_pca(cfg, ctx):
    """Q: Can unlabeled data be grouped and summarized?

    A: k-means with k = 10 groups most test digits with others of the same digit (purity far above
    the share of the most common digit) though it never saw a label; PCA's components come sorted by
    the variance they explain — a handful keep most of it, the first two already spread the digits
    into visible groups — and the notes' eigenvectors of the covariance equal the SVD's components.
    """
    (xtr, ytr), (xte, yte) = digit_pixels(ctx.seed, cfg.n_train)
    km = KMeans(cfg.k, n_init=cfg.n_init, random_state=ctx.seed).fit(xtr)
    test_purity = purity(km.predict(xte), yte)
    chance = float(np.bincount(yte).max() / len(yte))
    pca, eig = PCA(solver="svd").fit(xtr), PCA(solver="eig").fit(xtr)
    agree = float(np.abs(pca.components_[:10] - eig.components_[:10]).max())
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    keep90 = int(np.searchsorted(cumulative, 0.9) + 1)
    z = pca.transform(xte)[:, :2]

    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    axes[0].bar(range(1, 21), pca.explained_variance_ratio_[:20], label=tr("unsupervised.each", "each component"))
    axes[0].plot(range(1, 21), cumulative[:20], "k.-", label=tr("unsupervised.cumulative", "cumulative"))
    axes[0].axhline(0.9, color="gray", ls=":")
    axes[0].set(title=tr("unsupervised.kmeans_pca.variance", "Share of the variance explained"),
                xlabel=tr("unsupervised.component", "principal component"), ylabel=tr("unsupervised.share", "share"))
    axes[0].set_xticks([1, 5, 10, 15, 20])
    axes[0].legend()
    sc = axes[1].scatter(z[:, 0], z[:, 1], c=yte, cmap="tab10", s=9)
    axes[1].set(title=tr("unsupervised.kmeans_pca.plane", "Test digits on the first two components (colour: the label PCA never saw)"),
                xlabel="w¹·(x − x̄)", ylabel="w²·(x − x̄)")
    fig.colorbar(sc, ax=axes[1], ticks=range(10))
    fig.tight_layout()
    order = np.argsort([np.bincount(ytr[km.labels_ == c], minlength=10).argmax() for c in range(cfg.k)])
    pictures = image_rows({tr("unsupervised.centres", "k-means centres"): km.cluster_centers_[order],
                           tr("unsupervised.components", "PCA w¹ … w¹⁰"): pca.components_[:10]},
                          tr("unsupervised.kmeans_pca.pictures", "Centres and components as 8×8 images"),
                          shape=(8, 8), vmin=None, vmax=None)
    head = tr("unsupervised.kmeans_pca.headline",
              "k-means (k = {k}) puts {p:.0%} of the test digits in a cluster whose majority is their own digit "
              "(the most common digit alone is {c:.0%}), without a single label. PCA: the first 2 components "
              "explain {v2:.0%} of the variance, {n90} of 64 explain 90%; the covariance's eigenvectors equal "
              "the SVD's components to {d:.0e}.", k=cfg.k, p=test_purity, c=chance,
              v2=cumulative[1], n90=keep90, d=agree)
    return Result({"purity": test_purity, "chance": chance, "inertia": km.inertia_,
                   "explained_variance_ratio": pca.explained_variance_ratio_[:10].tolist(),
                   "components_for_90": keep90, "eig_vs_svd": agree},
                  {"pca": fig, "pictures": pictures}, head)
