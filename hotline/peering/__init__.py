"""The peer link: two nodes exchange their feeds, cosign each other's checkpoints as delivery
receipts, push FLASH entries ahead of any backlog, and resume after any outage."""
