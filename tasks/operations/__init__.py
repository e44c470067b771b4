"""What operators and staff do to a season: register it, extend, re-run, withdraw, accounts, links."""
