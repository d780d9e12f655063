"""Variants and the real catalog (issue 13).

* ``product_group``: a product with options (its name and option names, a JSON list);
  its variants are ``product`` rows (each still sold by its own SKU, with its own price and stock);
* ``product.group_id``, ``product.options`` (the variant's option values, a JSON object in the
  group's option order), ``product.for_sale`` (draft / archived imports: kept, not sold),
  ``product.low_stock`` (the variant's low-stock threshold);
* ``order_line.options``: the option values the line was sold with (JSON object).

Existing products stay simple products, for sale.

Revision ID: 0005_variants
Revises: 0003_stall_day
"""
from alembic import op
import sqlalchemy as sa


revision = '0005_variants'
down_revision = '0004_search_keys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'product_group',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('option_names', sa.String(), nullable=False, server_default='[]'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key', name='uq_product_group_key'),
    )
    # Plain ADD COLUMNs (no table rebuild: on SQLite a rebuild of ``product`` trips the
    # foreign keys of order lines and the ledger); the foreign key is declared inline.
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE product ADD COLUMN group_id INTEGER REFERENCES product_group(id)')
    else:
        op.add_column('product', sa.Column('group_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_product_group', 'product', 'product_group', ['group_id'], ['id'])
    op.add_column('product', sa.Column('options', sa.String(), nullable=True))
    op.add_column('product', sa.Column('for_sale', sa.Boolean(), nullable=False, server_default=sa.true()))
    op.add_column('product', sa.Column('low_stock', sa.Integer(), nullable=True))
    op.create_index('ix_product_group_id', 'product', ['group_id'])
    op.add_column('order_line', sa.Column('options', sa.String(), nullable=True))


def downgrade() -> None:
    op.drop_column('order_line', 'options')
    op.drop_index('ix_product_group_id', 'product')
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint('fk_product_group', 'product', type_='foreignkey')
    for column in ('low_stock', 'for_sale', 'options', 'group_id'):
        op.drop_column('product', column)
    op.drop_table('product_group')
