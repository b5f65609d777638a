#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf.h"

int rp_bpf(int cmd, void *attr, unsigned int size)
{
    long rc = syscall(SYS_bpf, cmd, attr, size);
    return rc < 0 ? -errno : (int)rc;
}
