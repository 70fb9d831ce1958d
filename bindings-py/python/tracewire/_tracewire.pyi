"""Trace-context propagation (W3C Trace Context) implemented in Rust."""

from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol, TypeVar, final, overload

from typing_extensions import TypeAlias

__all__ = [
    "Context",
    "Diagnostic",
    "Propagator",
    "TracewireError",
    "__version__",
    "continue_trace",
    "diagnose",
    "extract",
]

__version__: str

_Bytes: TypeAlias = str | bytes | bytearray | memoryview
# One value, the values of a repeated header, or a Kafka header without a value.
_Value: TypeAlias = _Bytes | Sequence[_Bytes] | None
_Pairs: TypeAlias = Iterable[tuple[str | bytes, _Value]]

class _HasItems(Protocol):
    def items(self) -> _Pairs: ...

_Headers: TypeAlias = _HasItems | _Pairs | None
"""A dict, mapping or multi-dict, an iterable of ``(name, value)`` pairs, or ``None``."""

class _Mutable_Headers(Protocol):
    def keys(self) -> Iterable[Any]: ...
    def __setitem__(self, name: str, value: str, /) -> None: ...
    def __delitem__(self, name: str, /) -> None: ...

_Carrier = TypeVar("_Carrier", bound=_Mutable_Headers | list[Any])

class TracewireError(ValueError):
    """A tracewire operation failed; ``code`` is the stable snake_case reason."""

    code: str

def extract(headers: _Headers) -> Context | None:
    """The incoming context (W3C Trace Context), or ``None``."""

def continue_trace(headers: _Headers) -> Context:
    """A child of the incoming context, or a new root when there is none."""

def diagnose(headers: _Headers) -> list[Diagnostic]:
    """Why nothing (or only part) was extracted; empty when all was well."""

@final
class Context:
    """The current span of a trace, as received from a caller or started here.

    Immutable and hashable: ``child()`` and ``with_tracestate()`` return new contexts.
    """

    @staticmethod
    def new_root() -> Context:
        """Starts a new trace: random ids, sampled, with the random-trace-id flag."""

    def child(self) -> Context:
        """A span under this one: same trace id, flags and trace state, a new span id."""

    @overload
    def inject(self, headers: None = None) -> dict[str, str]: ...
    @overload
    def inject(self, headers: _Carrier) -> _Carrier:
        """Writes this context into ``headers`` (a new dict when ``None``) and returns them.

        A dict or mapping gets ``str`` values; a list gets ``(name, bytes)`` pairs.
        Headers already there under the same name, in any case, are replaced.
        """

    def with_tracestate(self, key: str, value: str) -> Context:
        """This context with ``key=value`` first in its trace state.

        Raises ``TracewireError`` (``invalid_tracestate_key``, ``invalid_tracestate_value``).
        """

    @property
    def trace_id(self) -> str:
        """The trace id: 32 lowercase hex digits."""

    @property
    def span_id(self) -> str:
        """This span's id: 16 lowercase hex digits."""

    @property
    def parent_span_id(self) -> str | None:
        """The parent span's id; ``None`` for a root or a context just extracted."""

    @property
    def flags(self) -> int:
        """All 8 trace-flag bits, as received."""

    @property
    def sampled(self) -> bool:
        """Whether the sampled flag is set."""

    @property
    def traceparent(self) -> str:
        """The ``traceparent`` value this context injects."""

    @property
    def tracestate(self) -> str:
        """The full ``tracestate`` value; ``""`` when there is none."""

    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Propagator:
    """Formats to extract and to inject, in order, and the repeated-``traceparent`` policy.

    ``extract`` and ``inject`` default to ``["tracecontext"]``.
    Raises ``TracewireError`` (``unknown_format``, ``invalid_policy``).
    """

    def __new__(
        cls,
        extract: Iterable[str] = ...,
        inject: Iterable[str] = ...,
        repeated: Literal["restart", "first", "last"] = "restart",
    ) -> Propagator: ...
    def extract(self, headers: _Headers) -> Context | None:
        """The incoming context, or ``None``."""

    def continue_trace(self, headers: _Headers) -> Context:
        """A child of the incoming context, or a new root when there is none."""

    @overload
    def inject(self, ctx: Context, headers: None = None) -> dict[str, str]: ...
    @overload
    def inject(self, ctx: Context, headers: _Carrier) -> _Carrier:
        """Writes ``ctx`` into ``headers`` (a new dict when ``None``) and returns them."""

    def diagnose(self, headers: _Headers) -> list[Diagnostic]:
        """Why nothing (or only part) was extracted; empty when all was well."""

    @property
    def fields(self) -> tuple[str, ...]:
        """Every header name the formats read or write (lowercase)."""

    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Diagnostic:
    """Why a header was rejected: format, (lowercase) header name and stable ``code``."""

    @property
    def format(self) -> str:
        """The format whose header was rejected (``"tracecontext"``)."""

    @property
    def header(self) -> str:
        """The lowercase header name concerned."""

    @property
    def code(self) -> str:
        """The stable reason, such as ``"uppercase_hex"``."""

    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...
