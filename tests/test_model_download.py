"""`tandem model download` against a real HTTP server on 127.0.0.1 serving a model-shaped zip.

Nothing here reaches the internet: the server runs in a thread of the test process, and the
"site down" case uses a port nobody listens on.
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.errors import ModelError
from assistant.recognize import models

MODEL_FILES = {
    "am/final.mdl": b"acoustic model bytes",
    "conf/model.conf": b"--min-active=200\n",
    "conf/mfcc.conf": b"--sample-frequency=16000\n",
    "graph/Gr.fst": b"grammar fst",
    "graph/HCLr.fst": b"lexicon fst",
    "README": b"a tiny stand-in for a vosk model\n",
}


def make_zip(path: Path, top: str | None = "vosk-model-tiny", files: dict[str, bytes] = MODEL_FILES) -> str:
    """Write a zip shaped like the published model archive; return its sha256."""
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(f"{top}/{name}" if top else name, data)
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """(base URL, folder it serves) of a local HTTP server, stopped after the test."""
    served = tmp_path / "site"
    served.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(served)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def leftovers(folder: Path) -> list[str]:
    """Temporary files or folders a download might have left beside the destination."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_model_is_downloaded_checked_and_installed_in_place(site, tmp_path):
    url, served = site
    digest = make_zip(served / "model.zip")
    dest = tmp_path / "models" / "vosk-model-small-en-us-0.15"
    installed = models.download_vosk_model(dest, url=f"{url}/model.zip", sha256=digest, progress=False)
    assert installed == dest
    assert models.looks_like_vosk_model(dest)
    assert (dest / "am" / "final.mdl").read_bytes() == MODEL_FILES["am/final.mdl"]
    assert models.installed_vosk_model(dest) == dest
    assert leftovers(dest.parent) == []


def test_an_archive_without_a_top_folder_installs_too(site, tmp_path):
    url, served = site
    digest = make_zip(served / "flat.zip", top=None)
    dest = tmp_path / "flat-model"
    models.download_vosk_model(dest, url=f"{url}/flat.zip", sha256=digest, progress=False)
    assert models.looks_like_vosk_model(dest)


def test_a_wrong_checksum_installs_nothing(site, tmp_path):
    url, served = site
    make_zip(served / "model.zip")
    dest = tmp_path / "models" / "vosk-model"
    with pytest.raises(ModelError) as caught:
        models.download_vosk_model(dest, url=f"{url}/model.zip", sha256="0" * 64, progress=False)
    assert "sha256" in str(caught.value) and "nothing was installed" in str(caught.value)
    assert not dest.exists()
    assert leftovers(dest.parent) == []


def test_a_broken_model_folder_is_replaced_whole(site, tmp_path):
    url, served = site
    digest = make_zip(served / "model.zip")
    dest = tmp_path / "vosk-model"
    (dest / "am").mkdir(parents=True)
    (dest / "half-written").write_text("left by an interrupted unzip")
    models.download_vosk_model(dest, url=f"{url}/model.zip", sha256=digest, progress=False)
    assert models.looks_like_vosk_model(dest)
    assert not (dest / "half-written").exists()
    assert leftovers(tmp_path) == []


def test_a_zip_that_is_no_model_is_refused(site, tmp_path):
    url, served = site
    digest = make_zip(served / "other.zip", files={"notes.txt": b"not a model"})
    dest = tmp_path / "vosk-model"
    with pytest.raises(ModelError, match="holds no vosk model"):
        models.download_vosk_model(dest, url=f"{url}/other.zip", sha256=digest, progress=False)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_a_zip_with_paths_outside_the_folder_is_refused(site, tmp_path):
    url, served = site
    digest = make_zip(served / "evil.zip", top=None, files={**MODEL_FILES, "../escaped.txt": b"x"})
    dest = tmp_path / "inner" / "vosk-model"
    with pytest.raises(ModelError, match="unsafe path"):
        models.download_vosk_model(dest, url=f"{url}/evil.zip", sha256=digest, progress=False)
    assert not (tmp_path / "escaped.txt").exists() and not dest.exists()


