"""The navigation shell: each capability registers its entries here at import time."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    perm: str
    section: str = "main"  # "main" or "admin"
    icon: str = ""


ITEMS: list[NavItem] = []


def add(item: NavItem) -> None:
    if item not in ITEMS:
        ITEMS.append(item)


#: Static files every signed-in page loads (e.g. the all-hands alarm banner script).
SCRIPTS: list[str] = []
STYLES: list[str] = []


def add_script(path: str) -> None:
    if path not in SCRIPTS:
        SCRIPTS.append(path)


def add_style(path: str) -> None:
    if path not in STYLES:
        STYLES.append(path)
