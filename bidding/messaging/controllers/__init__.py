"""The messaging capability on the wire: the providers' callbacks, the delivery log, the in-app inbox."""
