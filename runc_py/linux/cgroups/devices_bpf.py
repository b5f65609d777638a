"""Device rules on cgroup v2: a BPF_PROG_TYPE_CGROUP_DEVICE program.

cgroup v2 has no devices controller; the kernel instead runs a BPF program
attached to the cgroup (attach type BPF_CGROUP_DEVICE) on every device
open/mknod, with a struct bpf_cgroup_dev_ctx {u32 access_type; u32 major;
u32 minor;} in R1, where access_type is (access << 16) | type.  It returns 1
to allow and 0 to deny.

The program is assembled here from the emulated rule set (the same one v1
writes), in the shape runc and crun use: load type, access, major and minor
into R2..R5, then one block per exception that falls through to the next
block on any mismatch and returns the exception's verdict on a match, and
finally the default verdict.
"""
import os
import struct

from runc_py.linux.cgroups.devices_rules import WILDCARD, emulate
from runc_py.linux.cgroups.files import CgroupError, reason

# bpf(2) commands, program and attach types, flags (include/uapi/linux/bpf.h).
BPF_PROG_LOAD = 5
BPF_PROG_ATTACH = 8
BPF_PROG_DETACH = 9
BPF_PROG_GET_FD_BY_ID = 13
BPF_PROG_QUERY = 16
BPF_PROG_TYPE_CGROUP_DEVICE = 15
BPF_CGROUP_DEVICE = 6
BPF_F_ALLOW_MULTI = 2

BPF_DEVCG_ACC_MKNOD, BPF_DEVCG_ACC_READ, BPF_DEVCG_ACC_WRITE = 1, 2, 4
BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR = 1, 2
ACCESS_BITS = {"m": BPF_DEVCG_ACC_MKNOD, "r": BPF_DEVCG_ACC_READ, "w": BPF_DEVCG_ACC_WRITE}
TYPE_CODES = {"b": BPF_DEVCG_DEV_BLOCK, "c": BPF_DEVCG_DEV_CHAR}

# Opcodes: class | operation | source.
LDX_MEM_W = 0x61      # BPF_LDX | BPF_MEM | BPF_W
ALU32_AND_K = 0x54    # BPF_ALU | BPF_AND | BPF_K
ALU32_RSH_K = 0x74    # BPF_ALU | BPF_RSH | BPF_K
ALU32_MOV_K = 0xB4    # BPF_ALU | BPF_MOV | BPF_K
ALU32_MOV_X = 0xBC    # BPF_ALU | BPF_MOV | BPF_X
JMP_JNE_K = 0x55      # BPF_JMP | BPF_JNE | BPF_K
JMP_JNE_X = 0x5D      # BPF_JMP | BPF_JNE | BPF_X
JMP_EXIT = 0x95       # BPF_JMP | BPF_EXIT

LICENSE = b"Apache\0"


def insn(code: int, dst: int = 0, src: int = 0, off: int = 0, imm: int = 0) -> bytes:
    return struct.pack("<BBhi", code, (src << 4) | dst, off, imm)


def _block(rule) -> list[tuple]:
    """One exception's instructions; ("next",) marks a jump to the next block."""
    out = [(JMP_JNE_K, 2, 0, "next", TYPE_CODES[rule.type])]
    access = sum(ACCESS_BITS[c] for c in rule.access)
    if access != 7:
        # Match only when every requested access bit is one this rule covers.
        out += [(ALU32_MOV_X, 1, 3, 0, 0), (ALU32_AND_K, 1, 0, 0, access), (JMP_JNE_X, 1, 3, "next", 0)]
    if rule.major != WILDCARD:
        out.append((JMP_JNE_K, 4, 0, "next", rule.major))
    if rule.minor != WILDCARD:
        out.append((JMP_JNE_K, 5, 0, "next", rule.minor))
    out += [(ALU32_MOV_K, 0, 0, 0, 1 if rule.allow else 0), (JMP_EXIT, 0, 0, 0, 0)]
    return out


def assemble(rules) -> bytes:
    """The program for a spec rule list (see devices_rules.rules_from_spec)."""
    emu = emulate(rules)
    program = [insn(LDX_MEM_W, 2, 1, 0), insn(ALU32_AND_K, 2, imm=0xFFFF),
               insn(LDX_MEM_W, 3, 1, 0), insn(ALU32_RSH_K, 3, imm=16),
               insn(LDX_MEM_W, 4, 1, 4), insn(LDX_MEM_W, 5, 1, 8)]
    for rule in emu.exceptions():
        block = _block(rule)
        for i, (code, dst, src, off, imm) in enumerate(block):
            if off == "next":
                off = len(block) - (i + 1)
            program.append(insn(code, dst, src, off, imm))
    program += [insn(ALU32_MOV_K, 0, imm=1 if emu.default_allow else 0), insn(JMP_EXIT)]
    return b"".join(program)


