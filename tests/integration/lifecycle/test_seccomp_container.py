"""linux.seccomp applied to a real container's process, on runc-py and runc."""
import json
from pathlib import Path

from helpers import new_bundle

DEFAULT_PROFILE = Path(__file__).resolve().parents[2] / "data" / "seccomp" / "default.json"


def run_with(runtime, tmp_path, script, seccomp, no_new_privileges=True):
    def edit(config):
        config["linux"]["seccomp"] = seccomp
        config["process"]["noNewPrivileges"] = no_new_privileges
    bundle = new_bundle(tmp_path, ["sh", "-c", script], edit)
    return runtime.run("run", "-b", str(bundle.path), runtime.new_id(), check=False)


def test_targeted_denial_is_seen_inside(runtime, tmp_path):
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
               "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
    proc = run_with(runtime, tmp_path, "mkdir /tmp/x 2>&1; echo rc=$?", seccomp)
    assert "Permission denied" in proc.stdout and "rc=1" in proc.stdout


def test_realistic_default_profile(runtime, tmp_path):
    seccomp = json.loads(DEFAULT_PROFILE.read_text())
    script = "ls / >/dev/null && echo ls-ok; grep Seccomp: /proc/self/status"
    # Without no_new_privs the filter is loaded earlier, before the init drops
    # its capabilities: the rest of the init must still get through it.
    for no_new_privileges in (True, False):
        proc = run_with(runtime, tmp_path, script, seccomp, no_new_privileges)
        assert proc.returncode == 0, proc.stderr
        assert "ls-ok" in proc.stdout and "Seccomp:\t2" in proc.stdout


def test_seccomp_mode_is_filter(runtime, tmp_path):
    seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["reboot"], "action": "SCMP_ACT_ERRNO"}]}
    proc = run_with(runtime, tmp_path, "grep Seccomp: /proc/self/status", seccomp)
    assert "Seccomp:\t2" in proc.stdout
