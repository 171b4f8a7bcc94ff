"""A run's folder: ``metrics.json`` (with the headline), ``config.json``, one PNG per figure and an
``index.html`` that shows the question, the formula from the notes, the figures and the numbers."""
import dataclasses
import html
import json
import math
import os

from ..io.atomic import atomic_write


def _jsonable(v):
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if hasattr(v, "item") and getattr(v, "size", 2) == 1:
        v = v.item()
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, float) and not math.isfinite(v):
        return str(v)
    return v


def _write_json(path, obj):
    with atomic_write(path, "w") as f:
        json.dump(_jsonable(obj), f, indent=2, sort_keys=False)
        f.write("\n")


def write_run(out_dir, exp, cfg, result, seed, seconds, quick=False):
    """Write every file of a finished run into out_dir (created if needed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from ..lectures.lang import translate_figure
    os.makedirs(out_dir, exist_ok=True)
    names = []
    for name, fig in result.figures.items():
        fname = f"{name}.png"
        translate_figure(fig)      # the page's language, in the figure too
        fig.savefig(os.path.join(out_dir, fname), dpi=150, bbox_inches="tight")   # ~850 px: the page's width
        plt.close(fig)
        names.append(fname)
    _write_json(os.path.join(out_dir, "config.json"),
                {"experiment": exp.name, "seed": seed, "quick": quick, "config": dataclasses.asdict(cfg)})
    _write_json(os.path.join(out_dir, "metrics.json"),
                {"experiment": exp.name, "lecture": exp.lecture, "question": exp.question,
                 "formula": exp.formula, "headline": result.headline, "seconds": round(seconds, 3),
                 "figures": names, "captions": {n: exp.captions[n[:-4]] for n in names if n[:-4] in exp.captions},
                 "metrics": result.metrics})
    return render(out_dir)


def render(out_dir):
    """(Re)build index.html from the run's metrics.json and config.json; returns its path."""
    try:
        with open(os.path.join(out_dir, "metrics.json")) as f:
            m = json.load(f)
        with open(os.path.join(out_dir, "config.json")) as f:
            c = json.load(f)
    except FileNotFoundError as e:
        raise FileNotFoundError(f"report: {out_dir} is not a chainrule run folder (missing "
                                f"{os.path.basename(e.filename)})") from None
    except json.JSONDecodeError as e:
        raise ValueError(f"report: {out_dir} has a damaged JSON file: {e}") from None
    from ..lectures.lang import current, figure_text, tr
    from ..lectures.registry import lectures
    esc = html.escape
    exp_name = m["experiment"]
    untranslated = current() != "en" and not any("\u4e00" <= ch <= "\u9fff" for ch in m["headline"])
    note = tr("page.answer_language_note", "") if untranslated else ""
    rows = "".join(f"<tr><td>{esc(_label(k))}</td><td>{esc(_fmt(figure_text(v) if isinstance(v, str) else v))}"
                   f"</td></tr>" for k, v in _flatten(m["metrics"]).items())
    cfg_rows = "".join(f"<tr><td>{esc(k)}</td><td>{esc(str(v))}</td></tr>" for k, v in c["config"].items())
    captions = {f: tr(f"{exp_name}.caption.{f[:-4]}", text) for f, text in m.get("captions", {}).items()}
    figs = "".join(f'<figure><a href="{esc(f)}" title="{esc(tr("page.open_full", "open full size"))}"><img src="{esc(f)}" alt="{esc(f[:-4])}"></a>'
                   f'<figcaption>{esc(captions.get(f, f[:-4].replace("_", " ")))}</figcaption></figure>'
                   for f in m["figures"] if os.path.exists(os.path.join(out_dir, f)))
    page = f"""<!doctype html>
<html lang="{current()}"><head><meta charset="utf-8"><title>{esc(m['experiment'])} — chainrule</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }}
h1 {{ font-size: 1.5em; }} .lecture {{ color: #666; }} .headline {{ font-size: 1.15em; background: #eef6ff;
padding: .8em 1em; border-left: 4px solid #2b7bd6; }} pre {{ background: #f6f6f6; padding: .8em; white-space: pre-wrap; }}
figure {{ margin: 1em 0; }} img {{ max-width: 100%; border: 1px solid #ddd; }}
table {{ border-collapse: collapse; }} td {{ border: 1px solid #ddd; padding: .25em .6em; }}
</style></head><body>
<p class="lecture">{esc(tr("lecture." + m['lecture'], lectures().get(m['lecture'], m['lecture'])))}</p>
<h1>{esc(exp_name)}</h1>
<p><b>{esc(tr("page.question", "Question"))}.</b> {esc(tr(exp_name + ".question", m['question']))}</p>
<p class="headline"><b>{esc(tr("page.answer", "Answer"))}.</b> {esc(m['headline'])}
{esc(note)}</p>
<h2>{esc(tr("page.notes", "From the notes"))}</h2><pre>{esc(tr(exp_name + ".formula", m['formula']))}</pre>
<h2>{esc(tr("page.figures", "Figures"))}</h2>{figs}
<h2>{esc(tr("page.numbers", "Numbers"))}</h2><table>{rows}</table>
<h2>{esc(tr("page.settings", "Settings"))}</h2><table><tr><td>seed</td><td>{esc(str(c['seed']))}</td></tr>
<tr><td>quick</td><td>{esc(str(c.get('quick', False)))}</td></tr>{cfg_rows}</table>
<p class="lecture">{m['seconds']} s · {esc(tr("page.made_by", "made by chainrule"))}</p>
<script>
// mark the page with how many figures loaded, and flag any that did not
window.addEventListener("load", () => {{
  const imgs = [...document.images];
  const ok = imgs.filter(i => i.complete && i.naturalWidth > 0);
  imgs.filter(i => !ok.includes(i)).forEach(i => i.insertAdjacentText("afterend", "(figure missing)"));
  document.body.dataset.figures = ok.length + "/" + imgs.length;
}});
</script>
</body></html>
"""
    path = os.path.join(out_dir, "index.html")
    with atomic_write(path, "w") as f:
        f.write(page)
    return path