def _bpf(cmd: int, attr: bytes, what: str, out: bool = False):
    from runc_py._csys import ffi, lib

    buf = ffi.new("char[]", attr)
    rc = lib.rp_bpf(cmd, buf, len(attr))
    if rc < 0:
        raise OSError(-rc, f"{what}: {reason(-rc)}")
    return (rc, bytes(ffi.buffer(buf))) if out else rc


def load_program(program: bytes) -> int:
    """BPF_PROG_LOAD; returns the program fd.  On a verifier rejection the
    error carries the verifier's log."""
    from runc_py._csys import ffi

    insns = ffi.new("char[]", program)
    lic = ffi.new("char[]", LICENSE)

    def attr(log_buf=None, log_size=0) -> bytes:
        return struct.pack("<IIQQIIQII16sII", BPF_PROG_TYPE_CGROUP_DEVICE, len(program) // 8,
                           int(ffi.cast("uintptr_t", insns)), int(ffi.cast("uintptr_t", lic)),
                           1 if log_buf is not None else 0, log_size,
                           int(ffi.cast("uintptr_t", log_buf)) if log_buf is not None else 0,
                           0, 0, b"runc_py_dev", 0, BPF_CGROUP_DEVICE)
    try:
        return _bpf(BPF_PROG_LOAD, attr(), "bpf prog load (cgroup device filter)")
    except OSError as e:
        log = ffi.new("char[]", 65536)
        try:
            _bpf(BPF_PROG_LOAD, attr(log, 65536), "bpf prog load")
        except OSError:
            pass
        detail = ffi.string(log).decode(errors="replace").strip()
        raise OSError(e.errno, f"{e.strerror}{': ' + detail if detail else ''}") from None


def attached_programs(cgroup_fd: int) -> tuple[list[int], int]:
    """(ids of the device programs attached to the cgroup, their attach flags)."""
    from runc_py._csys import ffi

    ids = ffi.new("uint32_t[]", 64)
    attr = struct.pack("<IIIIQI4x", cgroup_fd, BPF_CGROUP_DEVICE, 0, 0, int(ffi.cast("uintptr_t", ids)), 64)
    _, raw = _bpf(BPF_PROG_QUERY, attr, "bpf prog query", out=True)
    flags, count = struct.unpack_from("<I", raw, 12)[0], struct.unpack_from("<I", raw, 24)[0]
    return [ids[i] for i in range(count)], flags


def _prog_fd_by_id(prog_id: int) -> int:
    return _bpf(BPF_PROG_GET_FD_BY_ID, struct.pack("<III", prog_id, 0, 0), f"bpf prog get fd by id {prog_id}")


def attach_device_filter(cgroup_dir: str, rules) -> None:
    """Load the program for `rules` and make it the cgroup's only device
    filter: attach the new one first, then detach the ones it replaces, so
    there is no moment without a filter (as runc does on update)."""
    program = assemble(rules)
    dirfd = prog_fd = -1
    try:
        dirfd = os.open(cgroup_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        prog_fd = load_program(program)
        old, old_flags = attached_programs(dirfd)
        flags = BPF_F_ALLOW_MULTI if (not old or old_flags & BPF_F_ALLOW_MULTI) else 0
        _bpf(BPF_PROG_ATTACH, struct.pack("<IIIII", dirfd, prog_fd, BPF_CGROUP_DEVICE, flags, 0),
             f"bpf prog attach to {cgroup_dir}")
        if flags:
            for prog_id in old:
                fd = _prog_fd_by_id(prog_id)
                try:
                    _bpf(BPF_PROG_DETACH, struct.pack("<III", dirfd, fd, BPF_CGROUP_DEVICE),
                         f"bpf prog detach from {cgroup_dir}")
                finally:
                    os.close(fd)
    except OSError as e:
        raise CgroupError(f"cgroup v2 device filter: {e.strerror}", path="linux.resources.devices") from e
    finally:
        for fd in (prog_fd, dirfd):
            if fd >= 0:
                os.close(fd)
