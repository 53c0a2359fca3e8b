-- dbscope demo shop: the sales tables (catalogue, customers, orders, payments, shipments), loaded in
-- one transaction by one of two parallel sessions (see shop_schema.sql). Only the primary keys that
-- other tables' foreign keys need are built here; shop_keys_orders.sql and shop_keys_others.sql build
-- the rest in parallel afterwards.
-- Generated on the server with generate_series (bulk INSERT ... SELECT into tables without indexes).
-- Skew is deliberate: customer order counts follow a power law (a handful of business "whales"),
-- statuses split 90/9/1, product popularity is skewed, optional columns are mostly NULL, and dates
-- spread over three years with growth towards today.

\ir shop_helpers.sql
SELECT setseed(0.42);

BEGIN;

\echo @@ loading categories and products (10,000 rows)
INSERT INTO shop.categories (id, parent_id, name, slug)
SELECT v.id, v.parent_id, v.name, lower(regexp_replace(v.name, '[^A-Za-z]+', '-', 'g'))
FROM (VALUES
    (1, NULL, 'Electronics'), (2, NULL, 'Home & Kitchen'), (3, NULL, 'Garden'),
    (4, NULL, 'Sports & Outdoors'), (5, NULL, 'Toys'), (6, NULL, 'Books'), (7, NULL, 'Fashion'),
    (8, NULL, 'Office'),
    (9, 1, 'Headphones'), (10, 1, 'Smartphones'), (11, 1, 'Laptops'), (12, 1, 'Cameras'),
    (13, 2, 'Cookware'), (14, 2, 'Coffee & Tea'), (15, 2, 'Furniture'), (16, 2, 'Lighting'),
    (17, 3, 'Garden Tools'), (18, 3, 'Plants'), (19, 3, 'Grills'), (20, 3, 'Watering'),
    (21, 4, 'Cycling'), (22, 4, 'Running'), (23, 4, 'Camping'), (24, 4, 'Fitness'),
    (25, 5, 'Board Games'), (26, 5, 'Building Sets'), (27, 5, 'Puzzles'), (28, 5, 'Outdoor Toys'),
    (29, 6, 'Fiction'), (30, 6, 'Cookbooks'), (31, 6, 'Travel Guides'), (32, 6, 'Children''s Books'),
    (33, 7, 'Shoes'), (34, 7, 'Jackets'), (35, 7, 'Bags'), (36, 7, 'Watches'),
    (37, 8, 'Paper'), (38, 8, 'Pens'), (39, 8, 'Desks'), (40, 8, 'Printers')
) AS v(id, parent_id, name);

INSERT INTO shop.products (id, sku, name, description, category_id, price, weight_grams, created_at,
                           discontinued_at)
SELECT s.g,
       'SKU-' || lpad(s.g::text, 6, '0'),
       n.name,
       CASE WHEN s.r1 < 0.30 THEN NULL ELSE 'The ' || n.name || ', ' || lower(c.name) || ' for every day.' END,
       s.category_id,
       round((4.99 + exp(s.r2 * 6.2))::numeric, 2),
       CASE WHEN s.r3 < 0.20 THEN NULL ELSE 50 + (s.r3 * 4000)::int END,
       to_timestamp(:t0 - 86400 * 365 + s.r4 * (:t1 - :t0)),
       CASE WHEN s.r5 < 0.08 THEN to_timestamp(:t1 - s.r5 * 86400 * 365 * 4) END
FROM (SELECT g, 9 + floor(32 * random() ^ 1.5)::int AS category_id, random() AS r1, random() AS r2,
             random() AS r3, random() AS r4, random() AS r5
      FROM generate_series(1, 10000) AS g) AS s
JOIN shop.categories c ON c.id = s.category_id
CROSS JOIN LATERAL (
    SELECT (ARRAY['Wireless', 'Ergonomic', 'Compact', 'Premium', 'Classic', 'Smart', 'Portable',
                  'Organic', 'Vintage', 'Ultralight', 'Waterproof', 'Professional', 'Eco', 'Deluxe',
                  'Mini', 'Heavy-Duty', 'Foldable', 'Bluetooth', 'Stainless', 'Kids'])[1 + (s.g * 7) % 20]
           || ' ' || c.name || ' ' || upper(substr(md5(s.g::text), 1, 4)) AS name
) AS n;
SELECT setval(pg_get_serial_sequence('shop.categories', 'id'), 40);
SELECT setval(pg_get_serial_sequence('shop.products', 'id'), 10000);
ALTER TABLE shop.categories ADD PRIMARY KEY (id), ADD CONSTRAINT categories_slug_key UNIQUE (slug);
ALTER TABLE shop.products ADD PRIMARY KEY (id), ADD CONSTRAINT products_sku_key UNIQUE (sku);

