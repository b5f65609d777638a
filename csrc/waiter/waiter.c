/* runc-py-init, the "waiter": what a created container's PID 1 is while it
 * waits for `runc-py start`.
 *
 * The Python init sets the container up (root filesystem, user, capabilities,
 * rlimits, cwd, fd hygiene, ...) and then execs this static program from a
 * sealed memfd (runc_py.process.waiter), so that the waiting process holds a
 * few hundred KiB instead of the Python interpreter's heap.  It runs after
 * pivot_root, inside the container's root: hence static (no loader, no libc
 * there), and it opens no file by path.
 *
 * Interface:
 *     argv = { "runc-py-init", FIFO_FD, EXE, "--", ARG0, ARG1, ..., NULL }
 *     envp = the user's environment, passed on to EXE untouched
 *   FIFO_FD  decimal fd of the exec FIFO, opened for reading (possibly
 *            O_NONBLOCK); it must not be close-on-exec.
 *   EXE      the user's program, already looked up in the container's PATH.
 * Everything else is final before this program starts: uid, groups and
 * capabilities, rlimits, cwd, umask, close-on-exec on every other fd, and
 * no_new_privs.  no_new_privs in particular must be set before the exec
 * into the waiter, not here: a root process whose permitted set is smaller
 * than inheritable|bounding regains the difference at an execve without
 * no_new_privs and keeps it at a second one with it, where one execve with
 * no_new_privs would have capped it at the old permitted set.
 *
 * Steps: name itself (comm) runc-py-init; wait until the FIFO is readable
 * (a reader that never had a writer gets no POLLHUP, so poll sleeps until
 * start writes), read its byte, close it; reset every signal disposition
 * to SIG_DFL and unblock all signals (SIG_IGN and the mask survive execve,
 * and Python ignores SIGPIPE and SIGXFSZ: the user's program must start
 * with the defaults, as runc's does); execve(EXE, ARG0..., envp).  On any failure it writes
 *     runc-py: exec failed: <what>: <reason>
 * to fd 2 and exits 1, as the Python init does.  It allocates nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(2, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        s += w;
        n -= (size_t)w;
    }
}

/* "runc-py: exec failed: <what>: <reason>" and exit 1; reason = 0 leaves
 * out the ": <reason>" part. */
static void fail(const char *what, int err)
{
    put("runc-py: exec failed: ");
    put(what);
    if (err) {
        char reason[128];
        strncpy(reason, strerror(err), sizeof reason - 1);
        reason[sizeof reason - 1] = '\0';
        if (reason[0] >= 'A' && reason[0] <= 'Z')
            reason[0] += 'a' - 'A'; /* runc's lower-case reasons */
        put(": ");
        put(reason);
    }
    put("\n");
    _exit(1);
}

/* A non-negative decimal int, or -1. */
static int parse_uint(const char *s)
{
    char *end;
    long v;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    return (errno || *end || v > 0x7fffffff) ? -1 : (int)v;
}

static void wait_for_start(int fifo)
{
    struct pollfd p = { .fd = fifo, .events = POLLIN };
    char byte;
    ssize_t n;
    while (poll(&p, 1, -1) < 0)
        if (errno != EINTR)
            fail("poll exec fifo", errno);
    while ((n = read(fifo, &byte, 1)) < 0)
        if (errno != EINTR)
            fail("read exec fifo", errno);
    if (n == 0)
        fail("read exec fifo: closed before start", 0);
    close(fifo);
}

static void reset_signals(void)
{
    struct sigaction dfl;
    sigset_t none;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL); /* libc's reserved signals refuse: harmless */
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
        fail("reset signal mask", errno);
}

int main(int argc, char **argv, char **envp)
{
    int fifo;
    if (argc < 5 || strcmp(argv[3], "--") != 0)
        fail("usage: runc-py-init FIFO_FD EXE -- ARG0 [ARG...]", 0);
    fifo = parse_uint(argv[1]);
    if (fifo < 0)
        fail("bad exec fifo fd", EINVAL);
    /* comm would be the memfd's name or fd number, by kernel version. */
    prctl(PR_SET_NAME, "runc-py-init", 0, 0, 0);
    wait_for_start(fifo);
    reset_signals();
    execve(argv[2], argv + 4, envp);
    fail(argv[2], errno);
    return 1;
}
