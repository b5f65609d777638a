/* The bpf(2) system call, which glibc does not wrap.  The caller lays out
 * union bpf_attr itself (runc_py.linux.cgroups.devices_bpf); this returns
 * the call's result (a new fd, or 0) or -errno. */
int rp_bpf(int cmd, void *attr, unsigned int size);
