"""The ``hotline`` command: one module per command group, wired together in :mod:`.main`."""
