"""Search keys: case- and accent-free search on customers, products and orders; customer notes.

* ``customer.search_key``, ``product.search_key``, ``orders.search_key``: the folded searchable
  text (:mod:`ordercli.search`), indexed (on PostgreSQL in the "C" collation, so that a prefix is
  an index range on both databases), filled for the existing rows here;
* ``customer_term``: the words each customer is found by as a prefix (completion's index);
* ``customer.note``: a note about the customer (``customer edit --note``).

Revision ID: 0004_search_keys
Revises: 0003_stall_day
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_search_keys'
down_revision = '0003_stall_day'
branch_labels = None
depends_on = None


def _key_type():
    return sa.String().with_variant(sa.String(collation='C'), 'postgresql')


def _backfill(conn, select_sql: str, table: str, make_key) -> None:
    rows = conn.execute(sa.text(select_sql)).fetchall()
    stmt = sa.text(f"UPDATE {table} SET search_key = :k WHERE id = :i")
    batch = []
    for row in rows:
        batch.append({"k": make_key(row), "i": row[0]})
        if len(batch) >= 2000:
            conn.execute(stmt, batch)
            batch = []
    if batch:
        conn.execute(stmt, batch)


def upgrade() -> None:
    from ordercli import search

    for table in ('customer', 'product', 'orders'):
        op.add_column(table, sa.Column('search_key', _key_type(), nullable=True))
        op.create_index(f'ix_{table}_search_key', table, ['search_key'])
    op.add_column('customer', sa.Column('note', sa.String(), nullable=True))
    op.create_table(
        'customer_term',
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('term', _key_type(), nullable=False),
        sa.ForeignKeyConstraint(['customer_id'], ['customer.id']),
        sa.PrimaryKeyConstraint('customer_id', 'term'),
    )
    op.create_index('ix_customer_term_term', 'customer_term', ['term', 'customer_id'])
    conn = op.get_bind()
    _backfill(conn, "SELECT id, name, email, phone FROM customer", "customer", lambda r: search.customer_key(r[1], r[2], r[3]))
    terms = [
        {"c": cid, "t": t}
        for cid, name, email, phone in conn.execute(sa.text("SELECT id, name, email, phone FROM customer")).fetchall()
        for t in sorted(search.customer_terms(name, email, phone))
    ]
    for k in range(0, len(terms), 5000):
        conn.execute(sa.text("INSERT INTO customer_term (customer_id, term) VALUES (:c, :t)"), terms[k : k + 5000])
    _backfill(conn, "SELECT id, sku, name FROM product", "product", lambda r: search.product_key(r[1], r[2]))
    skus: dict = {}
    for oid, sku in conn.execute(sa.text("SELECT order_id, sku FROM order_line WHERE sku IS NOT NULL")):
        skus.setdefault(oid, []).append(sku)
    _backfill(
        conn,
        "SELECT id, number, external_ref, customer_name, customer_email, customer_phone FROM orders",
        "orders",
        lambda r: search.order_key(r[1], r[2], r[3], r[4], r[5], skus.get(r[0], ())),
    )


def downgrade() -> None:
    op.drop_index('ix_customer_term_term', table_name='customer_term')
    op.drop_table('customer_term')
    for table in ('customer', 'product', 'orders'):
        op.drop_index(f'ix_{table}_search_key', table_name=table)
        op.execute(f'ALTER TABLE {table} DROP COLUMN search_key')
    op.execute('ALTER TABLE customer DROP COLUMN note')
