"""Helpers shared by the test suites: real processes and the like."""
