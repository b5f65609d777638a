from runc_py.cli import main

main()
