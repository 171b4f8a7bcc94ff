"""The README demo really learns XOR."""
from chainrule.demo import main, train_xor


def test_xor_is_learned_and_the_loss_falls():
    losses, p = train_xor(steps=1500, log=None)
    assert losses[-1] < 0.05 < losses[0]
    assert [round(v) for v in p.reshape(-1).tolist()] == [0, 1, 1, 0]


def test_demo_prints_the_falling_loss(capsys):
    main()
    out = capsys.readouterr().out
    assert "loss fell from" in out and "[0, 1, 1, 0]" in out and "reloaded: test accuracy" in out


def test_digits_demo_reaches_97_percent_and_reloads_the_same(tmp_path):
    acc, acc_loaded = __import__("chainrule.demo", fromlist=["train_digits"]).train_digits(
        progress=False, log=None, path=str(tmp_path / "m.safetensors"))
    assert acc >= 0.97 and acc_loaded == acc
