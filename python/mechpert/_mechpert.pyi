"""Type stubs of the Rust half of the package (`python/src/lib.rs`)."""

from os import PathLike

class MechpertError(Exception):
    """Every error mechpert raises."""

class DataError(MechpertError):
    """The data cannot be used as given (the CLI's exit code 1)."""

class ConfigError(MechpertError):
    """The arguments or configuration ask for something impossible (the CLI's exit code 2)."""

class InternalError(MechpertError):
    """A bug in mechpert (a Rust panic)."""

class RustScreen:
    @property
    def perturbations(self) -> list[str]: ...
    @property
    def genes(self) -> list[str]: ...
    def response_bytes(self) -> bytes: ...
    def control_bytes(self) -> bytes: ...
    @property
    def control_measured(self) -> bool: ...
    @property
    def value_kind(self) -> str: ...
    @property
    def cells(self) -> list[int] | None: ...
    @property
    def control_cells(self) -> int | None: ...
    def write_h5ad(self, path: str | PathLike[str]) -> None: ...

MatrixParts = tuple[str, tuple[int, int], str, bytes, bytes, bytes]
FrameParts = tuple[list[str], list[tuple[str, list[str], bytes]]]

def read_screen(path: str | PathLike[str], flags: list[str]) -> RustScreen: ...
def screen_from_anndata(
    flags: list[str],
    matrix: MatrixParts | None,
    layers: list[str],
    obs: FrameParts,
    var: FrameParts,
    value_kind: str | None,
) -> RustScreen: ...
def run(argv: list[str], screen: RustScreen | None = None) -> str: ...
def plan_config(json: str, base: str | PathLike[str]) -> str: ...
def _panic(message: str) -> None: ...
