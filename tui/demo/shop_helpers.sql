-- dbscope demo shop: per-session helpers for the data generators (included by shop_sales.sql and
-- shop_ledger.sql). Everything lives in pg_temp, so nothing of it is left in the demo database.

SET client_min_messages = warning;
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';

CREATE FUNCTION pg_temp.first_name(g bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['Anna', 'Jonas', 'Lea', 'Lukas', 'Mia', 'Paul', 'Emma', 'Felix', 'Sophie', 'Max',
                  'Marie', 'Leon', 'Hannah', 'Elias', 'Lena', 'Noah', 'Clara', 'Finn', 'Ida', 'Jürgen',
                  'Zoë', 'Mateo', 'Chloé', 'Lars', 'Ingrid', 'Luca', 'Giulia', 'Tomasz', 'Agnieszka', 'Sven',
                  'Åsa', 'Pierre', 'Camille', 'Diego', 'Lucía', 'Oliver', 'Amelia', 'Jan', 'Eva', 'Karl'])
           [1 + g % 40]
$$;
CREATE FUNCTION pg_temp.last_name(g bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker',
                  'Schulz', 'Hoffmann', 'Schröder', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf',
                  'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange',
                  'Dubois', 'Rossi', 'García', 'Nowak', 'Jansen', 'Andersson', 'Nielsen', 'Kowalski',
                  'Martin', 'Bernard', 'Lefèvre', 'Bianchi', 'Fernández', 'de Vries', 'O''Brien', 'Novák'])
           [1 + (g / 40) % 40]
$$;
-- The 1,600 first/last name combinations and the local part of their e-mail addresses.
CREATE TEMP TABLE names AS
SELECT k, pg_temp.first_name(k) AS first_name, pg_temp.last_name(k) AS last_name,
       translate(lower(pg_temp.first_name(k) || '.' || pg_temp.last_name(k)), 'üöäåéèëáíóç'' ',
                 'uoaaeeeaioc') AS local_part
FROM generate_series(0, 1599) AS k;
CREATE FUNCTION pg_temp.domain(g bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT (ARRAY['example.com', 'example.org', 'example.net', 'mail.example', 'post.example',
                  'shop.example', 'web.example', 'inbox.example'])[1 + (g * 13) % 8]
$$;
-- Signup time of customer g (seconds since the epoch): ids grow with time over the three years.
CREATE FUNCTION pg_temp.signup_epoch(g bigint, t0 bigint, t1 bigint) RETURNS double precision
    LANGUAGE sql IMMUTABLE AS $$ SELECT t0 + (g - 1) * (t1 - t0) / 50000.0 $$;

CREATE TEMP TABLE cities (idx int, city text, country char(2), zip_prefix text, zip_digits int);
-- Ordered by popularity (a German shop): index 1 is picked most often.
INSERT INTO cities VALUES
    (1, 'Berlin', 'DE', '1', 4), (2, 'Hamburg', 'DE', '2', 4), (3, 'München', 'DE', '8', 4),
    (4, 'Köln', 'DE', '5', 4), (5, 'Frankfurt am Main', 'DE', '6', 4), (6, 'Wien', 'AT', '1', 3),
    (7, 'Stuttgart', 'DE', '7', 4), (8, 'Zürich', 'CH', '8', 3), (9, 'Düsseldorf', 'DE', '4', 4),
    (10, 'Leipzig', 'DE', '04', 3), (11, 'Paris', 'FR', '75', 3), (12, 'Amsterdam', 'NL', '10', 2),
    (13, 'Dresden', 'DE', '01', 3), (14, 'Graz', 'AT', '8', 3), (15, 'Lyon', 'FR', '69', 3),
    (16, 'Basel', 'CH', '4', 3), (17, 'Bremen', 'DE', '28', 3), (18, 'Hannover', 'DE', '30', 3),
    (19, 'Rotterdam', 'NL', '30', 2), (20, 'Milano', 'IT', '201', 2), (21, 'Madrid', 'ES', '280', 2),
    (22, 'Kraków', 'PL', '30-', 3), (23, 'København', 'DK', '1', 3), (24, 'Bruxelles', 'BE', '10', 2),
    (25, 'Praha', 'CZ', '1', 4), (26, 'Marseille', 'FR', '130', 2), (27, 'Barcelona', 'ES', '080', 2),
    (28, 'Stockholm', 'SE', '1', 4), (29, 'Dublin', 'IE', 'D0', 1), (30, 'Lisboa', 'PT', '1', 3);

