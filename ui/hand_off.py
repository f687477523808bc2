"""The telephone hand-off (Call) every screen offers: one place reads the dialer setting."""

from __future__ import annotations

from domain.links import dial_href
from domain.system import Services


def call_href(services: Services, number: str) -> str:
    """``[phone] dialer_url_template`` with the number, or a plain ``tel:`` link."""
    template = services.settings.section("phone").get("dialer_url_template") or None
    return dial_href(number, template)
