/* <> on purpose: csrc/ is the first -I directory, so this finds csrc/seccomp.h
 * as an include-path entry, and its #include_next then reaches libseccomp's. */
#include <seccomp.h>

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>

/* runc_py.linux.seccomp spells actions, operators and attributes as numbers
 * (they are kernel or libseccomp ABI); the build fails if they drift. */
_Static_assert(SCMP_ACT_KILL_PROCESS == 0x80000000U, "SCMP_ACT_KILL_PROCESS");
_Static_assert(SCMP_ACT_KILL_THREAD == 0x00000000U, "SCMP_ACT_KILL_THREAD");
_Static_assert(SCMP_ACT_TRAP == 0x00030000U, "SCMP_ACT_TRAP");
_Static_assert(SCMP_ACT_ERRNO(0) == 0x00050000U, "SCMP_ACT_ERRNO");
_Static_assert(SCMP_ACT_TRACE(0) == 0x7ff00000U, "SCMP_ACT_TRACE");
_Static_assert(SCMP_ACT_LOG == 0x7ffc0000U, "SCMP_ACT_LOG");
_Static_assert(SCMP_ACT_ALLOW == 0x7fff0000U, "SCMP_ACT_ALLOW");
_Static_assert(SCMP_ACT_NOTIFY == 0x7fc00000U, "SCMP_ACT_NOTIFY");
_Static_assert(SCMP_CMP_NE == 1 && SCMP_CMP_LT == 2 && SCMP_CMP_LE == 3 &&
               SCMP_CMP_EQ == 4 && SCMP_CMP_GE == 5 && SCMP_CMP_GT == 6 &&
               SCMP_CMP_MASKED_EQ == 7, "enum scmp_compare");
_Static_assert(SCMP_FLTATR_CTL_NNP == 3 && SCMP_FLTATR_CTL_TSYNC == 4 &&
               SCMP_FLTATR_CTL_LOG == 6 && SCMP_FLTATR_CTL_SSB == 7 &&
               SCMP_FLTATR_CTL_OPTIMIZE == 8 && SCMP_FLTATR_API_SYSRAWRC == 9,
               "enum scmp_filter_attr");

int rp_seccomp_new(uint32_t default_action, void **ctx_out)
{
    /* seccomp_init reports no reason; a rejected action is the likely one. */
    *ctx_out = seccomp_init(default_action);
    return *ctx_out ? 0 : -EINVAL;
}

void rp_seccomp_release(void *ctx) { seccomp_release(ctx); }

int rp_seccomp_attr_set(void *ctx, int attr, uint32_t value)
{
    return seccomp_attr_set(ctx, (enum scmp_filter_attr)attr, value);
}

int rp_seccomp_arch_known(const char *arch_name)
{
    return seccomp_arch_resolve_name(arch_name) ? 1 : 0;
}

int rp_seccomp_arch_add(void *ctx, const char *arch_name)
{
    uint32_t token = seccomp_arch_resolve_name(arch_name);
    if (!token)
        return -EINVAL;
    return seccomp_arch_add(ctx, token);
}

int rp_seccomp_syscall_resolve(const char *name, int32_t *nr_out)
{
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR)
        return -ENOENT;
    *nr_out = nr;
    return 0;
}

int rp_seccomp_rule_add(void *ctx, uint32_t action, int32_t nr, unsigned int n,
                        const uint32_t *arg, const uint32_t *op,
                        const uint64_t *datum_a, const uint64_t *datum_b)
{
    struct scmp_arg_cmp cmp[6];
    if (n > 6)
        return -E2BIG;
    for (unsigned int i = 0; i < n; i++) {
        cmp[i].arg = arg[i];
        cmp[i].op = (enum scmp_compare)op[i];
        cmp[i].datum_a = datum_a[i];
        cmp[i].datum_b = datum_b[i];
    }
    return seccomp_rule_add_array(ctx, action, nr, n, cmp);
}

int rp_seccomp_load(void *ctx) { return seccomp_load(ctx); }
int rp_seccomp_notify_fd(void *ctx) { return seccomp_notify_fd(ctx); }
int rp_seccomp_export_pfc(void *ctx, int fd) { return seccomp_export_pfc(ctx, fd); }
int rp_seccomp_api_get(void) { return (int)seccomp_api_get(); }

void rp_seccomp_version(unsigned int *v)
{
    const struct scmp_version *ver = seccomp_version();
    v[0] = ver->major;
    v[1] = ver->minor;
    v[2] = ver->micro;
}

/* The agent side talks to the listener with the kernel's ioctls directly:
 * libseccomp's wrappers depend on process-wide state that only a process which
 * loaded a filter has probed, and an agent usually has not. */
int rp_seccomp_notify_receive(int fd, uint64_t *id, uint32_t *pid, int32_t *nr,
                              uint64_t *args6)
{
    struct seccomp_notif req;
    memset(&req, 0, sizeof(req)); /* the kernel refuses a dirty buffer */
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return -errno;
    *id = req.id;
    *pid = req.pid;
    *nr = req.data.nr;
    for (int i = 0; i < 6; i++)
        args6[i] = req.data.args[i];
    return 0;
}

int rp_seccomp_notify_respond(int fd, uint64_t id, int64_t val, int32_t error,
                              uint32_t flags)
{
    struct seccomp_notif_resp resp = {.id = id, .val = val, .error = error, .flags = flags};
    return ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -errno : 0;
}
