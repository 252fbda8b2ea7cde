"""From the final evaluation report to the contract (issue 21; RULES c11–c16; ``docs/awards.md``):
the candidate publicity (中标候选人公示), objections (异议) and complaints (投诉), the winner's choice,
the award and result notices, the contract and its clocks, failed tenders (流标) and terminations.

Built so far: the pure rules (:mod:`bidding.awards.rules`) and the states with who may do what
(:mod:`bidding.awards.states`). No database, HTTP or clock here: time is passed in.
"""
