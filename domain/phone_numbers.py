"""Phone numbers as the SMS gateway sees them: E.164 or a short code."""

from __future__ import annotations

import re

# [0-9], not \d: \d also matches other scripts' digits (Arabic-Indic, fullwidth, ...).
E164 = re.compile(r"\+[0-9]{8,15}")
SHORT_CODE = re.compile(r"[0-9]{3,8}")


def is_sms_address(value: object) -> bool:
    """True for ``+`` then 8 to 15 digits, or a 3 to 8 digit short code (CONTRACTS.md)."""
    return isinstance(value, str) and bool(E164.fullmatch(value) or SHORT_CODE.fullmatch(value))
