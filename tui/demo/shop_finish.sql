-- dbscope demo shop, last step: what needs every table loaded and indexed (the foreign keys, views,
-- functions, triggers, the materialized view), then what must happen after VACUUM
-- ANALYZE: the bloated table, the invalid index left by a failed concurrent build, and a little
-- traffic so index usage statistics look like a running shop's (every index but the deliberately
-- unused ones gets scanned).

SET client_min_messages = warning;
SET synchronous_commit = off;
SET work_mem = '256MB';

\echo @@ validating foreign keys
BEGIN;
ALTER TABLE shop.orders
    ADD CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES shop.customers (id),
    ADD CONSTRAINT orders_shipping_address_id_fkey FOREIGN KEY (shipping_address_id) REFERENCES shop.addresses (id);
-- DEFECT pg.fk-without-index: no index on order_items.order_id, so reading an order's lines and every
-- delete of an order scan all 600,000 lines.
ALTER TABLE shop.order_items
    ADD CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id) REFERENCES shop.orders (id) ON DELETE CASCADE,
    ADD CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id) REFERENCES shop.products (id);
ALTER TABLE shop.categories
    ADD CONSTRAINT categories_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES shop.categories (id);
ALTER TABLE shop.products
    ADD CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id) REFERENCES shop.categories (id);
ALTER TABLE shop.addresses
    ADD CONSTRAINT addresses_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES shop.customers (id);
ALTER TABLE shop.payments
    ADD CONSTRAINT payments_order_id_fkey FOREIGN KEY (order_id) REFERENCES shop.orders (id);
-- DEFECT pg.fk-without-index: no index on shipments.order_id either.
ALTER TABLE shop.shipments
    ADD CONSTRAINT shipments_order_id_fkey FOREIGN KEY (order_id) REFERENCES shop.orders (id);
ALTER TABLE shop.inventory
    ADD CONSTRAINT inventory_product_id_fkey FOREIGN KEY (product_id) REFERENCES shop.products (id);

\echo @@ creating views, functions and triggers
CREATE VIEW shop.active_products AS
SELECT p.id, p.sku, p.name, c.name AS category, p.price
FROM shop.products p
JOIN shop.categories c ON c.id = p.category_id
WHERE p.discontinued_at IS NULL;
COMMENT ON VIEW shop.active_products IS 'Products on sale, with their category name';

CREATE FUNCTION shop.order_total(p_order_id bigint) RETURNS numeric
    LANGUAGE sql STABLE
    RETURN (SELECT coalesce(sum(quantity * unit_price - coalesce(discount, 0)), 0)
            FROM shop.order_items WHERE order_id = p_order_id);
COMMENT ON FUNCTION shop.order_total(bigint) IS 'Recomputes an order''s total from its lines';

CREATE FUNCTION shop.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE FUNCTION shop.log_order_status() RETURNS trigger
    LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO shop.audit_log (logged_at, actor, table_name, row_id, action, changes)
    VALUES (now(), current_user, 'orders', NEW.id, 'UPDATE',
            jsonb_build_object('status', jsonb_build_array(OLD.status, NEW.status)));
    RETURN NULL;
END
$$;

CREATE TRIGGER orders_touch_updated_at BEFORE UPDATE ON shop.orders
    FOR EACH ROW EXECUTE FUNCTION shop.touch_updated_at();
CREATE TRIGGER orders_log_status AFTER UPDATE OF status ON shop.orders
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION shop.log_order_status();

CREATE MATERIALIZED VIEW reporting.daily_revenue AS
SELECT created_at::date AS day, count(*) AS orders, sum(total_amount) AS revenue
FROM shop.orders
WHERE status <> 'pending'
GROUP BY 1;
CREATE UNIQUE INDEX daily_revenue_day_idx ON reporting.daily_revenue (day);
COMMENT ON MATERIALIZED VIEW reporting.daily_revenue IS 'Orders and revenue per day; refreshed nightly';

CREATE VIEW reporting.customer_value AS
SELECT c.id AS customer_id, c.email, c.company_name, count(o.id) AS orders,
       coalesce(sum(o.total_amount), 0) AS revenue, max(o.created_at) AS last_order_at
