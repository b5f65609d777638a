"""Handler of exec: flags in, the process run, runc's exit status out.

As runc, every failure of exec is reported as "exec failed: ..." with exit
status 255; otherwise the status is the process's (foreground) or 0
(--detach)."""
from runc_py.cli.dispatch import GlobalOptions
from runc_py.container.state import StateStore
from runc_py.errors import RuncPyError, describe_os_error

EXEC_FAILED = 255


def exec_(g: GlobalOptions, container_id: str, command: tuple[str, ...], console_socket: str | None,
          cwd: str | None, env: tuple[str, ...], tty: bool, user: str | None, additional_gids: tuple[int, ...],
          process: str | None, detach: bool, pid_file: str | None, process_label: str | None,
          apparmor: str | None, no_new_privs: bool, cap: tuple[str, ...], preserve_fds: int,
          cgroup: tuple[str, ...], ignore_paused: bool) -> int:
    from runc_py.linux.cgroups.warmup import start_attach_warmup

    start_attach_warmup()
    from runc_py.container.exec import ExecOptions, ProcessOverrides, exec_in_container

    try:
        if process:
            from runc_py.spec.load import load_process

            spec_process = load_process(process)
        else:
            spec_process = ProcessOverrides(command, cwd, env, user, additional_gids, cap, no_new_privs,
                                            apparmor, process_label, tty)
        opts = ExecOptions(spec_process, console_socket, detach, pid_file, preserve_fds, cgroup, ignore_paused)
        return exec_in_container(StateStore(g.root), container_id, opts)
    except RuncPyError as err:
        raise RuncPyError(f"exec failed: {err}", exit_code=EXEC_FAILED) from None
    except OSError as err:
        raise RuncPyError(f"exec failed: {describe_os_error(err)}", exit_code=EXEC_FAILED) from None
