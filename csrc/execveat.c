#define _GNU_SOURCE
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "execveat.h"

int rp_execveat(int dirfd, const char *path, char *const argv[],
                char *const envp[], int flags)
{
    syscall(SYS_execveat, dirfd, path, argv, envp, flags);
    return -errno;
}
