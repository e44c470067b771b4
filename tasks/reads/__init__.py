"""Read models: what coordinators, units, auditors and reports read of a season."""
