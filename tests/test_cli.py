"""The chainrule command, end to end in a subprocess, and its report in headless Chromium."""
import html
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cli(*args, cwd=None):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([sys.executable, "-m", "chainrule.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def test_version_and_list():
    r = cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("chainrule ")
    r = cli("list")
    assert r.returncode == 0
    assert "Lecture 1 — Regression" in r.stdout and "regression.overfitting" in r.stdout
    names = cli("list", "--names").stdout.split()
    lectures = ("regression", "classification", "training", "cnn", "detection", "rnn", "attention", "transformer",
                "selfsupervised", "unsupervised", "gan", "generative")
    assert len(names) >= 25 and all(n.split(".")[0] in lectures for n in names)


def test_run_writes_a_report_and_repeats_under_a_seed(tmp_path):
    out = tmp_path / "run"
    r = cli("run", "regression.overfitting", "--quick", "--seed", "3", "--out", str(out), "--no-progress")
    assert r.returncode == 0, r.stderr
    assert "regression.overfitting: Training error falls" in r.stdout
    files = set(os.listdir(out))
    assert {"metrics.json", "config.json", "index.html", "errors.png"} <= files
    m = json.loads((out / "metrics.json").read_text())
    assert m["headline"] in r.stdout and m["metrics"]["test_mse"]
    again = tmp_path / "again"
    cli("run", "regression.overfitting", "--quick", "--seed", "3", "--out", str(again), "--no-progress")
    assert json.loads((again / "metrics.json").read_text())["metrics"] == m["metrics"]
    (out / "index.html").unlink()
    r = cli("report", str(out))
    assert r.returncode == 0 and (out / "index.html").exists()


def test_set_overrides_a_setting(tmp_path):
    r = cli("run", "regression.overfitting", "--set", "max_degree=3", "--out", str(tmp_path), "--no-progress")
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())
    assert sorted(m["metrics"]["test_mse"]) == ["1", "2", "3"]
    c = json.loads((tmp_path / "config.json").read_text())
    assert c["config"]["max_degree"] == 3


@pytest.mark.parametrize("args,msg", [
    (("run", "regression.overfit"), "unknown experiment 'regression.overfit'; did you mean regression.overfitting"),
    (("run", "regression.overfitting", "--set", "degree=3"), "unknown setting 'degree'; valid settings: n_train (int)"),
    (("run", "regression.overfitting", "--set", "n_train=many"), "setting n_train expects int, got 'many'"),
    (("run", "regression.overfitting", "--set", "noise"), "--set expects KEY=VALUE"),
    (("run", "regression.overfitting", "--set", "n_train=0"), "setting n_train must be ≥ 10, got 0"),
    (("run", "regression.overfitting", "--set", "noise=-1"), "setting noise must be ≥ 0.0, got -1.0"),
    (("run", "regression.error_surface", "--set", "lrs=0.1,2000"), "setting lrs must be ≤ 100.0, got 2000.0"),
    (("report", "/nonexistent/run"), "is not a chainrule run folder"),
    (("launch", "-np", "0", __file__), "launch: the number of ranks must be a positive int, got 0"),
    (("launch", "-np", "2", "/nonexistent/train.py"), "launch: no such script: /nonexistent/train.py"),
])
def test_bad_input(args, msg):
    r = cli(*args)
    assert r.returncode == 2 and msg in r.stderr, r.stderr


def test_unwritable_out_is_reported_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("run", "training.batchnorm", "--out", str(blocker / "sub"))
    assert r.returncode == 2 and "cannot write to --out" in r.stderr
    assert "batchnorm:" not in r.stdout  # nothing ran


def _chromium(page, tmp_path):
    """(the page's DOM, its screenshot as an array) from headless Chromium."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]
    dom = subprocess.run(["chromium", *flags, "--dump-dom", f"file://{page}"], capture_output=True, text=True,
                         timeout=120)
    shot = tmp_path / "shot.png"
    subprocess.run(["chromium", *flags, f"--screenshot={shot}", "--window-size=1000,1400", f"file://{page}"],
                   capture_output=True, timeout=120)
    import matplotlib.image as mpimg
    return dom.stdout + dom.stderr[-500:], mpimg.imread(str(shot))


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium is not installed")
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_report_renders_with_every_figure_in_chromium(tmp_path, lang):
    out = tmp_path / "run"
    r = cli("run", "classification.ce_vs_square", "--quick", "--out", str(out), "--no-progress", "--lang", lang)
    assert r.returncode == 0, r.stderr
    dom, img = _chromium(out / "index.html", tmp_path)
    assert 'data-figures="3/3"' in dom, dom[-1000:]
    assert img.shape[0] >= 1000 and img[..., :3].std() > 0.05  # a rendered page, not a blank one
    caption = "从同一个“很有把握地错”的起点出发" if lang == "zh" else "From the same confidently wrong start"
    assert f'<html lang="{lang}"' in dom and caption in dom      # the figure's caption says what to notice


def test_tour_runs_a_sample_of_every_lecture(tmp_path):
    r = cli("run", "tour", "--out", str(tmp_path), "--no-progress")
    assert r.returncode == 0, r.stderr
    from chainrule.lectures import TOUR
    assert {n.split(".")[0] for n in TOUR} == {"regression", "classification", "training"}
    index = (tmp_path / "index.html").read_text()
    for name in TOUR:
        assert f"{name}: " in r.stdout and (tmp_path / name / "index.html").exists()
        assert f'href="{name}/index.html"' in index
        headline = json.loads((tmp_path / name / "metrics.json").read_text())["headline"]
        assert html.escape(headline) in index
    assert json.loads((tmp_path / TOUR[0] / "config.json").read_text())["quick"] is True
    if shutil.which("chromium"):
        dom, img = _chromium(tmp_path / "index.html", tmp_path)
        assert all(f'href="{name}/index.html"' in dom for name in TOUR) and img[..., :3].std() > 0.05


@pytest.mark.parametrize("encoding", ["gbk", "ascii"])
def test_output_survives_any_console_encoding(tmp_path, encoding):
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONIOENCODING=encoding)
    for args in (["list"], ["run", "regression.regularization", "--quick", "--out", str(tmp_path), "--no-progress"]):
        r = subprocess.run([sys.executable, "-m", "chainrule.cli", *args], capture_output=True, env=env, timeout=600)
        assert r.returncode == 0, r.stderr.decode(encoding, "replace")
        text = r.stdout.decode(encoding)
        assert "regression.regularization" in text and "UnicodeEncodeError" not in r.stderr.decode(encoding, "replace")
    assert "lambda" in text or "λ" in text


def test_run_help_lists_the_settings_as_set_takes_them():
    r = cli("run", "regression.regularization", "--help")
    assert r.returncode == 0
    assert "--set n_train=16   (int in [10, 10000])" in r.stdout
    assert "--set lambdas=0.0,0.1,10.0" in r.stdout and "(comma-separated floats, each in [0.0, 1000000000.0])" in r.stdout


def test_chinese_pages_and_messages(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT, PYTHONIOENCODING="gbk")
    r = subprocess.run([sys.executable, "-m", "chainrule.cli", "--lang", "zh", "list"], capture_output=True, env=env,
                       timeout=120)
    text = r.stdout.decode("gbk")
    assert r.returncode == 0 and "第 1 讲 — 回归（Regression）" in text and "鞍点（saddle point）" in text
    r = cli("run", "classification.xor", "--quick", "--lang", "zh", "--out", str(tmp_path), "--no-progress")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh">' in page and "逻辑回归学得会 XOR 吗？" in page and "笔记中的公式" in page
    assert "没有一条直线能分开 XOR" in page and "还没有中文版" not in page
    env = dict(os.environ, PYTHONPATH=ROOT, CHAINRULE_LANG="zh")
    r = subprocess.run([sys.executable, "-m", "chainrule.cli", "run", "regression.overfitting", "--help"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert "训练误差与测试误差" in r.stdout and "--set n_train=16" in r.stdout
    r = subprocess.run([sys.executable, "-m", "chainrule.cli", "run", "regression.overfitting", "--set", "n_train=0"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "设置 n_train 必须 ≥ 10，得到的是 0" in r.stderr
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "隐藏层自己学会这个转换" in page                                     # the figures' captions too


def test_launch_runs_a_script_on_two_ranks(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("import sys, chainrule as cr, chainrule.distributed as dist\n"
                      "dist.init_process_group('mpi')\n"
                      "t = cr.ones(2) * (dist.get_rank() + 1)\n"
                      "dist.all_reduce(t)\n"
                      "print('rank', dist.get_rank(), 'of', dist.get_world_size(), t.tolist(), sys.argv[1:])\n")
    r = cli("launch", "-np", "2", str(script), "--lr", "0.1")
    assert r.returncode == 0, r.stderr
    lines = sorted(line for line in r.stdout.splitlines() if line.startswith("rank"))
    assert lines == ["rank 0 of 2 [3.0, 3.0] ['--lr', '0.1']", "rank 1 of 2 [3.0, 3.0] ['--lr', '0.1']"]
