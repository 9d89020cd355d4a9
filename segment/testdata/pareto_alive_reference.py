"""Reference values of the Pareto/NBD P(alive | x, t_x, T) for pareto_alive_reference.csv.

Computed once with mpmath 1.3 from the closed form of Fader & Hardie, "A Note on Deriving
the Pareto/NBD Model and Related Expressions" (2005, eqs. 18-20 and 36-37),

    P(alive) = 1 / [1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0],

A0 the difference of two 2F1 terms, in arbitrary precision: each value is evaluated at
50, 100, 200 and 400 significant digits until two successive precisions agree to 25
digits (the difference in A0 cancels, and the extra digits absorb it). Where that does
not settle within 5 s, the same odds are computed as the integral over the dropout time,
s * Int_{t_x}^T ((alpha+T)/(alpha+tau))^(r+x) ((beta+T)/(beta+tau))^s dtau/(beta+tau)
(note eqs. 11-18 before the 2F1 closed form), by tanh-sinh quadrature at 40 digits
checked at 60 (method "integral", within 10 s). Points with neither are left out.

Run: python3 pareto_alive_reference.py > pareto_alive_reference.csv
(or with arguments k m to compute every m-th point from the k-th, for parallel runs; the
stored file is every sixth point of the grid, the runs "0 12" and "6 12" concatenated)
"""
import signal
import sys

import mpmath as mp


def alive_closed(r, a, s, b, x, tx, T):
    if a >= b:
        m, c = a, s + 1
    else:
        m, c = b, r + x
    d = abs(a - b)
    rsx = r + s + x
    A0 = (mp.hyp2f1(rsx, c, rsx + 1, d / (m + tx)) / (m + tx) ** rsx
          - mp.hyp2f1(rsx, c, rsx + 1, d / (m + T)) / (m + T) ** rsx)
    return 1 / (1 + s / rsx * (a + T) ** (r + x) * (b + T) ** s * A0)


def alive_integral(r, a, s, b, x, tx, T):
    if tx == T:
        return mp.mpf(1)
    f = lambda tau: ((a + T) / (a + tau)) ** (r + x) * ((b + T) / (b + tau)) ** s / (b + tau)
    # split where the integrand first falls: at t_x + 1/rate * 10^k
    rate = (r + x) / (a + tx) + (s + 1) / (b + tx)
    pts = sorted(set([tx, T] + [tx + k / rate for k in (mp.mpf("1e-3"), 1, 10, 100, 1e4, 1e6, 1e9) if tx + k / rate < T]))
    odds = s * mp.quad(f, pts, maxdegree=10)
    return 1 / (1 + odds)


def ref(args):
    r, a, s, b, x, tx, T = args
    R = [mp.mpf(v) for v in (r, a, s, b)]
    prev = None
    try:
        signal.alarm(5)
        for dps in (50, 100, 200, 400):
            mp.mp.dps = dps
            v = alive_closed(*R, x, mp.mpf(tx), mp.mpf(T))
            if prev is not None and v > 0 and abs(v - prev) < mp.mpf(10) ** -25 * v:
                return mp.nstr(v, 20, min_fixed=1, max_fixed=0), "closed"
            prev = v
    except Exception:  # noqa: BLE001  (a timeout or mpmath's NoConvergence)
        pass
    finally:
        signal.alarm(0)
    try:
        signal.alarm(10)
        mp.mp.dps = 40
        v = alive_integral(*R, x, mp.mpf(tx), mp.mpf(T))
        mp.mp.dps = 60
        v2 = alive_integral(*R, x, mp.mpf(tx), mp.mpf(T))
        if v2 > 0 and abs(v - v2) < mp.mpf(10) ** -25 * v2:
            return mp.nstr(v2, 20, min_fixed=1, max_fixed=0), "integral"
    except Exception:  # noqa: BLE001
        pass
    finally:
        signal.alarm(0)
    return None, None


GRID = ["1e-3", "0.5", "30", "1e4", "1e12"]
HISTORIES = [(0, "0", "0.01"), (1, "0.005", "0.01"), (2, "30.43", "38.86"), (0, "0", "5000"),
             (500, "4999", "5000"), (500, "1", "5000"), (26, "30.86", "31")]
POINTS = [(r, a, s, b) + h for r in GRID for a in GRID for s in GRID for b in GRID for h in HISTORIES]


def timeout(signum, frame):
    raise TimeoutError


if __name__ == "__main__":
    k, m = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (0, 1)
    if k == 0:
        print("r,alpha,s,beta,x,tx,T,p,method")
    signal.signal(signal.SIGALRM, timeout)
    for args in POINTS[k::m]:
        v, how = ref(args)
        if v is not None:
            print(",".join(str(x) for x in args) + "," + v + "," + how, flush=True)
