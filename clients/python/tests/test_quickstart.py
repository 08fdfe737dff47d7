"""The quickstarts of README.md, as a new user runs them: each program copied
verbatim into an empty directory outside the repository, a fresh venv with
only the wheel from dist/ (make dist-python) and what the README says to
install, type-checked with mypy --strict, and run against telegent-facade
--dev on free ports."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
from typing import Iterator

import pytest
from conftest import REPO_ROOT, _binary, _process, _wait_ready, free_port

PROJECT = pathlib.Path(__file__).resolve().parents[1]
README = (PROJECT / "README.md").read_text("utf-8")
# The versions the README's unpinned install resolves to in this test.
CONSTRAINTS = pathlib.Path(__file__).resolve().parent / "quickstart-constraints.txt"
# A bound on a hang (a stalled download), not a timing assertion.
SHELL_TIMEOUT_S = 600


def block(name: str) -> str:
    """The fenced block after ``<!-- quickstart:NAME -->`` in README.md, verbatim."""
    m = re.search(rf"<!-- quickstart:{re.escape(name)} -->\n```[a-z]*\n(.*?)```\n", README, re.DOTALL)
    assert m is not None, f"README.md has no block marked quickstart:{name}"
    return m.group(1)


def wheel() -> pathlib.Path:
    version = (REPO_ROOT / "VERSION").read_text().strip()
    path = REPO_ROOT / "dist" / f"telegent_facade_client-{version}-py3-none-any.whl"
    assert path.is_file(), f"{path} missing: run make dist-python"
    return path


def sh(directory: pathlib.Path, script: str, env: dict[str, str] | None = None) -> str:
    """Runs a README shell block in directory, /path/to/telegent-facade meaning this repository."""
    commands = script.replace("/path/to/telegent-facade", str(REPO_ROOT))
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "FACADE_GRPC_TARGET") and not k.startswith("PIP_")
    }
    clean.update(PIP_CONSTRAINT=str(CONSTRAINTS), PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1")
    clean.update(env or {})
    proc = subprocess.run(
        ["sh", "-e", "-c", commands],
        cwd=directory,
        env=clean,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=SHELL_TIMEOUT_S,
    )
    assert proc.returncode == 0, f"{commands}\nexited {proc.returncode}:\n{proc.stdout}"
    return proc.stdout


class DevFacade:
    def __init__(self, grpc_target: str) -> None:
        self.grpc_target = grpc_target


@pytest.fixture
def dev_facade(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevFacade]:
    """telegent-facade --dev, as make run starts it, on free loopback ports."""
    grpc_port, http_port = free_port(), free_port()
    log = tmp_path_factory.mktemp("dev-facade") / "facade.log"
    args = [
        _binary("FACADE_BIN", "telegent-facade"),
        "--dev",
        "--grpc-addr", f"127.0.0.1:{grpc_port}",
        "--http-addr", f"127.0.0.1:{http_port}",
        "--shutdown-delay", "0s",
    ]
    env = dict(os.environ)
    for name in ("GRPC_ADDR", "HTTP_ADDR", "OPS_ADDR", "AUTH_TOKENS_FILE", "TLS_CERT_FILE", "TLS_KEY_FILE", "TELEGENT_BASE_URL"):
        env.pop(name, None)
    with _process(args, env, log) as proc:
        _wait_ready(proc, f"http://127.0.0.1:{http_port}/readyz", log)
        yield DevFacade(f"127.0.0.1:{grpc_port}")


def check_output(out: str) -> None:
    """What both quickstarts print."""
    lines = out.strip().splitlines()
    violations = [line for line in lines if line.startswith("violation: ")]
    assert len(violations) == 3, out
    for want in (
        r"^refused: INVALID_ARGUMENT$",
        r"^violation: account_id \(account_id\.format\): \S",
        r"^violation: subscribed_events \(repeated\.min_items\): \S",
        r"^violation: authentication_token \(authentication_token\.required_for_token\): \S",
        r"^created: WID-\w+ \(recovered: False\)$",
    ):
        assert re.search(want, out, re.MULTILINE), f"{want!r} not in:\n{out}"
    m = re.search(r"^created: (WID-\w+)", out, re.MULTILINE)
    assert m is not None
    webhook_id = m.group(1)
    # A fresh facade: the account holds this webhook only.
    assert [line for line in lines if line.startswith("listed: ")] == [
        f"listed: {webhook_id} https://hooks.example.com/telegent"
    ], out
    assert f"got: {webhook_id} https://hooks.example.com/telegent WEBHOOK_EVENT_NEW_SMS,WEBHOOK_EVENT_CALL_COMPLETED" in lines, out
    assert f"updated: {webhook_id} password set: True" in lines, out
    assert f"deleted: {webhook_id}" in lines, out
    assert [line for line in lines if line.startswith("after delete: ")] == [
        "after delete: NOT_FOUND (WEBHOOK_NOT_FOUND)"
    ] * 2, out
    assert "s3cret" not in out, "a password came back"


def check_documented_output(out: str) -> None:
    """The output README.md shows ("It prints:") is what the program printed,
    line for line up to the order, "..." standing for any text."""
    m = re.search(r"It prints:\n\n```text\n(.*?)```\n", README, re.DOTALL)
    assert m is not None, "README.md shows no output"
    documented = m.group(1).strip().splitlines()
    printed = out.strip().splitlines()
    assert len(documented) == len(printed), out
    unmatched = list(printed)
    for line in documented:
        pattern = re.compile(re.escape(line).replace(re.escape("..."), ".+") + "$")
        found = next((p for p in unmatched if pattern.match(p)), None)
        assert found is not None, f"README.md shows {line!r}; the program printed:\n{out}"
        unmatched.remove(found)


def test_readme_blocks_run_in_one_shell_each() -> None:
    # The setup block makes the venv the run blocks use by path: no block
    # depends on an activated venv or on anything outside the directory.
    for name in ("sync:run", "asyncio:run"):
        assert all(line.startswith(".venv/bin/") for line in block(name).splitlines()), name
    assert "/path/to/telegent-facade/dist/" in block("setup")


@pytest.mark.parametrize(
    ("name", "file"),
    [("sync", "quickstart.py"), ("asyncio", "quickstart_aio.py")],
)
def test_quickstart(name: str, file: str, dev_facade: DevFacade, tmp_path: pathlib.Path) -> None:
    wheel()
    directory = tmp_path / f"quickstart-{name}"
    directory.mkdir()
    assert REPO_ROOT not in directory.resolve().parents
    sh(directory, block("setup"))
    installed = sh(directory, ".venv/bin/pip list --format=freeze")
    version = (REPO_ROOT / "VERSION").read_text().strip()
    assert f"telegent-facade-client=={version}" in installed.splitlines(), installed
    (directory / file).write_text(block(f"{name}:program"), "utf-8")
    out = sh(directory, block(f"{name}:run"), {"FACADE_GRPC_TARGET": dev_facade.grpc_target})
    assert out.startswith("Success: no issues found in 1 source file\n"), out
    program_out = out.split("\n", 1)[1]
    check_output(program_out)
    check_documented_output(program_out)
