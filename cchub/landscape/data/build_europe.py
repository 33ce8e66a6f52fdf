"""Build ``europe.json`` — the outlines of Europe's countries for the dashboard's map —
from Natural Earth's 1:50m admin-0 countries (public domain) as redistributed in TopoJSON by
the npm package world-atlas 2.0.2 (`npm pack world-atlas@2.0.2`, file countries-50m.json).

    python cchub/landscape/data/build_europe.py path/to/countries-50m.json

Run once; the output is committed, so the hub needs neither the package nor the network.
Rings are clipped to Europe's frame and rounded to 0.01°.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

# ISO 3166-1 numeric (world-atlas feature ids) -> alpha-2 (the registry's codes)
EUROPE = {
    "008": "AL",
    "020": "AD",
    "040": "AT",
    "051": "AM",
    "031": "AZ",
    "070": "BA",
    "056": "BE",
    "100": "BG",
    "112": "BY",
    "756": "CH",
    "196": "CY",
    "203": "CZ",
    "276": "DE",
    "208": "DK",
    "233": "EE",
    "724": "ES",
    "246": "FI",
    "234": "FO",
    "250": "FR",
    "826": "GB",
    "268": "GE",
    "300": "GR",
    "191": "HR",
    "348": "HU",
    "372": "IE",
    "352": "IS",
    "380": "IT",
    "438": "LI",
    "440": "LT",
    "442": "LU",
    "428": "LV",
    "492": "MC",
    "498": "MD",
    "499": "ME",
    "807": "MK",
    "470": "MT",
    "528": "NL",
    "578": "NO",
    "616": "PL",
    "620": "PT",
    "642": "RO",
    "688": "RS",
    "643": "RU",
    "752": "SE",
    "705": "SI",
    "703": "SK",
    "674": "SM",
    "792": "TR",
    "804": "UA",
    "336": "VA",
}
NAMES = {"Kosovo": "XK"}  # no ISO numeric code
FRAME = (-25.0, 34.0, 45.0, 71.5)  # west, south, east, north


def arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


def ring(indexes: list[int], decoded: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for i in indexes:
        arc = decoded[i] if i >= 0 else list(reversed(decoded[~i]))
        points.extend(arc[1:] if points else arc)
    return points


def inside(points: list[tuple[float, float]]) -> bool:
    """Some of the ring lies in the frame, and it does not cross the antimeridian."""
    west, south, east, north = FRAME
    if any(abs(a[0] - b[0]) > 180 for a, b in zip(points, points[1:], strict=False)):
        return False
    return any(west <= x <= east and south <= y <= north for x, y in points)


def main(path: str) -> None:
    topology = json.loads(Path(path).read_text())
    decoded = arcs(topology)
    countries: dict[str, list[list[list[float]]]] = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        code = EUROPE.get(str(geometry.get("id", ""))) or NAMES.get(
            geometry.get("properties", {}).get("name", "")
        )
        if not code:
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = []
        for polygon in polygons:
            outer = ring(polygon[0], decoded)
            if inside(outer):
                rings.append([[round(x, 2), round(y, 2)] for x, y in outer])
        if rings:
            countries[code] = rings
    out = {
        "source": "Natural Earth 1:50m admin-0 countries v4.1.0 (public domain), via world-atlas 2.0.2",
        "frame": FRAME,
        "countries": dict(sorted(countries.items())),
    }
    target = Path(__file__).with_name("europe.json")
    target.write_text(json.dumps(out, separators=(",", ":")))
    print(f"{len(countries)} countries, {target.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1])
