"""Orders remember how much of what was refunded gave back an overpayment (credit).

The money model (ordercli/balance.py) needs it: a refund that gives back what an edit
made the customer overpay does not lower what the order is owed if the total rises
again, while any other refund (a concession) never becomes a debt.

Revision ID: 0002_credit_refunded
Revises: 0001_initial
"""
from alembic import op
import sqlalchemy as sa


revision = '0002_credit_refunded'
down_revision = '0001_initial'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases (no table copy: orders are referenced by other tables).
    op.add_column('orders', sa.Column('credit_refunded', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    # SQLite 3.35+ and PostgreSQL drop a column in place; a batch copy would trip the foreign keys.
    op.execute('ALTER TABLE orders DROP COLUMN credit_refunded')
