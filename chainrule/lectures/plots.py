"""Small plotting helpers (matplotlib, Agg): every experiment's figures look alike."""


def figure(w=5.5, h=4.0):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(w, h))
    return fig, ax


def lines(series, title, xlabel, ylabel, logy=False):
    """series: {label: (xs, ys)} → a figure with one line each."""
    fig, ax = figure()
    for label, (xs, ys) in series.items():
        ax.plot(xs, ys, label=label)
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    if logy:
        ax.set_yscale("log")
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def bars(values, title, ylabel):
    fig, ax = figure()
    ax.bar(list(values), list(values.values()))
    ax.set(title=title, ylabel=ylabel)
    ax.tick_params(axis="x", rotation=30)
    ax.grid(alpha=0.3, axis="y")
    return fig
