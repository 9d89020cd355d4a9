"""Reference values where the BG/NBD series is too long (package segment).

Run with Python 3 and mpmath 1.3.0:  python3 hard.py > hard.csv

It evaluates the BG/NBD and MBG/NBD conditional expectations of gen.py (same formulas,
at 40 digits checked at 80) at points where the expected purchases without dropout,
(r+x)*t/(alpha+T), are above 5e5, so that the positive series of the float64 code would
need more than its 500,000 terms (for the named corner with x = 1, T = 0.01 that mean
is 3.5e5, and the series' twelve standard deviations take it past 500,000).

Each point is computed twice, independently: with the closed form and mpmath's 2F1
("hyp2f1") and as the integral over the dropout probability by tanh-sinh quadrature
split at the scales of its integrand ("quad"). A point is kept only when both finish
and agree to 1e-12 (the `methods` column says "hyp2f1+quad"; the value kept is the
closed form's), or when only one finishes (the column names it); a point where they
disagree is left out (in the run that made hard.csv, every such disagreement was the
quadrature's error, 4e-12 to 8e-9: the float64 code agreed with the closed form to 2e-15
at each of them, or both were below the float64 range).

The points: the named corner r = 93.7, alpha = 0.011, a = 0.127, b = 0.313, t = 77
(a + b < 1) with x = 0 and with x = 1, t_x = 0.005, T = 0.01, and a seeded sample of
the box r in [0.01, 1e4], alpha in [1e-3, 0.1], a in [1e-3, 1e3], b in [1e-3, 1e9],
t in [10, 5000] with histories x = 0 or a few purchases in a short T.
"""
import csv
import math
import multiprocessing
import random
import sys

import mpmath as mp

import gen

gen.DPS = 40  # 40 digits checked at 80: ample for the 1e-9 the tests ask
gen.TIMEOUT = 20

rng = random.Random(20261205)


def logu(lo, hi):
    return float(f"{10 ** rng.uniform(math.log10(lo), math.log10(hi)):.6g}")


def points():
    pts = []
    for mod in (False, True):
        pts.append((mod, 93.7, 0.011, 0.127, 0.313, 0, 0.0, 0.0, 77.0))
        pts.append((mod, 93.7, 0.011, 0.127, 0.313, 1, 0.005, 0.01, 77.0))
    while len(pts) < 160:
        mod = len(pts) % 2 == 1
        r, al, a = logu(0.01, 1e4), logu(1e-3, 0.1), logu(1e-3, 1e3)
        b, t = logu(1e-3, 1e9), logu(10, 5000)
        x, tx, T = rng.choice(((0, 0.0, 0.0), (0, 0.0, 0.01), (1, 0.005, 0.01), (3, 0.02, 0.05)))
        if (r + x) * t / (al + T) <= 5e5:
            continue
        pts.append((mod, r, al, a, b, x, tx, T, t))
    return pts


def quad(mod, r, al, a, b, x, tx, T, t):
    """The expectation as the integral over p ~ Beta(a, b'): over ln p on (0, 1/2] and
    over ln(1-p) on [1/2, 1), split at the scales where the integrand changes:
    1/((r+x)s), 1/s and the beta mean."""
    r, al, a, b, tx, T, t = map(mp.mpf, (r, al, a, b, tx, T, t))
    B = b + x + (1 if mod else 0)
    R = r + x
    if mod or x > 0:
        bx = b + x - (0 if mod else 1)
        alive = 1 / (1 + a / bx * ((al + T) / (al + tx)) ** R)
    else:
        alive = mp.mpf(1)
    s = t / (al + T)
    lb = mp.beta(a, B)
    g = lambda p: -mp.expm1(-R * mp.log1p(p * s)) / p
    left = lambda v: g(mp.exp(v)) * mp.exp(a * v) * (-mp.expm1(v)) ** (B - 1)
    right = lambda v: g(-mp.expm1(v)) * (-mp.expm1(v)) ** (a - 1) * mp.exp(B * v)
    m = a / (a + B)
    half = mp.log(mp.mpf("0.5"))

    def cuts(scales):
        c = [mp.log(v) for v in scales if 0 < v < mp.mpf("0.5")]
        return sorted(set([mp.ninf, half] + c))

    # the beta weight's peak, on its own scale sqrt(1/a + 1/b') in ln(p/(1-p))
    sd = mp.sqrt(1 / a + 1 / B)
    peak = [mp.exp(j * sd) for j in range(-8, 9)] if sd < 1 else [mp.mpf("1e-2"), 1, 10]
    ls = [1 / (R * s) * k for k in (mp.mpf("1e-3"), mp.mpf("0.1"), 1, 10, 1000)]
    ls += [1 / s * k for k in (mp.mpf("0.1"), 1, 10)] + [m * k for k in peak]
    rs = [(1 - m) * k for k in peak] + [1 / (R + 1) * k for k in (mp.mpf("1e-2"), 1)]
    v = mp.quad(left, cuts(ls), maxdegree=10) + mp.quad(right, cuts(rs), maxdegree=10)
    return alive * v / lb


def row(pt):
    (mod, r, al, a, b, x, tx, T, t) = pt
    vals = {}
    for method in ("hyp2f1", "quad"):
        try:
            if method == "quad":
                (v,) = gen.twice(quad, mod, r, al, a, b, x, tx, T, t)
            else:
                (v,) = gen.twice(gen.bg_cond, method, mod, r, al, a, b, x, tx, T, t)
            vals[method] = v
        except Exception as e:  # noqa: BLE001
            print("fail", method, pt, type(e).__name__, file=sys.stderr)
    if not vals:
        return None
    if len(vals) == 2:
        h, q = vals["hyp2f1"], vals["quad"]
        if abs(h / q - 1) > mp.mpf("1e-12"):
            print("disagree", pt, h, q, file=sys.stderr)
            return None
    v = vals.get("hyp2f1", vals.get("quad"))
    return ["mbgnbd" if mod else "bgnbd", repr(r), repr(al), repr(a), repr(b), x, repr(tx), repr(T), repr(t), gen.g17(v), "+".join(sorted(vals))]


def main():
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["model", "r", "alpha", "a", "b", "x", "tx", "T", "t", "expected", "methods"])
    with multiprocessing.Pool(2) as pool:
        for rw in pool.imap(row, points(), chunksize=2):
            if rw is not None:
                out.writerow(rw)
                sys.stdout.flush()


if __name__ == "__main__":
    main()
