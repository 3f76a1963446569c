"""The editor from the first keystroke: a pathway made by ``vcfgraph new`` is valid under the JSON
Schemas written beside it, a wrong fact value in a case is caught by the per-pathway case schema,
and the real yaml-language-server (from npm, into ``.tools/`` by ``.ci/install-system-deps
--test``) resolves the files' ``$schema`` lines, reports the wrong value and shows hover text."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from vcfgraph.cli import main
from vcfgraph.io.yaml12 import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
#: where the language server is: the shared tools folder, or a helper's own (.lsp-tools/)
SERVERS = [ROOT / folder / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"
           for folder in (".tools", ".lsp-tools")]
BAD_CASE = "# yaml-language-server: $schema=../case.schema.json\nid: bad\nfacts:\n  sign_present: ten\n"


def _plain(tree: Any) -> Any:
    if isinstance(tree, dict):
        return {str(k): _plain(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return [_plain(v) for v in tree]
    return tree


def _errors(schema_file: Path, yaml_file: Path) -> list[str]:
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    tree = _plain(parse_yaml(yaml_file.read_text(encoding="utf-8"), str(yaml_file)))
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(tree))
    return [jsonschema.exceptions.best_match(errors).message] if errors else []


@pytest.fixture
def authored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    folder = tmp_path / "head-ct"
    assert main(["new", str(folder)]) == 0
    capsys.readouterr()
    return folder


def test_a_new_pathway_and_its_case_are_valid_under_the_schemas_written_beside_them(authored: Path):
    assert _errors(authored / "pathway.schema.json", authored / "pathway.yaml") == []
    assert _errors(authored / "case.schema.json", authored / "cases" / "sign-present.yaml") == []


def test_the_written_case_schema_catches_a_wrong_fact_value(authored: Path):
    bad = authored / "cases" / "bad.yaml"
    bad.write_text(BAD_CASE, encoding="utf-8")
    assert _errors(authored / "case.schema.json", bad) == ["'ten' is not of type 'boolean', 'null'"]


def test_the_written_pathway_schema_catches_an_unknown_key(authored: Path):
    path = authored / "pathway.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  entry: q_sign\n", "  entry: q_sign\n  entyr: x\n"),
                    encoding="utf-8")
    assert _errors(authored / "pathway.schema.json", path) == [
        "Additional properties are not allowed ('entyr' was unexpected)"]


# ------------------------------------------------------------------ the real language server


class _Server:
    """A yaml-language-server over stdio: JSON-RPC with Content-Length framing."""

    def __init__(self, command: list[str]) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while (line := out.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            self.messages.put(json.loads(out.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def request(self, method: str, params: Any) -> Any:
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == self.next_id and "method" not in m)["result"]

    def wait(self, wanted: Any, timeout: float = 60) -> dict[str, Any]:
        """The next message ``wanted`` accepts; requests from the server are answered on the way."""
        while True:
            message = self.messages.get(timeout=timeout)
            if "method" in message and "id" in message:  # workspace/configuration, registerCapability ...
                result = [self.settings["yaml"]] * len(message["params"]["items"]) \
                    if message["method"] == "workspace/configuration" else None
                self.send({"id": message["id"], "result": result})
                continue
            if wanted(message):
                return message

    settings = {"yaml": {"validate": True, "hover": True, "completion": True, "schemaStore": {"enable": False}}}

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=30)


@pytest.fixture
def server() -> Any:
    found = next((s for s in SERVERS if s.is_file()), None)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("yaml-language-server is missing in CI; .ci/install-system-deps --test installs it")
        pytest.skip("yaml-language-server is not installed (.ci/install-system-deps --test installs it)")
    s = _Server(["node", str(found), "--stdio"])
    yield s
    s.close()


def _open(server: _Server, path: Path) -> list[dict[str, Any]]:
    """Open a file in the server; its diagnostics."""
    uri = path.resolve().as_uri()
    server.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": path.read_text(encoding="utf-8")}}})
    found = server.wait(lambda m: m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri)
    return found["params"]["diagnostics"]


@pytest.mark.subprocess
def test_yaml_language_server_validates_and_explains_a_new_pathway(authored: Path, server: _Server):
    root = authored.resolve().as_uri()
    server.request("initialize", {"processId": os.getpid(), "rootUri": root, "capabilities": {
        "workspace": {"configuration": True}, "textDocument": {"hover": {"contentFormat": ["plaintext"]}}},
        "workspaceFolders": [{"uri": root, "name": "head-ct"}]})
    server.send({"method": "initialized", "params": {}})
    server.send({"method": "workspace/didChangeConfiguration", "params": {"settings": server.settings}})
    assert _open(server, authored / "pathway.yaml") == []
    bad = authored / "cases" / "bad.yaml"
    bad.write_text(BAD_CASE, encoding="utf-8")
    (diagnostic,) = _open(server, bad)
    assert diagnostic["range"]["start"] == {"line": 3, "character": 16}
    assert diagnostic["message"] == "Incorrect type. Expected one of boolean, null."
    # hover on the key "summary" (line 6 of pathway.yaml): the words of vcfgraph/io/spec_help.py
    lines = (authored / "pathway.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("  summary:"))
    hover = server.request("textDocument/hover", {"textDocument": {"uri": (authored / "pathway.yaml").resolve().as_uri()},
                                                  "position": {"line": line, "character": 4}})
    assert "One paragraph for the index page." in json.dumps(hover["contents"])
