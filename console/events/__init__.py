"""Push, not poll: SageMaker's EventBridge events read from an SQS queue (issue #18).

- :mod:`console.events.records`: :class:`ResourceChanged`, what one event means.
- :mod:`console.events.parse`: the documented ``source``/``detail-type``/``detail``
  shapes -> :class:`ResourceChanged` (one table, one place).
- :mod:`console.events.ledger`: nothing applied twice, an older event never wins.
- :mod:`console.events.coalesce`: many events for one resource -> one refresh.
- :mod:`console.events.health`: flowing / silent / missing / unreadable, for the header
  and for the poller's interval.
- :mod:`console.events.consumer`: the SQS long-poll loop that ties them together.
- :mod:`console.events.watch`: the ``smconsole watch`` stream (queue or poll diff).
"""
