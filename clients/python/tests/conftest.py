"""Fixtures that run the real telegent-sim and telegent-facade binaries on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import pathlib
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Iterator

import pytest

from telegent.webhook.v1 import webhook_pb2

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]
START_TIMEOUT_S = 60.0


def _binary(env: str, name: str) -> str:
    path = os.environ.get(env) or str(REPO_ROOT / ".tmp" / "bin" / name)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{name} not found at {path}: build it (make test-python-client) or set {env}")
    return path


def free_port() -> int:
    """Returns a loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return 0


def _wait_ready(proc: subprocess.Popen, url: str, log: pathlib.Path) -> None:
    """Polls url until it answers 200; fails early when the process exits."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text()}")
        if _http_status(url) == 200:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready after {START_TIMEOUT_S}s:\n{log.read_text()}")


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], log: pathlib.Path) -> Iterator[subprocess.Popen]:
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Sim:
    """The running telegent-sim and its admin endpoints."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def creates(self, webhook_url: str) -> int:
        """How many webhooks Telegent created for this exact WebhookUrl."""
        with urllib.request.urlopen(self.base_url + "/_sim/creates-by-url", timeout=10) as resp:
            return int(json.load(resp).get(webhook_url, 0))

    def webhooks(self, account_id: str) -> list[dict[str, Any]]:
        """The webhooks Telegent stores for an account, secrets included, in creation order."""
        query = urllib.parse.urlencode({"AccountId": account_id})
        with urllib.request.urlopen(f"{self.base_url}/_sim/webhooks?{query}", timeout=10) as resp:
            return list(json.load(resp))


class Facade:
    """The running telegent-facade."""

    def __init__(self, grpc_target: str, http_base_url: str) -> None:
        self.grpc_target = grpc_target
        self.http_base_url = http_base_url


@pytest.fixture(scope="session")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sim]:
    port = free_port()
    log = tmp_path_factory.mktemp("sim") / "sim.log"
    args = [_binary("TELEGENT_SIM_BIN", "telegent-sim"), "--addr", f"127.0.0.1:{port}"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGENT_SIM_")}
    with _process(args, env, log) as proc:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(proc, base + "/healthz", log)
        yield Sim(base)


@pytest.fixture(scope="session")
def facade(sim: Sim, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Facade]:
    grpc_port, http_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("facade") / "facade.log"
    args = [
        _binary("FACADE_BIN", "telegent-facade"),
        "--grpc-addr", f"127.0.0.1:{grpc_port}",
        "--http-addr", f"127.0.0.1:{http_port}",
        "--telegent-base-url", sim.base_url,
        # The tests provoke upstream failures on purpose; an open breaker would
        # answer later tests without asking Telegent.
        "--breaker-failures", "1000000",
        "--breaker-failure-ratio", "2",
        # Nothing balances load onto this instance: stop at once when done.
        "--shutdown-delay", "0s",
    ]
    env = dict(os.environ, TELEGENT_ACCOUNT_KEY="DID-sim-key", TELEGENT_ACCOUNT_SECRET="sim-secret")
    for name in ("GRPC_ADDR", "HTTP_ADDR", "OPS_ADDR", "FACADE_DEV", "AUTH_TOKENS_FILE", "TLS_CERT_FILE", "TLS_KEY_FILE"):
        env.pop(name, None)
    with _process(args, env, log) as proc:
        http_base = f"http://127.0.0.1:{http_port}"
        _wait_ready(proc, http_base + "/readyz", log)
        yield Facade(f"127.0.0.1:{grpc_port}", http_base)


def hook_url(fault: str = "") -> str:
    """A webhook URL no other test uses, carrying an optional sim fault spec."""
    url = f"https://hooks.example.com/py/{uuid.uuid4().hex}"
    if fault:
        url += "?" + urllib.parse.urlencode({"sim-fault": fault})
    return url


def valid_request(webhook_url: str) -> webhook_pb2.CreateWebhookRequest:
    return webhook_pb2.CreateWebhookRequest(
        account_id="AID-python1",
        webhook_url=webhook_url,
        method=webhook_pb2.HTTP_METHOD_POST,
        data_format=webhook_pb2.DATA_FORMAT_JSON,
        authentication_type=webhook_pb2.AUTHENTICATION_TYPE_NONE,
        subscribed_events=[webhook_pb2.WEBHOOK_EVENT_NEW_SMS, webhook_pb2.WEBHOOK_EVENT_CALL_COMPLETED],
    )
