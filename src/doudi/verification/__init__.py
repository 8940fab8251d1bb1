"""Department data feeds (部门数据) and the verification reports (核对) built from them (rules.md §9)."""
