"""A failing or untidy runtime fails the run loudly and leaves a clean machine.

Needs root and runc: `/usr/bin/python3 -m unittest discover -s bench/tests`.
"""
import json
import os
import subprocess
import tempfile
import unittest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "run")
RUNC = "/usr/sbin/runc"

# A runtime that is runc except for one subcommand: FAIL_STEP fails it, NOOP_STEP
# makes it do nothing (so `delete` leaves the container's state behind).
WRAPPER = """#!/bin/sh
sub="$3"
[ -n "$sub" ] && [ "$sub" = "$FAIL_STEP" ] && { echo "wrapper: $sub refused" >&2; exit 7; }
[ -n "$sub" ] && [ "$sub" = "$NOOP_STEP" ] && exit 0
exec %s "$@"
""" % RUNC


@unittest.skipUnless(os.geteuid() == 0 and os.path.exists(RUNC), "needs root and runc")
class FailureTest(unittest.TestCase):
    def run_bench(self, env: dict, *args: str):
        with tempfile.TemporaryDirectory() as d:
            wrapper, report = os.path.join(d, "wrapper"), os.path.join(d, "report.json")
            with open(wrapper, "w") as f:
                f.write(WRAPPER)
            os.chmod(wrapper, 0o755)
            done = subprocess.run([BENCH, *args, "--runtimes", "runc,wrapper", "--runtime",
                                   f"wrapper={wrapper}", "--json", report],
                                  env={**os.environ, **env}, capture_output=True, text=True, timeout=300)
            with open(report) as f:
                return done, json.load(f)

    def assert_machine_clean(self, report: dict):
        token = report["token"]
        self.assertFalse(os.path.exists(report["workdir"]))
        self.assertEqual(report["cleanup"]["remaining"], [])
        for root, dirs, _ in os.walk("/sys/fs/cgroup"):
            self.assertFalse([d for d in dirs if token in d], root)
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cgroup") as f:
                    self.assertNotIn(token, f.read(), f"process {pid}")
            except OSError:
                pass
        with open("/proc/self/mountinfo") as f:
            self.assertNotIn(token, f.read())

    def test_failing_step_names_runtime_step_and_stderr(self):
        done, report = self.run_bench({"FAIL_STEP": "start"}, "lifecycle", "-n", "2")
        self.assertEqual(done.returncode, 1)
        self.assertIn("FAILED: wrapper: step 'start': exit status 7", done.stderr)
        self.assertIn("wrapper: start refused", done.stderr)
        self.assertEqual(report["status"], "failed")
        self.assertEqual(report["cleanup"]["removed_by_bench"], [])
        self.assert_machine_clean(report)

    def test_leftovers_of_a_runtime_fail_the_run_and_are_removed(self):
        done, report = self.run_bench({"NOOP_STEP": "delete"}, "lifecycle", "-n", "1", "--warmup", "0")
        self.assertEqual(done.returncode, 1)
        self.assertIn("leftover check after lifecycle", done.stderr)
        self.assertTrue(any("state dir" in x for x in report["cleanup"]["removed_by_bench"]))
        self.assert_machine_clean(report)

    def test_bogus_runtime_path_fails_before_anything_runs(self):
        done = subprocess.run([BENCH, "startup", "--runtime", "runc-py=/nonexistent/runc-py"],
                              capture_output=True, text=True, timeout=60)
        self.assertEqual(done.returncode, 1)
        self.assertIn("FAILED: runc-py: step '--version': no executable at this path", done.stderr)


if __name__ == "__main__":
    unittest.main()
