/* Kernel calls Python 3.11's os module lacks.  All return >= 0 on success
 * and -errno on failure; no policy lives here. */
#include <stdint.h>
#include <stddef.h>

int rp_unshare(int flags);
int rp_setns(int fd, int nstype);
int rp_mount(const char *source, const char *target, const char *fstype,
             unsigned long flags, const char *data);
int rp_umount2(const char *target, int flags);
int rp_pivot_root(const char *new_root, const char *put_old);
int rp_prctl(int option, unsigned long arg2, unsigned long arg3,
             unsigned long arg4, unsigned long arg5);
int rp_capget(int pid, uint32_t *data6);
int rp_capset(int pid, const uint32_t *data6);
int rp_close_range(unsigned int first, unsigned int last, unsigned int flags);
int rp_sethostname(const char *name, size_t len);
int rp_setdomainname(const char *name, size_t len);
int rp_personality(unsigned long persona);
int rp_ioprio_set(int which, int who, int ioprio);
int rp_sched_setattr(int pid, uint32_t policy, uint64_t flags, int32_t nice,
                     uint32_t priority, uint64_t runtime, uint64_t deadline,
                     uint64_t period);
int rp_join_session_keyring(const char *name);
int rp_open_tree(int dirfd, const char *path, unsigned int flags);
int rp_mount_setattr(int dirfd, const char *path, unsigned int flags,
                     uint64_t attr_set, uint64_t attr_clr, uint64_t propagation,
                     uint64_t userns_fd);
int rp_openat2(int dirfd, const char *path, uint64_t flags, uint64_t mode,
               uint64_t resolve);
int rp_setgroups(size_t n, const uint32_t *gids);
int rp_setresuid(uint32_t r, uint32_t e, uint32_t s);
int rp_setresgid(uint32_t r, uint32_t e, uint32_t s);
int rp_set_link_up(const char *ifname);
int64_t rp_fstatfs_type(int fd);
int rp_reset_signals(void);
