"""Indexes for the day's close and the till sessions' figures.

* ``payment (till, at)``: a till's payments of a day (`report day --till`, `report sales --by till`);
* ``payment (till_session_id, method_code, kind)`` replaces the single-column session index:
  a session's takings by method (`till status`, `till close`) read from the index alone;
* ``till_session (opened_at)``: the sessions open during a day.

The day's orders use ``ix_orders_created`` and their lines ``ix_order_line_order_id``
(both from 0001); the day's payments ``ix_payment_at`` (0003).

Revision ID: 0006_report_indexes
Revises: 0003_stall_day
"""
from alembic import op


revision = '0006_report_indexes'
down_revision = '0005_variants'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_payment_till_at', 'payment', ['till', 'at'])
    op.drop_index('ix_payment_till_session_id', table_name='payment')
    op.create_index('ix_payment_session_method', 'payment', ['till_session_id', 'method_code', 'kind'])
    op.create_index('ix_till_session_opened', 'till_session', ['opened_at'])


def downgrade() -> None:
    op.drop_index('ix_till_session_opened', table_name='till_session')
    op.drop_index('ix_payment_session_method', table_name='payment')
    op.create_index('ix_payment_till_session_id', 'payment', ['till_session_id'])
    op.drop_index('ix_payment_till_at', table_name='payment')
