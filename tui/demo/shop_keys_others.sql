-- dbscope demo shop: keys and indexes of the smaller sales tables (catalogue, customers, addresses,
-- payments, shipments), then their VACUUM ANALYZE. Runs beside shop_keys_orders.sql.

SET client_min_messages = warning;
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';

\echo @@ indexing payments, shipments, customers and the catalogue
BEGIN;
ALTER TABLE shop.payments ADD PRIMARY KEY (id), ADD CONSTRAINT payments_invoice_no_key UNIQUE (invoice_no);
ALTER TABLE shop.shipments ADD PRIMARY KEY (id), ADD CONSTRAINT shipments_tracking_no_key UNIQUE (tracking_no);
-- DEFECT pg.duplicate-index: idx_payments_order_id, hand-written in the first schema, and
-- payments_order_id_idx, added by a later ORM migration, are the same index. The planner breaks the tie
-- in favour of the newer one, so idx_payments_order_id is the one never scanned.
CREATE INDEX idx_payments_order_id ON shop.payments (order_id);
CREATE INDEX payments_order_id_idx ON shop.payments (order_id);
CREATE INDEX categories_parent_id_idx ON shop.categories (parent_id);
CREATE INDEX addresses_customer_id_idx ON shop.addresses (customer_id);
CREATE INDEX products_category_id_price_idx ON shop.products (category_id, price);
-- DEFECT pg.redundant-index: (category_id) is a leading prefix of products_category_id_price_idx.
CREATE INDEX products_category_id_idx ON shop.products (category_id);

COMMIT;

\echo @@ VACUUM ANALYZE of payments, shipments, customers and the catalogue
VACUUM (ANALYZE) shop.payments, shop.shipments, shop.customers, shop.addresses, shop.products,
    shop.categories;
