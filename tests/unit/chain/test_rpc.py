"""The RPC module against a tiny local JSON-RPC server (no node): results, errors, batches, a node gone."""

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from backend.chain.rpc import Rpc, RpcError
from backend.errors import ChainUnavailable


def answer(request):
    if request["method"] == "eth_blockNumber":
        return {"jsonrpc": "2.0", "id": request["id"], "result": "0x2a"}
    error = {"code": 3, "message": "execution reverted", "data": "0x1234"}
    return {"jsonrpc": "2.0", "id": request["id"], "error": error}


class Node(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        # a batch is answered out of order, as nodes may
        out = [answer(r) for r in reversed(body)] if isinstance(body, list) else answer(body)
        data = json.dumps(out).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def rpc() -> Iterator[Rpc]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Node)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield Rpc(f"http://127.0.0.1:{server.server_address[1]}", timeout=30)
    server.shutdown()


def test_a_call_returns_its_result(rpc):
    assert rpc.call("eth_blockNumber") == "0x2a"


def test_a_node_error_is_one_rpc_error_with_code_message_and_data(rpc):
    with pytest.raises(RpcError) as refused:
        rpc.call("eth_call", [{}])

    assert (refused.value.code, refused.value.message, refused.value.revert_data) == (3, "execution reverted", "0x1234")


def test_a_batch_answers_in_the_order_asked_even_when_the_node_does_not(rpc):
    results = rpc.batch_results([("eth_blockNumber", []), ("eth_call", [{}]), ("eth_blockNumber", [])])

    assert results[0] == results[2] == "0x2a"
    assert isinstance(results[1], RpcError)


def test_a_batch_raises_the_first_error_when_asked_for_results_only(rpc):
    with pytest.raises(RpcError):
        rpc.batch([("eth_blockNumber", []), ("eth_call", [{}])])


def test_an_empty_batch_sends_nothing(rpc):
    assert rpc.batch([]) == []


def test_a_node_that_is_not_there_is_chain_unavailable():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nobody listens there

    with pytest.raises(ChainUnavailable):
        Rpc(f"http://127.0.0.1:{port}", timeout=2).call("eth_blockNumber")


class PickyNode(BaseHTTPRequestHandler):
    """Refuses with an HTTP error status: JSON-RPC in the body for one path, a proxy's page for another."""

    def do_POST(self):  # noqa: N802 - the http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/json":
            error = {"code": -32005, "message": "query exceeds max block range"}
            data = json.dumps({"jsonrpc": "2.0", "id": body["id"], "error": error}).encode()
            self.send_response(400)
        else:
            data = b"<html>502 Bad Gateway</html>"
            self.send_response(502)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def picky() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), PickyNode)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_json_rpc_error_under_an_http_error_status_is_still_the_nodes_rpc_error(picky):
    with pytest.raises(RpcError) as refused:
        Rpc(f"{picky}/json", timeout=30).call("eth_getLogs", [{}])

    assert refused.value.code == -32005


def test_an_answer_that_is_not_json_is_chain_unavailable(picky):
    with pytest.raises(ChainUnavailable):
        Rpc(f"{picky}/proxy", timeout=30).call("eth_blockNumber")
