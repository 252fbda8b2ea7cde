"""Job functions, one concern per module. Importing them has no effect: :mod:`bidding.jobs.catalogue`
lists each one, with its queue, time limit or schedule."""