\echo @@ loading customers (50,000 rows) and addresses (65,000 rows)
-- Every 499th customer registered twice: the previous customer's address in a different case.
INSERT INTO shop.customers (id, email, first_name, last_name, company_name, phone, birth_date, referrer_id,
                            marketing_opt_in, created_at)
SELECT s.g,
       CASE WHEN s.g % 499 = 0 THEN initcap(p.local_part || (s.g - 1) || '@' || pg_temp.domain(s.g - 1))
            ELSE n.local_part || s.g || '@' || pg_temp.domain(s.g) END,
       CASE WHEN s.g % 499 = 0 THEN p.first_name ELSE n.first_name END,
       CASE WHEN s.g % 499 = 0 THEN p.last_name ELSE n.last_name END,
       CASE WHEN s.g <= 12 THEN (ARRAY['Nordlicht GmbH', 'Alpenbüro AG', 'Kaffeehaus Wien KG', 'Bureau Dupont SARL',
                                       'Fahrradwerk Leipzig', 'Gartenprofi eG', 'Spielwaren Koch OHG',
                                       'Büchertisch GmbH', 'Outdoor Nord GmbH', 'Schreibwaren Lange',
                                       'Hotel Seeblick', 'Praxis Dr. Wolf'])[s.g]
            WHEN s.r1 < 0.01 THEN n.last_name || ' & Partner' END,
       CASE WHEN s.r2 < 0.40 THEN NULL
            ELSE '+49 ' || (150 + s.g % 30) || ' ' || lpad(((s.g * 7919) % 10000000)::text, 7, '0') END,
       CASE WHEN s.r3 < 0.65 THEN NULL ELSE date '1950-01-01' + (s.r3 * 20000)::int END,
       CASE WHEN s.r4 < 0.90 OR s.g = 1 THEN NULL ELSE 1 + floor(random() * (s.g - 1))::bigint END,
       s.r5 < 0.35,
       to_timestamp(pg_temp.signup_epoch(s.g, :t0, :t1))
FROM (SELECT g, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5
      FROM generate_series(1, 50000) AS g) AS s
JOIN names n ON n.k = s.g % 1600
JOIN names p ON p.k = (s.g - 1) % 1600;

-- Address g (g <= 50,000) is customer g's first, shipping address; 15,000 customers have a second one.
INSERT INTO shop.addresses (id, customer_id, kind, line1, line2, zip, city, country)
SELECT a.id, a.customer_id, a.kind,
       (ARRAY['Hauptstraße', 'Bahnhofstraße', 'Gartenweg', 'Schillerstraße', 'Lindenallee', 'Rue de la Paix',
              'Kirchgasse', 'Am Markt', 'Seestraße', 'Bergstraße', 'Via Roma', 'Goethestraße'])[1 + a.id % 12]
           || ' ' || (1 + a.id % 120),
       CASE WHEN a.r1 < 0.85 THEN NULL WHEN a.r1 < 0.95 THEN 'Hinterhaus' ELSE 'c/o ' || pg_temp.last_name(a.id + 7) END,
       c.zip_prefix || lpad(((a.id * 37) % (10 ^ c.zip_digits)::int)::text, c.zip_digits, '0'),
       c.city, c.country
FROM (SELECT g AS id, g AS customer_id, 'shipping' AS kind, random() AS r1,
             1 + floor(30 * random() ^ 1.8)::int AS city_idx
      FROM generate_series(1, 50000) AS g
      UNION ALL
      SELECT g, 1 + floor(random() * 50000)::bigint, CASE WHEN random() < 0.7 THEN 'billing' ELSE 'shipping' END,
             random(), 1 + floor(30 * random() ^ 1.8)::int
      FROM generate_series(50001, 65000) AS g) AS a
JOIN cities c ON c.idx = a.city_idx;
SELECT setval(pg_get_serial_sequence('shop.customers', 'id'), 50000);
SELECT setval(pg_get_serial_sequence('shop.addresses', 'id'), 65000);
ALTER TABLE shop.customers ADD PRIMARY KEY (id);
ALTER TABLE shop.addresses ADD PRIMARY KEY (id);

\echo @@ loading order_items (600,000 rows)
-- Orders 1..200,000 have 1-6 lines (3 on average); product popularity is skewed (a power law over a
-- scrambled product order, so the best sellers are spread over the catalogue).
INSERT INTO shop.order_items (order_id, product_id, quantity, unit_price, discount)
SELECT i.order_id, p.id,
       i.quantity,
       p.price,
       CASE WHEN i.r < 0.85 THEN NULL ELSE round(p.price * i.quantity * 0.1, 2) END
