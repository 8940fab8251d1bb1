"""Serve the charting library from doudi itself (bureaus run on intranets: no CDN).

ECharts is installed from npm into ``node_modules/`` (``package.json``, ``scripts/setup``); this finder
offers exactly its minified build as ``vendor/echarts/echarts.min.js`` to ``runserver`` and to
``collectstatic`` (``scripts/serve``), and nothing else of ``node_modules``.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Warning as CheckWarning
from django.core.files.storage import FileSystemStorage

VENDOR = {"vendor/echarts/echarts.min.js": Path("echarts") / "dist" / "echarts.min.js"}


def _node_modules() -> Path:
    return Path(settings.PROJECT_DIR) / "node_modules"


class VendorFinder(BaseFinder):
    def check(self, **kwargs):
        missing = [name for name, rel in VENDOR.items() if not (_node_modules() / rel).is_file()]
        if missing:
            return [
                CheckWarning(f"缺少前端文件 {', '.join(missing)}：请运行 scripts/setup（npm ci）。", id="reports.W001")
            ]
        return []

    def find(self, path, find_all=False, **kwargs):
        rel = VENDOR.get(path)
        found = str(_node_modules() / rel) if rel is not None and (_node_modules() / rel).is_file() else None
        if find_all:
            return [found] if found else []
        return found or []

    def list(self, ignore_patterns):
        for name, rel in VENDOR.items():
            full = _node_modules() / rel
            if full.is_file():
                storage = FileSystemStorage(location=str(full.parent))
                storage.prefix = str(Path(name).parent)
                yield full.name, storage
