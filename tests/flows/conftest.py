"""Flow tests use the session Prefect harness and the loopback SMTP server of tests/conftest.py."""
