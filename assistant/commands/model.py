"""`tandem model`: install the vosk speech model, and see which speech engines and models are here.

`tandem model download` is the only Tandem command that opens a network connection.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from assistant.commands.common import add_common
from assistant.recognize import models


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("model", help="download the vosk speech model; show which engines can run")
    sub = parser.add_subparsers(dest="model_command", metavar="ACTION")
    parser.set_defaults(func=_usage(parser))

    download = sub.add_parser(
        "download",
        help="fetch the small English vosk model (the only command that uses the network)",
        description=("Download the small English vosk model, check its sha256 and install it atomically. "
                     "This is the only Tandem command that opens a network connection; everything else "
                     "works offline. Without a vosk model Tandem uses pocketsphinx, which needs no download."),
    )
    download.add_argument("--url", help=f"zip archive of a vosk model (default: {models.VOSK_MODEL_URL})")
    download.add_argument("--sha256", metavar="HEX", help="checksum of that archive (required with --url)")
    download.add_argument("--dest", metavar="DIR",
                          help="folder to install the model as (default: --model, config [recognizer] model, "
                               "or the platform data folder)")
    download.add_argument("--model", metavar="DIR", help=argparse.SUPPRESS)
    download.add_argument("--force", action="store_true", help="download again even if a model is installed there")
    download.add_argument("--quiet", action="store_true", help="no progress bar")
    add_common(download)
    download.set_defaults(func=run_download)

    status = sub.add_parser("status", help="which speech engines and models are installed, where, and what `auto` picks")
    status.add_argument("--model", metavar="DIR", help="vosk model folder to check")
    status.add_argument("--whisper-model", metavar="DIR", help="CTranslate2 Whisper model folder to check")
    status.add_argument("--json", action="store_true", help="print one JSON object")
    add_common(status)
    status.set_defaults(func=run_status)


def _usage(parser: argparse.ArgumentParser) -> Any:
    def run(args: argparse.Namespace) -> int:
        parser.print_help()
        return 2
    return run


def _configured_model(args: argparse.Namespace) -> str:
    from assistant.config import load_settings

    settings = load_settings(Path(args.config) if getattr(args, "config", None) else None)
    return settings.recognizer.model


def run_download(args: argparse.Namespace) -> int:
    if args.url and not args.sha256:
        print("tandem: --url needs --sha256: the checksum is what proves the download is the model you meant",
              file=sys.stderr)
        return 2
    dest = Path(args.dest).expanduser() if args.dest else models.vosk_model_dir(args.model, _configured_model(args))
    if not args.force and models.looks_like_vosk_model(dest):
        print(f"a vosk model is already installed in {dest} (use --force to download it again)")
        return 0
    url = args.url or models.VOSK_MODEL_URL
    sha256 = args.sha256 or models.VOSK_MODEL_SHA256
    print(f"downloading {url}\n  into {dest}", file=sys.stderr)
    installed = models.download_vosk_model(dest, url=url, sha256=sha256, progress=not args.quiet)
    print(f"vosk model installed in {installed}")
    return 0


def run_status(args: argparse.Namespace) -> int:
    from assistant.recognize.select import choose_engine
    from assistant.recognize.whisper_model import whisper_status
    from assistant.wake.models import wake_model_statuses

    settings = _settings(args)
    configured = settings.recognizer.model
    whisper_configured = getattr(args, "whisper_model", None) or settings.recognizer.whisper_model
    whisper = whisper_status(None, whisper_configured)
    statuses = [models.pocketsphinx_status(), models.vosk_status(args.model, configured),
                models.EngineStatus("whisper", whisper.usable, whisper.model, whisper.detail)]
    auto = choose_engine("auto", args.model, configured, whisper_configured)
    extras = wake_model_statuses()
    if args.json:
        print(json.dumps({
            "engines": [{"engine": s.engine, "usable": s.usable, "model": str(s.model) if s.model else None,
                         "detail": s.detail} for s in statuses],
            "whisper": {"verified_sha256": whisper.verified, "size_mb": whisper.size_mb},
            "auto": auto,
            "models": [{"name": m.engine, "usable": m.usable, "path": str(m.model) if m.model else None,
                        "detail": m.detail} for m in extras],
        }))
        return 0
    for s in statuses:
        state = "ready" if s.usable else "not usable"
        where = f" (model: {s.model})" if s.model and s.usable else ""
        if s.engine == "whisper" and s.usable:
            where += f", {whisper.size_mb:.0f} MB, " + ("sha256 checked" if whisper.verified else "no checksums to check")
        print(f"{s.engine:<13} {state}{where}")
        if s.detail:
            print(f"{'':<13} {s.detail}")
    for m in extras:
        print(f"{m.engine:<13} {'ready' if m.usable else 'not usable'}" + (f" ({m.model})" if m.model and m.usable else ""))
        if m.detail:
            print(f"{'':<13} {m.detail}")
    print(f"--engine auto uses {auto}" + (" (pocketsphinx and whisper together)" if auto == "combined" else ""))
    return 0


def _settings(args: argparse.Namespace) -> Any:
    from assistant.config import load_settings

    return load_settings(Path(args.config) if getattr(args, "config", None) else None)
