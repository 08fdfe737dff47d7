"""The package as pip builds it: the generated modules keep the proto path."""

from __future__ import annotations

import pathlib
import subprocess
import sys
import tarfile
import zipfile

PROJECT = pathlib.Path(__file__).resolve().parents[1]


def test_wheel_holds_generated_modules_and_helpers(tmp_path: pathlib.Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path), str(PROJECT)],
        check=True,
    )
    version = (PROJECT / "VERSION").read_text().strip()
    (wheel,) = tmp_path.glob("telegent_facade_client-*.whl")
    assert wheel.name == f"telegent_facade_client-{version}-py3-none-any.whl"
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in (
        "telegent/webhook/v1/webhook_pb2.py",
        "telegent/webhook/v1/webhook_pb2.pyi",
        "telegent/webhook/v1/webhook_pb2_grpc.py",
        "telegent/webhook/v1/webhook_pb2_grpc.pyi",
        "telegent/webhook/v1/py.typed",
        "buf/validate/validate_pb2.py",
        "buf/validate/py.typed",
        "telegent_facade/__init__.py",
        "telegent_facade/service_config.json",
        "telegent_facade/py.typed",
    ):
        assert module in names, module
    # telegent and buf stay namespace packages, so that other distributions
    # can ship modules under them too.
    assert "telegent/__init__.py" not in names
    assert "buf/__init__.py" not in names


def test_package_passes_mypy_strict() -> None:
    # The helpers and the generated stubs, with the settings of
    # pyproject.toml's [tool.mypy]: what a caller's mypy --strict reads.
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(PROJECT / "pyproject.toml")],
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dist_holds_the_sdist_and_wheel_of_this_version() -> None:
    # What make dist-python wrote (make test-python-client runs it first).
    version = (PROJECT / "VERSION").read_text().strip()
    dist = PROJECT.parents[1] / "dist"
    sdist = dist / f"telegent_facade_client-{version}.tar.gz"
    wheel = dist / f"telegent_facade_client-{version}-py3-none-any.whl"
    assert sdist.is_file() and wheel.is_file(), "run make dist-python"
    with tarfile.open(sdist) as tar:
        names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
        # The version travels in the sdist: a build from it needs no repository.
        version_file = tar.extractfile(f"telegent_facade_client-{version}/VERSION")
        assert version_file is not None and version_file.read().decode().strip() == version
    for path in (
        "pyproject.toml",
        "src/telegent/webhook/v1/webhook_pb2.pyi",
        "src/telegent/webhook/v1/webhook_pb2_grpc.pyi",
        "src/telegent_facade/py.typed",
    ):
        assert path in names, path
    metadata = zipfile.ZipFile(wheel).read(f"telegent_facade_client-{version}.dist-info/METADATA").decode()
    assert f"\nVersion: {version}\n" in metadata
    assert "Requires-Dist: grpcio<2,>=1.85.1" in metadata
