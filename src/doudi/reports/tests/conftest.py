"""The statistics' small fixed data set (``test_stats``), shared by the dashboard and work report tests."""

from doudi.reports.tests.test_stats import activity, data  # noqa: F401
