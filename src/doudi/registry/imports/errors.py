"""Error codes of batch imports; messages are Chinese and name the row, the column and the reason."""

from enum import StrEnum


class ImportErrorCode(StrEnum):
    FILE_INVALID = "import_file_invalid"
    FILE_TOO_LARGE = "import_file_too_large"
    WRONG_STATUS = "import_wrong_status"
    HAS_ERRORS = "import_has_errors"
    NOTHING_TO_IMPORT = "import_nothing_to_import"
    STALE = "import_stale"
