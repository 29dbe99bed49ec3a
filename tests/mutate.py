#!/usr/bin/python3
"""tests/mutate.py — mutation run over the plan maths (`make mutate`).

Each comparison (boundary shifted: < to <=, and negated: < to >=), each numeric constant
(n to n+1), each + and - between operands (swapped) and each use of a margin (x to x * 0)
in model/planmath.c and model/evaluate.c is changed one at a time in a copy of the tree;
the unit tests of the plan maths (test_planmath, test_evaluate, test_rules, on a real
store) run against it, and, when those all pass, the integration test of the verdicts
through the real daemon (test_targets). A mutant is killed when a test fails (or the
mutant does not build). Every mutant must be killed, or be listed in EQUIVALENT below with
the reason it cannot change behaviour; the run fails otherwise, and on a listed mutant
that no longer exists or is killed (the list stays true).

Usage: tests/mutate.py [--only FILE] [--list] [--recheck LOG]"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FILES = ["model/planmath.c", "model/evaluate.c"]
UNIT = ["test_planmath", "test_evaluate", "test_rules"]
INTEGRATION = ["test_targets"]

# (file, the line's code stripped, the column, the mutation shown as "old -> new"): why it
# cannot change behaviour.
EQUIVALENT = {
    ("model/planmath.c", "return frac > 1 ? 1 : frac;", 13, "> -> >="):
        "at frac == 1 both sides give 1",
    ("model/planmath.c", "int k = year - t->base_year > n ? n : year - t->base_year;", 29, "> -> >="):
        "at year - base_year == n both sides give n",
    ("model/evaluate.c", "if (decimals >= 0 && x != 0 && fabs(x) < 1 && ceil(-log10(fabs(x))) + 1 > decimals)", 40, "< -> <="):
        "at |x| == 1 the decimals become 1 instead of 0, and 1.0 is printed as 1 once the "
        "trailing zero is dropped",
    ("model/evaluate.c", "if (decimals >= 0 && x != 0 && fabs(x) < 1 && ceil(-log10(fabs(x))) + 1 > decimals)", 27, "0 -> 1"):
        "x != 0 only keeps 0 out of -log10: with x != 1, 0 goes in, infinity becomes a "
        "negative int (undefined behaviour; INT_MIN on x86-64) and a negative decimals "
        "prints 0 as published, the same text; 1 fails fabs(x) < 1 either way",
    ("model/evaluate.c", "if (decimals >= 0 && x != 0 && fabs(x) < 1 && ceil(-log10(fabs(x))) + 1 > decimals)", 71, "1 -> 2"):
        "the test is ceil + 1 > decimals; + 2 differs only where ceil + 1 == decimals, and "
        "there the assignment sets decimals to ceil + 1, the value it has",
    ("model/evaluate.c", "evaluate_format(c->x, c->points ? 2 : -1, x);", 40, "1 -> 2"):
        "any negative decimals mean as published (%.15g)",
    ("model/evaluate.c", 'c->dir > 0 ? "不低于" : "不高于", req, u, x, u, zh);', 10, "> -> >="):
        "a direction is +1 or -1, never 0",
    ("model/evaluate.c", 'c->en, f->year, c->dir > 0 ? "at least" : "at most", req, sep, u, x, sep, u, en);', 26, "> -> >="):
        "a direction is +1 or -1, never 0",
    ("model/evaluate.c", "if (c->dir > 0)", 12, "> -> >="):
        "a direction is +1 or -1, never 0",
    ("model/evaluate.c", "buf[0] = '\\0';", 5, "0 -> 1"):
        "missing_years is called only with a missing year, whose snprintf writes buf[0]",
    ("model/evaluate.c", "for (size_t i = 0; i < f->n_missing && i < EVALUATE_MISSING_MAX && len + 12 < cap; i++)", 42, "< -> <="):
        "n_missing is at most EVALUATE_MISSING_MAX, and i < n_missing comes first",
    ("model/evaluate.c", "for (size_t i = 0; i < f->n_missing && i < EVALUATE_MISSING_MAX && len + 12 < cap; i++)", 77, "< -> <="):
        "the buffer holds 16 years of 7 bytes and more: the guard never binds",
    ("model/evaluate.c", "for (size_t i = 0; i < f->n_missing && i < EVALUATE_MISSING_MAX && len + 12 < cap; i++)", 74, "12 -> 13"):
        "the buffer holds 16 years of 7 bytes and more: the guard never binds",
    ("model/evaluate.c", "if (decimals >= 0 && x != 0 && fabs(x) < 1 && ceil(-log10(fabs(x))) + 1 > decimals)", 73, "> -> >="):
        "when equal, decimals is set to the value it already has",
}

COMPARE = re.compile(r"(?<![<>=!-])(<=|>=|==|!=|<|>)(?![<>=])")
NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.])")
ARITH = re.compile(r"(?<=[\w)\]]) ([+-]) (?=[\w(])")
MARGIN = re.compile(r"(?<![\w>.])(margin|s->margin|s->hyst)(?!\w)(?! =[^=])")
FLIP = {"<": ["<=", ">="], "<=": ["<", ">"], ">": [">=", "<="], ">=": [">", "<"],
        "==": ["!="], "!=": ["=="]}


def code_spans(line):
    """The parts of line outside string and character literals and comments."""
    spans, i, start, n = [], 0, 0, len(line)
    while i < n:
        c = line[i]
        if line.startswith("/*", i) or line.startswith("//", i):
            spans.append((start, i))
            return spans
        if c in "\"'":
            spans.append((start, i))
            j = i + 1
            while j < n and line[j] != c:
                j += 2 if line[j] == "\\" else 1
            i = start = j + 1
            continue
        i += 1
    spans.append((start, n))
    return spans


def skip_line(code):
    s = code.strip()
    return (not s or s.startswith("#") or s.startswith("*") or s.startswith("/*")
            or "snprintf" in s or s.startswith("char ") or "sizeof" in s
            or s.startswith("[EVALUATE_") or s.startswith("static const char *const"))


def mutants(path):
    lines = open(os.path.join(ROOT, path), encoding="utf-8").read().split("\n")
    in_comment = False
    for no, line in enumerate(lines):
        if in_comment:
            if "*/" in line:
                in_comment = False
            continue
        if line.strip().startswith("/*") and "*/" not in line:
            in_comment = True
            continue
        if skip_line(line):
            continue
        for a, b in code_spans(line):
            seg = line[a:b]
            for m in COMPARE.finditer(seg):
                if seg[m.start() - 1:m.start() + 1] == "->" or seg[m.start():m.end() + 1] == "->":
                    continue
                for new in FLIP[m.group(1)]:
                    yield no, a + m.start(), a + m.end(), new, "%s -> %s" % (m.group(1), new)
            for m in NUMBER.finditer(seg):
                old = m.group(1)
                new = str(int(old) + 1) if "." not in old else repr(float(old) + 1)
                yield no, a + m.start(), a + m.end(), new, "%s -> %s" % (old, new)
            for m in ARITH.finditer(seg):
                new = "-" if m.group(1) == "+" else "+"
                yield no, a + m.start(1), a + m.end(1), new, "%s -> %s" % (m.group(1), new)
            for m in MARGIN.finditer(seg):
                new = "(%s * 0)" % m.group(1)
                yield no, a + m.start(), a + m.end(), new, "%s -> %s" % (m.group(1), new)


def run(cmd, cwd, timeout=600):
    try:
        return subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return -1


def main():
    only = None
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1]
    listing = "--list" in sys.argv
    recheck = None
    if "--recheck" in sys.argv:  # only the mutants a previous run's log says SURVIVED
        log = open(sys.argv[sys.argv.index("--recheck") + 1], encoding="utf-8").read()
        recheck = set(re.findall(r"^(\S+?):(\d+):(\d+): (.+?) SURVIVED", log, re.M))
    files = [f for f in FILES if only in (None, f)]
    if listing:
        for f in files:
            for no, s, e, new, what in mutants(f):
                print("%s:%d:%d: %s" % (f, no + 1, s, what))
        return 0
    tmp = tempfile.mkdtemp(prefix="pwmutate.")
    try:
        for d in ("proto", "store", "model", "daemon", "client", "tests", "catalog", "data"):
            shutil.copytree(os.path.join(ROOT, d), os.path.join(tmp, d),
                            ignore=shutil.ignore_patterns("build", "__pycache__"))
        shutil.copy(os.path.join(ROOT, "Makefile"), tmp)
        targets = ["build/tests/" + t for t in UNIT + INTEGRATION] + ["build/planwatchd"]
        if run(["make", "-j2"] + targets, tmp) != 0:
            print("mutate: the unmutated tree does not build")
            return 1
        env_ok = all(run(["build/tests/" + t], tmp) == 0 for t in UNIT)
        if not env_ok:
            print("mutate: the unit tests fail on the unmutated tree")
            return 1
        survivors, killed, seen_equiv, total = [], 0, set(), 0
        for f in files:
            src = os.path.join(tmp, f)
            orig = open(src, encoding="utf-8").read()
            lines = orig.split("\n")
            for no, s, e, new, what in mutants(f):
                if recheck is not None and (f, str(no + 1), str(s), what) not in recheck:
                    key = (f, lines[no].strip(), s, what)
                    if key in EQUIVALENT:
                        seen_equiv.add(key)
                    continue
                total += 1
                mutated = lines[:]
                mutated[no] = lines[no][:s] + new + lines[no][e:]
                with open(src, "w", encoding="utf-8") as fh:
                    fh.write("\n".join(mutated))
                dead = run(["make", "-j2"] + targets, tmp) != 0
                for t in UNIT:
                    if dead:
                        break
                    dead = run(["build/tests/" + t], tmp, 120) != 0
                for t in INTEGRATION:
                    if dead:
                        break
                    env = dict(os.environ, PLANWATCHD=os.path.join(tmp, "build/planwatchd"))
                    try:
                        dead = subprocess.run(["build/tests/" + t], cwd=tmp, env=env,
                                              stdout=subprocess.DEVNULL,
                                              stderr=subprocess.DEVNULL,
                                              timeout=300).returncode != 0
                    except subprocess.TimeoutExpired:
                        dead = True
                key = (f, lines[no].strip(), s, what)
                if dead:
                    killed += 1
                    if key in EQUIVALENT:
                        print("%s:%d:%d: %s is killed but listed as equivalent"
                              % (f, no + 1, s, what))
                        survivors.append(key)
                elif key in EQUIVALENT:
                    seen_equiv.add(key)
                    print("%s:%d:%d: %s equivalent: %s" % (f, no + 1, s, what, EQUIVALENT[key]))
                else:
                    survivors.append(key)
                    print("%s:%d:%d: %s SURVIVED   %s" % (f, no + 1, s, what, lines[no].strip()))
                sys.stdout.flush()
            with open(src, "w", encoding="utf-8") as fh:
                fh.write(orig)
        print("mutate: %d mutants, %d killed, %d equivalent, %d survived"
              % (total, killed, len(seen_equiv), len([k for k in survivors if k not in EQUIVALENT])))
        stale = [k for k in EQUIVALENT if k not in seen_equiv and k[0] in files]
        for k in stale:
            print("mutate: listed as equivalent but not found: %r" % (k,))
        return 1 if survivors or stale else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
