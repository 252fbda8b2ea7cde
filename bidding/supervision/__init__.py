"""Supervision (监督, issue 24; RULES d, e; ``docs/supervision.md``): what the supervision office
(监察室 / 行政监督部门) watches on the platform.

* **Statutory clocks** (:mod:`~bidding.supervision.clocks`, pure): every time limit of RULES (d) as a
  rule with its article, counted in calendar or working days (87号令 85) on the platform's holiday
  calendar (:mod:`bidding.core.holidays`).
* **Clocks on projects** (:mod:`~bidding.supervision.drivers`, :mod:`~bidding.supervision.tracking`,
  :mod:`~bidding.supervision.moments`): started, stopped and cancelled by the audit trail's events.
* **Alerts** (:mod:`~bidding.supervision.alerts`): yellow at the leads, red at the limit + 1 s, each
  raised once, audited, told and pushed live (:mod:`~bidding.supervision.live`).
* **Supervision orders** (电子督办单, :mod:`~bidding.supervision.orders`): opened by a red alert,
  answered, closed with a reason, never deleted, escalated when overdue; counted per agency and per
  person (:mod:`~bidding.supervision.stats`); the complaints across awards
  (:mod:`~bidding.supervision.complaints`).
* **The collusion report** per lot (:mod:`~bidding.supervision.collusion_report`) on the rules of
  :mod:`bidding.collusion`, which the evaluation committee reads too.
* **The watch** (:mod:`~bidding.supervision.jobs`) every 10 seconds; the HTTP API and the live
  channel in :mod:`~bidding.supervision.controllers`.
"""
