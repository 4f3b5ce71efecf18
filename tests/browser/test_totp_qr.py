"""The QR code of an authenticator app's key, as Chromium paints it: the whole
symbol and its quiet zone of four light modules, module for module the code
segno makes of the key's URI, inside its container, on a wide screen and on a
phone — on the pool user's set-up page and on the operator's. (A cut edge or a
thin margin makes phone cameras fail to read it.)"""

from __future__ import annotations

import base64

import pytest
import segno
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.authenticators.passwords.services import password_set
from accounts.authenticators.totp.services import totp_uri
from tests.factories import (
    PASSWORD,
    IdentityPoolFactory,
    OperatorFactory,
    PoolUserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GOOD = "correct horse battery staple 2026"
SCREENS = [(1280, 800), (320, 640)]
QUIET = 4

# The painted pixels of a PNG, through the page's canvas (no image library
# here): for each pixel, whether it is dark.
_DARK_PIXELS = """async (b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const bitmap = await createImageBitmap(new Blob([bytes], {type: "image/png"}));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext("2d");
  context.drawImage(bitmap, 0, 0);
  const data = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  const dark = [];
  for (let i = 0; i < data.length; i += 4) {
    dark.push(data[i] + data[i + 1] + data[i + 2] < 3 * 128 ? 1 : 0);
  }
  return {width: bitmap.width, height: bitmap.height, dark};
}"""

_BOXES = """() => {
  const box = (el) => el.getBoundingClientRect().toJSON();
  const svg = document.querySelector(".qr svg");
  return {
    svg: box(svg), qr: box(svg.closest(".qr")), main: box(document.querySelector("main")),
    scroll: document.documentElement.scrollWidth, viewport: window.innerWidth,
  };
}"""


def _inside(inner: dict, outer: dict) -> bool:
    return (
        inner["left"] >= outer["left"] - 0.5
        and inner["top"] >= outer["top"] - 0.5
        and inner["right"] <= outer["right"] + 0.5
        and inner["bottom"] <= outer["bottom"] + 0.5
    )


def assert_whole_code_shown(page, uri: str) -> None:
    """The QR code on ``page`` is inside its containers and paints exactly
    segno's symbol of ``uri`` with a quiet zone of at least four modules."""
    boxes = page.evaluate(_BOXES)
    assert _inside(boxes["svg"], boxes["qr"]), boxes
    assert _inside(boxes["qr"], boxes["main"]), boxes
    assert boxes["scroll"] <= boxes["viewport"], boxes  # nothing off the screen

    shot = page.locator(".qr svg").screenshot()
    painted = page.evaluate(_DARK_PIXELS, base64.b64encode(shot).decode())
    width, height, dark = painted["width"], painted["height"], painted["dark"]

    def is_dark(x: int, y: int) -> bool:
        return bool(dark[y * width + x])

    # The element's own 1px border is light grey, so the dark pixels are the
    # symbol's: their bounding box is the symbol.
    xs = [i % width for i, d in enumerate(dark) if d]
    ys = [i // width for i, d in enumerate(dark) if d]
    left, right, top, bottom = min(xs), max(xs) + 1, min(ys), max(ys) + 1
    expected = segno.make(uri, error="m").matrix
    size = len(expected)
    module = (right - left) / size
    assert module >= 2, f"{module:.2f} px per module is too small to scan"
    assert abs((bottom - top) / size - module) < 0.5  # square, nothing cut off
    painted_matrix = [
        [
            is_dark(int(left + (col + 0.5) * module), int(top + (row + 0.5) * module))
            for col in range(size)
        ]
        for row in range(size)
    ]
    assert painted_matrix == [[bool(v) for v in row] for row in expected]
    # The quiet zone: four light modules on every side, inside the element
    # (less its 1px border).
    margins = (left - 1, top - 1, width - 1 - right, height - 1 - bottom)
    assert min(margins) >= QUIET * module - 1, (margins, module)


@pytest.mark.parametrize("screen", SCREENS, ids=["wide", "phone"])
def test_pool_users_set_up_page_shows_the_whole_qr_code(live_server, page, screen):
    page.set_viewport_size({"width": screen[0], "height": screen[1]})
    pool = IdentityPoolFactory(workspace__name="Acme Retail")
    user = PoolUserFactory(pool=pool, email="ann@example.com")
    password_set(user=user, raw_password=GOOD)
    base = f"{live_server.url}/w/{pool.workspace.slug}/pools/{pool.pk}"
    page.goto(f"{base}/signin/")
    page.get_by_label("Email/Mobile").fill("ann@example.com")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Password").fill(GOOD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.locator(".qr svg")).to_be_visible()
    manual = page.locator("#totp-key").inner_text().replace(" ", "")
    key = base64.b32decode(manual + "=" * (-len(manual) % 8)).hex()
    uri = totp_uri(key=key, issuer="Acme Retail", account="ann@example.com")
    assert_whole_code_shown(page, uri)


@pytest.mark.parametrize("screen", SCREENS, ids=["wide", "phone"])
def test_operators_set_up_page_shows_the_whole_qr_code(live_server, page, screen):
    page.set_viewport_size({"width": screen[0], "height": screen[1]})
    operator = OperatorFactory(email="ops@example.com")
    page.goto(f"{live_server.url}/console/")
    page.get_by_label("Email").fill(operator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/console/account/two-factor/")
    page.get_by_role("button", name="Set up an authenticator app").click()
    expect(page.locator(".qr svg")).to_be_visible()
    device = TOTPDevice.objects.get(user=operator, confirmed=False)
    assert_whole_code_shown(page, device.config_url)