FROM shop.customers c
LEFT JOIN shop.orders o ON o.customer_id = c.id
GROUP BY c.id;
COMMENT ON VIEW reporting.customer_value IS 'Lifetime orders and revenue per customer';

COMMIT;
ANALYZE reporting.daily_revenue;

\echo @@ simulating stock updates (bloat on shop.inventory)
-- DEFECT pg.dead-tuples: two full rewrites with autovacuum off leave two dead versions per live row.
ALTER TABLE shop.inventory SET (autovacuum_enabled = off, toast.autovacuum_enabled = off);
UPDATE shop.inventory SET on_hand = on_hand + 1, updated_at = now();
UPDATE shop.inventory SET reserved = (on_hand * 7) % 5, updated_at = now();
ANALYZE shop.inventory;

\echo @@ trying to make customer e-mails unique (fails, as in production)
-- DEFECT pg.invalid-index: a case-insensitive unique index built CONCURRENTLY fails on the duplicate
-- e-mail addresses and stays behind, invalid: the planner ignores it but every write maintains it.
\set ON_ERROR_STOP off
\set VERBOSITY terse
CREATE UNIQUE INDEX CONCURRENTLY customers_email_lower_key ON shop.customers (lower(email));
\set ON_ERROR_STOP on
\set VERBOSITY default

\echo @@ replaying a little traffic
-- Index scans forced on (even on tiny tables) so each index a real shop uses has idx_scan > 0.
BEGIN;
SET LOCAL enable_seqscan = off;
DO $$
DECLARE
    i integer;
BEGIN
    FOR i IN 1..50 LOOP
        PERFORM 1 FROM shop.categories WHERE id = 1 + i % 40;
        PERFORM 1 FROM shop.categories WHERE slug = 'headphones';
        PERFORM 1 FROM shop.categories WHERE parent_id = 1 + i % 8;
        PERFORM 1 FROM shop.products WHERE id = i * 191;
        PERFORM 1 FROM shop.products WHERE sku = 'SKU-' || lpad((i * 191)::text, 6, '0');
        PERFORM 1 FROM shop.products WHERE category_id = 9 + i % 32 ORDER BY price LIMIT 20;
        PERFORM 1 FROM shop.customers WHERE id = i * 997;
        PERFORM 1 FROM shop.addresses WHERE id = i * 997;
        PERFORM 1 FROM shop.addresses WHERE customer_id = i * 997;
        PERFORM 1 FROM shop.orders WHERE id = i * 3989;
        PERFORM 1 FROM shop.orders WHERE customer_id = i * 997;
        PERFORM 1 FROM shop.orders WHERE shipping_address_id = i * 997;
        PERFORM 1 FROM shop.orders WHERE status = 'pending' ORDER BY created_at LIMIT 50;
        PERFORM 1 FROM shop.order_items WHERE id = i * 11987;
        PERFORM 1 FROM shop.order_items WHERE product_id = i * 191;
        PERFORM 1 FROM shop.payments WHERE id = i * 3989;
        PERFORM 1 FROM shop.payments WHERE order_id = i * 3989;
        PERFORM 1 FROM shop.payments WHERE invoice_no = 100000 + i * 3989;
        PERFORM 1 FROM shop.shipments WHERE id = i * 3931;
        PERFORM 1 FROM shop.shipments WHERE tracking_no = 'DHL' || lpad((i * 3930)::text, 10, '0');
        PERFORM 1 FROM shop.inventory WHERE product_id = i * 191 AND warehouse = 'BER';
        PERFORM 1 FROM shop.inventory_movements WHERE id = 1932615282 + i * 2393;
        PERFORM 1 FROM shop.inventory_movements WHERE product_id = i * 191;
        PERFORM 1 FROM shop.inventory_movements WHERE order_id = i * 3989;
        PERFORM 1 FROM shop.audit_log WHERE table_name = 'orders' AND row_id = i * 3989;
        PERFORM 1 FROM shop.audit_log WHERE id = i * 5987;
        PERFORM 1 FROM reporting.monthly_targets WHERE month = date_trunc('month', now())::date;
        PERFORM 1 FROM reporting.daily_revenue WHERE day = current_date - i;
    END LOOP;
END
$$;
COMMIT;
\echo @@ demo database ready