def _flatten(d, prefix=()):
    """Nested metrics as {(name, sub-name, …): value}."""
    out = {}
    for k, v in d.items():
        key = prefix + (str(k),)
        if isinstance(v, dict):
            out.update(_flatten(v, key))
        else:
            out[key] = v
    return out


def _label(key):
    """A metric's row label: ``("test_accuracy", "dropout 0.5")`` reads "test accuracy › dropout 0.5",
    each part in the page's language where the figure catalogue has it."""
    from ..lectures.lang import figure_text
    return " › ".join(figure_text(part.replace("_", " ")) for part in key)


def _fmt(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, list) and len(v) > 12:
        return "[" + ", ".join(_fmt(x) for x in v[:12]) + ", …]"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def write_index(out_dir, title, runs):
    """An index.html in out_dir linking each run's page (``runs``: folder names inside out_dir)
    with its question and headline — the tour's front page."""
    from ..lectures.lang import current, tr
    esc = html.escape
    items = []
    for folder in runs:
        with open(os.path.join(out_dir, folder, "metrics.json")) as f:
            m = json.load(f)
        items.append(f'<li><a href="{esc(folder)}/index.html"><b>{esc(m["experiment"])}</b></a> — '
                     f'{esc(tr(m["experiment"] + ".question", m["question"]))}<br>'
                     f'<span class="headline">{esc(m["headline"])}</span></li>')
    page = f"""<!doctype html>
<html lang="{current()}"><head><meta charset="utf-8"><title>{esc(title)} — chainrule</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }}
li {{ margin: 1em 0; }} .headline {{ color: #2b5d99; }}
</style></head><body>
<h1>{esc(title)}</h1>
<ol>{''.join(items)}</ol>
<p>{esc(tr("page.made_by", "made by chainrule"))}</p>
</body></html>
"""
    path = os.path.join(out_dir, "index.html")
    with atomic_write(path, "w") as f:
        f.write(page)
    return path
