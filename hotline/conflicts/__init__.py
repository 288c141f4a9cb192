"""Deconfliction in the node: the protocol library's rule kept current as the feeds grow and as
time passes (:mod:`.service`), and the liaison that marks a conflict handled (:mod:`.handling`).
"""
