"""Collusion signals (围标串标; RULES e; 条例 34, 39, 40; 政采条例 74): the rules that find what bids of
different bidders share that they should not (:mod:`bidding.collusion.signals`) and a safe reader of a
document's own metadata (:mod:`bidding.collusion.doc_metadata`). Pure: the callers gather the facts —
the evaluation committee's view (``bidding.evaluation.signal_facts``) and supervision's report.

Its own package, below both: the evaluation shows the signals to the committee, supervision to the
supervisor, and supervision's clocks build on the award, which builds on the evaluation.
``docs/supervision.md`` §Collusion report.
"""
