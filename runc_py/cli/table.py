"""The runc-py command line, declared once as data.

Both front ends read this table: `app.py` builds the click application from
it (help, usage errors, the full surface) and `fast.py` parses well-formed
invocations of the same commands without importing click, which costs ~27 ms
on every call.  Flags and their meanings follow runc's; a flag exists here
once and only once.

A command is registered here only when it really works.
"""


class Opt:
    """An option: `kind` is "bool", "str", "int", "multi" (repeatable str) or
    "multi_int"; `choices` restricts a str."""

    __slots__ = ("names", "dest", "kind", "default", "help", "choices", "metavar")

    def __init__(self, names: tuple[str, ...], dest: str, help: str, kind: str = "str",
                 default=None, choices: tuple[str, ...] | None = None, metavar: str | None = None):
        self.names, self.dest, self.help, self.kind = names, dest, help, kind
        self.default = default if default is not None else _EMPTY.get(kind)
        self.choices, self.metavar = choices, metavar


_EMPTY = {"bool": False, "multi": (), "multi_int": ()}


class Arg:
    """A positional argument; `rest` takes every remaining word."""

    __slots__ = ("dest", "required", "rest", "metavar")

    def __init__(self, dest: str, metavar: str, required: bool = True, rest: bool = False):
        self.dest, self.metavar, self.required, self.rest = dest, metavar, required, rest


class Command:
    __slots__ = ("name", "summary", "handler", "options", "args")

    def __init__(self, name: str, summary: str, handler: str, options: tuple[Opt, ...] = (),
                 args: tuple[Arg, ...] = ()):
        self.name, self.summary, self.handler = name, summary, handler
        self.options, self.args = options, args


GLOBAL_OPTIONS = (
    Opt(("--debug",), "debug", "enable debug logging", kind="bool"),
    Opt(("--log",), "log", "set the log file to write runc-py logs to (default is '/dev/stderr')"),
    Opt(("--log-format",), "log_format", "set the log format ('text' (default), or 'json')",
        default="text", choices=("text", "json")),
    Opt(("--root",), "root", "root directory for storage of container state (this should be located in tmpfs)",
        default="/run/runc-py"),
    Opt(("--criu",), "criu", "path to the criu binary used for checkpoint and restore", default="criu"),
    Opt(("--systemd-cgroup",), "systemd_cgroup",
        'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name" '
        'for e.g. "system.slice:runc-py:434234"', kind="bool"),
    Opt(("--rootless",), "rootless", "ignore cgroup permission errors ('true', 'false', or 'auto')",
        default="auto", choices=("true", "false", "auto")),
)

CONTAINER_ID = Arg("container_id", "<container-id>")

BUNDLE = Opt(("--bundle", "-b"), "bundle", "path to the root of the bundle directory, defaults to the current directory",
             default="")
CONSOLE_SOCKET = Opt(("--console-socket",), "console_socket",
                     "path to an AF_UNIX socket which will receive a file descriptor referencing the master end of the console's pseudoterminal")
PID_FILE = Opt(("--pid-file",), "pid_file", "specify the file to write the process id to")
NO_PIVOT = Opt(("--no-pivot",), "no_pivot",
               "do not use pivot root to jail process inside rootfs.  This should be used whenever the rootfs is on top of a ramdisk",
               kind="bool")
NO_NEW_KEYRING = Opt(("--no-new-keyring",), "no_new_keyring",
                     "do not create a new session keyring for the container.  This will cause the container to inherit the calling processes session key",
                     kind="bool")
PRESERVE_FDS = Opt(("--preserve-fds",), "preserve_fds",
                   "Pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)",
                   kind="int", default=0)
FORMAT = Opt(("--format", "-f"), "format", "select one of: table or json (default: \"table\")",
             default="table", choices=("table", "json"))

MEMORY_SIZE_NOTE = " (in bytes; k, m, g suffixes as runc)"
UPDATE_OPTIONS = (
    Opt(("--resources", "-r"), "resources",
        "path to the file containing the resources to update or '-' to read from the standard input "
        "(a runtime-spec LinuxResources JSON object; unchanged values can be omitted; all other "
        "resource flags are then ignored)"),
    Opt(("--blkio-weight",), "blkio_weight", "Specifies per cgroup weight, range is from 10 to 1000",
        kind="int", default=0),
    Opt(("--cpu-period",), "cpu_period",
        "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"),
    Opt(("--cpu-quota",), "cpu_quota", "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"),
    Opt(("--cpu-share",), "cpu_share", "CPU shares (relative weight vs. other containers)"),
    Opt(("--cpu-rt-period",), "cpu_rt_period",
        "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"),
    Opt(("--cpu-rt-runtime",), "cpu_rt_runtime",
        "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"),
    Opt(("--cpuset-cpus",), "cpuset_cpus", "CPU(s) to use"),
    Opt(("--cpuset-mems",), "cpuset_mems", "Memory node(s) to use"),
    Opt(("--kernel-memory",), "kernel_memory", "Kernel memory limit (ignored, with a warning, as runc does)"),
    Opt(("--kernel-memory-tcp",), "kernel_memory_tcp",
        "Kernel memory limit for tcp buffer (ignored, with a warning, as runc does)"),
    Opt(("--memory",), "memory", "Memory limit" + MEMORY_SIZE_NOTE),
    Opt(("--memory-reservation",), "memory_reservation", "Memory reservation or soft_limit" + MEMORY_SIZE_NOTE),
    Opt(("--memory-swap",), "memory_swap",
        "Total memory usage (memory + swap); set '-1' to enable unlimited swap"),
    Opt(("--pids-limit",), "pids_limit", "Maximum number of pids allowed in the container", kind="int", default=0),
    Opt(("--l3-cache-schema",), "l3_cache_schema", "The string of Intel RDT/CAT L3 cache schema"),
    Opt(("--mem-bw-schema",), "mem_bw_schema", "The string of Intel RDT/MBA memory bandwidth schema"),
)

