"""Batch import of households and persons from CSV/XLSX files, staged and validated before anything is written.

The flow: ``services.do_stage_import`` saves the file and queues ``tasks.validate_import``, which parses
the file (``parsing``), checks every row (``checks``) and stages the rows with their errors
(``staging``). The user then reads the errors and chooses ``do_commit_import`` (which queues
``tasks.commit_import``: one transaction that writes with ``writers``) or ``do_discard_import``.
"""
