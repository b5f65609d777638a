/* The id of the mount a file is on, from statx(2)'s STATX_MNT_ID (Linux
 * 5.8): one system call where /proc/self/fdinfo/N costs an open, a read of
 * text and a close.  Returns 1 with *out set, 0 when the kernel did not
 * report a mount id (the caller falls back to fdinfo), or -errno. */
#include <stdint.h>

int rp_mount_id(int fd, uint64_t *out);
