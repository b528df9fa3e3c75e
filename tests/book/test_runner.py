"""The runner on a tiny chapter made by the test: execution, metadata, skipping, bad parameters."""
import json
import textwrap

import pytest

from repro.book import runner
from repro.book.status import read_status

DEMO = textwrap.dedent('''\
    # %% [markdown]
    # # Demo

    # %% tags=["parameters"]
    scale = "quick"
    seed = 0
    device = "auto"
    n = 3

    # %%
    import repro
    from repro.book.params import check_int
    run = repro.setup(scale, seed, device, style=False)
    check_int("n", n, minimum=1)

    # %%
    claims = repro.Claims()
    claims.declare("n3", kind="headline", statement="n is three", metric="n", better="lower",
                   margin=3.5, deterministic=True)

    # %% tags=["nbval-check-output"]
    claims.record("n3", value=n)
    claims.report()
    ''')


@pytest.fixture
def demo(tmp_path):
    (tmp_path / "notebooks" / "theory").mkdir(parents=True)
    (tmp_path / "notebooks" / "theory" / "demo.py").write_text(DEMO)
    return runner.Chapter("theory", "demo", tmp_path)


def test_declared_parameters_and_dependencies(demo):
    nb = runner.load_source(demo)
    assert runner.declared_parameters(nb) == {"scale": "quick", "seed": 0, "device": "auto", "n": 3}
    assert "jupytext" not in nb.metadata
    deps = {p.name for p in runner.dependencies(demo.source)}
    assert {"__init__.py", "params.py", "runtime.py", "claims.py", "plotting.py", "intervals.py"} <= deps
    assert "kernels.py" not in deps


def test_execute_records_metadata_and_skips_when_current(demo):
    out = runner.execute(demo, {"n": 4})
    nb = json.loads(out.read_text())
    assert nb["metadata"]["repro"]["parameters"] == {"n": 4}
    assert nb["metadata"]["papermill"]["duration"] > 0
    st = read_status(out)
    assert [(c.key, c.kind, c.verdict) for c in st.claims] == [("n3", "headline", "NOT REPRODUCED")]
    assert st.scale == "quick" and st.headline == "not reproduced"
    assert runner.is_current(demo, {"n": 4}) and not runner.is_current(demo, {})
    demo.source.write_text(DEMO.replace("# # Demo", "# # Demo, edited"))
    assert not runner.is_current(demo, {"n": 4})


def test_unknown_parameter_name_fails_before_running(demo):
    with pytest.raises(ValueError, match="unknown parameter.*colour"):
        runner.execute(demo, {"colour": "red"})


@pytest.mark.parametrize("params, message", [
    ({"scale": "huge"}, "parameter scale='huge' is not allowed; choose one of 'quick', 'full'"),
    ({"n": 0}, "parameter n=0 must be >= 1"),
])
def test_invalid_parameter_value_stops_with_clear_message(demo, params, message):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as err:
        runner.execute(demo, params)
    assert message in str(err.value)


def test_seed_record_missing_stale_and_unstable_each_fail_clearly(demo):
    from repro.book import seeds

    runner.execute(demo)
    assert seeds.problems(demo) == ["no seed record demo.seeds.json: run `python -m repro seeds demo`"]
    rec = seeds.make_record(demo)
    assert rec["seeds"] == {s: {"n3": "REPRODUCED"} for s in ("0", "1", "2")} and rec["stable"]
    assert rec["wall_s"].keys() == {"1", "2"}  # seed 0 was read from the current notebook
    assert seeds.problems(demo) == []
    # unstable: a counted verdict that flips between seeds
    rec["seeds"]["2"]["n3"] = "NOT REPRODUCED"
    rec["stable"] = seeds.is_stable(rec["seeds"], rec["kinds"])
    seeds.record_path(demo).write_text(json.dumps(rec))
    assert not rec["stable"]
    assert "verdicts differ across seeds 0, 1 and 2 for: n3" in seeds.problems(demo)[0]
    # stale: the chapter changed after the record was made
    demo.source.write_text(DEMO.replace("# # Demo", "# # Demo, edited"))
    assert "the seed record is stale" in seeds.problems(demo)[0]
