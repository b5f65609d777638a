/* execveat(2) with argv and envp passed through exactly as given (Python's
 * os.execve takes the environment as a mapping and goes through libc's
 * fexecve).  runc_py.process.waiter runs the waiter from a memfd with
 * AT_EMPTY_PATH; nothing is looked up by path, so no /proc is needed.
 * Returns only on failure, with -errno. */
int rp_execveat(int dirfd, const char *path, char *const argv[],
                char *const envp[], int flags);
