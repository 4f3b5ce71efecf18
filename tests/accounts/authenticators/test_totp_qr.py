"""The QR code of an authenticator app's key as SVG markup: its ``viewBox``
holds every module of the symbol and the quiet zone of four light modules
around it, and the markup carries no fixed size (the stylesheet scales it to
its box), so no page cuts an edge off. Parsed here, module by module."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
import segno

from accounts.authenticators.totp.services import totp_new_key, totp_qr_svg, totp_uri

QUIET = 4


def dark_modules(path: str) -> set[tuple[int, int]]:
    """The (row, column) of each dark module a segno line path draws: "M x y"
    or "m dx dy" moves to a row's middle, "h n" draws n modules."""
    tokens = re.findall(r"[A-Za-z]|-?[0-9.]+", path)
    x = y = 0.0
    dark: set[tuple[int, int]] = set()
    i = 0
    while i < len(tokens):
        command = tokens[i]
        if command in ("M", "m"):
            dx, dy = float(tokens[i + 1]), float(tokens[i + 2])
            x, y = (dx, dy) if command == "M" else (x + dx, y + dy)
            i += 3
        elif command == "h":
            n = float(tokens[i + 1])
            dark.update((int(y), col) for col in range(int(x), int(x + n)))
            x += n
            i += 2
        else:
            raise AssertionError(f"unexpected path command {command!r}")
    return dark


@pytest.mark.parametrize(
    "account", ["ann@example.com", "+447911123456", "a-very-long-name" * 4]
)
def test_the_qr_code_shows_every_module_and_its_quiet_zone(account):
    uri = totp_uri(key=totp_new_key(), issuer="Acme Retail", account=account)
    svg = ET.fromstring(totp_qr_svg(uri))
    matrix = segno.make(uri, error="m").matrix
    side = len(matrix) + 2 * QUIET
    assert svg.get("viewBox") == f"0 0 {side} {side}"
    # No fixed size: a width or height in the markup is what a box too small
    # for it cut off.
    assert svg.get("width") is None and svg.get("height") is None
    paths = svg.findall("path")
    assert "transform" not in "".join(str(p.attrib) for p in paths)
    light = [p for p in paths if p.get("fill") == "#fff"]
    assert [p.get("d") for p in light] == [f"M0 0h{side}v{side}h-{side}z"]
    (lines,) = [p for p in paths if p.get("class") == "qrline"]
    drawn = dark_modules(lines.get("d"))
    assert drawn == {
        (row + QUIET, col + QUIET)
        for row, values in enumerate(matrix)
        for col, value in enumerate(values)
        if value
    }
    rows, cols = {r for r, _ in drawn}, {c for _, c in drawn}
    assert min(rows) == min(cols) == QUIET
    assert max(rows) == max(cols) == side - QUIET - 1


def test_the_operators_set_up_page_draws_the_same_qr_code(client, operator):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client.force_login(operator)
    client.post("/console/account/two-factor/")
    page = client.get("/console/account/two-factor/setup/").content.decode()
    svg = ET.fromstring(re.search(r"<svg.*?</svg>", page, re.S).group(0))
    uri = TOTPDevice.objects.get(user=operator).config_url
    side = len(segno.make(uri, error="m").matrix) + 2 * QUIET
    assert svg.get("viewBox") == f"0 0 {side} {side}"
    assert svg.get("width") is None
