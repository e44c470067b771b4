"""A few calls to the Prefect server's REST API, as the UI makes them."""

from __future__ import annotations

import time

import httpx

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def call(client: httpx.Client, method: str, path: str, **kwargs: object) -> httpx.Response:
    """One request; a 503 (the server's SQLite busy with a burst of events) is tried again, as Prefect's
    own client does."""
    for _ in range(30):
        response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
        if response.status_code != 503:
            return response.raise_for_status()
        time.sleep(1)
    return response.raise_for_status()


def run_deployment(api_url: str, name: str, parameters: dict, *, until: set[str] = FINAL,
                   timeout: float = 240) -> dict:
    """Create a run of deployment `flow/deployment` and wait until its state type is in `until`."""
    with httpx.Client(base_url=api_url, timeout=30) as client:
        deployment = call(client, "GET", f"/deployments/name/{name}").json()
        run = call(client, "POST", f"/deployments/{deployment['id']}/create_flow_run",
                   json={"parameters": parameters}).json()
    return wait_for_state(api_url, run["id"], until=until, timeout=timeout)


def wait_for_state(api_url: str, run_id: str, *, until: set[str] = FINAL, timeout: float = 240) -> dict:
    """The flow run once its state type is in `until`."""
    with httpx.Client(base_url=api_url, timeout=30) as client:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run = call(client, "GET", f"/flow_runs/{run_id}").json()
            if run["state"] and run["state"]["type"] in until:
                return run
            time.sleep(1)
    raise AssertionError(f"run {run_id} ({run['name']}) still {run['state']} after {timeout} s")


def post(api_url: str, path: str, body: dict) -> object:
    with httpx.Client(base_url=api_url, timeout=30) as client:
        return call(client, "POST", path, json=body).json()


def everything_shown(api_url: str) -> str:
    """What the UI can show of runs, deployments, artifacts, logs, events and variables, as one text."""
    parts = []
    with httpx.Client(base_url=api_url, timeout=30) as client:
        for path in ("/flow_runs/filter", "/task_runs/filter", "/deployments/filter", "/artifacts/filter",
                     "/logs/filter", "/variables/filter", "/block_documents/filter"):
            parts.append(call(client, "POST", path, json={"limit": 200}).text)
        page = call(client, "POST", "/events/filter", json={
            "filter": {"occurred": {"since": "2000-01-01T00:00:00Z"}}, "limit": 50}).json()
        while True:
            parts.append(str(page["events"]))
            if not page.get("next_page"):
                break
            page = call(client, "GET", page["next_page"]).json()
    return "\n".join(parts)


def wait_for_log(api_url: str, run_id: str, start: str, timeout: float = 60) -> str:
    """The run's log line that begins with `start` (logs are shipped in batches, after the state)."""
    deadline = time.monotonic() + timeout
    messages: list[str] = []
    while time.monotonic() < deadline:
        messages = [line["message"] for line in post(api_url, "/logs/filter", {
            "logs": {"flow_run_id": {"any_": [run_id]}}, "limit": 200})]  # type: ignore[union-attr]
        found = [message for message in messages if message.startswith(start)]
        if found:
            return found[0]
        time.sleep(1)
    raise AssertionError(f"no log line {start!r} in run {run_id}:\n" + "\n".join(messages))
