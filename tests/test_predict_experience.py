"""``tinyprop.predict`` as a person meets it: any image Pillow reads, one warning per input
whose range or polarity differs from the training data (and the options that fix it),
probabilities that never claim certainty, the top-k classes with their names."""

from __future__ import annotations

import warnings
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tinyprop.data import FASHION_CLASSES, load_digits, make_xor
from tinyprop.errors import DataError
from tinyprop.predict import (
    PredictWarning,
    class_labels,
    format_predictions,
    format_probability,
    load_inputs,
    predict_files,
)


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    """A digits MLP trained for a few epochs (a few seconds), loaded as ``predict`` does."""
    from tinyprop.train import TrainConfig, load_run, train_run

    out = tmp_path_factory.mktemp("predict") / "run"
    train_run(TrainConfig(data="digits", epochs=10, plots=False, progress=False), out=str(out),
              verbose=False)
    return load_run(out)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def _save_image(path: Path, image: np.ndarray, size: int = 64) -> Path:
    from PIL import Image

    Image.fromarray(image).resize((size, size), Image.Resampling.NEAREST).save(path)
    return path


def _digit(d, i: int) -> np.ndarray:
    """Test digit ``i`` as 8x8 uint8 pixels, bright strokes on black as in training."""
    return np.round(d.X_test[i].reshape(8, 8) * 255).astype(np.uint8)


def _no_warnings():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.simplefilter("error", PredictWarning)
    return ctx


