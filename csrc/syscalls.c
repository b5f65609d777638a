#define _GNU_SOURCE
#include "syscalls.h"

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/openat2.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

#define KEYCTL_JOIN_SESSION_KEYRING 1

/* Result of a libc call that sets errno: the value, or -errno. */
static int ret(long rc) { return rc < 0 ? -errno : (int)rc; }

int rp_unshare(int flags) { return ret(unshare(flags)); }
int rp_setns(int fd, int nstype) { return ret(setns(fd, nstype)); }

int rp_mount(const char *source, const char *target, const char *fstype,
             unsigned long flags, const char *data)
{
    return ret(mount(source, target, fstype, flags, data));
}

int rp_umount2(const char *target, int flags) { return ret(umount2(target, flags)); }

int rp_pivot_root(const char *new_root, const char *put_old)
{
    return ret(syscall(SYS_pivot_root, new_root, put_old));
}

int rp_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4,
             unsigned long a5)
{
    return ret(prctl(option, a2, a3, a4, a5));
}

/* Capabilities travel as six 32-bit words: effective, permitted, inheritable
 * for the low word, then the same three for the high word (version 3). */
int rp_capget(int pid, uint32_t *data6)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, pid};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) < 0)
        return -errno;
    for (int i = 0; i < 2; i++) {
        data6[3 * i + 0] = data[i].effective;
        data6[3 * i + 1] = data[i].permitted;
        data6[3 * i + 2] = data[i].inheritable;
    }
    return 0;
}

int rp_capset(int pid, const uint32_t *data6)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, pid};
    struct __user_cap_data_struct data[2];
    for (int i = 0; i < 2; i++) {
        data[i].effective = data6[3 * i + 0];
        data[i].permitted = data6[3 * i + 1];
        data[i].inheritable = data6[3 * i + 2];
    }
    return ret(syscall(SYS_capset, &hdr, data));
}

int rp_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
    return ret(syscall(SYS_close_range, first, last, flags));
}

int rp_sethostname(const char *name, size_t len) { return ret(sethostname(name, len)); }
int rp_setdomainname(const char *name, size_t len) { return ret(setdomainname(name, len)); }

int rp_personality(unsigned long persona)
{
    /* personality() returns the previous persona and has no errno contract
     * for success; only -1 is failure. */
    int rc = personality(persona);
    return rc == -1 ? -errno : 0;
}

int rp_ioprio_set(int which, int who, int ioprio)
{
    return ret(syscall(SYS_ioprio_set, which, who, ioprio));
}

struct rp_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};

int rp_sched_setattr(int pid, uint32_t policy, uint64_t flags, int32_t nice,
                     uint32_t priority, uint64_t runtime, uint64_t deadline,
                     uint64_t period)
{
    struct rp_sched_attr attr = {sizeof(attr), policy, flags, nice, priority,
                                 runtime, deadline, period};
    return ret(syscall(SYS_sched_setattr, pid, &attr, 0));
}

int rp_join_session_keyring(const char *name)
{
    return ret(syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0));
}

int rp_open_tree(int dirfd, const char *path, unsigned int flags)
{
    return ret(syscall(SYS_open_tree, dirfd, path, flags));
}

struct rp_mount_attr {
    uint64_t attr_set;
    uint64_t attr_clr;
    uint64_t propagation;
    uint64_t userns_fd;
};

int rp_mount_setattr(int dirfd, const char *path, unsigned int flags,
                     uint64_t attr_set, uint64_t attr_clr, uint64_t propagation,
                     uint64_t userns_fd)
{
    struct rp_mount_attr attr = {attr_set, attr_clr, propagation, userns_fd};
    return ret(syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof(attr)));
}

int rp_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
               uint64_t resolve)
{
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    return ret(syscall(SYS_openat2, dirfd, path, &how, sizeof(how)));
}

/* Raw syscalls rather than glibc wrappers: glibc's set*id broadcast to every
 * thread, and the init must change only itself while it is single-threaded. */
int rp_setgroups(size_t n, const uint32_t *gids)
{
    return ret(syscall(SYS_setgroups, n, gids));
}

int rp_setresuid(uint32_t r, uint32_t e, uint32_t s)
{
    return ret(syscall(SYS_setresuid, r, e, s));
}

int rp_setresgid(uint32_t r, uint32_t e, uint32_t s)
{
    return ret(syscall(SYS_setresgid, r, e, s));
}

/* Bring a network interface up (IFF_UP), as a new network namespace's
 * loopback must be for anything in the container to use 127.0.0.1. */
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

int rp_set_link_up(const char *ifname)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
    int rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    int err = errno;
    close(fd);
    return rc < 0 ? -err : 0;
}

/* Every signal back to its default disposition and an empty mask.  An
 * ignored signal stays ignored across execve, and the interpreter ignores
 * SIGPIPE and SIGXFSZ: the container's process must not inherit that. */
#include <signal.h>

int rp_reset_signals(void)
{
    sigset_t none;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        signal(sig, SIG_DFL); /* fails harmlessly for the reserved RT signals */
    }
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, NULL) < 0 ? -errno : 0;
}

/* The filesystem type (statfs f_type) of the file fd is on: Python's
 * os.statvfs does not report it, and masked paths must be checked to be
 * on procfs. */
#include <sys/vfs.h>

int64_t rp_fstatfs_type(int fd)
{
    struct statfs st;
    return fstatfs(fd, &st) < 0 ? -errno : (int64_t)st.f_type;
}
