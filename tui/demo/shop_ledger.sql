-- dbscope demo shop: the ledger tables (stock, stock movements, the partitioned audit log, the legacy
-- import, reporting targets), loaded in one transaction by the second of two parallel sessions (see
-- shop_schema.sql), then indexed and analysed. No foreign key here points at a sales table.

\ir shop_helpers.sql
SELECT setseed(0.17);

BEGIN;

\echo @@ loading inventory (30,000 rows) and inventory_movements (120,000 rows)
INSERT INTO shop.inventory (product_id, warehouse, on_hand, reserved, updated_at)
SELECT p, w, (random() * 500)::int, 0, now()
FROM generate_series(1, 10000) AS p, unnest(ARRAY['BER', 'LEJ', 'MAD']) AS w;

-- Ids start where the ERP's sync left the counter: 90 % of 2^31-1 once this table is loaded.
INSERT INTO shop.inventory_movements (id, product_id, warehouse, quantity, reason, order_id, moved_at)
SELECT 1932615282 + g,
       (1 + (floor(10000 * random() ^ 2)::int * 7907) % 10000)::numeric,
       CASE WHEN r1 < 0.6 THEN 'BER' WHEN r1 < 0.9 THEN 'LEJ' ELSE 'MAD' END,
       CASE WHEN r2 < 0.70 THEN -1 - (r3 * 3)::int WHEN r2 < 0.90 THEN 50 + (r3 * 450)::int
            WHEN r2 < 0.97 THEN 1 ELSE (r3 * 20)::int - 10 END,
       CASE WHEN r2 < 0.70 THEN 'sale' WHEN r2 < 0.90 THEN 'restock' WHEN r2 < 0.97 THEN 'return'
            ELSE 'adjustment' END,
       CASE WHEN r2 < 0.70 THEN 1 + floor(g * 199999.0 / 120000)::bigint END,
       to_timestamp(:t0 + (g - 1 + r3) * (:t1 - :t0) / 120000.0)
FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3 FROM generate_series(1, 120000) AS g) AS s;
SELECT setval('shop.inventory_movements_id_seq', 1932735282);

\echo @@ loading audit_log (300,000 rows in 12 monthly partitions)
INSERT INTO shop.audit_log (logged_at, actor, table_name, row_id, action, changes)
SELECT to_timestamp(:a0 + (g + r1) * (:t1 - :a0) / 300000.0),
       CASE WHEN r2 < 0.70 THEN NULL
            ELSE 'staff.' || (ARRAY['anna', 'jonas', 'mia', 'felix', 'ops-bot'])[1 + g % 5] END,
       tbl,
       1 + floor(r3 * 200000)::bigint,
       act,
       CASE WHEN act = 'DELETE' THEN NULL
            WHEN tbl = 'orders' THEN jsonb_build_object('status', jsonb_build_array('shipped', 'delivered'))
            WHEN tbl = 'payments'
                THEN jsonb_build_object('status', jsonb_build_array('failed', 'captured'))
            WHEN tbl = 'customers' THEN jsonb_build_object('marketing_opt_in', jsonb_build_array(r3 >= 0.5, r3 < 0.5))
            ELSE jsonb_build_object('price', jsonb_build_array(round((5 + r3 * 200)::numeric, 2),
                                                               round((5 + r3 * 210)::numeric, 2))) END
FROM (SELECT g, r1, r2, r3,
             CASE WHEN r4 < 0.60 THEN 'orders' WHEN r4 < 0.80 THEN 'payments' WHEN r4 < 0.95 THEN 'customers'
                  ELSE 'products' END AS tbl,
             CASE WHEN r5 < 0.80 THEN 'UPDATE' WHEN r5 < 0.98 THEN 'INSERT' ELSE 'DELETE' END AS act
      FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
            FROM generate_series(0, 299999) AS g) AS s) AS a;

\echo @@ loading legacy_customer_import (20,000 rows) and reporting targets
INSERT INTO shop.legacy_customer_import (customer_no, email, full_name, phone, source_file, imported_at)
SELECT s.k::text,
       n.local_part || s.k || '@' || pg_temp.domain(s.k),
       n.first_name || ' ' || n.last_name,
       CASE WHEN random() < 0.5 THEN NULL ELSE '0' || (150 + s.k % 30) || '-' || (s.k * 7919) % 10000000 END,
       'export_2023_0' || (1 + s.g % 4) || '.csv',
       to_timestamp(:t0 + 86400 * 30)
FROM (SELECT g, 1 + (g * 7919) % 40000 AS k FROM generate_series(1, 19000) AS g) AS s
JOIN names n ON n.k = s.k % 1600;
-- The import ran twice for one of the files.
INSERT INTO shop.legacy_customer_import
SELECT * FROM shop.legacy_customer_import WHERE source_file = 'export_2023_02.csv' LIMIT 1000;

INSERT INTO reporting.monthly_targets (month, revenue_target, orders_target)
SELECT t.m::date, 150000 + 12000 * t.i, 3000 + 250 * t.i
FROM generate_series(date_trunc('month', now()) - interval '35 months', date_trunc('month', now()),
                     interval '1 month') WITH ORDINALITY AS t(m, i);

\echo @@ building keys and indexes of the ledger tables
ALTER TABLE shop.inventory_movements ADD PRIMARY KEY (id);
ALTER TABLE shop.inventory ADD PRIMARY KEY (product_id, warehouse);
ALTER TABLE shop.audit_log ADD PRIMARY KEY (id, logged_at);
ALTER TABLE reporting.monthly_targets ADD PRIMARY KEY (month);
CREATE INDEX inventory_movements_product_id_idx ON shop.inventory_movements (product_id);
CREATE INDEX inventory_movements_order_id_idx ON shop.inventory_movements (order_id);
CREATE INDEX audit_log_table_name_row_id_idx ON shop.audit_log (table_name, row_id);

COMMIT;

\echo @@ VACUUM ANALYZE of the ledger tables
VACUUM (ANALYZE) shop.inventory, shop.inventory_movements, shop.audit_log, shop.legacy_customer_import,
    reporting.monthly_targets;
