"""Invalid configurations (the upstream '*_fail' cases): create MUST generate
an error, and (runtime.md Errors) 'generating an error MUST leave the state
of the environment as if the operation were never attempted'."""
from __future__ import annotations

import os

from lib import cleanup
from lib.registry import case


def create_fails(ctx, what: str, write: bool = True) -> None:
    roots = ctx.host.cgroup_roots()
    before = cleanup.cgroup_dirs(roots)
    res = ctx.create(write=write)
    ctx.expect_error(res, f"create fails: {what}")
    if res.ok:
        return
    doc, _ = ctx.state()
    ctx.check(doc is None, "no container exists after the failed create", repr(doc))
    left = sorted(d for d in cleanup.cgroup_dirs(roots) - before if ctx.id in d)
    ctx.check(not left, "the failed create left no cgroup behind", ", ".join(left[:4]))
    mounts = cleanup.mounts_under(ctx.dir)
    ctx.check(not mounts, "the failed create left no mount behind", ", ".join(mounts[:4]))


def invalid(name: str, clause: str, what: str):
    def register(mutate):
        @case(name, clause)
        def run(ctx):
            mutate(ctx, ctx.config)
            create_fails(ctx, what)
        return mutate
    return register


@invalid("process_rlimits_fail", "config.md POSIX process: 'The runtime MUST generate an error for any values "
         "which cannot be mapped to a relevant kernel interface'", "unknown rlimit type")
def _(ctx, c):
    c["process"]["rlimits"].append({"type": "RLIMIT_CONFORMANCE", "soft": 1, "hard": 1})


@invalid("process_rlimits_duplicate_fail", "config.md POSIX process: 'If rlimits contains duplicated entries "
         "with same type, the runtime MUST generate an error'", "duplicate rlimit type")
def _(ctx, c):
    c["process"]["rlimits"].append({"type": "RLIMIT_NOFILE", "soft": 100, "hard": 100})


# No "unknown capability name" case: runtime-spec 1.2 (config.md, Linux
# Process) says a capability that "cannot be mapped to a relevant kernel
# interface ... MUST be logged as a warning" and runtimes "SHOULD NOT fail",
# so accepting such a config is what the spec asks.


@invalid("process_cwd_relative_fail", "config.md Process: cwd 'This value MUST be an absolute path' (config.md "
         "Valid values: 'Runtimes MUST generate an error when invalid ... values are encountered')",
         "relative cwd")
def _(ctx, c):
    c["process"]["cwd"] = "tmp"


@invalid("process_args_missing_fail", "config.md Process: args 'at least one entry is REQUIRED'",
         "empty args")
def _(ctx, c):
    c["process"]["args"] = []


@invalid("process_executable_missing_fail", "runtime.md Lifecycle step 2: 'If the runtime is unable to create "
         "the environment specified in the config.json, it MUST generate an error' (args[0] does not exist)",
         "missing executable")
def _(ctx, c):
    c["process"]["args"] = ["/no/such/program"]


@invalid("root_path_missing_fail", "config.md Root: path 'A directory MUST exist at the path declared by the "
         "field'", "missing root directory")
def _(ctx, c):
    c["root"]["path"] = "no-such-rootfs"


# No "relative mount destination" case: runtime-spec 1.2 (config.md, Mounts) made
# a relative destination deprecated but valid on Linux, "interpreted as relative
# to /" (runtime-spec pull request 1225), so refusing it is not required.


@invalid("mounts_unknown_type_fail", "runtime.md Lifecycle step 2: 'If the runtime is unable to create the "
         "environment specified in the config.json, it MUST generate an error' (unknown filesystem type)",
         "unknown filesystem type")
def _(ctx, c):
    c["mounts"].append({"destination": "/mnt/x", "type": "conformancefs", "source": "none"})


@invalid("hooks_path_relative_fail", "config.md Hooks: path 'This specification extends the IEEE standard in "
         "that path MUST be absolute'", "relative hook path")
def _(ctx, c):
    c["hooks"] = {"createRuntime": [{"path": "bin/true"}]}


@invalid("hooks_timeout_zero_fail", "config.md Hooks: timeout 'If set, timeout MUST be greater than zero'",
         "hook timeout 0")
def _(ctx, c):
    c["hooks"] = {"createRuntime": [{"path": "/bin/true", "timeout": 0}]}


@invalid("linux_masked_paths_relative_fail", "config-linux.md Masked Paths: 'The values MUST be absolute "
         "paths in the container namespace'", "relative masked path")
def _(ctx, c):
    c["linux"]["maskedPaths"].append("proc/kcore")


@invalid("linux_sysctl_unknown_fail", "runtime.md Lifecycle step 2: 'If the runtime is unable to create the "
         "environment specified in the config.json, it MUST generate an error' (unknown sysctl)",
         "sysctl that does not exist")
def _(ctx, c):
    c["linux"]["sysctl"] = {"net.conformance.no_such_key": "1"}


@invalid("linux_seccomp_unknown_action_fail", "config-linux.md Seccomp: action values are 'the definitions in "
         "seccomp.h'; config.md Valid values 'MUST generate an error'", "unknown seccomp action")
def _(ctx, c):
    c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_CONFORMANCE"}


@invalid("oci_version_invalid_fail", "config.md Specification version: ociVersion 'MUST be in SemVer v2.0.0 "
         "format'", "ociVersion not SemVer")
def _(ctx, c):
    c["ociVersion"] = "not-a-version"


@invalid("annotations_empty_key_fail", "config.md Annotations: 'Keys MUST NOT be an empty string'",
         "empty annotation key")
def _(ctx, c):
    c["annotations"] = {"": "value"}


@case("create_missing_config_fail", "runtime.md Lifecycle step 2: 'If the runtime is unable to create the "
      "environment specified in the config.json, it MUST generate an error' (the bundle has no config.json)")
def create_missing_config_fail(ctx):
    ctx.write()
    os.unlink(os.path.join(ctx.bundle, "config.json"))
    create_fails(ctx, "bundle without config.json", write=False)
