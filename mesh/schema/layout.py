"""Where the schema's parts live in a checkout (a temporary copy in tests)."""

from __future__ import annotations

import dataclasses
import pathlib


@dataclasses.dataclass(frozen=True)
class Layout:
    """Paths of one checkout; `root` holds buf.yaml."""

    root: pathlib.Path

    @classmethod
    def find(cls, start: pathlib.Path | None = None) -> Layout:
        """The checkout that contains `start` (default: the current directory)."""
        here = (start or pathlib.Path.cwd()).resolve()
        for candidate in (here, *here.parents):
            if (candidate / "buf.yaml").is_file() and (candidate / "proto").is_dir():
                return cls(candidate)
        raise FileNotFoundError(f"no buf.yaml with a proto/ folder above {here}")

    @property
    def proto(self) -> pathlib.Path:
        return self.root / "proto"

    @property
    def gen(self) -> pathlib.Path:
        return self.root / "gen"

    @property
    def third_party(self) -> pathlib.Path:
        return self.root / "third_party" / "proto"

    @property
    def schema(self) -> pathlib.Path:
        """Released schema: baseline image, golden events, release log."""
        return self.root / "schema"

    @property
    def baseline_image(self) -> pathlib.Path:
        return self.schema / "baseline.binpb"

    @property
    def golden(self) -> pathlib.Path:
        return self.schema / "golden"

    @property
    def releases(self) -> pathlib.Path:
        return self.schema / "releases.json"
