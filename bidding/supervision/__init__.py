"""Supervision (监督, issue 24; RULES d, e): what the supervision office (监察室 / 行政监督部门) watches
on the platform, beyond reading the trail and remarking in the opening room.

* **Statutory clocks** (:mod:`bidding.supervision.clocks`): every time limit of RULES (d) — documents
  on sale, the bid period, clarifications and objections, the opening, the candidate publicity, the
  contract and the report, deposit refunds, complaints, government procurement's working-day limits —
  as a rule with its article, counted in calendar or working days (87号令 85), with yellow alerts at
  configurable leads and a red one at the limit + 1 s (南京 practice: "超时一秒").
* **The holiday calendar** (:mod:`bidding.supervision.holidays`): the State Council's yearly schedule
  as data, with the weekend days worked (调休), merged with the deployment's own lists.
* **The collusion rules** live in their own package, :mod:`bidding.collusion` (围标串标, RULES e),
  because the evaluation committee reads them too and the award (which supervision's clocks count
  from) builds on the evaluation: one module of signals for both, no import cycle.

Still to come (issue 24): the clocks attached to projects, lots and parties and started and stopped
by the domain events; alerts pushed live to the supervisor's page, by e-mail and SMS, each an audit
event; supervision orders (电子督办单) opened by a red alert, answered, closed with a reason, never
deleted, escalated when overdue; the collusion report as supervision's own page (per lot, each
signal an audit event) and the facts the platform does not collect yet (legal representatives,
machine ids, the opened documents' metadata); the supervisor's dashboard.

Built so far: the pure rules of the clocks and the holiday calendar — no database, HTTP, settings
or clock here: every moment and setting is passed in.
"""
