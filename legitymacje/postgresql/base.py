"""Django's PostgreSQL backend with a health check that costs no round trip while the
connection is quiet.

`CONN_HEALTH_CHECKS` makes Django check a persistent connection before the first query of
each request, so that a database restart costs a reconnection instead of a 500; Django's
check is a `SELECT 1`, a round trip on every request. Between requests an idle connection
receives nothing but what ends it: a restart, `pg_terminate_backend` or an idle timeout
makes the server send its last message and close the socket. So a socket with nothing to
read is as usable as it was after the last request; only one with something waiting, or
one left inside a transaction, gets Django's `SELECT 1`, which reads what waits (a notice,
or the end) and says whether the connection still works. A server that vanished without a
word (its host or the network gone) neither check finds without waiting for TCP's timeouts.
"""

from __future__ import annotations

import select

from psycopg import pq

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        if self.connection.info.transaction_status != pq.TransactionStatus.IDLE:
            return super().is_usable()
        readable, _writable, _failed = select.select([self.connection.fileno()], [], [], 0)
        return not readable or super().is_usable()
