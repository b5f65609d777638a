"""config.json -> validated, frozen Spec model (runtime-spec 1.2, Linux).

`load.load_config(bundle)` is the entry point; see DESIGN.md, "Validate".
Nothing is imported here, so `import runc_py.spec.x` pays only for x.
"""
