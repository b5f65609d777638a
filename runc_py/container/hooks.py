"""Running OCI hooks (runtime-spec config.md, "POSIX-platform Hooks").

Each hook runs as `execv(path, args)` with exactly its own `env`, the
container's state JSON on stdin, and at most `timeout` seconds.  The caller
picks the moment and the namespace (createContainer and startContainer hooks
run inside the container) and says whether a failure is fatal: the spec makes
prestart/createRuntime/createContainer/startContainer failures errors and
poststart/poststop failures warnings.

A hook without `env` gets an empty environment, not the runtime's (runc
1.1.5 hands such a hook its own whole environment).  Hooks run in the
caller's working directory (runc's create and run have changed into the
bundle by then).

Running hooks imports `subprocess` on first use and nothing else once it is
loaded, so the container init, which runs hooks where it can no longer
import (after pivot_root), only has to import `subprocess` beforehand.

No pipes: stdin is a memfd holding the state, and stdout and stderr share a
second memfd.  A hook that never reads stdin cannot block us on a full pipe,
and a hook that leaves a background child holding its stdout cannot make us
wait for an EOF that never comes; we wait for the hook process alone.  The
output is kept rather than passed through because the runtime's own stdout
and stderr are the container's stdio during `create` and `run` (hook chatter
there would corrupt the container's output, and runc does not pass it through
either); its tail goes into the error, in the order it was written.
"""
import os

from runc_py import log
from runc_py.errors import RuncPyError, reason

# Type checkers take any `TYPE_CHECKING` as true; importing the one in
# `typing` would cost ~19 ms on every create, start and delete.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from runc_py.spec.model import Hook

# The hook kinds of runtime-spec 1.2.0, in lifecycle order: the `hooks` keys
# of config.json, and what the features document lists.
HOOK_KINDS = ("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop")

# How much of the hook's output an error quotes (the end, where errors are).
_OUTPUT_TAIL_BYTES = 1000


def run_hooks(kind: str, hooks: "tuple[Hook, ...]", state_json: bytes, *, fatal: bool) -> None:
    """Run `hooks` in order; the first failure raises when `fatal`, otherwise
    every failure is logged as a warning and the next hook still runs.

    Errors read `hooks.<kind>[<index>]: <reason>`, the config.json path of
    the hook, e.g. `hooks.prestart[1]: "/bin/false" exited with status 1`.
    """
    if kind not in HOOK_KINDS:
        raise ValueError(f"unknown hook kind {kind!r}")
    for index, hook in enumerate(hooks):
        failure = _run_hook(hook, state_json)
        if failure is None:
            continue
        error = RuncPyError(failure, path=f"hooks.{kind}[{index}]")
        if fatal:
            raise error
        log.warning(str(error))


def _run_hook(hook: "Hook", state_json: bytes) -> str | None:
    """Run one hook to its end; return why it failed, or None."""
    import signal
    import subprocess  # ~12 ms: only configs with hooks pay for it

    for entry in hook.env or ():
        if "=" not in entry:
            return f'env entry "{entry}" is not NAME=VALUE'
    # A name given twice keeps its last value, as with runc's Go exec.
    env = dict(entry.split("=", 1) for entry in hook.env or ())
    # execv semantics: args[0] is argv[0].  No args at all means argv is
    # [path], as runc does (an empty argv would reach the hook as argc 0).
    argv = list(hook.args) if hook.args else [hook.path]

    stdin = os.memfd_create("hook-state")
    output = os.memfd_create("hook-output")
    try:
        view = memoryview(state_json)
        while view:
            view = view[os.write(stdin, view):]
        os.lseek(stdin, 0, os.SEEK_SET)
        try:
            # Its own process group, so a timeout kills the hook's children
            # too.  close_fds: the hook sees only its stdio, none of ours.
            proc = subprocess.Popen(argv, executable=hook.path, env=env, stdin=stdin,
                                    stdout=output, stderr=output, close_fds=True, process_group=0)
        except OSError as err:
            return f'cannot run "{hook.path}": {reason(err.errno)}'
        except ValueError as err:  # a NUL byte in path, args or env
            return f'cannot run "{hook.path}": {err}'
        try:
            status = proc.wait(timeout=hook.timeout)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            if proc.returncode is None:  # timed out, or we were interrupted
                _kill_hook(proc)
        if status is None:
            return f'"{hook.path}" did not exit within {hook.timeout:g}s and was killed' + _tail(output)
        if status > 0:
            return f'"{hook.path}" exited with status {status}' + _tail(output)
        if status < 0:
            try:
                name = signal.Signals(-status).name
            except ValueError:  # a real-time signal has no name
                name = f"signal {-status}"
            return f'"{hook.path}" was killed by {name}' + _tail(output)
        return None
    finally:
        os.close(stdin)
        os.close(output)


def _kill_hook(proc) -> None:
    """SIGKILL the hook's process group, and the hook itself in case it left
    the group, then reap it."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.kill()
    proc.wait()


def _tail(output_fd: int) -> str:
    """The end of the hook's output as `: line; line`, or "" if it was silent."""
    size = os.fstat(output_fd).st_size
    start = max(0, size - _OUTPUT_TAIL_BYTES)
    text = os.pread(output_fd, _OUTPUT_TAIL_BYTES, start).decode(errors="replace")
    if start:  # drop the line the cut went through
        text = text.partition("\n")[2]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    return ": " + ("..." if start else "") + "; ".join(lines)
