"""Pages of the case workflow (HTML). Reads go through ``doudi.cases.selectors``, writes through
``doudi.cases.services``; a role that may not take a step gets 403 before anything is looked up,
a case outside the user's region 404, and a step taken on a stale version "已被他人处理，请刷新".

- ``inbox``: 我的待办, the case search and the bulk actions;
- ``case``: the case page with its timeline and the forms of the next steps; opening an application;
- ``documents``: the printable PDFs;
- ``enrolments``: enrolments with their amount history and the periodic-review tasks.
"""
