"""Replays and benchmarks only: a seeded outside world and synthetic cycles; the portal and the
scheduler never import it."""
