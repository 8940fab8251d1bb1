"""Department data feeds (部门数据): layouts, loading, storage as Parquet, scope and retention (rules.md §9)."""
