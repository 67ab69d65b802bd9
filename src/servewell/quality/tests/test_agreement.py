"""Krippendorff's alpha against the published worked example, and by hand."""

from __future__ import annotations

import pytest

from servewell.quality.agreement import krippendorff_alpha, offsets, spread

N = None
# K. Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# four coders, twelve units, missing values. Published: nominal .743, interval .849.
KRIPPENDORFF_2011 = list(
    zip(
        [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
        [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
        strict=True,
    )
)


def test_alpha_matches_krippendorffs_published_example():
    assert krippendorff_alpha(KRIPPENDORFF_2011, "interval") == pytest.approx(0.849, abs=5e-4)
    assert krippendorff_alpha(KRIPPENDORFF_2011, "nominal") == pytest.approx(0.743, abs=5e-4)


def test_alpha_by_hand_on_two_coders_and_two_units():
    # Units (0, 1) and (1, 1): n = 4 values.
    # D_o = 1/4 * [2 * 1 / 1 + 0] = 0.5
    # Values 0, 1, 1, 1: unordered pairs differing = 3 -> D_e = 2 * 3 / (4 * 3) = 0.5
    # alpha = 1 - 0.5 / 0.5 = 0
    assert krippendorff_alpha([(0, 1), (1, 1)]) == pytest.approx(0.0)
    # Units (0, 0) and (1, 1): no disagreement within units -> alpha 1.
    assert krippendorff_alpha([(0, 0), (1, 1)]) == pytest.approx(1.0)


def test_alpha_is_undefined_without_variation_or_pairs():
    assert krippendorff_alpha([(1, 1), (1, 1)]) is None
    assert krippendorff_alpha([(1, N), (N, 2)]) is None
    assert krippendorff_alpha([]) is None


def test_spread_and_offsets():
    s = spread([0, 50, 100, None])
    assert (s.n, s.low, s.high, s.mean) == (3, 0, 100, 50)
    assert s.stdev == pytest.approx(40.8248, abs=1e-3)
    result = offsets({"ann": {"a": 100, "b": 50}, "ben": {"a": 50, "b": 50}, "cy": {"a": 0}})
    # unit a mean 50, unit b mean 50
    assert result == {"ann": 25.0, "ben": 0.0, "cy": -50.0}
