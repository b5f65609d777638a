"""Pure functions: the Spec into the operations that build a container."""
