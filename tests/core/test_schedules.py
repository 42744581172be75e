"""The learning-rate schedule against its formulas."""

import pytest

from skmlp._core.schedules import LearningRateSchedule


@pytest.mark.parametrize("decay", [0.0, 0.01, 0.5])
def test_constant(decay):
    schedule = LearningRateSchedule(0.02, "constant", decay=decay)
    for samples in (10, 1000):
        schedule.end_epoch(samples)
        assert schedule.base == 0.02
    for step in (0, 1, 7, 1000):
        assert schedule.rate(step) == pytest.approx(
            0.02 / (1 + decay * step), rel=1e-15
        )
    assert schedule.reduce_on_plateau() is False
    assert schedule.base == 0.02


@pytest.mark.parametrize("power_t", [0.5, 0.25, 1.0])
def test_invscaling(power_t):
    schedule = LearningRateSchedule(0.1, "invscaling", power_t=power_t)
    assert schedule.rate(0) == 0.1  # before any epoch ends
    for t in (0, 1, 150, 3000):
        schedule.end_epoch(t)
        assert schedule.base == pytest.approx(0.1 / (t + 1) ** power_t, rel=1e-15)
        assert schedule.rate(5) == schedule.base  # no decay
    assert schedule.reduce_on_plateau() is False


def test_adaptive_divides_by_five_until_one_micro():
    schedule = LearningRateSchedule(1e-3, "adaptive")
    schedule.end_epoch(500)
    assert schedule.base == 1e-3  # epochs alone do not change it
    expected = 1e-3
    for _ in range(5):  # 2e-4, 4e-5, 8e-6, 1.6e-6, 3.2e-7
        assert schedule.reduce_on_plateau() is True
        expected /= 5
        assert schedule.base == pytest.approx(expected, rel=1e-14)
    assert schedule.base <= 1e-6
    assert schedule.reduce_on_plateau() is False
    assert schedule.base == pytest.approx(3.2e-7, rel=1e-14)


@pytest.mark.parametrize(
    "init, reductions", [(1e-6, 0), (9e-7, 0), (1.01e-6, 1), (5.1e-6, 2)]
)
def test_adaptive_stops_at_or_below_one_micro(init, reductions):
    schedule = LearningRateSchedule(init, "adaptive")
    count = 0
    while schedule.reduce_on_plateau():
        count += 1
    assert count == reductions
    assert schedule.base == pytest.approx(init / 5**reductions, rel=1e-14)


@pytest.mark.parametrize("kind", ["constant", "invscaling", "adaptive"])
def test_decay_per_step(kind):
    schedule = LearningRateSchedule(0.5, kind, power_t=0.5, decay=0.1)
    schedule.end_epoch(99)
    if kind == "adaptive":
        schedule.reduce_on_plateau()
    base = {"constant": 0.5, "invscaling": 0.5 / 100**0.5, "adaptive": 0.1}[kind]
    assert schedule.base == pytest.approx(base, rel=1e-15)
    for step in (0, 1, 10, 123):
        assert schedule.rate(step) == pytest.approx(base / (1 + 0.1 * step), rel=1e-15)


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError, match="optimal"):
        LearningRateSchedule(0.1, "optimal")
