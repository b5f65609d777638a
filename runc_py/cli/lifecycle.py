"""Handlers of create, start, run, kill and delete: flags in, one
operation, runc's output and exit status out."""
from runc_py.cli.dispatch import GlobalOptions
from runc_py.container.state import StateStore


def create(g: GlobalOptions, container_id: str, bundle: str, console_socket: str | None, pid_file: str | None,
           no_pivot: bool, no_new_keyring: bool, preserve_fds: int) -> int:
    from runc_py.linux.cgroups.warmup import start_attach_warmup

    start_attach_warmup()
    from runc_py.container.create import CreateOptions, create_container

    create_container(StateStore(g.root), container_id,
                     CreateOptions(bundle, console_socket, pid_file, no_pivot, no_new_keyring, preserve_fds,
                                   g.systemd_cgroup))
    return 0


def start(g: GlobalOptions, container_id: str) -> int:
    from runc_py.container.start import start_container

    start_container(StateStore(g.root), container_id)
    return 0


def run(g: GlobalOptions, container_id: str, bundle: str, console_socket: str | None, detach: bool, keep: bool,
        pid_file: str | None, no_subreaper: bool, no_pivot: bool, no_new_keyring: bool, preserve_fds: int) -> int:
    from runc_py.linux.cgroups.warmup import start_attach_warmup

    start_attach_warmup()
    from runc_py.container.create import CreateOptions
    from runc_py.container.run import run_container

    opts = CreateOptions(bundle, console_socket, pid_file, no_pivot, no_new_keyring, preserve_fds,
                         g.systemd_cgroup, detached=detach)
    return run_container(StateStore(g.root), container_id, opts, keep=keep, subreaper=not no_subreaper)


def kill(g: GlobalOptions, container_id: str, signal: str | None, all: bool) -> int:
    from runc_py.container.kill import kill_container
    from runc_py.errors import RuncPyError
    from runc_py.linux.signal_names import parse_signal

    try:
        sig = parse_signal(signal or "SIGTERM")
    except ValueError as err:
        raise RuncPyError(str(err)) from None
    kill_container(StateStore(g.root), container_id, sig, all)
    return 0


def delete(g: GlobalOptions, container_id: str, force: bool) -> int:
    from runc_py.container.delete import delete_container

    delete_container(StateStore(g.root), container_id, force)
    return 0
