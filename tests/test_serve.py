"""`publisher serve` over real HTTP on 127.0.0.1, and WebSub notifications to a hub stub."""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree

from publisher.config import Config
from publisher.serve import make_server, watch

from .helpers import build_into, make_seeds


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve")
    build_into(make_seeds(folder / "seeds", "english_article.txt"), folder / "output", Config(volumes="none"))
    (folder / "secret.txt").write_text("outside the output folder", encoding="utf-8")
    (folder / "output" / "escape.txt").symlink_to(folder / "secret.txt")
    (folder / "output" / "empty").mkdir()
    (folder / "output" / ".editor-backup.html").write_text("a hidden file", encoding="utf-8")
    return folder / "output"


@pytest.fixture(scope="module")
def port(output: Path) -> Iterator[int]:
    server = make_server(output, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def request(port: int, path: str, method: str = "GET", **headers: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {key.lower(): value for key, value in response.getheaders()}, body


def raw_request(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(data)
        chunks = []
        while chunk := connection.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("path", "media_type"),
    [
        ("/feed.atom", "application/atom+xml; charset=utf-8"),
        ("/feed.rss", "application/rss+xml; charset=utf-8"),
        ("/feed.json", "application/feed+json; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/articles/english_article.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/news.epub", "application/epub+zip"),
        ("/fonts/Amiri-Regular.ttf", "font/ttf"),
        ("/opds.xml", "application/atom+xml;profile=opds-catalog;kind=navigation; charset=utf-8"),
        ("/opds-collection.xml", "application/atom+xml;profile=opds-catalog;kind=acquisition; charset=utf-8"),
        ("/editions.atom", "application/atom+xml; charset=utf-8"),
        ("/books.html", "text/html; charset=utf-8"),
        ("/sitemap.xml", "application/xml; charset=utf-8"),
        ("/covers/news.png", "image/png"),
    ],
)
def test_files_are_served_with_their_type_and_validators(port: int, output: Path, path: str, media_type: str) -> None:
    status, headers, body = request(port, path)
    assert status == 200
    assert headers["content-type"] == media_type
    on_disk = output / (path.lstrip("/") or "index.html")
    assert body == on_disk.read_bytes()
    assert int(headers["content-length"]) == len(body)
    assert headers["etag"].startswith('"') and headers["last-modified"].endswith("GMT")


def test_conditional_requests_get_304(port: int) -> None:
    _, headers, _ = request(port, "/feed.atom")
    status, again, body = request(port, "/feed.atom", **{"If-None-Match": headers["etag"]})
    assert (status, body, again["etag"]) == (304, b"", headers["etag"])
    status, _, body = request(port, "/feed.atom", **{"If-Modified-Since": headers["last-modified"]})
    assert (status, body) == (304, b"")
    status, _, body = request(port, "/feed.atom", **{"If-None-Match": '"something-else"'})
    assert status == 200 and body
    status, _, _ = request(port, "/feed.atom", **{"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
    assert status == 200


def test_head_sends_headers_only(port: int) -> None:
    status, headers, body = request(port, "/feed.rss", method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) > 0


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/articles/../../secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "/escape.txt",  # a symlink out of the output folder
        "/empty/",  # a folder without index.html: no listing
        "/.editor-backup.html",  # hidden files
        "/missing.html",
        "/feed.atom%00.txt",
    ],
)
def test_nothing_outside_the_output_folder_is_reachable(port: int, path: str) -> None:
    status, _, body = request(port, path)
    assert status == 404
    assert b"outside the output folder" not in body


def test_a_raw_traversal_request_is_refused(port: int) -> None:
    answer = raw_request(port, b"GET /../../../../etc/passwd HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.0 404")
    assert b"root:" not in answer


def test_malformed_requests_are_answered_and_the_server_survives(port: int) -> None:
    # Two words read as an HTTP/0.9 request line: the 400 comes without a status line.
    assert b"Error code: 400" in raw_request(port, b"\x00\xff garbage\r\n\r\n")
    assert b"Error code: 505" in raw_request(port, b"GET / HTTP/9.9\r\n\r\n")
    assert raw_request(port, b"BREW /feed.atom HTTP/1.0\r\n\r\n").split(b" ")[1] == b"501"
    assert raw_request(port, b"GET /" + b"a" * 70000 + b" HTTP/1.0\r\n\r\n").split(b" ")[1] == b"414"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"GET /feed.atom HTTP/1.0\r\n")  # hang up half-way
    assert request(port, "/feed.atom")[0] == 200


def test_the_default_address_is_this_machine_only() -> None:
    from publisher.cli import _parser

    arguments = _parser().parse_args(["serve"])
    assert (arguments.bind, arguments.port) == ("127.0.0.1", 8000)


def test_watch_rebuilds_when_a_seed_changes(tmp_path: Path) -> None:
    seeds = make_seeds(tmp_path / "seeds")
    rebuilt = threading.Event()
    stop = threading.Event()
    thread = threading.Thread(target=watch, args=([seeds], rebuilt.set, stop, 0.05), daemon=True)
    thread.start()
    try:
        assert not rebuilt.wait(0.3)
        (seeds / "new.txt").write_text("2025-05-01 10:00:00\nعنوان\nنص.\n", encoding="utf-8")
        assert rebuilt.wait(5)
    finally:
        stop.set()
        thread.join(5)


class _Hub(http.server.BaseHTTPRequestHandler):
    received: list[dict[str, list[str]]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.received.append(urllib.parse.parse_qs(self.rfile.read(length).decode()))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def hub() -> Iterator[tuple[str, list[dict[str, list[str]]]]]:
    received: list[dict[str, list[str]]] = []
    handler = type("Hub", (_Hub,), {"received": received})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hub", received
    server.shutdown()
    server.server_close()


def test_a_build_that_changes_the_feeds_notifies_the_hub(
    tmp_path: Path, hub: tuple[str, list[dict[str, list[str]]]]
) -> None:
    url, received = hub
    config = Config(base_url="https://news.example.org/", websub_hub=url, volumes="none")
    seeds = make_seeds(tmp_path / "seeds")
    build_into(seeds, tmp_path / "output", config)
    topics = sorted(notification["hub.url"][0] for notification in received)
    assert topics == [f"https://news.example.org/{name}" for name in ("feed.atom", "feed.json", "feed.rss")]
    assert all(notification["hub.mode"] == ["publish"] for notification in received)
    for name in ("feed.atom", "feed.rss"):
        root = etree.fromstring((tmp_path / "output" / name).read_bytes())
        hubs = [link.get("href") for link in root.iter("{http://www.w3.org/2005/Atom}link") if link.get("rel") == "hub"]
        assert hubs == [url], name
    assert json.loads((tmp_path / "output" / "feed.json").read_bytes())["hubs"] == [{"type": "WebSub", "url": url}]
    received.clear()
    build_into(seeds, tmp_path / "output", config)  # nothing changed: nothing to announce
    assert received == []


def test_a_hub_that_is_down_is_a_warning_not_a_failure(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    config = Config(websub_hub=f"http://127.0.0.1:{free_port}/hub", volumes="none")
    result = build_into(make_seeds(tmp_path / "seeds"), tmp_path / "output", config)
    assert result.published == 1
    assert "was not notified" in caplog.text
