"""What-if simulation: re-assess every active household of a region under a changed policy.

A run compares the published policy (baseline) with a scenario (a draft version and/or parameter
overrides) on one date, for every active household under a region code prefix, and reports who
would enter, leave or change amount, with counts and the monthly cost difference by programme and
region, and the list of changed households. Nothing is written to the live tables.

Modules, in the order a run uses them:

- ``scenario``: parse ``key=value`` overrides, build the scenario documents, resolve both policies
  per county;
- ``extract``: set-based SQL over whole tables into numpy columns (``Chunk``), chunk by chunk;
- ``facts``: columns → engine ``HouseholdFacts`` with minimal per-row Python;
- ``assess``: assess a batch under both policies into compact arrays (``Outcome``), serially or in
  forked worker processes;
- ``summary``: counts and cost differences by programme and region, the changed-household list;
- ``runner``: ``simulate(actor, request)`` — scope, capability and the whole pipeline;
- ``forms``, ``views``, ``urls``: the page; ``policy.tasks.run_simulation`` runs big regions in the background;
- ``export``: CSV and XLSX of the changed households; ``store``: runs kept on disk for the page;
- ``floor``: the vectorised gap-payment-only floor the benchmark compares against.
"""
