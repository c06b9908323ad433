#!/usr/bin/env python3
"""Runs the conformance suite with test classes in parallel threads, then stops the
shared servers and fails if they did not exit 0 (graceful shutdown).

  python3 tests/conformance/run_suite.py [-j N] [-k PATTERN] [test_module ...]

Environment: see harness.py (TC_BINARY, TC_BASE_URLS, TC_SERVER_ARGS, TC_INSTANCES).
Plain `python3 -m unittest discover -s tests/conformance` works too (sequential).
"""

import argparse
import concurrent.futures
import io
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from base import ConformanceTest  # noqa: E402


def iter_tests(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from iter_tests(item)
        else:
            yield item


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-j", "--jobs", type=int, default=6, help="tests run at once")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="only tests whose id contains this text (repeatable)")
    parser.add_argument("modules", nargs="*", help="test modules (default: test_*.py)")
    args = parser.parse_args()

    loader = unittest.TestLoader()
    if args.modules:
        suite = loader.loadTestsFromNames([m.removesuffix(".py") for m in args.modules])
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    groups = {}
    load_errors = []
    for test in iter_tests(suite):
        if type(test).__name__ in ("_FailedTest", "ModuleImportFailure"):
            load_errors.append(test)
            continue
        if args.patterns and not any(p in test.id() for p in args.patterns):
            continue
        # Tests on the shared deployment are independent: each runs on its own. Classes
        # with servers of their own (setUpClass) keep their tests together.
        key = test.id() if issubclass(type(test), ConformanceTest) else type(test)
        groups.setdefault(key, []).append(test)

    start = time.monotonic()
    harness.deployment()  # start the shared servers once, before the threads race

    def run_group(tests):
        stream = io.StringIO()
        result = unittest.TextTestResult(unittest.runner._WritelnDecorator(stream), True, 2)
        t0 = time.monotonic()
        unittest.TestSuite(tests).run(result)
        return result, stream.getvalue(), time.monotonic() - t0

    total = failures = errors = skipped = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = {pool.submit(run_group, tests): key for key, tests in groups.items()}
        for future in concurrent.futures.as_completed(futures):
            key = futures[future]
            name = key if isinstance(key, str) else f"{key.__module__}.{key.__name__}"
            result, output, seconds = future.result()
            print(f"== {name} ({seconds:.1f} s)")
            print(output, end="")
            for kind, items in (("FAIL", result.failures), ("ERROR", result.errors)):
                for test, trace in items:
                    print(f"---- {kind}: {test}\n{trace}")
            sys.stdout.flush()
            total += result.testsRun
            failures += len(result.failures)
            errors += len(result.errors)
            skipped += len(result.skipped)

    for test in load_errors:
        result = unittest.TestResult()
        test.run(result)
        for _, trace in result.errors:
            print(f"---- LOAD ERROR: {test}\n{trace}")
        errors += 1

    dep = harness.deployment()
    codes = dep.stop()
    bad_exit = [c for c in codes if c != 0]
    if bad_exit:
        print(f"FAIL: shared servers exited with {codes} after SIGTERM, expected 0")

    print(f"\nRan {total} tests in {time.monotonic() - start:.1f} s against {dep.urls}: "
          f"{failures} failures, {errors} errors, {skipped} skipped")
    ok = failures == 0 and errors == 0 and not bad_exit
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
