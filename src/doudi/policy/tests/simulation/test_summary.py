"""Amounts in fen are shown exactly in 元, one at a time or a whole column at once."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from doudi.policy.simulation.summary import yuan, yuan_column


def test_yuan_examples():
    assert [yuan(v) for v in (0, 1, -1, -50, 7000, -123456)] == ["0.00", "0.01", "-0.01", "-0.50", "70.00", "-1234.56"]


@given(st.lists(st.integers(min_value=-(10**15), max_value=10**15), max_size=50))
def test_a_column_is_formatted_like_each_value(values):
    assert yuan_column(np.array(values, dtype=np.int64)) == [yuan(v) for v in values]
