"""The job runtime on arq: job specs and queues, enqueueing, exactly-once effects, the worker heartbeat."""
