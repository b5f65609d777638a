"""Handlers of state, list, spec and features."""
from runc_py.cli.dispatch import GlobalOptions
from runc_py.container.state import StateStore


def state(g: GlobalOptions, container_id: str) -> int:
    from runc_py import jsonio
    from runc_py.container.oci_state import oci_state
    from runc_py.container.status import container_status

    record, path = StateStore(g.root).peek(container_id)
    print(jsonio.dumps(oci_state(record, container_status(record, path)), indent=2))
    return 0


def list_(g: GlobalOptions, format: str, quiet: bool) -> int:
    from runc_py.container.listing import list_containers

    containers = list_containers(StateStore(g.root))
    if quiet:
        for entry in containers:
            print(entry["id"])
    elif format == "json":
        from runc_py import jsonio

        print(jsonio.dumps(containers or None))  # runc prints null for none
    else:
        print(format_table(containers))
    return 0


def format_table(containers: list[dict]) -> str:
    """runc's tabwriter layout: columns padded to at least 12, 3 spaces apart."""
    rows = [("ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER")]
    rows += [(c["id"], str(c["pid"]), c["status"], c["bundle"], c["created"], c["owner"]) for c in containers]
    widths = [max(12, max(len(r[i]) for r in rows) + 3) for i in range(5)]
    return "\n".join("".join(cell.ljust(w) for cell, w in zip(r, widths)) + r[5] for r in rows)


def spec(g: GlobalOptions, bundle: str, rootless: bool) -> int:
    from runc_py.spec.defaults import write_default_config

    write_default_config(bundle or ".", rootless)
    return 0


def features(g: GlobalOptions) -> int:
    from runc_py import jsonio
    from runc_py.spec.features import features_document

    print(jsonio.dumps(features_document(), indent=4))
    return 0
