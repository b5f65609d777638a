"""config.md Process: args, cwd, env, user, capabilities, rlimits, oomScoreAdj,
noNewPrivileges."""
from __future__ import annotations

import dataclasses

from lib.registry import case

CAPS = ["CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_NET_RAW", "CAP_SETUID", "CAP_SETGID"]


@case("process", "config.md Process: cwd 'is the working directory that will be set for the executable'; "
      "env 'with the same semantics as ... environ'; args 'used with the same semantics as execvp's file'")
def process(ctx):
    p = ctx.config["process"]
    p["cwd"] = "/tmp"
    p["env"] = ["PATH=/bin:/", "CONFORMANCE_SPACES=a b  c", "EMPTY=", "TERM=xterm"]
    p["args"] = ["conformance-check"]  # found through PATH, like execvp
    ctx.run_checker()


@case("process_user", "config.md POSIX-platform User: uid, gid and additionalGids 'in the container "
      "namespace' are the process's ids")
def process_user(ctx):
    ctx.config["process"]["user"] = {"uid": 1000, "gid": 1000, "additionalGids": [5, 6, 1000]}
    ctx.run_checker()


@case("process_capabilities", "config.md Linux Process: capabilities 'is an object containing arrays that "
      "specifies the sets of capabilities for the process'")
def process_capabilities(ctx):
    ctx.config["process"]["capabilities"] = {
        "bounding": CAPS, "effective": CAPS, "permitted": CAPS,
        "inheritable": ["CAP_KILL", "CAP_CHOWN"], "ambient": ["CAP_KILL"],
    }
    ctx.run_checker()


@case("process_capabilities_user", "config.md Linux Process: capabilities sets for a non-root process "
      "(ambient capabilities survive execve by a non-root user, capabilities(7))")
def process_capabilities_user(ctx):
    ctx.config["process"]["user"] = {"uid": 1000, "gid": 1000}
    ctx.config["process"]["capabilities"] = {
        "bounding": CAPS, "effective": CAPS, "permitted": CAPS,
        "inheritable": ["CAP_KILL", "CAP_NET_RAW"], "ambient": ["CAP_KILL", "CAP_NET_RAW"],
    }
    ctx.run_checker()


@case("process_rlimits", "config.md POSIX process: 'rlim.rlim_cur MUST match the configured value'; "
      "'rlim.rlim_max MUST match the configured value'")
def process_rlimits(ctx):
    ctx.config["process"]["rlimits"] = [
        {"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
        {"type": "RLIMIT_CORE", "soft": 4096, "hard": 8192},
        {"type": "RLIMIT_NPROC", "soft": 2000, "hard": 3000},
        {"type": "RLIMIT_MSGQUEUE", "soft": 8192, "hard": 819200},
        {"type": "RLIMIT_CPU", "soft": 2**64 - 1, "hard": 2**64 - 1},
    ]
    ctx.run_checker()


@case("process_oom_score_adj", "config.md Linux Process: 'If oomScoreAdj is set, the runtime MUST set "
      "oom_score_adj to the given value'")
def process_oom_score_adj(ctx):
    ctx.config["process"]["oomScoreAdj"] = 500
    ctx.run_checker()


@case("process_oom_score_adj_unset", "config.md Linux Process: 'If oomScoreAdj is not set, the runtime "
      "MUST NOT change the value of oom_score_adj'")
def process_oom_score_adj_unset(ctx):
    # The runtime is started with oom_score_adj 123; the container must inherit it.
    ctx.host = dataclasses.replace(ctx.host, oom_score_adj="123")
    ctx.run_checker(preexec=_oom_123)


def _oom_123() -> None:
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("123")


@case("process_no_new_privileges_false", "config.md Linux Process: noNewPrivileges 'setting noNewPrivileges "
      "to true prevents the process from gaining additional privileges' (false: not set)")
def process_no_new_privileges_false(ctx):
    ctx.config["process"]["noNewPrivileges"] = False
    ctx.run_checker()
