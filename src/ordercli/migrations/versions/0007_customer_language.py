"""Customers' language and VAT number (issue 12).

* ``customer.language``: the language of the customer's emails, invoices and receipts
  (``fr``, ``en``…); NULL means the store's (``store.locale``).
* ``customer.vat_number``: a business customer's VAT number; printed on their invoices,
  which then carry the late-payment penalties and the fixed recovery indemnity.

Revision ID: 0007_customer_language
Revises: 0003_stall_day
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_customer_language'
down_revision = '0006_report_indexes'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('customer', sa.Column('language', sa.String(length=20), nullable=True))
    op.add_column('customer', sa.Column('vat_number', sa.String(length=50), nullable=True))


def downgrade() -> None:
    # SQLite 3.35+ and PostgreSQL drop a column in place; a batch copy would trip the foreign keys.
    op.execute('ALTER TABLE customer DROP COLUMN vat_number')
    op.execute('ALTER TABLE customer DROP COLUMN language')
