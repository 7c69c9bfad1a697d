-- swisper.external_id in a database that is not UTF-8: values are stored in
-- the database encoding, validated in it, and converted to and from the
-- client encoding like text, in text and binary form.
\i test/fixtures/reset.sql
\set latin1_db swisper_latin1
\i test/fixtures/latin1_db.sql
SET client_min_messages = warning;
CREATE EXTENSION swisper_ext;
RESET client_min_messages;
SHOW server_encoding;
SHOW client_encoding;
-- 'Zoë' is 4 bytes in UTF-8 (the client) and 3 in LATIN1 (stored).
CREATE TABLE ids (id swisper.external_id);
INSERT INTO ids VALUES ('Zoë'), ('{1AAC01A8-A985-4CD1-AAD6-7E12B25DA1BC}'), ('42'), (''), (E'\tZoë'), ('Zoe');
-- The order is the order of the bytes in the database encoding (COLLATE "C"
-- of this database): 'ë' is 0xEB here, after 'e'.
SELECT to_json(id::text)::text AS value, swisper.external_id_kind(id), octet_length(id::text) AS stored_bytes,
	swisper.external_id_send(id) AS binary_form
FROM ids ORDER BY id;
SELECT (SELECT array_agg(id ORDER BY id) FROM ids)::text[]
	 = (SELECT array_agg(id::text ORDER BY id::text COLLATE "C") FROM ids) AS same_as_text_in_c;
-- A character the database encoding cannot hold is refused as for text.
INSERT INTO ids VALUES ('用户');
SELECT count(*) FROM ids WHERE id = 'Zoë'::varchar;
-- The 255-byte limit counts bytes of the database encoding: 255 'é' fit here.
SELECT swisper.is_valid_external_id(repeat('é', 255)) AS latin1_255, swisper.is_valid_external_id(repeat('é', 256)) AS latin1_256;
-- Binary input converts from the client encoding (tag 3 + UTF-8 bytes).
\copy ids TO 'results/24_external_id.bin' WITH (FORMAT binary)
CREATE TABLE ids_back (id swisper.external_id);
\copy ids_back FROM 'results/24_external_id.bin' WITH (FORMAT binary)
SELECT count(*) AS rows, count(*) FILTER (WHERE id IN (SELECT id FROM ids)) AS same FROM ids_back;
\c contrib_regression
SET client_min_messages = warning;
DROP DATABASE swisper_latin1;
RESET client_min_messages;
