"""A few calls to the Prefect server's REST API, as the UI makes them."""

from __future__ import annotations

import time

import httpx

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def run_deployment(api_url: str, name: str, parameters: dict, *, until: set[str] = FINAL,
                   timeout: float = 240) -> dict:
    """Create a run of deployment `flow/deployment` and wait until its state type is in `until`."""
    with httpx.Client(base_url=api_url, timeout=30) as client:
        deployment = client.get(f"/deployments/name/{name}").raise_for_status().json()
        run = client.post(f"/deployments/{deployment['id']}/create_flow_run",
                          json={"parameters": parameters}).raise_for_status().json()
    return wait_for_state(api_url, run["id"], until=until, timeout=timeout)


def wait_for_state(api_url: str, run_id: str, *, until: set[str] = FINAL, timeout: float = 240) -> dict:
    """The flow run once its state type is in `until`."""
    with httpx.Client(base_url=api_url, timeout=30) as client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = client.get(f"/flow_runs/{run_id}").raise_for_status().json()
            if run["state"] and run["state"]["type"] in until:
                return run
            time.sleep(1)
    raise AssertionError(f"run {run_id} ({run['name']}) still {run['state']} after {timeout} s")


def everything_shown(api_url: str) -> str:
    """What the UI can show of runs, deployments, artifacts, logs, events and variables, as one text."""
    parts = []
    with httpx.Client(base_url=api_url, timeout=30) as client:
        for path in ("/flow_runs/filter", "/task_runs/filter", "/deployments/filter", "/artifacts/filter",
                     "/logs/filter", "/variables/filter", "/block_documents/filter"):
            parts.append(client.post(path, json={"limit": 200}).raise_for_status().text)
        page = client.post("/events/filter", json={"filter": {"occurred": {"since": "2000-01-01T00:00:00Z"}},
                                                    "limit": 50}).raise_for_status().json()
        while True:
            parts.append(str(page["events"]))
            if not page.get("next_page"):
                break
            page = client.get(page["next_page"]).raise_for_status().json()
    return "\n".join(parts)
