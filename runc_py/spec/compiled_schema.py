"""Validators compiled from spec_schemas/*.json: do not edit.

Written by runc_py/spec/compile_schema.py; regenerate with
`.venv/bin/python -m runc_py.spec.compile_schema` after changing a schema.
Each public function answers only "valid or not"; runc_py.spec.report
explains a "not".
"""

_MISSING = object()


def _is_integer(v):
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    return isinstance(v, float) and v.is_integer()


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_C0 = frozenset(['SCHED_BATCH', 'SCHED_DEADLINE', 'SCHED_FIFO', 'SCHED_IDLE', 'SCHED_ISO', 'SCHED_OTHER', 'SCHED_RR'])
_C1 = frozenset(['SCHED_FLAG_DL_OVERRUN', 'SCHED_FLAG_KEEP_PARAMS', 'SCHED_FLAG_KEEP_POLICY', 'SCHED_FLAG_RECLAIM', 'SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_UTIL_CLAMP_MAX', 'SCHED_FLAG_UTIL_CLAMP_MIN'])
_C2 = frozenset(['IOPRIO_CLASS_BE', 'IOPRIO_CLASS_IDLE', 'IOPRIO_CLASS_RT'])
_C3 = frozenset(['cgroup', 'ipc', 'mount', 'network', 'pid', 'time', 'user', 'uts'])
_C4 = frozenset(['b', 'c', 'p', 'u'])
_C5 = frozenset(['a', 'b', 'c'])
_C6 = frozenset(['m', 'r', 'w'])
_C7 = frozenset(['MPOL_BIND', 'MPOL_DEFAULT', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE'])
_C8 = frozenset(['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'])
_C9 = frozenset(['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP'])
_C10 = frozenset(['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM', 'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64', 'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64', 'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_RISCV64', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB', 'SCMP_ARCH_X32', 'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'])
_C11 = frozenset(['SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'])
_C12 = frozenset(['SCMP_CMP_EQ', 'SCMP_CMP_GE', 'SCMP_CMP_GT', 'SCMP_CMP_LE', 'SCMP_CMP_LT', 'SCMP_CMP_MASKED_EQ', 'SCMP_CMP_NE'])
_C13 = frozenset(['private', 'rprivate', 'rshared', 'rslave', 'runbindable', 'shared', 'slave', 'unbindable'])
_C14 = frozenset(['LINUX', 'LINUX32'])


def _check_2(v):
    if not (isinstance(v, str)):
        return False
    if len(v) < 1:
        return False
    return True


def _check_1(v):
    if not (isinstance(v, dict)):
        return False
    if 'path' not in v:
        return False
    x = v.get('path', _MISSING)
    if x is not _MISSING and not _check_2(x):
        return False
    x = v.get('readonly', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    return True


def _check_5(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not isinstance(x, str):
            return False
    return True


def _check_8(v):
    if not (_is_integer(v)):
        return False
    if v < 0:
        return False
    if v > 4294967295:
        return False
    return True


def _check_7(v):
    if not (isinstance(v, dict)):
        return False
    if 'containerID' not in v:
        return False
    if 'hostID' not in v:
        return False
    if 'size' not in v:
        return False
    x = v.get('containerID', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('hostID', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('size', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    return True


def _check_6(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_7(x):
            return False
    return True


def _check_4(v):
    if not (isinstance(v, dict)):
        return False
    if 'destination' not in v:
        return False
    if 'uidMappings' in v and ('gidMappings' not in v):
        return False
    if 'gidMappings' in v and ('uidMappings' not in v):
        return False
    x = v.get('destination', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('source', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('type', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('options', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('uidMappings', _MISSING)
    if x is not _MISSING and not _check_6(x):
        return False
    x = v.get('gidMappings', _MISSING)
    if x is not _MISSING and not _check_6(x):
        return False
    return True


def _check_3(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_4(x):
            return False
    return True


def _check_10(v):
    if not (isinstance(v, dict)):
        return False
    if 'height' not in v:
        return False
    if 'width' not in v:
        return False
    x = v.get('height', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('width', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    return True


def _check_12(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_8(x):
            return False
    return True


def _check_11(v):
    if not (isinstance(v, dict)):
        return False
    if 'uid' not in v:
        return False
    if 'gid' not in v:
        return False
    x = v.get('uid', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('gid', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('umask', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('additionalGids', _MISSING)
    if x is not _MISSING and not _check_12(x):
        return False
    return True


def _check_13(v):
    if not (isinstance(v, list)):
        return False
    if len(v) < 1:
        return False
    for x in v:
        if not isinstance(x, str):
            return False
    return True


def _check_14(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('bounding', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('effective', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('inheritable', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('permitted', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('ambient', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    return True


def _check_17(v):
    if not (_is_integer(v)):
        return False
    if v < 0:
        return False
    if v > 18446744073709551615:
        return False
    return True


def _check_16(v):
    if not (isinstance(v, dict)):
        return False
    if 'type' not in v:
        return False
    if 'soft' not in v:
        return False
    if 'hard' not in v:
        return False
    x = v.get('type', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('soft', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('hard', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    return True


def _check_15(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_16(x):
            return False
    return True


def _check_18(v):
    if not (_is_integer(v)):
        return False
    if v < -1000:
        return False
    if v > 1000:
        return False
    return True


def _check_20(v):
    if not isinstance(v, str) or v not in _C0:
        return False
    return True


def _check_21(v):
    if not (_is_integer(v)):
        return False
    if v < -2147483648:
        return False
    if v > 2147483647:
        return False
    return True


def _check_23(v):
    if not isinstance(v, str) or v not in _C1:
        return False
    return True


def _check_22(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_23(x):
            return False
    return True


def _check_19(v):
    if not (isinstance(v, dict)):
        return False
    if 'policy' not in v:
        return False
    x = v.get('policy', _MISSING)
    if x is not _MISSING and not _check_20(x):
        return False
    x = v.get('nice', _MISSING)
    if x is not _MISSING and not _check_21(x):
        return False
    x = v.get('priority', _MISSING)
    if x is not _MISSING and not _check_21(x):
        return False
    x = v.get('flags', _MISSING)
    if x is not _MISSING and not _check_22(x):
        return False
    x = v.get('runtime', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('deadline', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('period', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    return True


def _check_25(v):
    if not isinstance(v, str) or v not in _C2:
        return False
    return True


def _check_26(v):
    if not (_is_integer(v)):
        return False
    if v < 0:
        return False
    if v > 7:
        return False
    return True


def _check_24(v):
    if not (isinstance(v, dict)):
        return False
    if 'class' not in v:
        return False
    if 'priority' not in v:
        return False
    x = v.get('class', _MISSING)
    if x is not _MISSING and not _check_25(x):
        return False
    x = v.get('priority', _MISSING)
    if x is not _MISSING and not _check_26(x):
        return False
    return True


def _check_27(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('initial', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('final', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    return True


def _check_9(v):
    if not (isinstance(v, dict)):
        return False
    if 'cwd' not in v:
        return False
    if 'args' not in v:
        return False
    x = v.get('terminal', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    x = v.get('consoleSize', _MISSING)
    if x is not _MISSING and not _check_10(x):
        return False
    x = v.get('user', _MISSING)
    if x is not _MISSING and not _check_11(x):
        return False
    x = v.get('args', _MISSING)
    if x is not _MISSING and not _check_13(x):
        return False
    x = v.get('env', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('cwd', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('capabilities', _MISSING)
    if x is not _MISSING and not _check_14(x):
        return False
    x = v.get('rlimits', _MISSING)
    if x is not _MISSING and not _check_15(x):
        return False
    x = v.get('noNewPrivileges', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    x = v.get('apparmorProfile', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('oomScoreAdj', _MISSING)
    if x is not _MISSING and not _check_18(x):
        return False
    x = v.get('scheduler', _MISSING)
    if x is not _MISSING and not _check_19(x):
        return False
    x = v.get('selinuxLabel', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('ioPriority', _MISSING)
    if x is not _MISSING and not _check_24(x):
        return False
    x = v.get('execCPUAffinity', _MISSING)
    if x is not _MISSING and not _check_27(x):
        return False
    return True


def _check_31(v):
    if not (_is_integer(v)):
        return False
    if v < 1:
        return False
    return True


def _check_30(v):
    if not (isinstance(v, dict)):
        return False
    if 'path' not in v:
        return False
    x = v.get('path', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('args', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('env', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('timeout', _MISSING)
    if x is not _MISSING and not _check_31(x):
        return False
    return True


def _check_29(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_30(x):
            return False
    return True


def _check_28(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('prestart', _MISSING)
    if x is not _MISSING and not _check_29(x):
        return False
    x = v.get('createRuntime', _MISSING)
    if x is not _MISSING and not _check_29(x):
        return False
    x = v.get('createContainer', _MISSING)
    if x is not _MISSING and not _check_29(x):
        return False
    x = v.get('startContainer', _MISSING)
    if x is not _MISSING and not _check_29(x):
        return False
    x = v.get('poststart', _MISSING)
    if x is not _MISSING and not _check_29(x):
        return False
    x = v.get('poststop', _MISSING)
    if x is not _MISSING and not _check_29(x):
        return False
    return True


def _check_33(v):
    if isinstance(v, str) and (len(v) < 1):
        return False
    return True


def _check_32(v):
    if not (isinstance(v, dict)):
        return False
    for x in v.values():
        if not isinstance(x, str):
            return False
    for k in v:
        if not _check_33(k):
            return False
    return True


def _check_37(v):
    if not isinstance(v, str) or v not in _C3:
        return False
    return True


def _check_36(v):
    if not (isinstance(v, dict)):
        return False
    if 'type' not in v:
        return False
    x = v.get('type', _MISSING)
    if x is not _MISSING and not _check_37(x):
        return False
    x = v.get('path', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    return True


def _check_35(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_36(x):
            return False
    return True


def _check_40(v):
    if not (_is_integer(v)):
        return False
    if v < -9223372036854775808:
        return False
    if v > 9223372036854775807:
        return False
    return True


def _check_39(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('secs', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('nanosecs', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    return True


def _check_38(v):
    if not (isinstance(v, dict)):
        return False
    for x in v.values():
        if not _check_39(x):
            return False
    return True


def _check_43(v):
    if not isinstance(v, str) or v not in _C4:
        return False
    return True


def _check_45(v):
    if not isinstance(v, str) or v != 'p':
        return False
    return True


def _check_44(v):
    if isinstance(v, dict):
        if 'type' not in v:
            return False
        x = v.get('type', _MISSING)
        if x is not _MISSING and not _check_45(x):
            return False
    return True


def _check_46(v):
    if isinstance(v, dict):
        if 'major' not in v:
            return False
        if 'minor' not in v:
            return False
    return True


def _check_42(v):
    if not (isinstance(v, dict)):
        return False
    if 'type' not in v:
        return False
    if 'path' not in v:
        return False
    x = v.get('type', _MISSING)
    if x is not _MISSING and not _check_43(x):
        return False
    x = v.get('path', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('major', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('minor', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('fileMode', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('uid', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('gid', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    if not _check_44(v) and not _check_46(v):
        return False
    return True


def _check_41(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_42(x):
            return False
    return True


def _check_48(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('name', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    return True


def _check_47(v):
    if not (isinstance(v, dict)):
        return False
    for x in v.values():
        if not _check_48(x):
            return False
    return True


def _check_52(v):
    if not isinstance(v, str) or v not in _C5:
        return False
    return True


def _check_53(v):
    if not (isinstance(v, str)):
        return False
    if not _C6.issuperset(v):
        return False
    return True


def _check_51(v):
    if not (isinstance(v, dict)):
        return False
    if 'allow' not in v:
        return False
    x = v.get('allow', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    x = v.get('type', _MISSING)
    if x is not _MISSING and not _check_52(x):
        return False
    x = v.get('major', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('minor', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('access', _MISSING)
    if x is not _MISSING and not _check_53(x):
        return False
    return True


def _check_50(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_51(x):
            return False
    return True


def _check_55(v):
    if not (_is_integer(v)):
        return False
    if v < 0:
        return False
    if v > 100:
        return False
    return True


def _check_54(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('limit', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('reservation', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('swap', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('kernel', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('kernelTCP', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('swappiness', _MISSING)
    if x is not _MISSING and not _check_55(x):
        return False
    x = v.get('disableOOMKiller', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    x = v.get('useHierarchy', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    x = v.get('checkBeforeUpdate', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    return True


def _check_56(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('shares', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('quota', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('burst', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('period', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('realtimeRuntime', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('realtimePeriod', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('cpus', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('mems', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('idle', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    return True


def _check_57(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('limit', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    return True


def _check_59(v):
    if not (_is_integer(v)):
        return False
    if v < 0:
        return False
    if v > 65535:
        return False
    return True


def _check_61(v):
    if not (isinstance(v, dict)):
        return False
    if 'major' not in v:
        return False
    if 'minor' not in v:
        return False
    x = v.get('major', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('minor', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('weight', _MISSING)
    if x is not _MISSING and not _check_59(x):
        return False
    x = v.get('leafWeight', _MISSING)
    if x is not _MISSING and not _check_59(x):
        return False
    return True


def _check_60(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_61(x):
            return False
    return True


def _check_63(v):
    if not (isinstance(v, dict)):
        return False
    if 'major' not in v:
        return False
    if 'minor' not in v:
        return False
    if 'rate' not in v:
        return False
    x = v.get('major', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('minor', _MISSING)
    if x is not _MISSING and not _check_40(x):
        return False
    x = v.get('rate', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    return True


def _check_62(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_63(x):
            return False
    return True


def _check_58(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('weight', _MISSING)
    if x is not _MISSING and not _check_59(x):
        return False
    x = v.get('leafWeight', _MISSING)
    if x is not _MISSING and not _check_59(x):
        return False
    x = v.get('weightDevice', _MISSING)
    if x is not _MISSING and not _check_60(x):
        return False
    x = v.get('throttleReadBpsDevice', _MISSING)
    if x is not _MISSING and not _check_62(x):
        return False
    x = v.get('throttleWriteBpsDevice', _MISSING)
    if x is not _MISSING and not _check_62(x):
        return False
    x = v.get('throttleReadIOPSDevice', _MISSING)
    if x is not _MISSING and not _check_62(x):
        return False
    x = v.get('throttleWriteIOPSDevice', _MISSING)
    if x is not _MISSING and not _check_62(x):
        return False
    return True


def _check_65(v):
    if not (isinstance(v, dict)):
        return False
    if 'pageSize' not in v:
        return False
    if 'limit' not in v:
        return False
    x = v.get('pageSize', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('limit', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    return True


def _check_64(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_65(x):
            return False
    return True


def _check_68(v):
    if not (isinstance(v, dict)):
        return False
    if 'name' not in v:
        return False
    if 'priority' not in v:
        return False
    x = v.get('name', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('priority', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    return True


def _check_67(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_68(x):
            return False
    return True


def _check_66(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('classID', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('priorities', _MISSING)
    if x is not _MISSING and not _check_67(x):
        return False
    return True


def _check_70(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('hcaHandles', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('hcaObjects', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    return True


def _check_69(v):
    if not (isinstance(v, dict)):
        return False
    for x in v.values():
        if not _check_70(x):
            return False
    return True


def _check_71(v):
    if not (isinstance(v, dict)):
        return False
    for x in v.values():
        if not isinstance(x, str):
            return False
    return True


def _check_49(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('devices', _MISSING)
    if x is not _MISSING and not _check_50(x):
        return False
    x = v.get('memory', _MISSING)
    if x is not _MISSING and not _check_54(x):
        return False
    x = v.get('cpu', _MISSING)
    if x is not _MISSING and not _check_56(x):
        return False
    x = v.get('pids', _MISSING)
    if x is not _MISSING and not _check_57(x):
        return False
    x = v.get('blockIO', _MISSING)
    if x is not _MISSING and not _check_58(x):
        return False
    x = v.get('hugepageLimits', _MISSING)
    if x is not _MISSING and not _check_64(x):
        return False
    x = v.get('network', _MISSING)
    if x is not _MISSING and not _check_66(x):
        return False
    x = v.get('rdma', _MISSING)
    if x is not _MISSING and not _check_69(x):
        return False
    x = v.get('unified', _MISSING)
    if x is not _MISSING and not _check_71(x):
        return False
    return True


def _check_72(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('closID', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('l3CacheSchema', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('memBwSchema', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('schemata', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('enableMonitoring', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    x = v.get('enableCMT', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    x = v.get('enableMBM', _MISSING)
    if x is not _MISSING and not isinstance(x, bool):
        return False
    return True


def _check_74(v):
    if not isinstance(v, str) or v not in _C7:
        return False
    return True


def _check_76(v):
    if not isinstance(v, str) or v not in _C8:
        return False
    return True


def _check_75(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_76(x):
            return False
    return True


def _check_73(v):
    if not (isinstance(v, dict)):
        return False
    if 'mode' not in v:
        return False
    x = v.get('mode', _MISSING)
    if x is not _MISSING and not _check_74(x):
        return False
    x = v.get('nodes', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('flags', _MISSING)
    if x is not _MISSING and not _check_75(x):
        return False
    return True


def _check_78(v):
    if not isinstance(v, str) or v not in _C9:
        return False
    return True


def _check_80(v):
    if not isinstance(v, str) or v not in _C10:
        return False
    return True


def _check_79(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_80(x):
            return False
    return True


def _check_82(v):
    if not isinstance(v, str) or v not in _C11:
        return False
    return True


def _check_81(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_82(x):
            return False
    return True


def _check_85(v):
    if not (isinstance(v, list)):
        return False
    if len(v) < 1:
        return False
    for x in v:
        if not isinstance(x, str):
            return False
    return True


def _check_88(v):
    if not isinstance(v, str) or v not in _C12:
        return False
    return True


def _check_87(v):
    if not (isinstance(v, dict)):
        return False
    if 'index' not in v:
        return False
    if 'value' not in v:
        return False
    if 'op' not in v:
        return False
    x = v.get('index', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('value', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('valueTwo', _MISSING)
    if x is not _MISSING and not _check_17(x):
        return False
    x = v.get('op', _MISSING)
    if x is not _MISSING and not _check_88(x):
        return False
    return True


def _check_86(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_87(x):
            return False
    return True


def _check_84(v):
    if not (isinstance(v, dict)):
        return False
    if 'names' not in v:
        return False
    if 'action' not in v:
        return False
    x = v.get('names', _MISSING)
    if x is not _MISSING and not _check_85(x):
        return False
    x = v.get('action', _MISSING)
    if x is not _MISSING and not _check_78(x):
        return False
    x = v.get('errnoRet', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('args', _MISSING)
    if x is not _MISSING and not _check_86(x):
        return False
    return True


def _check_83(v):
    if not (isinstance(v, list)):
        return False
    for x in v:
        if not _check_84(x):
            return False
    return True


def _check_77(v):
    if not (isinstance(v, dict)):
        return False
    if 'defaultAction' not in v:
        return False
    if 'listenerMetadata' in v and ('listenerPath' not in v):
        return False
    x = v.get('defaultAction', _MISSING)
    if x is not _MISSING and not _check_78(x):
        return False
    x = v.get('defaultErrnoRet', _MISSING)
    if x is not _MISSING and not _check_8(x):
        return False
    x = v.get('architectures', _MISSING)
    if x is not _MISSING and not _check_79(x):
        return False
    x = v.get('flags', _MISSING)
    if x is not _MISSING and not _check_81(x):
        return False
    x = v.get('listenerPath', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('listenerMetadata', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('syscalls', _MISSING)
    if x is not _MISSING and not _check_83(x):
        return False
    return True


def _check_89(v):
    if not isinstance(v, str) or v not in _C13:
        return False
    return True


def _check_91(v):
    if not isinstance(v, str) or v not in _C14:
        return False
    return True


def _check_90(v):
    if not (isinstance(v, dict)):
        return False
    if 'domain' not in v:
        return False
    x = v.get('domain', _MISSING)
    if x is not _MISSING and not _check_91(x):
        return False
    x = v.get('flags', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    return True


def _check_34(v):
    if not (isinstance(v, dict)):
        return False
    x = v.get('namespaces', _MISSING)
    if x is not _MISSING and not _check_35(x):
        return False
    x = v.get('uidMappings', _MISSING)
    if x is not _MISSING and not _check_6(x):
        return False
    x = v.get('gidMappings', _MISSING)
    if x is not _MISSING and not _check_6(x):
        return False
    x = v.get('timeOffsets', _MISSING)
    if x is not _MISSING and not _check_38(x):
        return False
    x = v.get('devices', _MISSING)
    if x is not _MISSING and not _check_41(x):
        return False
    x = v.get('netDevices', _MISSING)
    if x is not _MISSING and not _check_47(x):
        return False
    x = v.get('cgroupsPath', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('resources', _MISSING)
    if x is not _MISSING and not _check_49(x):
        return False
    x = v.get('intelRdt', _MISSING)
    if x is not _MISSING and not _check_72(x):
        return False
    x = v.get('memoryPolicy', _MISSING)
    if x is not _MISSING and not _check_73(x):
        return False
    x = v.get('sysctl', _MISSING)
    if x is not _MISSING and not _check_71(x):
        return False
    x = v.get('seccomp', _MISSING)
    if x is not _MISSING and not _check_77(x):
        return False
    x = v.get('rootfsPropagation', _MISSING)
    if x is not _MISSING and not _check_89(x):
        return False
    x = v.get('maskedPaths', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('readonlyPaths', _MISSING)
    if x is not _MISSING and not _check_5(x):
        return False
    x = v.get('mountLabel', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('personality', _MISSING)
    if x is not _MISSING and not _check_90(x):
        return False
    return True


def _check_0(v):
    if not (isinstance(v, dict)):
        return False
    if 'ociVersion' not in v:
        return False
    if 'root' not in v:
        return False
    x = v.get('ociVersion', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('root', _MISSING)
    if x is not _MISSING and not _check_1(x):
        return False
    x = v.get('mounts', _MISSING)
    if x is not _MISSING and not _check_3(x):
        return False
    x = v.get('process', _MISSING)
    if x is not _MISSING and not _check_9(x):
        return False
    x = v.get('hostname', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('domainname', _MISSING)
    if x is not _MISSING and not isinstance(x, str):
        return False
    x = v.get('hooks', _MISSING)
    if x is not _MISSING and not _check_28(x):
        return False
    x = v.get('annotations', _MISSING)
    if x is not _MISSING and not _check_32(x):
        return False
    x = v.get('linux', _MISSING)
    if x is not _MISSING and not _check_34(x):
        return False
    return True


def is_valid_config(doc) -> bool:
    return _check_0(doc)


def is_valid_process(doc) -> bool:
    return _check_9(doc)
