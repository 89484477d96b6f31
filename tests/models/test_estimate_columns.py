"""Estimate columns (numpy, read by the first window) and frames (pandas, read by tables) agree."""

from lmi_explorer.models.estimate import estimate
from lmi_explorer.models.scenario import default_scenario


def test_columns_and_frames_agree():
    """The numpy columns the first window reads and the pandas frames the tables read are the same rows."""
    import numpy as np

    from lmi_explorer.models.estimate.pipeline import OPTION_COLUMNS

    est = estimate(default_scenario())
    o = est.options
    assert list(o.columns) == OPTION_COLUMNS and len(o) == est.option_count
    ok = o[o["fits"] & o["monthly_usd"].notna()]
    by_pandas = ok.sort_values(["monthly_usd", "devices", "tensor_parallel"], kind="stable")
    assert list(est.feasible.index) == list(by_pandas.index) == list(est.feasible_rows)
    top = est.best()
    assert top.name == by_pandas.index[0] and top["instance"] == by_pandas.iloc[0]["instance"]
    for i in (0, est.option_count // 2, est.option_count - 1):
        row = est.row(i)
        for k in OPTION_COLUMNS:
            a, b = row[k], o.iloc[i][k]
            assert (a == b) or (isinstance(a, float) and np.isnan(a) and np.isnan(b)), (i, k)
    other = est.best(other_than=str(top["backend"]))
    assert other is not None and other["backend"] != top["backend"]
    assert (
        other.name
        == ok[ok["backend"] != top["backend"]]
        .sort_values(["monthly_usd", "devices", "tensor_parallel"], kind="stable")
        .index[0]
    )
