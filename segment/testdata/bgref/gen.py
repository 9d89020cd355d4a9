"""Reference values for the BG family of lifetime-value models (package segment).

Run with Python 3 and mpmath 1.3.0:  python3 gen.py
It writes bgnbd.csv and bgbb.csv beside this file. Every value is the published closed
form evaluated with mpmath at 80 significant digits (and checked at 120), so it is
independent of the float64 code it tests:

  BG/NBD   Fader, Hardie & Lee (2005), eq. 10 (eq. 9 when x = t_x = T = 0) with the
           P(alive) of Fader, Hardie & Lee (2008), "Computing P(alive) using the BG/NBD
           model": E = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x)
           2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] / [1 + 1{x>0} a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)]
  MBG/NBD  Batislam, Denizel & Filiztekin (2007): as BG/NBD with b+x -> b+x+1 in 2F1,
           a+b+x-1 -> a+b+x, and the dropout term a/(b+x) present for x = 0 too.
  BG/BB    Fader, Hardie & Shang (2010), eqs. 5 (likelihood), 8 (E[X(n)]), 13
           (conditional expectation) and A10 with m = 1 (P(alive)).

Where a closed form divides by zero (a = 1, a+b = 1 with x = 0, gamma = 1) it is evaluated
at the parameter moved by 1e-35, which changes the value by about 1e-35 relatively.
The points are a seeded log-uniform sample of parameters in [1e-3, 1e12], histories
x = 0..500, T in [0.01, 5000], horizons t in [0.01, 5000], plus named corners.
"""
import csv
import math
import multiprocessing
import random
import signal
import sys

import mpmath as mp

DPS = 80
TIMEOUT = 3  # seconds per evaluation; a point whose reference takes longer is left out
rng = random.Random(20240611)


def logu(lo, hi):
    return float(f"{10 ** rng.uniform(math.log10(lo), math.log10(hi)):.6g}")


def bg_cond(method, mod, r, al, a, b, x, tx, T, t):
    r, al, a, b, tx, T, t = map(mp.mpf, (r, al, a, b, tx, T, t))
    if a == 1:
        a = a + mp.mpf("1e-35")
    B = b + x + (1 if mod else 0)
    C = a + B - 1
    if C == 0:
        B = B + mp.mpf("1e-35")
        C = a + B - 1
    R = r + x
    if mod or x > 0:
        bx = b + x - (0 if mod else 1)
        alive = 1 / (1 + a / bx * ((al + T) / (al + tx)) ** R)
    else:
        alive = mp.mpf(1)
    z = t / (al + T + t)
    w = (al + T) / (al + T + t)
    if method == "hyp2f1":
        F = mp.hyp2f1(R, B, C, z, maxterms=10**6)
        return alive * C / (a - 1) * (1 - w**R * F)
    # the same expectation as an integral over the dropout probability p ~ Beta(a, B):
    # E = alive * E_p[(1 - (1 + p s)^-R) / p], s = t/(alpha+T) (FHL 2005, eq. 7
    # integrated over the gamma purchase rate first), by tanh-sinh quadrature split at
    # the scale of p.
    s = t / (al + T)
    lb = mp.beta(a, B)
    f = lambda p: -mp.expm1(-R * mp.log1p(p * s)) / p * p ** (a - 1) * (1 - p) ** (B - 1) / lb
    m = a / (a + B)
    pts = sorted(set([mp.mpf(0)] + [v for v in (m / 1e6, m / 1e3, m, m * 10, m * 1e3) if 0 < v < 1] + [mp.mpf(1)]))
    return alive * mp.quad(f, pts, maxdegree=10)


def bgbb_logl(al, be, ga, de, x, tx, n):
    lab, lgd = mp.beta(al, be), mp.beta(ga, de)
    s = mp.beta(al + x, be + n - x) / lab * mp.beta(ga, de + n) / lgd
    for i in range(n - tx):
        s += mp.beta(al + x, be + tx - x + i) / lab * mp.beta(ga + 1, de + tx + i) / lgd
    return s


def bgbb(al, be, ga, de, x, tx, n, t):
    al, be, ga, de = map(mp.mpf, (al, be, ga, de))
    if ga == 1:
        ga = ga + mp.mpf("1e-35")
    L = bgbb_logl(al, be, ga, de, x, tx, n)
    alive = mp.beta(al + x, be + n - x) / mp.beta(al, be) * mp.beta(ga, de + n + 1) / mp.beta(ga, de) / L
    g = mp.gamma
    cond = (mp.beta(al + x + 1, be + n - x) / mp.beta(al, be) * de / (ga - 1) * g(ga + de) / g(1 + de)
            * (mp.rf(1 + de, n) / mp.rf(ga + de, n) * g(1 + de) / g(ga + de)
               - mp.rf(1 + de, n + t) / mp.rf(ga + de, n + t) * g(1 + de) / g(ga + de)) / L)
    ex = al / (al + be) * de / (ga - 1) * (1 - mp.rf(1 + de, n) / mp.rf(ga + de, n))
    return ex, cond, alive


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout()


