"""``python -m ivex``: the same as the ``ivex`` command."""

from ivex.cli.main import main

main()
