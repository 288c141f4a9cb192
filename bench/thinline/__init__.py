"""Two sides on two hosts and a thin line between them, on one machine: network namespaces,
TLS, and a line emulated in user space (:mod:`.relay`). Used by the thin-line tests, the
thin-line benchmark and ``deploy/thinline.sh``."""
