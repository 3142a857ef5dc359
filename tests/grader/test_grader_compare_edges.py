"""grader/checking/compare.py and the framework's comparisons at the edges of what a learner can
return: subnormals, the largest floats, infinities, NaN, integers of thousands of digits and
huge arrays. Each is the learner's failure with a readable message, never a crash of the check
("the check crashed (not your fault)", exit 3), and never work in proportion to a huge value."""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pytest

from grader.checking.compare import difference, locate, observe, show, show_pair
from grader.checking.framework import CheckFailed, expect_close

EDGES = [
    5e-324,
    -5e-324,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    float("inf"),
    float("-inf"),
    float("nan"),
    0.0,
    -0.0,
    2**1023,
    2**1024,
    10**5000,
    -(10**5000),
    np.float32(3.4028235e38),
    np.float32(1e-45),
]
EXPECTED = [1.0, 2.5e-310, 1e300, -3.0, 0.0]


def _label(value: object) -> str:
    if isinstance(value, int) and value.bit_length() > 64:
        return f"int{value.bit_length()}bits"
    return repr(value)[:20]


@pytest.fixture(autouse=True)
def _big_ints_print_as_they_would_in_a_report():
    if hasattr(sys, "set_int_max_str_digits"):
        before = sys.get_int_max_str_digits()
        sys.set_int_max_str_digits(4300)  # Python's default: str() of a longer int raises
        yield
        sys.set_int_max_str_digits(before)
    else:
        yield


@pytest.mark.parametrize(
    ("got", "expected"), list(itertools.product(EDGES, EXPECTED)), ids=lambda v: _label(v)
)
def test_every_helper_takes_an_edge_number(got, expected):
    found = difference(got, expected)
    assert found is None or isinstance(found.text, str)
    assert isinstance(observe(got, expected), str)
    assert all(isinstance(text, str) for text in show_pair(got, expected))
    assert isinstance(show(got), str) and len(show(got)) < 200
    try:
        expect_close(got, expected, what="your value")
    except CheckFailed as failed:
        assert len(str(failed)) < 2000


@pytest.mark.parametrize("edge", [5e-324, 1.7976931348623157e308, float("inf"), float("nan")])
def test_arrays_with_edge_entries(edge):
    expected = np.array([1.0, 2.0, 3.0, 4.0])
    for got in (np.full(4, edge), np.array([1.0, edge, 3.0, 4.0]), expected * edge):
        assert isinstance(observe(got, expected), str)
        with pytest.raises(CheckFailed):
            expect_close(got, expected, what="your array")
        with np.errstate(all="ignore"):
            assert "out of tolerance" in locate(got, expected, 1e-7, 1e-9) or edge != edge


def test_a_huge_integer_is_shown_by_its_size():
    assert show(10**5000) == "an integer of 16610 bits"
    assert show(-(2**100)) == "-an integer of 101 bits"
    assert show(2**63) == str(2**63)


def test_a_huge_array_is_elided_before_it_is_converted(monkeypatch):
    """A wrong 6-million-entry array is shown from six of its entries: tolist() of the whole
    array (half a gigabyte of Python ints) is never called."""
    big = np.arange(6_000_000, dtype=np.int8)
    calls = []
    real = np.ndarray.tolist

    class Spy(np.ndarray):
        def tolist(self):
            calls.append(self.size)
            return real(self)

    shown = show(big.view(Spy))
    assert shown.startswith("[0, 1, 2, …") and max(calls) <= 3


def test_a_member_of_an_unnamed_sequence_is_located_by_its_index():
    """``losses[0]``, as the learner writes it; "losses.value 0" before."""
    named = difference(([1.0, 2.0], 1.0), ([1.5, 2.0], 1.0), names=("losses", "w"))
    assert named.where == "losses[0]"
    assert difference({"losses": [1.0, 2.0]}, {"losses": [1.0, 2.5]}).where == "losses[1]"
    assert difference({"a": [[1.0], [2.0]]}, {"a": [[1.0], [3.0]]}).where == "a[1][0]"
    assert difference(([1.0, 2.0], 1.0), ([1.0, 2.0], 3.0)).where == "value 1"  # top level
    state = difference(({"m": 1.0}, 1.0), ({"m": 2.0}, 1.0), names=("new_state", "w"))
    assert state.where == "new_state.m"


def test_long_lists_tuples_and_dicts_are_elided_like_arrays():
    """Nested plain data is shown from its ends too: a list of 100,000 numbers is one short
    line, not 100,000 formatted numbers."""
    assert show(list(range(100_000))) == "[0, 1, 2, …, 99997, 99998, 99999]"
    assert show(tuple(range(9))) == "(0, 1, 2, …, 6, 7, 8)"
    assert show({f"k{i}": i for i in range(20)}).endswith("'k7': 7, …}")
    assert show([1.5, 2.5]) == "[1.5, 2.5]"
