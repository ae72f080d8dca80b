"""The model behind the concentration figure: pure functions, no drawing.

Blood level over time after one dose and with twice-daily dosing that stops
after ten days, from a one-compartment model with first-order absorption.
The elimination rate comes from the middle of the label's half-life range
and the absorption rate is solved so that the single dose peaks in the
middle of the label's time-to-peak range (both from ``facts.toml``).
The tests read these functions too; ``figure_drawing.py`` draws from them.
"""

from __future__ import annotations

import math

DAYS_SHOWN = 20  # x axis of the concentration figure


def elimination_rate(half_life_h: float) -> float:
    return math.log(2) / half_life_h


def time_to_peak(ka: float, ke: float) -> float:
    return math.log(ka / ke) / (ka - ke)


def absorption_rate(tmax_h: float, ke: float) -> float:
    """The absorption rate constant ka > ke that puts the peak at tmax (bisection)."""
    lo, hi = ke * 1.0001, 100.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if time_to_peak(mid, ke) > tmax_h:  # peak too late: absorb faster
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def one_dose(t: float, ka: float, ke: float) -> float:
    """Blood level t hours after one dose (Bateman function, arbitrary units)."""
    if t <= 0:
        return 0.0
    return ka / (ka - ke) * (math.exp(-ke * t) - math.exp(-ka * t))


def model_parameters(facts: dict) -> dict:
    hl = facts["half-life"]
    tp = facts["time-to-peak"]
    half_life = (hl["low"] + hl["high"]) / 2
    tmax = (tp["low"] + tp["high"]) / 2
    ke = elimination_rate(half_life)
    return {"half_life": half_life, "tmax": tmax, "ke": ke, "ka": absorption_rate(tmax, ke),
            "interval": 12.0, "doses": 20}


def concentration_curves(facts: dict, step_h: float = 0.5, end_h: float = DAYS_SHOWN * 24):
    """Times (hours), one-dose curve and repeated-dose curve, both relative to one dose's peak."""
    p = model_parameters(facts)
    ka, ke = p["ka"], p["ke"]
    peak = one_dose(p["tmax"], ka, ke)
    times = [i * step_h for i in range(int(end_h / step_h) + 1)]
    single = [one_dose(t, ka, ke) / peak for t in times]
    dose_times = [i * p["interval"] for i in range(p["doses"])]
    repeated = [sum(one_dose(t - d, ka, ke) for d in dose_times) / peak for t in times]
    return times, single, repeated, p
