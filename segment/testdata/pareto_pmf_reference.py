"""Reference values of the Pareto/NBD P(X(t) = n) for pareto_pmf_reference.csv.

Computed once with mpmath 1.3 from the closed form of Fader, Hardie & Lee, "Deriving an
Expression for P(X(t) = x) Under the Pareto/NBD Model" (2006, eq. 13), in arbitrary
precision: each value is evaluated at 50, 100, 200, 400 and 800 significant digits until
two successive precisions agree to 25 digits (the formula's cancellation then cannot
reach the digits kept); a value that does not settle, or takes more than 20 s, is left
out. Run: python3 pareto_pmf_reference.py > pareto_pmf_reference.csv
(or with arguments k m to compute every m-th point from the k-th, for parallel runs)
"""
import signal
import sys
import mpmath as mp

def pmf_closed(r, a, s, b, n, t):
    nb = mp.gamma(r+n)/(mp.gamma(r)*mp.factorial(n))*(a/(a+t))**r*(t/(a+t))**n
    alive = nb*(b/(b+t))**s
    if a >= b:
        m, c = a, s+1
    else:
        m, c = b, r+n
    d = abs(a-b)
    B1 = mp.hyp2f1(r+s, c, r+s+n+1, d/m)/m**(r+s)
    S = mp.fsum(mp.gamma(r+s+i)/(mp.gamma(r+s)*mp.factorial(i))*t**i
                * mp.hyp2f1(r+s+i, c, r+s+n+1, d/(m+t))/(m+t)**(r+s+i) for i in range(n+1))
    return alive + a**r*b**s*mp.beta(r+n, s+1)/mp.beta(r, s)*(B1-S)

def ref(args):
    r, a, s, b, n, t = args
    prev = None
    for dps in (50, 100, 200, 400, 800):
        mp.mp.dps = dps
        v = pmf_closed(mp.mpf(r), mp.mpf(a), mp.mpf(s), mp.mpf(b), n, mp.mpf(t))
        if prev is not None and v > 0 and abs(v-prev) < mp.mpf(10)**-25*v:
            return args, mp.nstr(v, 20, min_fixed=1, max_fixed=0)
        prev = v
    return args, None

GRID = ["1e-3", "1", "1e4", "1e12"]
POINTS = [(r, a, s, b, n, t) for r in GRID for a in GRID for s in GRID for b in GRID
          for t in ("0.01", "50", "5000") for n in (0, 3, 40)]


def timeout(signum, frame):
    raise TimeoutError


if __name__ == "__main__":
    k, m = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (0, 1)
    if k == 0:
        print("r,alpha,s,beta,n,t,p")
    signal.signal(signal.SIGALRM, timeout)
    for args in POINTS[k::m]:
        signal.alarm(20)
        try:
            _, v = ref(args)
        except TimeoutError:
            continue
        finally:
            signal.alarm(0)
        if v is not None:
            print(",".join(str(x) for x in args) + "," + v, flush=True)
