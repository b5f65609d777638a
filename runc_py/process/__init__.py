"""The runtime's side and the container init's side of starting a process."""
