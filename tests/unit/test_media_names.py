"""The file name a saved image gets: the contact chose it, so it is cleaned first."""

from __future__ import annotations

import re

import pytest

from ui.mms import content_disposition, download_name

HEADER_SAFE = re.compile(r'attachment; filename="[A-Za-z0-9 .()+,_-]+"; '
                         r"filename\*=UTF-8''[A-Za-z0-9%._~-]+")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("photo.JPG", "photo.jpg"),
        ("receipt.png", "receipt.jpg"),
        ("../../etc/passwd", "passwd.jpg"),
        ("C:\\Users\\x\\Desktop\\bill.gif", "bill.jpg"),
        ("evil\u202egpj.exe", "evilgpj.jpg"),  # right-to-left override removed
        ("zero\u200bwidth.png", "zerowidth.jpg"),
        ("line\r\nbreak.png", "linebreak.jpg"),
        ("CON.png", "image CON.jpg"),
        ("", "image.jpg"),
        ("...", "image.jpg"),
        (".hidden", "hidden.jpg"),
        ("no extension", "no extension.jpg"),
        ("Ünïcødé фото.png", "Ünïcødé фото.jpg"),
        ('a"; filename=x.exe', "a_ filename_x.jpg"),
    ],
)
def test_download_names_are_harmless(given: str, expected: str) -> None:
    assert download_name(given) == expected


def test_long_names_are_shortened() -> None:
    name = download_name("x" * 300 + ".png")
    assert name == "x" * 80 + ".jpg"


@pytest.mark.parametrize(
    "given", ["photo.jpg", 'quote"and\\slash.png', "Ünïcødé фото.png", "фото.png",
              "emoji 😀.png", "tab\there.png", "semi;colon,comma.png"],
)
def test_content_disposition_is_a_well_formed_attachment(given: str) -> None:
    header = content_disposition(given)

    assert HEADER_SAFE.fullmatch(header), header
    assert header.isascii()
    assert "\r" not in header and "\n" not in header


def test_the_utf8_name_survives_in_filename_star() -> None:
    header = content_disposition("фото.png")

    assert 'filename="image.jpg"' in header
    assert "filename*=UTF-8''%D1%84%D0%BE%D1%82%D0%BE.jpg" in header
