"""The stall day: walk-in orders, payment method codes, the till that took each payment, till sessions.

* ``orders.walk_in``: a sale to a passer-by (no customer record, no customer mail);
* ``payment.method_code`` (the ``payment.methods`` code reports group by), ``payment.till``
  and ``payment.till_session_id`` (which till and which session took it), an index on ``payment.at``;
* ``till_session`` (at most one open per till: a partial unique index) and ``till_move``
  (cash in / cash out during a session).

Existing payments get the code their typed method names when it names one of the default
methods in English or French (``Cash``, ``Espèces``, ``Card``…), else ``other``.

Revision ID: 0003_stall_day
Revises: 0002_credit_refunded
"""
from alembic import op
import sqlalchemy as sa


revision = '0003_stall_day'
down_revision = '0002_credit_refunded'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('orders', sa.Column('walk_in', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('payment', sa.Column('method_code', sa.String(length=40), nullable=True))
    op.add_column('payment', sa.Column('till', sa.String(length=100), nullable=True))
    op.add_column('payment', sa.Column('till_session_id', sa.Integer(), nullable=True))
    op.create_index('ix_payment_method_code', 'payment', ['method_code'])
    op.create_index('ix_payment_till_session_id', 'payment', ['till_session_id'])
    op.create_index('ix_payment_at', 'payment', ['at'])
    op.create_table(
        'till_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('till', sa.String(length=100), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('float_amount', sa.Integer(), nullable=False),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('expected_cash', sa.Integer(), nullable=True),
        sa.Column('counted_cash', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_till_session_till', 'till_session', ['till'])
    op.create_index(
        'ux_till_session_open', 'till_session', ['till'], unique=True,
        sqlite_where=sa.text('closed_at IS NULL'), postgresql_where=sa.text('closed_at IS NULL'),
    )
    op.create_table(
        'till_move',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['till_session.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_till_move_session_id', 'till_move', ['session_id'])
    # Existing payments: the default method their typed text names, else "other".
    op.execute(
        "UPDATE payment SET method_code = CASE lower(trim(method))"
        " WHEN 'cash' THEN 'cash' WHEN 'espèces' THEN 'cash' WHEN 'especes' THEN 'cash' WHEN 'liquide' THEN 'cash'"
        " WHEN 'card' THEN 'card' WHEN 'carte' THEN 'card' WHEN 'carte bancaire' THEN 'card' WHEN 'cb' THEN 'card'"
        " WHEN 'transfer' THEN 'transfer' WHEN 'bank transfer' THEN 'transfer' WHEN 'virement' THEN 'transfer'"
        " WHEN 'cheque' THEN 'cheque' WHEN 'check' THEN 'cheque' WHEN 'chèque' THEN 'cheque'"
        " ELSE 'other' END WHERE method IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_index('ix_till_move_session_id', table_name='till_move')
    op.drop_table('till_move')
    op.drop_index('ux_till_session_open', table_name='till_session')
    op.drop_index('ix_till_session_till', table_name='till_session')
    op.drop_table('till_session')
    op.drop_index('ix_payment_at', table_name='payment')
    op.drop_index('ix_payment_till_session_id', table_name='payment')
    op.drop_index('ix_payment_method_code', table_name='payment')
    for col in ('till_session_id', 'till', 'method_code'):
        op.execute(f'ALTER TABLE payment DROP COLUMN {col}')
    op.execute('ALTER TABLE orders DROP COLUMN walk_in')