class _CutOff(http.server.BaseHTTPRequestHandler):
    """Promises a megabyte, sends a little, and hangs up."""

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        self.send_response(200)
        self.send_header("Content-Length", str(1 << 20))
        self.end_headers()
        self.wfile.write(b"PK" + b"\0" * 1000)
        self.wfile.flush()
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def test_a_download_cut_off_midway_installs_nothing(tmp_path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _CutOff)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    dest = tmp_path / "vosk-model"
    try:
        with pytest.raises(ModelError, match="cut off"):
            models.download_vosk_model(dest, url=f"http://127.0.0.1:{server.server_address[1]}/m.zip",
                                       sha256="0" * 64, progress=False, timeout=5)
    finally:
        server.shutdown()
        server.server_close()
    assert not dest.exists() and leftovers(tmp_path) == []


def test_a_missing_file_on_the_site_names_the_http_status(site, tmp_path):
    url, _ = site
    with pytest.raises(ModelError, match="404"):
        models.download_vosk_model(tmp_path / "m", url=f"{url}/nope.zip", sha256="0" * 64, progress=False)


def test_an_unreachable_site_says_so_and_how_to_install_by_hand(tmp_path):
    dest = tmp_path / "vosk-model"
    url = f"http://127.0.0.1:{closed_port()}/model.zip"
    with pytest.raises(ModelError) as caught:
        models.download_vosk_model(dest, url=url, sha256="0" * 64, progress=False, timeout=5)
    message = str(caught.value)
    assert "unreachable" in message
    assert str(dest / "am" / "final.mdl") in caught.value.fix
    assert not dest.exists() and leftovers(tmp_path) == []


def test_the_published_model_is_pinned():
    assert models.VOSK_MODEL_URL.endswith("/vosk-model-small-en-us-0.15.zip")
    assert len(models.VOSK_MODEL_SHA256) == 64 and models.VOSK_MODEL_BYTES > 40_000_000


def test_the_model_folder_comes_from_model_option_then_config_then_the_data_folder(tmp_path):
    assert models.vosk_model_dir(tmp_path / "a", "/elsewhere") == tmp_path / "a"
    assert models.vosk_model_dir(None, str(tmp_path / "b")) == tmp_path / "b"
    assert models.vosk_model_dir() == models.models_dir() / models.VOSK_MODEL_NAME
    assert models.installed_vosk_model(tmp_path / "nothing") is None


# -- the command ----------------------------------------------------------------------------------

def test_download_command_installs_from_a_given_url(site, tmp_path, capsys):
    url, served = site
    digest = make_zip(served / "model.zip")
    dest = tmp_path / "cli-model"
    code = main(["model", "download", "--url", f"{url}/model.zip", "--sha256", digest, "--dest", str(dest), "--quiet"])
    assert code == 0
    assert models.looks_like_vosk_model(dest)
    assert str(dest) in capsys.readouterr().out
    # a second run sees the model and does not download again
    assert main(["model", "download", "--url", f"{url}/nowhere.zip", "--sha256", digest, "--dest", str(dest)]) == 0
    assert "already installed" in capsys.readouterr().out


def test_download_command_without_network_fails_clearly(tmp_path, capsys):
    url = f"http://127.0.0.1:{closed_port()}/model.zip"
    code = main(["model", "download", "--url", url, "--sha256", "0" * 64, "--dest", str(tmp_path / "m"), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "unreachable" in err and "fix:" in err


def test_download_command_wants_a_checksum_with_a_url(tmp_path, capsys):
    assert main(["model", "download", "--url", "http://127.0.0.1:1/m.zip", "--dest", str(tmp_path / "m")]) == 2
    assert "--sha256" in capsys.readouterr().err


def test_download_help_says_it_is_the_only_network_command(capsys):
    with pytest.raises(SystemExit):
        main(["model", "download", "--help"])
    assert "only Tandem command that opens a network connection" in " ".join(capsys.readouterr().out.split())


def test_status_names_each_engine_and_what_auto_picks(tmp_path, site, capsys):
    assert main(["model", "status", "--model", str(tmp_path / "none")]) == 0
    out = capsys.readouterr().out
    assert "pocketsphinx" in out and "run `tandem model download`" in out
    assert "--engine auto uses combined" in out  # the packaged Whisper model is there; no vosk model
    url, served = site
    digest = make_zip(served / "model.zip")
    dest = tmp_path / "installed"
    models.download_vosk_model(dest, url=f"{url}/model.zip", sha256=digest, progress=False)
    assert main(["model", "status", "--model", str(dest)]) == 0
    assert "--engine auto uses vosk" in capsys.readouterr().out