# ---- images ---------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".webp"])
def test_any_image_pillow_reads_is_accepted(digits_run, digits, tmp_path, suffix):
    from PIL import features

    if suffix == ".webp" and not features.check("webp"):
        pytest.skip("this Pillow has no WebP support")
    png = _save_image(tmp_path / "digit.png", _digit(digits, 0))
    other = _save_image(tmp_path / f"digit{suffix}", _digit(digits, 0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PredictWarning)
        rows = predict_files(digits_run, [png, other])
    assert [r["input"] for r in rows] == ["digit.png", f"digit{suffix}"]
    assert rows[0]["class"] == rows[1]["class"]


def test_dark_on_light_image_warns_and_invert_fixes_it(digits_run, digits, tmp_path):
    light_on_dark = _save_image(tmp_path / "as-trained.png", _digit(digits, 3))
    photo = _save_image(tmp_path / "photo.jpg", 255 - _digit(digits, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PredictWarning)
        (expected,) = predict_files(digits_run, [light_on_dark])
    with pytest.warns(PredictWarning) as caught:
        predict_files(digits_run, [photo])
    (w,) = caught
    message = str(w.message)
    assert "\n" not in message and message.startswith("photo.jpg: ")
    assert "dark-on-light" in message and "--invert" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", PredictWarning)
        (fixed,) = predict_files(digits_run, [photo], invert=True)
        predict_files(digits_run, [photo], invert=False)  # the user decided: no warning
    assert fixed["class"] == expected["class"]
    lossless = _save_image(tmp_path / "photo.png", 255 - _digit(digits, 3))
    with pytest.warns(PredictWarning, match="photo.png: looks dark-on-light"):
        predict_files(digits_run, [lossless])
    (exact,) = predict_files(digits_run, [lossless], invert=True)
    assert exact["class"] == expected["class"]
    assert exact["probability"] == pytest.approx(expected["probability"], abs=0.01)


def test_invert_flips_within_the_training_range(digits, tmp_path):
    np.save(tmp_path / "x.npy", digits.X_test[:4])
    X, _ = load_inputs([tmp_path / "x.npy"], digits)
    X_inv, _ = load_inputs([tmp_path / "x.npy"], digits, invert=True)
    np.testing.assert_allclose(X_inv, 1 - X, atol=1e-6)


def test_one_warning_per_file_of_many_rows(digits, tmp_path):
    rows = digits.X_test[:6].copy()
    rows[:2] = 1 - rows[:2]
    np.save(tmp_path / "mixed.npy", rows)
    with pytest.warns(PredictWarning) as caught:
        load_inputs([tmp_path / "mixed.npy"], digits)
    assert len(caught) == 1
    assert "mixed.npy: has 2 of 6 samples" in str(caught[0].message)


def test_unreadable_and_unsupported_files(digits, tmp_path):
    (tmp_path / "x.csv").write_text("1,2\n")
    with pytest.raises(DataError, match=r"unsupported input x\.csv: expected a \.npy array or a "
                                        r"\.png"):
        load_inputs([tmp_path / "x.csv"], digits)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(DataError, match="broken.jpg is not a readable image"):
        load_inputs([tmp_path / "broken.jpg"], digits)
    # EPS would make Pillow run Ghostscript: refused before that.
    (tmp_path / "x.eps").write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 8 8\n")
    with pytest.raises(DataError, match="x.eps"):
        load_inputs([tmp_path / "x.eps"], digits)


# ---- .npy ranges ------------------------------------------------------------------------


def test_uint8_npy_is_scaled_like_uint8_training_images(digits_run, digits, tmp_path):
    np.save(tmp_path / "scaled.npy", digits.X_test[:8].astype(np.float32))
    np.save(tmp_path / "pixels.npy", np.round(digits.X_test[:8] * 255).astype(np.uint8))
    with warnings.catch_warnings():
        warnings.simplefilter("error", PredictWarning)
        a = predict_files(digits_run, [tmp_path / "scaled.npy"])
        b = predict_files(digits_run, [tmp_path / "pixels.npy"])
    assert [r["class"] for r in a] == [r["class"] for r in b]
    X, _ = load_inputs([tmp_path / "pixels.npy"], digits, scale=False)
    assert X.max() > 200  # scale=False keeps the raw values


def test_0_255_floats_warn_and_scale_fixes_them(digits_run, digits, tmp_path):
    np.save(tmp_path / "scaled.npy", digits.X_test[:8].astype(np.float32))
    np.save(tmp_path / "raw.npy", (digits.X_test[:8] * 255).astype(np.float64))
    with pytest.warns(PredictWarning, match=r"raw\.npy: values span 0\.\.255.*--scale"):
        predict_files(digits_run, [tmp_path / "raw.npy"])
    with warnings.catch_warnings():
        warnings.simplefilter("error", PredictWarning)
        expected = predict_files(digits_run, [tmp_path / "scaled.npy"])
        fixed = predict_files(digits_run, [tmp_path / "raw.npy"], scale=True)
    assert [r["class"] for r in fixed] == [r["class"] for r in expected]


def test_non_image_data_checks_the_range_only(tmp_path):
    d = make_xor(seed=0)
    np.save(tmp_path / "ok.npy", d.X_test[:5])
    np.save(tmp_path / "far.npy", d.X_test[:5] * 1000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", PredictWarning)
        load_inputs([tmp_path / "ok.npy"], d)
    with pytest.warns(PredictWarning, match="preprocess them like the training data"):
        load_inputs([tmp_path / "far.npy"], d)


def test_options_are_checked(digits_run, digits, tmp_path):
    np.save(tmp_path / "x.npy", digits.X_test[:2])
    with pytest.raises(TypeError, match="invert"):
        load_inputs([tmp_path / "x.npy"], digits, invert="yes")
    with pytest.raises(TypeError, match="scale"):
        load_inputs([tmp_path / "x.npy"], digits, scale=1)
    with pytest.raises(ValueError, match="top_k"):
        predict_files(digits_run, [tmp_path / "x.npy"], top_k=0)


# ---- probabilities, top-k, class names ----------------------------------------------------


@pytest.mark.parametrize(("p", "text"), [
    (0.99712, "99.7 %"), (0.9996, ">99.9 %"), (1.0, ">99.9 %"), (0.5, "50.0 %"),
    (0.0004, "<0.1 %"), (0.0, "<0.1 %"), (0.0005, "0.1 %"), (0.9994, "99.9 %"),
])
def test_format_probability(p, text):
    assert format_probability(p) == text


def test_top_k_rows_and_lines(digits_run, digits, tmp_path):
    np.save(tmp_path / "x.npy", digits.X_test[:20])
    rows = predict_files(digits_run, [tmp_path / "x.npy"], top_k=3)
    assert len(rows) == 20
    for r in rows:
        assert set(r) >= {"input", "class", "label", "probability", "top_k"}
        top = r["top_k"]
        assert len(top) == 3 and top[0] == {k: r[k] for k in ("class", "label", "probability")}
        probs = [t["probability"] for t in top]
        assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-9
        assert len({t["class"] for t in top}) == 3
    text = format_predictions(rows)
    assert len(text.splitlines()) == 20 and "100.0 %" not in text
    assert text.splitlines()[0].startswith("x.npy[0]: ") and "; next: " in text
    (one,) = predict_files(digits_run, [tmp_path / "x.npy"], top_k=50)[:1]
    assert len(one["top_k"]) == 10  # at most the number of classes
    (single,) = predict_files(digits_run, [tmp_path / "x.npy"], top_k=1)[:1]
    assert "next" not in format_predictions([single])


def test_class_labels():
    fashion = SimpleNamespace(name="fashion-mnist", n_classes=10,
                              classes=tuple(str(i) for i in range(10)))
    assert class_labels(fashion) == FASHION_CLASSES
    named = SimpleNamespace(name="mine", n_classes=2, classes=("cat", "dog"))
    assert class_labels(named) == ("cat", "dog")
    registry = SimpleNamespace(name="mine", n_classes=2, classes=("0", "1"),
                               class_names=("no", "yes"))
    assert class_labels(registry) == ("no", "yes")
    assert class_labels(SimpleNamespace(name="x", n_classes=3, classes=())) == ("0", "1", "2")
