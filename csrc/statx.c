#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "statx.h"

#ifndef STATX_MNT_ID
#define STATX_MNT_ID 0x1000U
#endif

int rp_mount_id(int fd, uint64_t *out)
{
    struct statx stx;
    /* AT_STATX_DONT_SYNC: only the mount id is wanted, never a network
     * filesystem's fresh attributes. */
    if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_MNT_ID, &stx) < 0)
        return -errno;
    if (!(stx.stx_mask & STATX_MNT_ID))
        return 0;
    *out = stx.stx_mnt_id;
    return 1;
}
