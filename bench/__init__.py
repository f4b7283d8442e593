"""Benchmarks of postlater against the baselines a user would otherwise pick (not tests)."""
