"""What a coordinator reads on the Prefect dashboard: run names, log lines, artifacts, in their language."""
