"""Handlers of update, pause, resume, ps and events."""
from runc_py.cli.dispatch import GlobalOptions
from runc_py.container.state import StateStore


def update(g: GlobalOptions, container_id: str, resources: str | None, l3_cache_schema: str | None,
           mem_bw_schema: str | None, **flags) -> int:
    from runc_py.container.update import UpdateFlags, read_resources_file, resources_from_flags, update_container

    store = StateStore(g.root)
    store.peek(container_id)  # as runc, a missing container is the first error, before bad values
    # As runc: with --resources, every other resource flag is ignored.
    new = read_resources_file(resources) if resources else resources_from_flags(UpdateFlags(**flags))
    update_container(store, container_id, new, l3_cache_schema, mem_bw_schema)
    return 0


def pause(g: GlobalOptions, container_id: str) -> int:
    from runc_py.container.pause import pause_container

    pause_container(StateStore(g.root), container_id)
    return 0


def resume(g: GlobalOptions, container_id: str) -> int:
    from runc_py.container.pause import resume_container

    resume_container(StateStore(g.root), container_id)
    return 0


def ps(g: GlobalOptions, container_id: str, format: str, ps_args: tuple[str, ...]) -> int:
    import sys

    from runc_py.container.ps import container_pids, pids_json, ps_table

    pids = container_pids(StateStore(g.root), container_id)
    # json: the array and nothing else (the shim parses stdout+stderr as one).
    sys.stdout.write(pids_json(pids) + "\n" if format == "json" else ps_table(pids, ps_args))
    return 0


def events(g: GlobalOptions, container_id: str, interval: str, stats: bool) -> int:
    import sys

    from runc_py.container.events import parse_duration, stream_events
    from runc_py.errors import RuncPyError

    try:
        seconds = parse_duration(interval)
    except ValueError:
        raise RuncPyError(f'invalid value "{interval}" for flag -interval: parse error') from None

    def write(line: str) -> None:
        sys.stdout.write(line)
        sys.stdout.flush()

    try:
        stream_events(StateStore(g.root), container_id, seconds, stats, write)
    except BrokenPipeError:
        return 0  # the reader went away: nothing left to tell
    return 0
