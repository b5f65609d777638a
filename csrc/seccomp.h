/* libseccomp, for runc_py.linux.seccomp.  A filter context travels as an
 * opaque pointer; every call returns >= 0 on success and -errno on failure.
 * Names, actions and operators are mapped in Python; no policy lives here. */
#pragma once
/* This header shadows libseccomp's <seccomp.h> on the include path (csrc/ is
 * an -I directory), so it pulls the real one in with #include_next. */
#include_next <seccomp.h>
#include <stdint.h>

int rp_seccomp_new(uint32_t default_action, void **ctx_out);
void rp_seccomp_release(void *ctx);
int rp_seccomp_attr_set(void *ctx, int attr, uint32_t value);
int rp_seccomp_arch_add(void *ctx, const char *arch_name);
int rp_seccomp_arch_known(const char *arch_name);
int rp_seccomp_syscall_resolve(const char *name, int32_t *nr_out);
int rp_seccomp_rule_add(void *ctx, uint32_t action, int32_t nr, unsigned int n,
                        const uint32_t *arg, const uint32_t *op,
                        const uint64_t *datum_a, const uint64_t *datum_b);
int rp_seccomp_load(void *ctx);
int rp_seccomp_notify_fd(void *ctx);
int rp_seccomp_export_pfc(void *ctx, int fd);
int rp_seccomp_api_get(void);
void rp_seccomp_version(unsigned int *major_minor_micro);
int rp_seccomp_notify_receive(int fd, uint64_t *id, uint32_t *pid, int32_t *nr,
                              uint64_t *args6);
int rp_seccomp_notify_respond(int fd, uint64_t id, int64_t val, int32_t error,
                              uint32_t flags);
