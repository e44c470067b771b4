"""Print the PostgreSQL URL the suite should also run on, or nothing when none answers."""

import os
import sys

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def reachable_postgres_url() -> str | None:
    """The configured URL, or the local default when a server accepts a connection there."""
    configured = os.environ.get("PARINDEX_TEST_DATABASE_URL")
    if configured:
        return configured
    import psycopg

    try:
        psycopg.connect(DEFAULT_URL, connect_timeout=2).close()
    except psycopg.Error:
        return None
    return DEFAULT_URL


if __name__ == "__main__":
    url = reachable_postgres_url()
    sys.stdout.write(url or "")
