"""Thin modules over kernel facilities: the only code that touches the kernel."""
