"""Outbound HTTP from inside the deployment's network, to the hosts a setting allows.

A data source's URL and an alert webhook's URL are typed by people of an organization, but the
request runs inside the deployment's network: without a limit it would reach the cloud's metadata
service or an internal admin page, and the answer (or its error text) would be shown back. So
every connection, redirects included, is checked against the address it actually connects to (a
name that resolves to a public address once and a private one later gains nothing), and proxies
from the environment are not used.

A list of patterns allows: ``*`` any public address; a name (``api.example.com``) or a name
pattern (``*.example.com``); an address or a network (``10.1.2.0/24``). Loopback, private and
link-local addresses are reached only when a pattern names them: their address, a network
holding it, or the host name in the URL. An IPv6 address that carries an IPv4 one (mapped, or
NAT64's ``64:ff9b::/96``) is public only when the IPv4 address is.

Connections are direct: the environment's ``HTTP_PROXY`` and ``HTTPS_PROXY`` are not used, since
a proxy would connect to the target where this check cannot see it.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from collections.abc import Callable, Iterable
from typing import Any

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class HostRefused(Exception):
    """The host is not one the setting allows, or cannot be found. The message can be shown."""


def allowed_by_name(host: str, patterns: Iterable[str]) -> bool:
    host = host.lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return False  # an address is matched by address: "*.0.0.1" must not name 127.0.0.1
    for pattern in patterns:
        pattern = pattern.lower().rstrip(".")
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
        if pattern == host:
            return True
    return False


# NAT64 (RFC 6052): 64:ff9b::a9fe:a9fe reaches 169.254.169.254 through the gateway.
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(address: Address) -> bool:
    """A global unicast address; one carrying an IPv4 address is judged by that address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return is_public(address.ipv4_mapped)
        if address in NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not address.is_multicast


def allowed_address(address: Address, patterns: Iterable[str]) -> bool:
    for pattern in patterns:
        if pattern == "*":
            if is_public(address):
                return True
            continue
        try:
            network = ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            continue  # a host name, matched by name
        if address.version == network.version and address in network:
            return True
    return False


def allowed_addresses(
    host: str, port: int, patterns: list[str], *, what: str, setting: str
) -> list[tuple[Any, ...]]:
    """The socket addresses of ``host`` that ``what`` ("data sources") may connect to, or
    HostRefused naming ``setting``."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        # urllib leaves a user name and password in the host: never in a message.
        raise HostRefused(f"cannot find the host {host.rpartition('@')[2]!r}: {exc}") from None
    if allowed_by_name(host, patterns):
        return [info[4] for info in infos]
    allowed = [
        info[4]
        for info in infos
        if allowed_address(ipaddress.ip_address(str(info[4][0]).split("%")[0]), patterns)
    ]
    if not allowed:
        raise HostRefused(
            f"{host} is not a host {what} may reach (an internal address, or not in "
            f"{setting}); an administrator can add it there"
        )
    return allowed


def _guarded_connection(
    addresses: Callable[[str, int], list[tuple[Any, ...]]],
) -> Callable[..., socket.socket]:
    def create_connection(
        address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        host, port = address
        error: OSError | None = None
        for target in addresses(host, port):
            try:
                return socket.create_connection(target[:2], timeout, source_address)
            except OSError as exc:
                error = exc
        assert error is not None
        raise error

    return create_connection


def opener(
    patterns: list[str], *, what: str, setting: str, handlers: Iterable[Any] = ()
) -> urllib.request.OpenerDirector:
    """A urllib opener whose every connection goes to an address ``patterns`` allow (else
    HostRefused), without the environment's proxies; ``handlers`` are added (redirects)."""
    guard = _guarded_connection(
        lambda host, port: allowed_addresses(host, port, patterns, what=what, setting=setting)
    )

    class Http(http.client.HTTPConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = guard

    class Https(http.client.HTTPSConnection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._create_connection = guard

    class HttpHandler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(Http, req)

    class HttpsHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> Any:
            return self.do_open(Https, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), HttpHandler, HttpsHandler, *handlers
    )
