"""Mail: an outbox of messages written with the change that causes them, sent by the worker."""
