"""Rebuilds third_party/proto from installed, pinned packages (no network).

- buf/validate/validate.proto: the protovalidate wheel embeds only its descriptor, so it is
  turned back into source (semantically identical; comments are lost), then `buf format`-ed.
- google/rpc/*.proto: copied verbatim from googleapis-common-protos. Compiled against, and
  generated for TypeScript, but never for Python: the installed package ships those modules.
"""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import tempfile

import google.rpc

from mesh.schema import bufcli
from mesh.schema.layout import Layout

GOOGLE_RPC_FILES = ("code.proto", "error_details.proto", "status.proto")
VALIDATE_PROTO = "buf/validate/validate.proto"


def vendor(layout: Layout) -> None:
    shutil.rmtree(layout.third_party, ignore_errors=True)
    layout.third_party.mkdir(parents=True)
    _vendor_validate(layout)
    _vendor_google_rpc(layout.third_party)


def _vendor_validate(layout: Layout) -> None:
    scripts = layout.root / "tools" / "buf"
    with tempfile.TemporaryDirectory() as tmp:
        binpb = pathlib.Path(tmp) / "validate.binpb"
        _python(scripts / "extract_validate_desc.py", binpb)
        _python(scripts / "desc2proto.py", binpb, VALIDATE_PROTO, layout.third_party)
    bufcli.run(layout, "format", "-w", str(layout.third_party / VALIDATE_PROTO))


def _vendor_google_rpc(dest: pathlib.Path) -> None:
    source = pathlib.Path(google.rpc.__path__[0])
    (dest / "google" / "rpc").mkdir(parents=True, exist_ok=True)
    for name in GOOGLE_RPC_FILES:
        shutil.copyfile(source / name, dest / "google" / "rpc" / name)


def _python(*args: object) -> None:
    subprocess.run([sys.executable, *map(str, args)], check=True, stdout=subprocess.DEVNULL)
