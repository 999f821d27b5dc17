"""Reading the audit log page in tests."""

from __future__ import annotations

from bs4 import BeautifulSoup


def soup_of(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def entry_ids(soup: BeautifulSoup) -> list[int]:
    return [int(tr["data-entry"]) for tr in soup.select("tr[data-entry]")]


def notices(soup: BeautifulSoup) -> list[str]:
    return [p.get_text(strip=True) for p in soup.select(".audit-notice")]
