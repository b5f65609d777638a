def main() -> None:
    raise SystemExit("runc-py: CLI not built yet")
