"""Pictures of hidden states (driver --plot, --plot-epochs) and the training snapshots behind them."""
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import torch
from PIL import Image

from stateclusters.analyses.training_snapshots import snapshot_files, snapshot_saver
from stateclusters.automata import get_automaton
from stateclusters.base.errors import UserError
from stateclusters.commands import driver
from stateclusters.evaluation.training import network_config
from stateclusters.figures.hidden_states import align_signs, plotted_rows, project, write_state_picture
from stateclusters.grid.jobs import single_threaded
from stateclusters.networks.recurrent import TrainingConfig, train_network
from stateclusters.words.sampling import training_words, validation_words

TINY = ["--automaton", "tomita3", "--rnn", "gru", "--hidden", "6", "--epochs", "3", "--train-words", "300",
        "--validation-words", "60", "--conformance-words", "50"]


@pytest.fixture(autouse=True)
def one_thread():
    """On a busy machine spin-waiting BLAS/OpenMP threads make training, k-means and t-SNE many times slower."""
    with single_threaded():
        yield


def run_driver(*arguments) -> int:
    return driver.main([*TINY, *arguments])


def read_png(path: Path) -> np.ndarray:
    image = matplotlib.image.imread(path)
    assert image.ndim == 3 and image.shape[2] in (3, 4)
    return image


def test_driver_plot_writes_a_two_panel_png(tmp_path, capsys):
    plot = tmp_path / "states.png"
    assert run_driver("--checkpoint-dir", str(tmp_path), "--plot", str(plot)) == 0
    assert f"pictures: {plot}" in capsys.readouterr().out
    height, width, _ = read_png(plot).shape
    assert width > 2 * height > 400                 # two panels side by side
    assert list(tmp_path.glob(".*partial")) == []   # written through a temp file, nothing left over


def test_driver_plot_epochs_saves_snapshots_and_draws_them(tmp_path, capsys):
    plot = tmp_path / "run.png"
    assert run_driver("--checkpoint-dir", str(tmp_path), "--plot", str(plot), "--plot-epochs", "2") == 0
    output = capsys.readouterr().out
    # Epoch 0 (untrained), every 2nd epoch, and the last one (3, unless training stopped early).
    epochs_run = int(output.split("trained for ")[1].split()[0])
    expected = sorted({0, *range(2, epochs_run + 1, 2), epochs_run})
    assert [epoch for epoch, _ in snapshot_files(tmp_path / "run_epochs")] == expected
    read_png(tmp_path / "run_epochs.png")
    with Image.open(tmp_path / "run_epochs.gif") as gif:
        assert gif.n_frames == len(expected)


def test_driver_tsne_projection(tmp_path):
    plot = tmp_path / "tsne.png"
    assert run_driver("--checkpoint-dir", str(tmp_path), "--plot", str(plot), "--projection", "tsne",
                      "--function", "DBSCAN") == 0
    read_png(plot)


def test_plot_option_mistakes_are_user_errors_before_any_training(tmp_path):
    for arguments, named in ((["--plot-epochs", "2"], "--plot"), (["--plot", str(tmp_path / "x.jpg")], "x.jpg")):
        with pytest.raises(UserError, match=named):
            run_driver("--checkpoint-dir", str(tmp_path), *arguments)
    assert list(tmp_path.iterdir()) == []


def test_snapshots_do_not_change_training(tmp_path):
    automaton = get_automaton("tomita3")
    config = network_config(automaton, "lstm", 5, num_layers=2)   # two layers: dropout draws random numbers
    words = training_words(automaton, 1, 300), validation_words(automaton, 1, 60)
    settings = TrainingConfig(epochs=5, seed=1, perfect_epochs_to_stop=100)
    plain, plain_metrics = train_network(config, *words, settings, progress=False)
    snapped, snapped_metrics = train_network(config, *words, settings, progress=False,
                                             epoch_callback=snapshot_saver(tmp_path, 2))
    assert all(torch.equal(plain.state_dict()[name], tensor) for name, tensor in snapped.state_dict().items())
    assert plain_metrics.training_loss == snapped_metrics.training_loss
    assert [epoch for epoch, _ in snapshot_files(tmp_path)] == [0, 2, 4]


def test_plotted_rows_subsample_is_seeded_sorted_and_bounded():
    rows = plotted_rows(1000, 100, seed=3)
    assert len(rows) == 100 == len(set(rows.tolist())) and (np.diff(rows) > 0).all()
    assert np.array_equal(rows, plotted_rows(1000, 100, seed=3))
    assert np.array_equal(plotted_rows(50, 100), np.arange(50))


def test_projection_signs_are_aligned_to_the_previous_picture():
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(200, 5)) * [5, 2, 1, 1, 1]
    points = project(vectors, "pca")
    flipped = points * [-1, 1]
    assert np.allclose(align_signs(flipped, points), points)
    assert project(vectors[:, :1], "pca").shape == (200, 2)   # one hidden unit: padded, not refused


def test_many_states_and_noise_are_drawn(tmp_path):
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(600, 4))
    states = np.array([f"q{i}" for i in rng.integers(0, 30, size=600)])   # more than a legend holds
    clusters = rng.integers(-1, 5, size=600)                               # with DBSCAN noise
    path = write_state_picture(tmp_path / "many.png", vectors, states, clusters, seed=1)
    height, width, _ = read_png(path).shape
    assert width > height > 300
