import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from repro.book.plotting import STYLE, theory_vs_simulation, use_style  # noqa: E402


def test_style_and_theory_plot():
    use_style()
    assert matplotlib.rcParams["axes.spines.top"] is False
    assert matplotlib.rcParams["figure.figsize"] == list(STYLE["figure.figsize"])
    fig, ax = plt.subplots()
    theory_vs_simulation(ax, [1, 2, 4], [1, 0.5, 0.25], [1.1, 0.5, 0.2], [0.1, 0.1, 0.1],
                         label="risk", logx=True, logy=True)
    labels = [t.get_text() for t in ax.legend().get_texts()]
    assert labels == ["risk theory", "risk simulation"] and ax.get_xscale() == "log"
    plt.close(fig)
