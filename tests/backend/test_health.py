from fastapi.testclient import TestClient

from backend.chain.deployment import Deployment


def test_healthz_names_the_chain_the_coin_and_a_reachable_database(client: TestClient, deployment: Deployment) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["chain_id"] == 31337
    assert body["coin_address"] == deployment.address
    assert body["latest_block"] >= deployment.block
    assert body["database"] == "ok"


def test_unknown_route_answers_with_the_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_healthz_reports_degraded_when_the_chain_is_down(runtime, deployment: Deployment) -> None:
    from backend.app import create_app
    from backend.chain.client import Chain

    runtime_down = type(runtime)(settings=runtime.settings, deployment=deployment)
    runtime_down.__dict__["chain"] = Chain.at("http://127.0.0.1:9", deployment, timeout=0.5)
    with TestClient(create_app(runtime_down, web_dir=None)) as down:
        response = down.get("/healthz")
    runtime_down.close()
    assert response.status_code == 503
    assert response.json()["latest_block"] is None
    assert response.json()["database"] == "ok"