signal.signal(signal.SIGALRM, _alarm)


def twice(f, *args):
    signal.alarm(TIMEOUT)
    try:
        mp.mp.dps = DPS
        v = f(*args)
        mp.mp.dps = DPS + 40
        v2 = f(*args)
    finally:
        signal.alarm(0)
        mp.mp.dps = DPS
    vals = v if isinstance(v, tuple) else (v,)
    vals2 = v2 if isinstance(v2, tuple) else (v2,)
    for p, q in zip(vals, vals2):
        if q != 0 and abs(p / q - 1) > mp.mpf("1e-20"):
            raise ValueError(f"unstable reference {args}: {p} vs {q}")
    return vals2


def g17(v):
    return mp.nstr(v, 20, min_fixed=-1, max_fixed=-1) if v != 0 else "0"


def bg_points():
    pts = []
    # named corners: a + b = 1, a = 1, large b, large r
    for mod in (False, True):
        for (a, b) in ((0.3, 0.7), (0.5, 0.5), (0.001, 0.999), (0.999, 0.001), (1.0, 2.5), (2.0, 1e3), (2.0, 1e6), (2.0, 1e9), (2.0, 1e12), (0.5, 1e12), (1e3, 1e12)):
            for (r, al) in ((0.5, 5.0), (1.0, 1.0), (1e3, 10.0), (0.001, 1e12)):
                for (x, tx, T) in ((0, 0.0, 0.0), (0, 0.0, 5.0), (2, 30.43, 38.86)):
                    for t in (0.01, 10.0, 5000.0):
                        pts.append((mod, r, al, a, b, x, tx, T, t))
    # log-uniform sample
    for i in range(500):
        mod = i % 2 == 1
        r, al, a, b = (logu(1e-3, 1e12) for _ in range(4))
        if rng.random() < 0.25:
            r = logu(1e-3, 1e3)
        x = rng.choice((0, 0, 1, 2, 5, 20, 100, 500))
        if x == 0:
            tx, T = 0.0, (0.0 if rng.random() < 0.3 else logu(0.01, 5000))
        else:
            T = logu(0.01, 5000)
            tx = float(f"{T * rng.uniform(0.001, 1):.6g}")
            tx = min(tx, T)
        t = logu(0.01, 5000)
        pts.append((mod, r, al, a, b, x, tx, T, t))
    return pts


def bgbb_points():
    pts = []
    for (al, be, ga, de) in ((1.204, 0.75, 0.657, 2.783), (1.2, 0.75, 1.0, 2.8), (1.0, 1.0, 1.0, 1.0), (2.0, 3.0, 0.5, 1e12), (1e12, 1e12, 1e12, 1e12), (0.001, 1e12, 1e12, 0.001)):
        for (x, tx, n) in ((0, 0, 0), (0, 0, 6), (2, 4, 6), (6, 6, 6), (3, 50, 100)):
            for t in (0, 1, 5, 100):
                pts.append((al, be, ga, de, x, tx, n, t))
    for i in range(300):
        al, be, ga, de = (logu(1e-3, 1e12) for _ in range(4))
        n = rng.choice((0, 1, 2, 6, 20, 60, 200))
        tx = rng.randint(0, n)
        x = 0 if tx == 0 else rng.randint(1, tx)
        t = rng.choice((0, 1, 5, 30, 200))
        pts.append((al, be, ga, de, x, tx, n, t))
    return pts


def bg_row(pt):
    (mod, r, al, a, b, x, tx, T, t) = pt
    for method in ("hyp2f1", "quad"):
        try:
            (v,) = twice(bg_cond, method, mod, r, al, a, b, x, tx, T, t)
            return ["mbgnbd" if mod else "bgnbd", repr(r), repr(al), repr(a), repr(b), x, repr(tx), repr(T), repr(t), g17(v), method]
        except Exception as e:  # noqa: BLE001
            print("fail", method, pt, type(e).__name__, file=sys.stderr)
    return None


def main():
    with multiprocessing.Pool(2) as pool, open("bgnbd.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["model", "r", "alpha", "a", "b", "x", "tx", "T", "t", "expected", "method"])
        for row in pool.imap(bg_row, bg_points(), chunksize=2):
            if row is not None:
                out.writerow(row)
                f.flush()
    with open("bgbb.csv", "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(["alpha", "beta", "gamma", "delta", "x", "tx", "n", "t", "expected_n", "conditional", "alive"])
        for (al, be, ga, de, x, tx, n, t) in bgbb_points():
            try:
                ex, cond, alive = twice(bgbb, al, be, ga, de, x, tx, n, t)
            except Exception as e:  # noqa: BLE001
                print("skip", (al, be, ga, de, x, tx, n, t), e, file=sys.stderr)
                continue
            out.writerow([repr(al), repr(be), repr(ga), repr(de), x, tx, n, t, g17(ex), g17(cond), g17(alive)])
            f.flush()


if __name__ == "__main__":
    main()
