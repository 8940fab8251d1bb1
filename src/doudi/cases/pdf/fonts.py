"""The CJK font embedded in every PDF the case pages print.

ReportLab embeds TrueType (``glyf``) fonts, subset to the characters used, but cannot embed the
CFF-based OpenType fonts browsers use (Noto Sans CJK), so PDFs use a TrueType CJK font installed
from Debian (``fonts-wqy-zenhei``, installed by ``scripts/setup``; ``fonts-arphic-uming`` also
works). ``settings.DOUDI_PDF_FONT`` may name another ``.ttf``/``.ttc`` file.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from doudi.core.errors import DomainError

FONT_NAME = "DoudiCJK"
# (path, index of the face inside a .ttc collection), tried in order.
CANDIDATES = (
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
)


class PdfFontMissing(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "pdf_font_missing",
            "无法生成 PDF：服务器未安装可嵌入的中文字体。请系统管理员运行 scripts/setup"
            "（安装 fonts-wqy-zenhei），或在设置 DOUDI_PDF_FONT 中指定 TrueType 中文字体文件。",
        )


def font_file() -> tuple[str, int] | None:
    """Return the (path, face index) of the CJK font to embed, or ``None`` when none is installed."""
    configured = getattr(settings, "DOUDI_PDF_FONT", "")
    candidates = ((configured, 0),) if configured else CANDIDATES
    for path, index in candidates:
        if Path(path).is_file():
            return path, index
    return None


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the CJK font with ReportLab once per process and return its name.

    Raises ``PdfFontMissing`` when no TrueType CJK font is installed.
    """
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    found = font_file()
    if found is None:
        raise PdfFontMissing()
    path, index = found
    pdfmetrics.registerFont(TTFont(FONT_NAME, path, subfontIndex=index))
    return FONT_NAME
