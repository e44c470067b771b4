"""The season engine: what a tick does to assignments, units, scores and the outbox, a stage at a time."""