COMMANDS: tuple[Command, ...] = (
    Command("create", "create a container", "runc_py.cli.lifecycle:create",
            (BUNDLE, CONSOLE_SOCKET, PID_FILE, NO_PIVOT, NO_NEW_KEYRING, PRESERVE_FDS), (CONTAINER_ID,)),
    Command("delete", "delete any resources held by the container often used with detached container",
            "runc_py.cli.lifecycle:delete",
            (Opt(("--force", "-f"), "force", "Forcibly deletes the container if it is still running (uses SIGKILL)",
                 kind="bool"),), (CONTAINER_ID,)),
    Command("events", "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
            "runc_py.cli.resources_cmd:events",
            (Opt(("--interval",), "interval", "set the stats collection interval", default="5s"),
             Opt(("--stats",), "stats", "display the container's stats then exit", kind="bool")),
            (CONTAINER_ID,)),
    Command("exec", "execute new process inside the container", "runc_py.cli.exec_cmd:exec_",
            (CONSOLE_SOCKET,
             Opt(("--cwd",), "cwd", "current working directory in the container"),
             Opt(("--env", "-e"), "env", "set environment variables", kind="multi"),
             Opt(("--tty", "-t"), "tty", "allocate a pseudo-TTY", kind="bool"),
             Opt(("--user", "-u"), "user", "UID (format: <uid>[:<gid>])"),
             Opt(("--additional-gids", "-g"), "additional_gids", "additional gids", kind="multi_int"),
             Opt(("--process", "-p"), "process", "path to the process.json"),
             Opt(("--detach", "-d"), "detach", "detach from the container's process", kind="bool"),
             PID_FILE,
             Opt(("--process-label",), "process_label",
                 "set the asm process label for the process commonly used with selinux"),
             Opt(("--apparmor",), "apparmor", "set the apparmor profile for the process"),
             Opt(("--no-new-privs",), "no_new_privs", "set the no new privileges value for the process",
                 kind="bool"),
             Opt(("--cap", "-c"), "cap", "add a capability to the bounding set for the process", kind="multi"),
             PRESERVE_FDS,
             Opt(("--cgroup",), "cgroup",
                 "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>.",
                 kind="multi"),
             Opt(("--ignore-paused",), "ignore_paused", "allow exec in a paused container", kind="bool")),
            (CONTAINER_ID, Arg("command", "<command> [args...]", required=False, rest=True))),
    Command("features", "show the enabled features", "runc_py.cli.inspect:features"),
    Command("kill", "kill sends the specified signal (default: SIGTERM) to the container's init process",
            "runc_py.cli.lifecycle:kill",
            (Opt(("--all", "-a"), "all", "send the specified signal to all processes inside the container",
                 kind="bool"),),
            (CONTAINER_ID, Arg("signal", "[signal]", required=False))),
    Command("list", "lists containers started by runc-py with the given root", "runc_py.cli.inspect:list_",
            (FORMAT, Opt(("--quiet", "-q"), "quiet", "display only container IDs", kind="bool"))),
    Command("pause", "pause suspends all processes inside the container", "runc_py.cli.resources_cmd:pause",
            (), (CONTAINER_ID,)),
    Command("ps", "ps displays the processes running inside a container", "runc_py.cli.resources_cmd:ps",
            (FORMAT,), (CONTAINER_ID, Arg("ps_args", "[ps options]", required=False, rest=True))),
    Command("resume", "resumes all processes that have been previously paused", "runc_py.cli.resources_cmd:resume",
            (), (CONTAINER_ID,)),
    Command("run", "create and run a container", "runc_py.cli.lifecycle:run",
            (BUNDLE, CONSOLE_SOCKET,
             Opt(("--detach", "-d"), "detach", "detach from the container's process", kind="bool"),
             Opt(("--keep",), "keep", "do not delete the container after it exits", kind="bool"),
             PID_FILE,
             Opt(("--no-subreaper",), "no_subreaper", "disable the use of the subreaper used to reap reparented processes",
                 kind="bool"),
             NO_PIVOT, NO_NEW_KEYRING, PRESERVE_FDS), (CONTAINER_ID,)),
    Command("spec", "create a new specification file", "runc_py.cli.inspect:spec",
            (Opt(("--bundle", "-b"), "bundle", "path to the root of the bundle directory", default=""),
             Opt(("--rootless",), "rootless", "generate a configuration for a rootless container", kind="bool"))),
    Command("start", "executes the user defined process in a created container", "runc_py.cli.lifecycle:start",
            (), (CONTAINER_ID,)),
    Command("state", "output the state of a container", "runc_py.cli.inspect:state", (), (CONTAINER_ID,)),
    Command("update", "update container resource constraints", "runc_py.cli.resources_cmd:update",
            UPDATE_OPTIONS, (CONTAINER_ID,)),
)

