"""config.md hostname/domainname; config-linux.md sysctl, seccomp,
personality; process LSM labels."""
from __future__ import annotations

from lib.expect import _line
from lib.registry import case


@case("hostname", "config.md Hostname: hostname 'specifies the container's hostname as seen by processes "
      "running inside the container'")
def hostname(ctx):
    ctx.config["hostname"] = "mrsdalloway"
    ctx.run_checker()


@case("domainname", "config.md Domainname: domainname 'specifies the container's domainname as seen by "
      "processes running inside the container'")
def domainname(ctx):
    ctx.config["domainname"] = "conformance.example"
    ctx.run_checker()


@case("linux_sysctl", "config-linux.md Sysctl: 'sysctl (object, OPTIONAL) allows kernel parameters to be "
      "modified at runtime for the container'")
def linux_sysctl(ctx):
    ctx.config["linux"]["sysctl"] = {
        "net.ipv4.ip_forward": "1", "net.core.somaxconn": "256", "kernel.shm_rmid_forced": "1",
    }
    ctx.run_checker()


@case("linux_seccomp", "config-linux.md Seccomp: 'Seccomp configuration allows one to configure actions to "
      "take for matched syscalls'; errnoRet 'the errno return code to use'")
def linux_seccomp(ctx):
    ctx.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}],
    }
    ctx.extra_expect += [
        _line("run", "fail", "mkdir is refused by the filter", "mkdir /tmp/blocked"),
        _line("run", "ok", "other syscalls are allowed", "touch /tmp/allowed"),
    ]
    ctx.run_checker()


@case("linux_seccomp_default_errno", "config-linux.md Seccomp: defaultAction 'the default action for "
      "seccomp'; defaultErrnoRet 'the errno return code to use'")
def linux_seccomp_default_errno(ctx):
    allowed = ["read", "write", "openat", "open", "close", "fstat", "newfstatat", "stat", "lstat", "statx",
               "mmap", "munmap", "mprotect", "brk", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
               "ioctl", "access", "execve", "exit", "exit_group", "getpid", "getppid", "getuid", "geteuid",
               "getgid", "getegid", "fcntl", "dup2", "dup3", "wait4", "clone", "fork", "vfork", "getcwd",
               "chdir", "readlink", "readlinkat", "getdents64", "lseek", "uname", "arch_prctl",
               "set_tid_address", "prctl", "capget", "capset", "setgroups", "setresuid", "setresgid",
               "setuid", "setgid", "getrlimit", "prlimit64", "futex", "sigaltstack", "faccessat",
               "faccessat2", "pipe", "pipe2", "clone3", "set_robust_list", "rseq", "getrandom", "dup",
               "close_range", "poll", "ppoll", "select", "pselect6", "kill", "tgkill", "nanosleep",
               "clock_nanosleep", "getpgrp", "setpgid", "getpgid", "setsid", "umask", "fchdir", "statfs",
               "fstatfs", "gettid", "sched_getaffinity", "madvise", "pread64", "writev", "readv",
               "mremap", "sysinfo", "times", "getdents", "newuname", "chown", "fchown", "fchownat",
               "chmod", "fchmod", "fchmodat", "utimensat", "unlink", "unlinkat", "rename", "renameat",
               "renameat2", "epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "seccomp"]
    ctx.config["linux"]["seccomp"] = {
        "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "syscalls": [{"names": allowed, "action": "SCMP_ACT_ALLOW"}],
    }
    ctx.extra_expect += [_line("run", "fail", "a syscall outside the allow list fails", "mkdir /tmp/blocked")]
    ctx.run_checker()


@case("linux_personality", "config-linux.md Personality: 'LINUX32 will set the uname system call to show a "
      "32 bit CPU type, such as i686'")
def linux_personality(ctx):
    ctx.config["linux"]["personality"] = {"domain": "LINUX32"}
    ctx.extra_expect += [_line("run", "ok", "uname -m reports a 32-bit machine",
                               'case $(uname -m) in i?86|armv*|ppc|s390) true ;; *) false ;; esac')]
    ctx.run_checker()


@case("linux_process_apparmor_profile", "config.md Linux Process: apparmorProfile 'specifies the name of the "
      "AppArmor profile for the process'")
def linux_process_apparmor_profile(ctx):
    if not ctx.host.apparmor:
        ctx.skip("AppArmor is off on this host")
    ctx.config["process"]["apparmorProfile"] = "unconfined"
    ctx.run_checker()


@case("linux_process_selinux_label", "config.md Linux Process: selinuxLabel 'specifies the SELinux label for "
      "the process'")
def linux_process_selinux_label(ctx):
    if not ctx.host.selinux:
        ctx.skip("SELinux is off on this host")
    ctx.config["process"]["selinuxLabel"] = "system_u:system_r:container_t:s0:c1,c2"
    ctx.run_checker()
