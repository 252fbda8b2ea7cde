"""Background jobs on arq: the registry of job functions, enqueueing, the worker and the tasks."""
