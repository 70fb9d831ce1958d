"""Trace-context propagation (W3C Trace Context, Baggage, B3, Jaeger, X-Ray, Datadog)
implemented in Rust."""

from collections.abc import Iterable, Sequence
from typing import Any, Literal, Protocol, TypeVar, final, overload

from typing_extensions import TypeAlias

__all__ = [
    "Context",
    "Diagnostic",
    "Link",
    "Propagator",
    "TracewireError",
    "__version__",
    "continue_trace",
    "continue_trace_env",
    "diagnose",
    "diagnose_env",
    "extract",
    "extract_env",
    "extract_json",
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

_Json: TypeAlias = str | bytes | bytearray | memoryview
"""A JSON object as text or bytes."""

class TracewireError(ValueError):
    """A tracewire operation failed; ``code`` is the stable snake_case reason."""

    code: str

def extract(headers: _Headers) -> Context | None:
    """The incoming context (W3C Trace Context and Baggage), or ``None``."""

def continue_trace(headers: _Headers) -> Context:
    """A child of the incoming context, or a new root (carrying any baggage that came)."""

def diagnose(headers: _Headers) -> list[Diagnostic]:
    """Which format won (``extracted``) and why anything else was ignored."""

def extract_json(
    body: _Json, trace_id_field: str = "traceId", span_id_field: str = "spanId"
) -> Context | None:
    """The context stamped in the JSON object ``body``, or ``None``.

    Reads the top-level ``traceparent``/``tracestate`` (CloudEvents) or, failing
    those, the ``traceId``/``spanId`` fields (a 16-digit trace id is left-padded).
    Raises ``TracewireError`` (``invalid_json``) for a body that is not a JSON object.
    """

def extract_env(env: _Headers = None) -> Context | None:
    """The context in the environment mapping ``env`` (``os.environ`` when ``None``)."""

def continue_trace_env(env: _Headers = None) -> Context:
    """A child of the context in ``env`` (``os.environ`` when ``None``), or a new root."""

def diagnose_env(env: _Headers = None) -> list[Diagnostic]:
    """What extraction from ``env`` (``os.environ`` when ``None``) found."""

@final
class Context:
    """The current span of a trace, as received from a caller or started here.

    Immutable and hashable: ``child()``, ``with_tracestate()`` and ``with_baggage()``
    return new contexts.
    """

    @staticmethod
    def new_root() -> Context:
        """Starts a new trace: random ids, sampled, with the random-trace-id flag."""

    def child(self) -> Context:
        """A span under this one: same trace, flags, trace state and baggage, a new span id."""

    @overload
    def inject(self, headers: None = None) -> dict[str, str]: ...
    @overload
    def inject(self, headers: dict[str, str]) -> dict[str, str]: ...
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

    def with_baggage(self, key: str, value: str) -> Context:
        """This context with ``key`` set to ``value`` in its baggage (replacing earlier values).

        Raises ``TracewireError``: ``invalid_baggage_key`` (the key must be an HTTP token) or
        ``baggage_too_large`` (past 64 members or 8192 bytes, W3C Baggage's limits).
        """

    @overload
    def inject_json(
        self, body: str, trace_id_field: str = "traceId", span_id_field: str = "spanId"
    ) -> str: ...
    @overload
    def inject_json(
        self,
        body: bytes | bytearray | memoryview,
        trace_id_field: str = "traceId",
        span_id_field: str = "spanId",
    ) -> bytes:
        """``body`` with this context stamped in its top-level ``traceId``/``spanId`` fields.

        ``traceparent``/``tracestate`` are updated too when the body has them; every
        other byte is kept. Returns ``str`` for ``str``, ``bytes`` for bytes-like.
        Raises ``TracewireError`` (``invalid_json``) for a body that is not a JSON object.
        """

    @overload
    def inject_env(self, env: None = None) -> dict[str, str]: ...
    @overload
    def inject_env(self, env: dict[str, str]) -> dict[str, str]: ...
    @overload
    def inject_env(self, env: _Carrier) -> _Carrier:
        """Writes ``TRACEPARENT``, ``TRACESTATE``, ``BAGGAGE`` into ``env`` and returns it.

        ``env`` is a new dict when ``None``; ``os.environ`` works.
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

    @property
    def baggage(self) -> dict[str, str]:
        """The baggage as a new dict on each access; the last value of a repeated key wins."""

    @property
    def links(self) -> list[Link]:
        """Other spans that arrived with this one without being its parent."""

    @property
    def debug(self) -> bool:
        """Whether debug sampling was requested upstream (B3 ``d``, Jaeger's debug flag)."""

    @property
    def deferred(self) -> bool:
        """Whether the sampling decision was left to this service (``sampled`` is then false)."""

    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Link:
    """Another span that arrived with the message without being its parent.

    Raises ``TracewireError`` (``invalid_trace_id``, ``invalid_span_id``) for ids that
    are not lowercase hex.
    """

    def __new__(cls, trace_id: str, span_id: str) -> Link: ...
    @property
    def trace_id(self) -> str:
        """The linked span's trace id: 32 lowercase hex digits."""

    @property
    def span_id(self) -> str:
        """The linked span's id: 16 lowercase hex digits."""

    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Propagator:
    """Formats to extract and to inject, in order, and the repeated-header policy.

    Formats: ``"tracecontext"``, ``"baggage"``, ``"b3"``, ``"b3multi"``, ``"jaeger"``,
    ``"xray"``, ``"datadog"``; ``extract`` and ``inject`` default to
    ``("tracecontext", "baggage")``.
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
    def inject(self, ctx: Context, headers: dict[str, str]) -> dict[str, str]: ...
    @overload
    def inject(self, ctx: Context, headers: _Carrier) -> _Carrier:
        """Writes ``ctx`` into ``headers`` (a new dict when ``None``) and returns them."""

    def diagnose(self, headers: _Headers) -> list[Diagnostic]:
        """Which format won (``extracted``) and why anything else was ignored."""

    def extract_env(self, env: _Headers = None) -> Context | None:
        """The context in the environment mapping ``env`` (``os.environ`` when ``None``)."""

    def continue_trace_env(self, env: _Headers = None) -> Context:
        """A child of the context in ``env`` (``os.environ`` when ``None``), or a new root."""

    def diagnose_env(self, env: _Headers = None) -> list[Diagnostic]:
        """What extraction from ``env`` (``os.environ`` when ``None``) found."""

    @overload
    def inject_env(self, ctx: Context, env: None = None) -> dict[str, str]: ...
    @overload
    def inject_env(self, ctx: Context, env: dict[str, str]) -> dict[str, str]: ...
    @overload
    def inject_env(self, ctx: Context, env: _Carrier) -> _Carrier:
        """Writes ``ctx`` into ``env`` under variable names and returns it.

        ``env`` is a new dict when ``None``; ``os.environ`` works.
        """

    @property
    def fields(self) -> tuple[str, ...]:
        """Every header name the formats read or write (lowercase; ``*`` ends a prefix)."""

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