FROM (SELECT o AS order_id,
             1 + (floor(10000 * random() ^ 2)::int * 7907) % 10000 AS product_id,
             CASE WHEN random() < 0.8 THEN 1 ELSE 2 + floor(random() * 4)::int END AS quantity,
             random() AS r
      FROM generate_series(1, 200000) AS o,
           generate_series(1, (ARRAY[1, 1, 1, 2, 2, 3, 4, 5, 6, 5])[1 + o % 10]) AS line) AS i
JOIN shop.products p ON p.id = i.product_id;

\echo @@ loading orders (200,000 rows)
-- Order g is placed at t0 + 3 years * sqrt(g / 200,000): ids follow time, and the shop grows (twice
-- as many orders a day now as 18 months ago). The customer is one of those registered by then, picked
-- with probability ~ k^-0.6 (Zipf-like): customer 1 places ~3,000 orders, the median customer two.
-- The newest 1 % are pending, the next 9 % shipped, the rest delivered.
INSERT INTO shop.orders (id, customer_id, customer_email, status, shipping_address_id, total_amount,
                         coupon_code, notes, created_at, updated_at)
SELECT o.id, o.customer_id, c.email,
       CASE WHEN o.id > 198000 THEN 'pending' WHEN o.id > 180000 THEN 'shipped' ELSE 'delivered' END,
       o.customer_id,
       t.total,
       CASE WHEN o.r1 < 0.95 THEN NULL
            ELSE (ARRAY['WELCOME10', 'SUMMER24', 'BLACKFRIDAY', 'NEWSLETTER5'])[1 + o.id % 4] END,
       CASE WHEN o.r2 < 0.97 THEN NULL
            ELSE (ARRAY['Bitte beim Nachbarn abgeben', 'Gift wrap please', 'Call before delivery',
                        'Leave at the door'])[1 + o.id % 4] END,
       to_timestamp(:t0 + (:t1 - :t0) * o.x),
       CASE WHEN o.id <= 198000 THEN to_timestamp(:t0 + (:t1 - :t0) * o.x) + interval '2 days' END
FROM (SELECT g AS id, x, r1, r2,
             1 + floor(greatest(1, floor(50000 * x)) * r0 ^ 2.5)::bigint AS customer_id
      FROM (SELECT g, sqrt((g - 1 + random()) / 200000.0) AS x, random() AS r0, random() AS r1,
                   random() AS r2
            FROM generate_series(1, 200000) AS g) AS s) AS o
JOIN shop.customers c ON c.id = o.customer_id
-- float8 sums are twice as fast as numeric ones here and exact once rounded (at most 6 lines of cents).
JOIN (SELECT order_id, round(sum(quantity * unit_price::float8 - coalesce(discount::float8, 0))::numeric, 2) AS total
      FROM shop.order_items GROUP BY order_id) AS t ON t.order_id = o.id;
SELECT setval(pg_get_serial_sequence('shop.orders', 'id'), 200000);
ALTER TABLE shop.orders ADD PRIMARY KEY (id);

\echo @@ loading payments (206,060 rows) and shipments (198,000 rows)
INSERT INTO shop.payments (order_id, method, status, amount, provider_ref, paid_at)
SELECT o.id, m.method,
       CASE WHEN o.status = 'delivered' AND o.r < 0.015 THEN 'refunded' ELSE 'captured' END,
       o.total_amount,
       CASE WHEN m.method = 'invoice' THEN NULL ELSE 'pi_' || to_hex(o.id * 2654435761) END,
       o.created_at + interval '3 minutes'
FROM (SELECT id, status, total_amount, created_at, random() AS r FROM shop.orders) AS o
CROSS JOIN LATERAL (SELECT CASE WHEN o.r < 0.70 THEN 'card' WHEN o.r < 0.90 THEN 'paypal'
                                WHEN o.r < 0.98 THEN 'invoice' ELSE 'giftcard' END AS method) AS m
UNION ALL
SELECT o.id, 'card', 'failed', o.total_amount, 'pi_' || to_hex(o.id * 2654435761 + 1), o.created_at
FROM shop.orders o
WHERE o.id % 33 = 0;

INSERT INTO shop.shipments (order_id, carrier, tracking_no, shipped_at, delivered_at)
SELECT s.id, s.carrier,
       upper(left(s.carrier, 3)) || lpad(s.id::text, 10, '0'),
       s.shipped_at,
       CASE WHEN s.status = 'delivered' THEN s.shipped_at + (1 + s.r * 4) * interval '1 day' END
FROM (SELECT o.id, o.status, o.created_at + (6 + random() * 66) * interval '1 hour' AS shipped_at,
             random() AS r,
             (ARRAY['DHL', 'DHL', 'DHL', 'DHL', 'DHL', 'UPS', 'UPS', 'DPD', 'DPD', 'GLS'])[1 + o.id % 10] AS carrier
      FROM shop.orders o
      WHERE o.status IN ('shipped', 'delivered')) AS s;


COMMIT;
