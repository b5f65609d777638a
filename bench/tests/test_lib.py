"""Unit tests of the bench's pure parts: `/usr/bin/python3 -m unittest discover -s bench/tests`."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lib import importtime, runtimes, stats  # noqa: E402
from lib.compare import summarize_steps  # noqa: E402
from lib.table import Table  # noqa: E402

IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       300 |        300 |   _io
import time:      1000 |       1000 |     click.core
import time:      2000 |       3000 |   click
import time:       500 |        500 |   _cffi_backend
some other stderr line
import time:       200 |        200 |   runc_py.cli
"""


class StatsTest(unittest.TestCase):
    def test_percentiles_interpolate_between_ranks(self):
        values = [1.0, 2.0, 3.0, 4.0, 5.0]
        self.assertEqual(stats.percentile(values, 50), 3.0)
        self.assertAlmostEqual(stats.percentile(values, 10), 1.4)
        self.assertAlmostEqual(stats.percentile(values, 90), 4.6)
        self.assertEqual(stats.percentile([7.0], 90), 7.0)

    def test_ratios_are_medians_over_runcs_median(self):
        out = summarize_steps({"runc": {"state": [4_000_000, 6_000_000, 5_000_000]},
                               "runc-py": {"state": [10_000_000] * 3, "extra": [1_000_000]}})
        self.assertEqual(out["runc"]["state"]["median_ms"], 5.0)
        self.assertEqual(out["runc-py"]["state"]["ratio_to_runc"], 2.0)
        self.assertIsNone(out["runc-py"]["extra"]["ratio_to_runc"])


class ImportTimeTest(unittest.TestCase):
    def test_parse_and_summarize(self):
        rows = importtime.parse(IMPORTTIME)
        self.assertEqual([r[0] for r in rows], ["_io", "click.core", "click", "_cffi_backend", "runc_py.cli"])
        summary = importtime.summarize(rows)
        self.assertEqual(summary["total_ms"], 4.0)
        self.assertEqual(summary["modules"], 5)
        self.assertEqual(list(summary["top_packages_ms"])[0], "click")
        self.assertEqual(summary["top_packages_ms"]["click"], 3.0)
        self.assertEqual(summary["heavy"], ["cffi", "click"])

    def test_median_profile_keeps_every_total(self):
        chosen = importtime.median_profile([{"total_ms": 3.0}, {"total_ms": 1.0}, {"total_ms": 2.0}])
        self.assertEqual(chosen["total_ms"], 2.0)
        self.assertEqual(chosen["totals_ms"], [3.0, 1.0, 2.0])


class RuntimesTest(unittest.TestCase):
    def test_python_of_reads_a_python_shebang_only(self):
        with tempfile.TemporaryDirectory() as d:
            py, sh = os.path.join(d, "py"), os.path.join(d, "sh")
            with open(py, "w") as f:
                f.write("#!/opt/venv/bin/python3 -IS\nimport sys\n")
            with open(sh, "w") as f:
                f.write("#!/bin/sh\nexit 0\n")
            self.assertEqual(runtimes.python_of(py), "/opt/venv/bin/python3")
            self.assertEqual(runtimes.python_flags_of(py), ("-IS",))
            self.assertEqual(runtimes.python_flags_of(sh), ())
            self.assertIsNone(runtimes.python_of(sh))
            self.assertIsNone(runtimes.python_of(os.path.join(d, "missing")))

    def test_overrides_are_required_and_runc_stays(self):
        found = {rt.name: rt for rt in runtimes.candidates(["runc-py=/x/runc-py"], None)}
        self.assertEqual(found["runc-py"].policy, "required")
        self.assertEqual(found["crun"].policy, "if-runs")
        with self.assertRaises(SystemExit):
            runtimes.candidates([], ["crun"])
        with self.assertRaises(SystemExit):
            runtimes.candidates(["nonsense"], None)


class TableTest(unittest.TestCase):
    def test_numbers_and_ranges_align_right(self):
        table = Table("t", ["step", "median ms", "p10–p90 ms", "×runc"])
        table.add("create", 12.5, "10.00–15.00", "1.00×")
        table.add("state", 100.25, "90.00–110.00", None)
        lines = table.render().splitlines()
        self.assertEqual(lines[3], "create      12.50   10.00–15.00  1.00×")
        self.assertEqual(lines[4], "state      100.25  90.00–110.00      -")


if __name__ == "__main__":
    unittest.main()
